"""`collabsim sensitivity`: Sobol indices or Morris screening of an experiment file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from collabsim.errors import CollabsimInputError


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
) -> int:
    """What `collabsim sensitivity` does; returns the exit code."""
    import time

    from collabsim.sensitivity import ScenarioModel, load_spec, run_analysis
    from collabsim.sweep import parse_workers

    n_workers = parse_workers(workers)
    spec = load_spec(experiment, method)
    out = Path(out) if out is not None else Path("results") / f"{spec.name}-{spec.method}"

    def say(m: str) -> None:
        err_console.print(m, highlight=False, soft_wrap=True)

    say(
        f"sensitivity [bold]{spec.name}[/]: {spec.method}, {len(spec.factors)} factors, "
        f"{spec.total_points} points x {spec.replicates} replicates = {spec.total_runs} runs"
    )
    model = ScenarioModel(n_workers, scheduler, resume, runs, notes=say)
    t0 = time.perf_counter()
    try:
        res = run_analysis(spec, model, out, plots=plots, surfaces=surfaces, notes=say)
    except KeyboardInterrupt:
        say(f"interrupted; finished chunks are kept: continue with --resume --out {out}")
        return 130
    wall = time.perf_counter() - t0
    t = res.timings
    console.print(
        f"{spec.method} analysis of {spec.name} in {wall:.0f} s (runs {t['runs_seconds']:.0f} s"
        + (f", surfaces {t['surface_seconds']:.0f} s" if "surface_seconds" in t else "")
        + f"); results in {out} (report.md)",
        highlight=False,
        soft_wrap=True,
    )
    if res.indices is not None:
        for o in spec.outputs:
            s1 = res.indices[res.indices.output == o].S1.sum()
            console.print(f"  {o}: ΣS1 = {s1:.2f}, 1 − ΣS1 = {1 - s1:.2f}", highlight=False)
    return 0


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
            typer.Option(help="folder for indices, figures, report (default results/NAME-METHOD)"),
        ] = None,
        runs: Annotated[
            Path | None,
            typer.Option(help="folder for the raw sweeps (default OUT/runs)"),
        ] = None,
        workers: Annotated[
            str | None,
            typer.Option(help="processes (default: all cores), or 'dask' for a LocalCluster"),
        ] = None,
        scheduler: Annotated[
            str | None,
            typer.Option(
                help="an existing Dask cluster, e.g. tcp://10.0.0.5:8786",
                envvar="COLLABSIM_SCHEDULER",
            ),
        ] = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="complete the runs already in the runs folder")
        ] = False,
        surfaces: Annotated[
            bool,
            typer.Option(help="also run the surfaces in sensitivity.surface_factors"),
        ] = True,
        plots: Annotated[bool, typer.Option(help="write the figures")] = True,
    ) -> None:
        """Global sensitivity analysis (SALib): Sobol indices or Morris screening."""
        from collabsim.cli import console, err_console, fail

        try:
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
            )
        except CollabsimInputError as exc:
            fail(str(exc))
        if code:
            raise typer.Exit(code)
