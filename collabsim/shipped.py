"""The files collabsim ships: scenarios, the policy library, the scan's questionnaire and examples,
and the experiment and calibration-target files.

They live at the repository's root (`scenarios/`, `experiments/`), where the README, the docs,
the tests and the scripts name them; the wheel carries a copy of them as `collabsim/data/`
(setup.py's build step), in the same layout, so that an experiment's relative path such as
`scenario = "../scenarios/baseline.toml"` resolves in both. `root()` is whichever of the two this
installation has. A command's file argument goes through `resolve`: a path that exists wins, else a
bare name (`baseline`, `policies/one_off_subsidy`, `demo_sweep`, `at_risk`) is looked up among the
shipped files; a name that matches nothing is one line naming the close ones (exit 2).
"""

from __future__ import annotations

import difflib
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from collabsim.errors import CollabsimInputError

PACKAGE = Path(__file__).resolve().parent  # collabsim/
FOLDERS = ("scenarios", "experiments")  # what is shipped, relative to root()


@dataclass(frozen=True)
class Kind:
    """One kind of shipped file a command takes: where such files are and their suffix."""

    folder: str  # relative to root()
    suffix: str
    what: str  # for the error line


SCENARIO = Kind("scenarios", ".toml", "scenario")
EXPERIMENT = Kind("experiments", ".toml", "experiment")
TARGETS = Kind("experiments/targets", ".toml", "targets file")
SCAN_ANSWERS = Kind("scenarios/scan/examples", ".csv", "scan answers file")


def root() -> Path:
    """The folder holding `scenarios/` and `experiments/`: the wheel's `collabsim/data`, else the
    source checkout's root (an editable install, or PYTHONPATH pointing at the repository)."""
    packaged = PACKAGE / "data"
    if (packaged / "scenarios").is_dir():
        return packaged
    return PACKAGE.parent


def shipped(kind: Kind) -> list[str]:
    """The names a command accepts for `kind`: paths below its folder, without the suffix
    (`baseline`, `policies/one_off_subsidy`)."""
    folder = root() / kind.folder
    return sorted(
        p.relative_to(folder).with_suffix("").as_posix()
        for p in folder.rglob(f"*{kind.suffix}")
        if kind is not SCENARIO or "scan" not in p.relative_to(folder).parts
    )


def resolve(given: str | Path, kind: Kind) -> Path:
    """The file a command argument names: the path itself if it exists, else the shipped file of
    that name (with or without the suffix, with or without the leading `scenarios/`). A missing
    path with a suffix or from the root is returned as it is, for its reader's own message; a bare
    name that matches nothing is one line naming the close ones."""
    path = Path(given)
    if path.exists():
        return path
    name = path.as_posix().removesuffix(kind.suffix)
    for candidate in (root() / kind.folder / name, root() / name):
        if candidate.with_suffix(kind.suffix).is_file():
            return candidate.with_suffix(kind.suffix)
    if path.is_absolute() or path.suffix:
        return path  # a path, not a name: the file's reader says it is missing
    names = shipped(kind)
    close = difflib.get_close_matches(name, names, n=4, cutoff=0.5) or names[:6]
    raise CollabsimInputError(
        f"{given}: no such file and no shipped {kind.what} of that name; "
        f"close: {', '.join(close)} (collabsim scenarios lists them all)"
    )


def describe(path: Path) -> str:
    """A scenario's or experiment's one-line description (`[scenario]` or `[experiment]`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return ""
    table = data.get("scenario") or data.get("experiment") or {}
    return str(table.get("description", "")) if isinstance(table, dict) else ""


def listing() -> list[tuple[str, str, str]]:
    """(kind, name, description) of every shipped scenario and experiment, for `collabsim
    scenarios`."""
    rows = [
        ("scenario", n, describe(root() / "scenarios" / f"{n}.toml")) for n in shipped(SCENARIO)
    ]
    rows += [
        ("experiment", n, describe(root() / "experiments" / f"{n}.toml"))
        for n in shipped(EXPERIMENT)
        if not n.startswith("targets/")
    ]
    rows += [("targets", n, "") for n in shipped(TARGETS)]
    rows += [("scan answers", n, "") for n in shipped(SCAN_ANSWERS)]
    return rows


def copy_to(folder: Path) -> list[Path]:
    """Copy the shipped scenarios and experiment files into `folder` (which must be empty or
    missing), in the same layout, so that their relative paths still resolve; returns the files."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CollabsimInputError(
            f"{folder}: not an empty folder; choose a new or empty one (nothing was copied)"
        )
    copied = []
    for name in FOLDERS:
        source = root() / name
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix in (".toml", ".csv"):
                target = folder / name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                copied.append(target)
    return copied
