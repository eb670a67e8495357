"""`collabsim sweep`: run an experiment file on a process pool or a Dask cluster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from collabsim.cli import options
from collabsim.cli.console import console, err_console
from collabsim.cli.options import Scheduler, Workers, Yes
from collabsim.errors import CollabsimInputError
from collabsim.shipped import EXPERIMENT, resolve


class _RateColumn(ProgressColumn):
    """Runs per second over the recent past."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("  -- runs/s" if speed is None else f"{speed:6.1f} runs/s", style="cyan")


class _LeftColumn(ProgressColumn):
    """Time left at the recent rate."""

    def render(self, task: Task) -> Text:
        from collabsim.runs.sweep_size import eta_text

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
    yes: bool = False,
    parameters: Path | None = None,
    language: str = "en",
) -> int:
    """What `collabsim sweep` does; returns the exit code (0 fine, 1 some runs failed); the
    summary in the language (en or nl)."""
    from collabsim.locale import check_language
    from collabsim.runs.executors import parse_workers
    from collabsim.runs.experiment import load_experiment
    from collabsim.runs.posterior import check_factors, read_optional
    from collabsim.runs.sweep import run_sweep
    from collabsim.runs.sweep_folder import runs_done_in
    from collabsim.runs.sweep_size import check_sweep_work

    def say(m: str) -> None:
        err_console.print(m, markup=False, highlight=False, soft_wrap=True)

    check_language(language)
    experiment = resolve(experiment, EXPERIMENT)
    n_workers = parse_workers(workers)
    if limit is not None and limit < 1:
        raise CollabsimInputError(f"--limit {limit}: must be at least 1 run")
    address = checked_scheduler(n_workers, scheduler, say)
    local = default_workers_for(n_workers)
    plans: list = []

    def runs_to_do(plan, folder: Path) -> int:
        runs = plan.runs - (runs_done_in(folder, plan.runs) if resume else 0)
        return runs if limit is None else min(runs, limit)

    def budget(plan) -> None:
        """Refuse a design too large for this machine before it is generated."""
        plans.append(plan)
        runs = runs_to_do(plan, output_folder(out, plan.name))
        check_sweep_work(plan, runs, local, yes=yes, remote=address is not None, advice=ADVICE)
        if plan.points >= 100_000:  # checking and writing them takes a while: say so
            say(f"preparing {plan.points:,} design points...")

    def on_executor(n: int, backend: str) -> None:
        """On a Dask cluster the time can only be estimated once its workers are known."""
        if address is not None and plans:
            runs = plans[0].runs - runs_done_in(out_dir, plans[0].runs)
            runs = runs if limit is None else min(runs, limit)
            check_sweep_work(plans[0], runs, n, yes=yes, remote=True, advice=ADVICE)

    posterior = read_optional(parameters)
    exp = load_experiment(experiment, budget=budget)
    check_factors(posterior, exp.factor_names, str(experiment))
    exp.posterior = posterior
    out_dir = output_folder(out, exp.name)
    progress = SweepProgress(exp, out_dir, err_console)
    try:
        outcome = run_sweep(
            exp,
            out_dir,
            workers=n_workers,
            scheduler=scheduler,
            resume=resume,
            limit=limit,
            on_start=progress.start,
            on_progress=progress.advance,
            notes=say,
            on_executor=on_executor,
        )
    except KeyboardInterrupt:
        progress.stop()
        say(f"interrupted; finished chunks are kept: continue with --resume --out {out_dir}")
        return 130
    finally:
        progress.stop()
    return print_outcome(
        console, outcome, experiment, out_dir, limit, parameters, posterior, language
    )


