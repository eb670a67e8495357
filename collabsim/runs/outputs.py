"""Writing a run's results: tables, manifest and figures, all-or-nothing, into a safe folder.

Also what every command that writes shares: the versions and git revision it records, a safe
folder name under results/, the refusal of a folder that is not empty, strict JSON. (`collabsim
run` itself is collabsim/cli/run.py; its terminal summary is printed there.)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
import unicodedata
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from collabsim import __version__
from collabsim.errors import CollabsimInputError

DEPENDENCIES = (
    "mesa",
    "numpy",
    "numba",
    "scipy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "pydantic",
    "SALib",
)


def versions() -> dict[str, str]:
    """Versions of Python, collabsim and its main dependencies."""
    out = {"python": platform.python_version(), "collabsim": __version__}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision() -> str | None:
    """The git commit of the working tree, if it is a git checkout (with '+dirty' if changed)."""
    here = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
        return rev.stdout.strip() + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def safe_name(name: str, fallback: str = "unnamed") -> str:
    """A name made safe as one folder name: letters, digits, '.', '_' and '-' only, never a path.

    'R&D $ plan' -> 'R-D-plan', '../../escaped' -> 'escaped', '/tmp/x' -> 'tmp-x', '' -> fallback.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    slug = re.sub(r"-{2,}", "-", slug).strip(".-_")[:60].rstrip(".-_")
    return slug or fallback


def default_out_dir(name: str, stamped: bool = True) -> Path:
    """results/<safe name>-<timestamp>/ (UTC, to the second), or results/<safe name>/."""
    folder = safe_name(name)
    if stamped:
        folder += "-" + dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return Path("results") / folder


def check_out_dir(out: Path) -> None:
    """Refuse an output folder that already holds something (one clear line)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CollabsimInputError(f"{out}: output folder exists and is not empty; choose --out")


@contextmanager
def writing_folder(out: Path):
    """Yield a temporary folder beside `out` that becomes `out` only if the block succeeds.

    All-or-nothing: a run that fails half-way leaves no folder that looks complete.
    """
    out = Path(out)
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; give it the usual rights
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def json_text(data: dict) -> str:
    """Strict JSON (a number that is not finite is written as null, never as Infinity or NaN)."""
    return json.dumps(_finite(data), indent=2, default=str, allow_nan=False)


def _finite(value):
    """The same data with every inf or nan float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_outputs(result, out: Path, manifest: dict, plots: bool = True) -> Path:
    """Write every output of a run (a runner.ReplicateResults) into a temporary folder beside
    `out`, then rename it into place (the runner is not imported: it reads the posterior, whose
    model version this module gives)."""
    with writing_folder(out) as tmp:
        result.summary.to_csv(tmp / "summary.csv", index=False)
        if len(result.timeseries):
            result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.events.to_csv(tmp / "events.csv", index=False)
        if plots:
            from collabsim.runs.run_figures import plot_timeline, plot_trajectories

            plot_trajectories(result.timeseries, result.scenario, tmp / "trajectories.png")
            plot_timeline(result.timeseries, result.events, result.scenario, tmp / "timeline.png")
        (tmp / "manifest.json").write_text(json_text(manifest))
    return Path(out)
