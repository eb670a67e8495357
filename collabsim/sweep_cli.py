"""`collabsim sweep`: run an experiment file on a process pool or a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from collabsim.errors import CollabsimInputError


class _RateColumn(ProgressColumn):
    """Runs per second over the recent past."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("  -- runs/s" if speed is None else f"{speed:6.1f} runs/s", style="cyan")


class _LeftColumn(ProgressColumn):
    """Time left at the recent rate."""

    def render(self, task: Task) -> Text:
        from collabsim.sweep import eta_text

        speed = task.speed
        if task.finished:
            return Text("done", style="green")
        if not speed:
            return Text("left ?", style="yellow")
        return Text(f"left {eta_text(task.remaining / speed)}", style="yellow")


def sweep_command(
    experiment: Path,
    out: Path | None,
    workers: str | None,
    scheduler: str | None,
    resume: bool,
    limit: int | None,
    console: Console,
    err_console: Console,
) -> int:
    """What `collabsim sweep` does; returns the exit code (0 fine, 1 some runs failed)."""
    from collabsim.experiment import load_experiment
    from collabsim.sweep import parse_workers, run_sweep

    n_workers = parse_workers(workers)
    if limit is not None and limit < 1:
        raise CollabsimInputError(f"--limit {limit}: must be at least 1 run")
    exp = load_experiment(experiment)
    out = Path(out) if out is not None else Path("results") / exp.name
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:>7.0f}/{task.total:.0f} runs"),
        TextColumn("[red]{task.fields[failed]}"),
        _RateColumn(),
        _LeftColumn(),
        console=err_console,
        transient=False,
        speed_estimate_period=60,
    )
    state: dict = {}

    def on_start(total: int, already: int, where: str, n: int) -> None:
        err_console.print(
            f"sweep [bold]{exp.name}[/]: {len(exp.points)} points x {exp.replicates} replicates"
            f" = {total} runs, {already} already done; {where}; writing to {out}",
            highlight=False,
        )
        progress.start()
        state["task"] = progress.add_task(exp.name, total=total, completed=already, failed="")
        state["failed"] = 0

    def on_progress(n: int, failed: int, _: int) -> None:
        state["failed"] += failed
        label = f"{state['failed']} failed" if state["failed"] else ""
        progress.update(state["task"], advance=n, failed=label)

    try:
        outcome = run_sweep(
            exp,
            out,
            workers=n_workers,
            scheduler=scheduler,
            resume=resume,
            limit=limit,
            on_start=on_start,
            on_progress=on_progress,
            notes=lambda m: err_console.print(m, highlight=False),
        )
    except KeyboardInterrupt:
        progress.stop()
        err_console.print(
            f"interrupted; finished chunks are kept: continue with --resume --out {out}"
        )
        return 130
    finally:
        progress.stop()
    rate = outcome.runs_this_session / outcome.wall_seconds if outcome.wall_seconds else 0.0
    console.print(
        f"{outcome.runs_this_session} runs in {outcome.wall_seconds:.1f} s ({rate:.1f} runs/s, "
        f"{outcome.label or 'no workers needed'}); {outcome.runs_done} of "
        f"{outcome.total_runs} runs done; results in {out}",
        highlight=False,
        soft_wrap=True,
    )
    if not outcome.complete:
        console.print(
            f"stopped after --limit {limit}: {outcome.total_runs - outcome.runs_done} runs left; "
            f"continue with: collabsim sweep {experiment} --out {out} --resume",
            highlight=False,
            soft_wrap=True,
        )
    if outcome.runs_failed:
        console.print(
            f"[bold red]{outcome.runs_failed} of {outcome.runs_done} runs failed[/] "
            f"(point, seed, error in {out / 'failures.parquet'})",
            highlight=False,
            soft_wrap=True,
        )
        return 1
    console.print(f"0 of {outcome.runs_done} runs failed", highlight=False)
    return 0


def register(app: typer.Typer) -> None:
    """Add `collabsim sweep` to the command line."""

    @app.command()
    def sweep(
        experiment: Annotated[
            Path, typer.Argument(help="experiment TOML file, e.g. experiments/demo_sweep.toml")
        ],
        out: Annotated[
            Path | None, typer.Option(help="output folder (default results/<experiment name>)")
        ] = None,
        workers: Annotated[
            str | None,
            typer.Option(
                help="processes on this machine (default: all cores), or 'dask' for a "
                "Dask LocalCluster with one thread per worker"
            ),
        ] = None,
        scheduler: Annotated[
            str | None,
            typer.Option(
                help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (default: "
                "$COLLABSIM_SCHEDULER, unless --workers is given)",
            ),
        ] = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="complete the sweep in --out, skipping done chunks")
        ] = False,
        limit: Annotated[
            int | None, typer.Option(help="run at most N runs now (continue later with --resume)")
        ] = None,
    ) -> None:
        """Run an experiment's design points and replicates; results stream to Parquet chunks."""
        from collabsim.cli import console, err_console, fail

        try:
            code = sweep_command(
                experiment, out, workers, scheduler, resume, limit, console, err_console
            )
        except CollabsimInputError as exc:
            fail(str(exc))
        if code:
            raise typer.Exit(code)