class SweepProgress:
    """The sweep's progress bar on stderr: runs done of all, failures, rate and time left."""

    def __init__(self, exp, out: Path, err_console: Console) -> None:
        self.exp, self.out, self.err_console = exp, out, err_console
        self.name = escape(exp.name)
        self.failed = 0
        self.task = None
        self.bar = Progress(
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

    def start(self, total: int, already: int, where: str, n: int) -> None:
        """Say what will run and where, and show the bar (run_sweep's on_start)."""
        self.err_console.print(
            f"sweep [bold]{self.name}[/]: {len(self.exp.points)} points x "
            f"{self.exp.replicates} replicates = {total} runs, {already} already done; "
            f"{escape(where)}; writing to {escape(str(self.out))}",
            highlight=False,
            soft_wrap=True,
        )
        self.bar.start()
        self.task = self.bar.add_task(self.name, total=total, completed=already, failed="")
        self.failed = 0

    def advance(self, n: int, failed: int, _: int) -> None:
        """Count a finished chunk (run_sweep's on_progress)."""
        self.failed += failed
        label = f"{self.failed} failed" if self.failed else ""
        self.bar.update(self.task, advance=n, failed=label)

    def stop(self) -> None:
        self.bar.stop()


def print_outcome(
    console: Console,
    outcome,
    experiment: Path,
    out: Path,
    limit: int | None,
    parameters=None,
    posterior=None,
    language: str = "en",
) -> int:
    """The sweep's result in a few lines, in the language, with what the runs' spread includes
    (sweep.json says it too, in English); the exit code (1 if some runs failed)."""
    from collabsim.locale import decimal, translator
    from collabsim.runs.posterior import uncertainty

    _ = translator(language)

    def say(text: str, markup: bool = False) -> None:
        console.print(text, markup=markup, highlight=False, soft_wrap=True)

    rate = outcome.runs_this_session / outcome.wall_seconds if outcome.wall_seconds else 0.0
    say(
        _(
            "{runs} runs in {seconds} s ({rate} runs/s, {workers}); {done} of {total} runs done; "
            "results in {out}"
        ).format(
            runs=outcome.runs_this_session,
            seconds=decimal(f"{outcome.wall_seconds:.1f}", language),
            rate=decimal(f"{rate:.1f}", language),
            workers=outcome.label or _("no workers needed"),
            done=outcome.runs_done,
            total=outcome.total_runs,
            out=out,
        )
    )
    say(_("each point's runs vary by {include}").format(include=uncertainty(posterior, language)))
    if not outcome.complete:
        say(
            _("stopped after --limit {limit}: {left} runs left; continue with: {command}").format(
                limit=limit,
                left=outcome.total_runs - outcome.runs_done,
                command=f"collabsim sweep {experiment} --out {out} --resume"
                + (f" --parameters {parameters}" if parameters is not None else "")
                + (f" --lang {language}" if language != "en" else ""),
            )
        )
    if outcome.runs_failed:
        say(
            "[bold red]"
            + _("{failed} of {done} runs failed").format(
                failed=outcome.runs_failed, done=outcome.runs_done
            )
            + "[/] "
            + escape(_("(point, seed, error in {path})").format(path=out / "failures.parquet")),
            markup=True,
        )
        return 1
    say(_("{failed} of {done} runs failed").format(failed=0, done=outcome.runs_done))
    return 0


ADVICE = (
    "lower design.samples, levels or experiment.replicates, or run part of it now with "
    "--limit N (and the rest later with --resume)"
)


def output_folder(out: Path | None, name: str) -> Path:
    """--out as given, else results/<the experiment's name made one safe folder name>."""
    if out is not None:
        return Path(out)
    from collabsim.runs.outputs import default_out_dir  # (loads the model: only when needed)

    return default_out_dir(name, stamped=False)


def checked_scheduler(n_workers, scheduler: str | None, say: Callable[[str], None]) -> str | None:
    """The Dask scheduler a sweep will use (None: local workers), its address checked; a warning
    about plain tcp:// to another machine is said first."""
    from collabsim.runs.executors import check_scheduler_address, scheduler_address

    address = scheduler_address(n_workers, scheduler)
    if address is not None:
        warning = check_scheduler_address(address)
        if warning:
            say(warning)
    return address


def default_workers_for(workers: int | str | None) -> int:
    """Worker processes a sweep will start here: --workers N, else one per core."""
    from collabsim.runs.executors import default_workers

    return workers if isinstance(workers, int) else default_workers()


def register(app: typer.Typer) -> None:
    """Add `collabsim sweep` to the command line."""

    @app.command()
    def sweep(
        experiment: Annotated[
            Path, typer.Argument(help="experiment TOML file, e.g. experiments/demo_sweep.toml")
        ],
        out: Annotated[
            Path | None,
            options.out("output folder (default results/<experiment name>, made safe)"),
        ] = None,
        workers: Workers = None,
        scheduler: Scheduler = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="complete the sweep in --out, skipping done chunks")
        ] = False,
        limit: Annotated[
            int | None, typer.Option(help="run at most N runs now (continue later with --resume)")
        ] = None,
        yes: Yes = False,
        parameters: Annotated[Path | None, options.parameters()] = None,
        lang: Annotated[str, options.lang()] = "en",
    ) -> None:
        """Run an experiment's design points and replicates; results stream to Parquet chunks."""
        code = sweep_command(
            experiment,
            out,
            workers,
            scheduler,
            resume,
            limit,
            console,
            err_console,
            yes=yes,
            parameters=parameters,
            language=lang,
        )
        if code:
            raise typer.Exit(code)
