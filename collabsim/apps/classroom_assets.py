"""Fill Solara's front-end asset cache from the npm registry, so the app runs with no internet.

Solara serves its browser assets from ``/_solara/cdn/<path>``, answering from a cache folder
(``SOLARA_ASSETS_PROXY_CACHE_DIR``, default ``<venv>/share/solara/cdn/``) and asking a public CDN
only on a miss. This module puts every asset the classroom app needs into that folder at install
time, with ``npm pack`` (the npm registry is the one front-end source the project may use), laid
out as Solara asks for it: ``<cache>/<folder>/<contents of the tarball's package/>``.

Run ``python -m collabsim.apps.classroom_assets`` (the Makefile's install step does). It is
idempotent: a package whose folder holds the completion marker is skipped, so a filled cache
costs nothing.
``--check`` only reports what is missing (exit 1 if anything is).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# (folder name exactly as Solara requests it, npm package spec to unpack into it); see
# ../shared/design/OFFLINE_APP.md. Solara asks for vega, vega-lite and vega-embed by bare major.
ASSETS: tuple[tuple[str, str], ...] = (
    ("@widgetti/solara-vuetify-app@10.1.1", "@widgetti/solara-vuetify-app@10.1.1"),
    ("requirejs@2.3.6", "requirejs@2.3.6"),
    ("font-awesome@4.5.0", "font-awesome@4.5.0"),
    ("@widgetti/vue-grid-layout@2.3.13-alpha.2", "@widgetti/vue-grid-layout@2.3.13-alpha.2"),
    ("vega@5", "vega@5.33.1"),
    ("vega-lite@5", "vega-lite@5.23.0"),
    ("vega-embed@6", "vega-embed@6.29.0"),
    ("katex@0.16.9", "katex@0.16.9"),
    ("mermaid@10.8.0", "mermaid@10.8.0"),
)

MARKER = ".collabsim-complete"


def cache_dir() -> Path:
    """The folder Solara reads its asset cache from (its own setting, so both always agree)."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def missing(cache: Path | None = None) -> list[str]:
    """Folders of ASSETS not (completely) in the cache."""
    cache = cache or cache_dir()
    return [folder for folder, _ in ASSETS if not (cache / folder / MARKER).exists()]


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "error: npm not found; install it (Debian: apt-get install -y npm) to fetch the "
            "app's front-end assets"
        )
    return npm


def _unpack(tarball: Path, dest: Path) -> None:
    """Unpack the tarball's package/ folder into dest (replacing what was there)."""
    tmp = dest.parent / f".{dest.name}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            name = member.name.split("/", 1)
            if len(name) != 2 or not (member.isfile() or member.isdir()):
                continue  # npm tarballs hold one top folder (usually package/); no links
            member.name = name[1]
            members.append(member)
        tar.extractall(tmp, members=members, filter="data")
    (tmp / MARKER).write_text(tarball.name + "\n", encoding="utf-8")
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)


def fetch(cache: Path | None = None, quiet: bool = False) -> list[str]:
    """Fetch every missing asset package into the cache; returns the folders fetched."""
    cache = cache or cache_dir()
    todo = [(folder, spec) for folder, spec in ASSETS if folder in missing(cache)]
    if not todo:
        if not quiet:
            print(f"solara assets: cache complete in {cache}")
        return []
    npm = _npm()
    cache.mkdir(parents=True, exist_ok=True)
    done = []
    with tempfile.TemporaryDirectory(prefix="collabsim-npm-") as work:
        for folder, spec in todo:
            if not quiet:
                print(f"solara assets: npm pack {spec} -> {folder}")
            result = subprocess.run(
                [npm, "pack", spec, "--silent", "--pack-destination", work],
                capture_output=True,
                text=True,
                cwd=work,
            )
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                raise SystemExit(f"error: npm pack {spec} failed: {tail[0]}")
            name = result.stdout.strip().splitlines()[-1]
            dest = cache / folder
            dest.parent.mkdir(parents=True, exist_ok=True)
            _unpack(Path(work) / name, dest)
            done.append(folder)
    return done


def main(argv: list[str] | None = None) -> int:
    """Command line: fill the cache (default) or only --check it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing assets")
    parser.add_argument("--cache", type=Path, default=None, help="cache folder (default: Solara's)")
    args = parser.parse_args(argv)
    if args.check:
        gone = missing(args.cache)
        for folder in gone:
            print(f"missing: {folder}")
        return 1 if gone else 0
    fetch(args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
