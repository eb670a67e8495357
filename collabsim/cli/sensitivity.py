"""`collabsim sensitivity`: Sobol indices or Morris screening of an experiment file."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from collabsim.cli import options
from collabsim.cli.console import console, err_console
from collabsim.cli.options import Scheduler, Workers, Yes
from collabsim.errors import CollabsimInputError
from collabsim.shipped import EXPERIMENT, resolve


def sensitivity_command(
    experiment: Path,
    method: str | None,
    out: Path | None,
    runs: Path | None,
    workers: str | None,
    scheduler: str | None,
    resume: bool,
    surfaces: bool,
    plots: bool,
    console,
    err_console,
    yes: bool = False,
    language: str = "en",
) -> int:
    """What `collabsim sensitivity` does; returns the exit code. The summary is in the
    language (en or nl)."""
    import time

    from rich.markup import escape

    from collabsim.cli.sweep import checked_scheduler, default_workers_for
    from collabsim.locale import check_language
    from collabsim.runs.executors import parse_workers
    from collabsim.runs.sweep_folder import check_out_folder
    from collabsim.runs.sweep_size import check_sweep_work

    def say(m: str) -> None:
        err_console.print(m, markup=False, highlight=False, soft_wrap=True)

    check_language(language)
    experiment = resolve(experiment, EXPERIMENT)
    n_workers = parse_workers(workers)
    address = checked_scheduler(n_workers, scheduler, say)
    plans: list = []

    def budget(plan) -> None:
        """Refuse an analysis too large for this machine before its design is generated.
        (Its runs are kept in memory for the analysis; a cluster's time is checked once its
        workers are known, in on_executor.)"""
        plans.append(plan)
        check_sweep_work(
            plan,
            plan.runs,
            default_workers_for(n_workers),
            yes=yes or address is not None,
            keep_results=True,
            advice="lower design.samples, experiment.replicates or the surfaces (--no-surfaces)",
        )

    from collabsim.analysis.sensitivity import run_analysis
    from collabsim.analysis.sensitivity_models import ScenarioModel
    from collabsim.analysis.sensitivity_spec import load_spec

    spec = load_spec(experiment, method, budget=budget, surfaces=surfaces)
    if out is None:
        from collabsim.runs.outputs import default_out_dir

        out = default_out_dir(f"{spec.name}-{spec.method}", stamped=False)
    out = Path(out)
    check_out_folder(out)
    if runs is not None:
        check_out_folder(Path(runs), "--runs")

    err_console.print(
        f"sensitivity [bold]{escape(spec.name)}[/]: {spec.method}, {len(spec.factors)} factors, "
        f"{spec.total_points} points x {spec.replicates} replicates = {spec.total_runs} runs",
        highlight=False,
        soft_wrap=True,
    )

    def on_executor(n: int, backend: str) -> None:
        """On a Dask cluster: the whole analysis's time, once, before its first sub-sweep."""
        if address is not None and plans and not checked:
            checked.append(True)
            check_sweep_work(plans[0], plans[0].runs, n, yes=yes, remote=True)

    checked: list = []
    model = ScenarioModel(n_workers, scheduler, resume, runs, notes=say, on_executor=on_executor)
    t0 = time.perf_counter()
    out_existed = out.exists()
    try:
        res = run_analysis(spec, model, out, plots=plots, surfaces=surfaces, notes=say)
    except CollabsimInputError:  # refused before any run (e.g. too long for the cluster)
        if not out_existed:
            _remove_empty_folders(out)
        raise
    except KeyboardInterrupt:
        say(f"interrupted; finished chunks are kept: continue with --resume --out {out}")
        return 130
    print_result(console, res, time.perf_counter() - t0, language)
    return 0


def print_result(console, res, wall: float, language: str = "en") -> None:
    """Where the analysis is and how long it took; with Sobol, each output's ΣS1; in the
    language."""
    from collabsim.locale import decimal, translator

    _ = translator(language)
    spec, out, t = res.spec, res.out, res.timings
    times = _("runs {seconds} s").format(seconds=f"{t['runs_seconds']:.0f}")
    if "surface_seconds" in t:
        times += ", " + _("surfaces {seconds} s").format(seconds=f"{t['surface_seconds']:.0f}")
    console.print(
        _(
            "{method} analysis of {name} in {seconds} s ({times}); results in {out} (report.md)"
        ).format(method=spec.method, name=spec.name, seconds=f"{wall:.0f}", times=times, out=out),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if res.indices is not None:
        for o in spec.outputs:
            s1 = res.indices[res.indices.output == o].S1.sum()
            console.print(
                decimal(f"  {o}: ΣS1 = {s1:.2f}, 1 − ΣS1 = {1 - s1:.2f}", language),
                markup=False,
                highlight=False,
            )


def _remove_empty_folders(folder: Path) -> None:
    """Remove `folder` if it holds nothing but empty folders (what a refused analysis made)."""
    if not folder.is_dir():
        return
    for sub in folder.iterdir():
        _remove_empty_folders(sub)
    with contextlib.suppress(OSError):
        folder.rmdir()


def register(app: typer.Typer) -> None:
    """Add `collabsim sensitivity` to the command line."""

    @app.command()
    def sensitivity(
        experiment: Annotated[
            Path, typer.Argument(help="experiment TOML, e.g. experiments/sobol_drivers.toml")
        ],
        method: Annotated[
            str | None,
            typer.Option(help="sobol or morris (default: the file's design.kind)"),
        ] = None,
        out: Annotated[
            Path | None,
            options.out(
                "folder for indices, figures, report (default results/NAME-METHOD, made safe)"
            ),
        ] = None,
        runs: Annotated[
            Path | None,
            typer.Option(help="folder for the raw sweeps (default OUT/runs)"),
        ] = None,
        workers: Workers = None,
        scheduler: Scheduler = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="complete the runs already in the runs folder")
        ] = False,
        surfaces: Annotated[
            bool,
            typer.Option(help="also run the surfaces in sensitivity.surface_factors"),
        ] = True,
        plots: Annotated[bool, typer.Option(help="write the figures")] = True,
        yes: Yes = False,
        lang: Annotated[str, options.lang()] = "en",
    ) -> None:
        """Global sensitivity analysis (SALib): Sobol indices or Morris screening."""
        code = sensitivity_command(
            experiment,
            method,
            out,
            runs,
            workers,
            scheduler,
            resume,
            surfaces,
            plots,
            console,
            err_console,
            yes=yes,
            language=lang,
        )
        if code:
            raise typer.Exit(code)
