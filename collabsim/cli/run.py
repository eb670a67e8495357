"""`collabsim run`: a scenario's replicates, written to one folder, summarised in the terminal.

The command checks everything first (numbers, the scenario and its --set changes, the work and
the output folder), then loads the model, runs the replicates with a progress bar, writes the
folder through `collabsim.runs.outputs` (all or nothing) and prints the summary table.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from collabsim.cli import options
from collabsim.cli.console import console, progress_bar
from collabsim.cli.options import Yes
from collabsim.shipped import SCENARIO, resolve


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
    parameters: Path | None = None,
    language: str = "en",
) -> Path:
    """What `collabsim run` does: validate, check the size, run with a progress bar, write;
    the summary in the language (en or nl)."""
    from collabsim.limits import MAX_REPLICATES, check_count, check_seed, check_work, run_size
    from collabsim.locale import check_language
    from collabsim.model.scenario import load_scenario, with_steps
    from collabsim.runs.outputs import check_out_dir, default_out_dir
    from collabsim.runs.posterior import read_optional

    check_language(language)
    scenario_path = resolve(scenario_path, SCENARIO)
    check_count("--replicates", replicates, 1, MAX_REPLICATES)
    check_count("--steps", steps, 1, 1200, "months")
    check_seed("--seed", seed)
    check_seed("--run-seed", run_seed)
    scenario = with_steps(load_scenario(scenario_path, overrides), steps)
    posterior = read_optional(parameters, overrides)
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
    root = scenario.scenario.seed if seed is None else seed
    result, wall = run_with_progress(scenario, n, root, run_seed, series, console, posterior)
    manifest = run_manifest(
        scenario_path=scenario_path,
        scenario=scenario,
        overrides=overrides,
        root=root,
        run_seed=run_seed,
        replicates=n,
        series=series,
        result=result,
        wall=wall,
        posterior=posterior,
    )
    from collabsim.runs.outputs import write_outputs

    write_outputs(result, out, manifest, plots=plots and series)
    print_summary(console, result, out, posterior, language)
    return out


def run_with_progress(
    scenario, n: int, root: int, run_seed: int | None, series: bool, console, posterior=None
):
    """Run the replicates under a progress bar; return the results and the wall time (s).

    With a posterior each replicate draws its parameter set from it (from the root seed)."""
    from collabsim.runs.runner import run_replicates  # the model: loaded once the request is sound

    started = time.perf_counter()
    with progress_bar(console) as bar:
        task = bar.add_task(f"running {scenario.name}", total=n)
        result = run_replicates(
            scenario,
            n,
            root_seed=root,
            seeds=[run_seed] if run_seed is not None else None,
            progress=lambda k: bar.advance(task, k),
            series=series,
            posterior=posterior,
        )
    return result, time.perf_counter() - started


def run_manifest(
    *,
    scenario_path,
    scenario,
    overrides,
    root,
    run_seed,
    replicates,
    series,
    result,
    wall,
    posterior=None,
) -> dict:
    """manifest.json of a run folder: what was run, with which seeds, parameter draws and
    versions, how long it took, its headline figures and what their intervals include."""
    from collabsim.analysis.stats import summary_figures
    from collabsim.runs.outputs import git_revision, versions
    from collabsim.runs.posterior import PARTICLE, uncertainty_record

    return {
        "scenario_file": str(scenario_path),
        "scenario": scenario.to_dict(),
        "overrides": overrides,
        "root_seed": None if run_seed is not None else root,
        "run_seed": run_seed,
        "replicate_seeds": result.seeds,
        "replicates": replicates,
        "steps": scenario.scenario.steps,
        "series_kept": series,
        "versions": versions(),
        "git_revision": git_revision(),
        "wall_time_seconds": round(wall, 3),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "summary": summary_figures(result.summary),
        **uncertainty_record(posterior),
        "replicate_particles": (
            None
            if posterior is None
            else result.summary.groupby("replicate")[PARTICLE].first().tolist()
        ),
    }


def print_summary(console: Console, result, out: Path, posterior=None, language="en") -> None:
    """A rich table: survival with its 95% interval, median lifetime, public value; and what
    the interval includes; in the language (en or nl)."""
    from collabsim.analysis.stats import summary_figures
    from collabsim.locale import decimal, translator
    from collabsim.runs.posterior import uncertainty

    _ = translator(language)

    def num(text: str) -> str:
        return decimal(text, language)

    f = summary_figures(result.summary)
    table = Table(
        title=_("{name}: {n} runs").format(name=result.scenario.name, n=f["runs"]),
        show_header=True,
    )
    table.add_column(_("measure"))
    table.add_column(_("value"), justify="right")
    table.add_row(
        _("survival after {months} months").format(months=result.scenario.scenario.steps),
        _("{share}  (95% CI {low}–{high})").format(
            share=f"{f['survival_share']:.0%}",
            low=f"{f['survival_low']:.0%}",
            high=f"{f['survival_high']:.0%}",
        ),
    )
    table.add_row(
        _("median lifetime"),
        _("{months} months").format(months=f"{f['median_lifetime_months']:.0f}"),
    )
    table.add_row(_("public value (mean)"), num(f"{f['mean_public_value']:.1f}"))
    table.add_row(_("trust (mean over months)"), num(f"{f['mean_trust']:.2f}"))
    table.add_row(
        _("tensions per run / share resolved"),
        num(f"{f['tensions_per_run']:.1f}") + f" / {f['resolved_share']:.0%}",
    )
    console.print(table)
    console.print(
        _("intervals include {include}").format(include=uncertainty(posterior, language)),
        markup=False,
    )
    console.print(_("outputs in [bold]{path}[/]").format(path=out))


def run(
    scenario: Annotated[
        Path, typer.Argument(help="scenario TOML file, e.g. scenarios/baseline.toml")
    ],
    replicates: Annotated[int, options.replicates("number of replicates")] = 10,
    seed: Annotated[
        int | None, options.seed("root seed (default: the scenario's); replicates spawn from it")
    ] = None,
    run_seed: Annotated[
        int | None,
        typer.Option(
            help="run ONE replicate with exactly this model seed (as recorded in a sweep)"
        ),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(help="months to simulate (default: scenario)")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="override a scenario key, e.g. --set drivers.urgency=0.3"),
    ] = None,
    out: Annotated[
        Path | None, options.out("output folder (default results/<name>-<time>)")
    ] = None,
    plots: Annotated[bool, typer.Option(help="write trajectories.png and timeline.png")] = True,
    series: Annotated[
        bool,
        typer.Option(
            help="keep the monthly series (timeseries.parquet and the figures); --no-series "
            "keeps only summary and events, for many replicates"
        ),
    ] = True,
    yes: Yes = False,
    parameters: Annotated[Path | None, options.parameters()] = None,
    lang: Annotated[str, options.lang()] = "en",
) -> None:
    """Run a scenario's replicates and write summary, time series, events, manifest and figures."""
    run_command(
        scenario,
        replicates,
        seed,
        run_seed,
        steps,
        set_ or [],
        out,
        plots,
        console,
        series,
        yes,
        parameters,
        lang,
    )


def register(app: typer.Typer) -> None:
    """Add `collabsim run` to the command line."""
    app.command()(run)
