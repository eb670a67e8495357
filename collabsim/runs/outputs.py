"""Writing a run's results: tables, manifest and figures, all-or-nothing; the terminal summary."""

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
import time
import unicodedata
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from collabsim import __version__
from collabsim.errors import CollabsimInputError
from collabsim.limits import MAX_REPLICATES, check_count, check_seed, check_work, run_size
from collabsim.model.scenario import load_scenario, with_steps

if TYPE_CHECKING:
    import pandas as pd

    from collabsim.runs.runner import ReplicateResults

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


def summary_figures(summary: pd.DataFrame) -> dict[str, float]:
    """Survival share with its 95% interval, median lifetime and public value over all runs."""
    from collabsim.analysis.stats import (
        wilson_interval,  # with pandas: loaded once there are results
    )

    n = len(summary)
    alive = int(summary["survived"].sum())
    lo, hi = wilson_interval(alive, n)
    return {
        "runs": n,
        "survival_share": alive / n if n else float("nan"),
        "survival_low": lo,
        "survival_high": hi,
        "median_lifetime_months": float(summary["lifetime_months"].median()),
        "mean_public_value": float(summary["public_value"].mean()),
        "mean_trust": float(summary["mean_trust"].mean()),
        "tensions_per_run": float(summary["tensions"].mean()),
        "resolved_share": float(
            summary["tensions_resolved"].sum() / max(summary["tensions"].sum(), 1)
        ),
    }


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


def write_outputs(result: ReplicateResults, out: Path, manifest: dict, plots: bool = True) -> Path:
    """Write every output into a temporary folder beside `out`, then rename it into place."""
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


def print_summary(console: Console, result: ReplicateResults, out: Path) -> None:
    """A rich table: survival with its 95% interval, median lifetime, public value."""
    f = summary_figures(result.summary)
    table = Table(title=f"{result.scenario.name}: {f['runs']} runs", show_header=True)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row(
        f"survival after {result.scenario.scenario.steps} months",
        f"{f['survival_share']:.0%}  (95% CI {f['survival_low']:.0%}–{f['survival_high']:.0%})",
    )
    table.add_row("median lifetime", f"{f['median_lifetime_months']:.0f} months")
    table.add_row("public value (mean)", f"{f['mean_public_value']:.1f}")
    table.add_row("trust (mean over months)", f"{f['mean_trust']:.2f}")
    table.add_row(
        "tensions per run / share resolved",
        f"{f['tensions_per_run']:.1f} / {f['resolved_share']:.0%}",
    )
    console.print(table)
    console.print(f"outputs in [bold]{out}[/]")


def progress_bar(console: Console) -> Progress:
    """The progress bar every long command shows: description, bar, done of total, time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def run_command(
    scenario_path: Path,
    replicates: int,
    seed: int | None,
    run_seed: int | None,
    steps: int | None,
    overrides: list[str],
    out: Path | None,
    plots: bool,
    console: Console,
    series: bool = True,
    yes: bool = False,
) -> Path:
    """What `collabsim run` does: validate, check the size, run with a progress bar, write."""
    check_count("--replicates", replicates, 1, MAX_REPLICATES)
    check_count("--steps", steps, 1, 1200, "months")
    check_seed("--seed", seed)
    check_seed("--run-seed", run_seed)
    scenario = with_steps(load_scenario(scenario_path, overrides), steps)
    root = scenario.scenario.seed if seed is None else seed
    seeds = [run_seed] if run_seed is not None else None
    n = 1 if run_seed is not None else replicates
    size = run_size(scenario)
    check_work(
        f"{n:,} replicate(s) of {scenario.name}" + (" with their monthly series" if series else ""),
        n,
        size,
        kept_per_run=size.kept_bytes(series),
        yes=yes,
        advice="use fewer --replicates, --no-series (no monthly series kept), or a sweep "
        "(collabsim sweep), which streams its results to disk",
    )
    out = Path(out) if out is not None else default_out_dir(scenario.name)
    check_out_dir(out)
    from collabsim.runs.runner import run_replicates  # the model: loaded once the request is sound

    started = time.perf_counter()
    with progress_bar(console) as bar:
        task = bar.add_task(f"running {scenario.name}", total=n)
        result = run_replicates(
            scenario,
            n,
            root_seed=root,
            seeds=seeds,
            progress=lambda k: bar.advance(task, k),
            series=series,
        )
    wall = time.perf_counter() - started
    manifest = {
        "scenario_file": str(scenario_path),
        "scenario": scenario.to_dict(),
        "overrides": overrides,
        "root_seed": None if run_seed is not None else root,
        "run_seed": run_seed,
        "replicate_seeds": result.seeds,
        "replicates": n,
        "steps": scenario.scenario.steps,
        "series_kept": series,
        "versions": versions(),
        "git_revision": git_revision(),
        "wall_time_seconds": round(wall, 3),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "summary": summary_figures(result.summary),
    }
    write_outputs(result, out, manifest, plots=plots and series)
    print_summary(console, result, out)
    return out
