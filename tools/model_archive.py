"""`make archive`: the model as a CoMSES Net model-library archive, a zip under results/.

The CoMSES Net Computational Model Library asks for a release organised as code/, docs/ (the
narrative documentation: for an agent-based model, the ODD), data/ (input data, if any) and
results/, with the environment the code needs and a README saying how to run it. Here:

    collabsim-<version>/
        README.md        how to install the pinned environment and run the model (written here)
        LICENSE, CITATION.cff, codemeta.json
        code/            the committed source tree (package, scenarios, experiments, tests, ...)
        code/requirements.txt   the pinned environment: constraints.txt's exact versions
        docs/            the ODD (docs/ODD.md), the user guides and their figures
        data/            the observed patterns the calibration fits (experiments/targets/)
        results/         the reports and figures the README and the ODD quote (docs/results/)

Only committed files go in (`git ls-files`): what the archive holds is a version anyone can
check out. Run: `python tools/model_archive.py [--out results/]`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = ("LICENSE", "CITATION.cff", "codemeta.json")
NOT_CODE = ("docs/", ".ci/", "results/")  # docs go to docs/ and results/; CI is not the model's

README = """# {name} {version}: model archive

{description}.

- **Model description**: the ODD protocol, `docs/ODD.md` (every mechanism in words, as an
  equation, with its parameters and sources). The user guides are beside it in `docs/`.
- **Code**: `code/`, the source tree of this version (Python {python}); `code/README.md` is the
  project's own README with every command.
- **Data**: `data/` holds the observed patterns the calibration fits (the same files are read by
  the command line from `code/experiments/targets/`); the scenarios are in `code/scenarios/`.
- **Results**: `results/` holds the reports and figures quoted in the README and the ODD.
- **Cite**: `CITATION.cff` (software) and the ODD (model); licence: `LICENSE` ({license}).

## Run it

With Python {python} (`python3.12 --version`):

```
python3.12 -m venv .venv
.venv/bin/pip install -r code/requirements.txt   # the pinned environment of this version
.venv/bin/pip install --no-deps ./code
.venv/bin/python -m collabsim.model.precompile   # compile the model's kernels once (about a minute)
.venv/bin/collabsim scenarios                    # the shipped scenarios, policies and experiments
.venv/bin/collabsim run baseline -n 30 --seed 1  # the baseline chain, 30 replicates
.venv/bin/collabsim compare policies/no_policy policies/one_off_subsidy policies/sustained_funding
```

Each command writes its outputs (tables, figures, a manifest with the seeds and versions) into a
folder it names. `collabsim init mine` copies the scenarios and experiment files for editing.
The whole test suite: `cd code && make test`.
"""


def committed_files(root: Path = ROOT) -> list[str]:
    """The repository's committed files (paths relative to root)."""
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True, text=True
    ).stdout
    return sorted(p for p in out.split("\0") if p and (root / p).is_file())


def layout(root: Path = ROOT) -> dict[str, Path]:
    """Where each file goes in the archive (below the top folder): archive path -> source."""
    files = committed_files(root)
    placed: dict[str, Path] = {name: root / name for name in TOP_LEVEL if name in files}
    for path in files:
        if path.startswith("docs/results/"):
            placed["results/" + path.removeprefix("docs/results/")] = root / path
        elif path.startswith("docs/"):
            placed[path] = root / path
        elif path.startswith("experiments/targets/"):
            placed["data/" + path.removeprefix("experiments/")] = root / path
        if not path.startswith(NOT_CODE) and path not in TOP_LEVEL:
            placed["code/" + path] = root / path
    return placed


def write_archive(out_dir: Path, root: Path = ROOT) -> Path:
    """Write results/<name>-<version>-model-archive.zip; returns its path."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name, version = project["name"], project["version"]
    top = f"{name}-{version}"
    python = (root / ".python-version").read_text().strip()
    readme = README.format(
        name=name,
        version=version,
        description=project["description"],
        python=python,
        license=project.get("license", "see LICENSE"),
    )
    pins = (root / "constraints.txt").read_text(encoding="utf-8")
    requirements = (
        f"# The pinned environment of {name} {version} (Python {python}): constraints.txt's "
        "exact versions.\n" + pins
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{top}-model-archive.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{top}/README.md", readme)
        archive.writestr(f"{top}/code/requirements.txt", requirements)
        for inside, source in sorted(layout(root).items()):
            archive.write(source, f"{top}/{inside}")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="folder for the zip")
    args = parser.parse_args(argv)
    target = write_archive(args.out)
    with zipfile.ZipFile(target) as archive:
        count = len(archive.namelist())
    print(f"{target}: {count} files, {target.stat().st_size / 1e6:.1f} MB", file=sys.stdout)


if __name__ == "__main__":
    main()
