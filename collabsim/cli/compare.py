"""`collabsim compare`: funding schemes side by side on common random numbers, with a report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from collabsim.cli import compare_across, options
from collabsim.cli.console import console, progress_bar
from collabsim.cli.options import Yes
from collabsim.shipped import EXPERIMENT, SCENARIO, resolve


def compare_command(
    scenarios: list[Path],
    replicates: int,
    seed: int | None,
    out: Path | None,
    budget_normalise: bool,
    allow_different_regions: bool,
    workers: int,
    console: Console,
    yes: bool = False,
    parameters: Path | None = None,
    across: Path | None = None,
    across_posterior: int | None = None,
    language: str = "en",
) -> Path:
    """What `collabsim compare` does: check, run on common seeds, write the report, summarise."""
    from collabsim.analysis.comparison import (
        check_numbers,
        compare,
        effective_workers,
        n_tasks,
    )
    from collabsim.locale import check_language, decimal, translator
    from collabsim.runs.outputs import check_out_dir, default_out_dir

    scenarios = [resolve(s, SCENARIO) for s in scenarios]
    across = resolve(across, EXPERIMENT) if across is not None else None
    _ = translator(check_language(language))
    check_numbers(replicates, seed, workers)
    futures = compare_across.check_across(
        scenarios,
        across=across,
        draws=across_posterior,
        parameters=parameters,
        replicates=replicates,
        seed=seed,
        workers=workers,
        yes=yes,
    )
    out = Path(out) if out is not None else default_out_dir("compare")
    check_out_dir(out)
    started = time.perf_counter()
    with progress_bar(console) as bar:
        total = n_tasks(len(scenarios), replicates, effective_workers(workers))
        task = bar.add_task(f"comparing {len(scenarios)} scenarios", total=total)
        comparison = compare(
            scenarios,
            replicates,
            seed,
            budget_normalise,
            allow_different_regions,
            workers,
            progress=lambda k: bar.advance(task, k),
            yes=yes,
            parameters=parameters,
        )
    if futures is not None:
        compare_across.run_across(comparison, futures, workers, console)
    from collabsim.analysis.compare_report import manifest_for, write_report

    manifest = manifest_for(comparison, time.perf_counter() - started)
    if futures is not None:
        manifest["across"] = compare_across.manifest_part(comparison.robust)
    write_report(comparison, out, manifest, language)
    table = Table(
        title=_("{n} runs per scenario, common random numbers").format(n=comparison.replicates)
    )
    columns = (
        _("scenario"),
        _("alive 5 y"),
        _("alive 10 y"),
        _("value/€100k"),
        _("cliff"),
        _("Δ10 y vs first"),
    )
    for k, col in enumerate(columns):
        table.add_column(col, justify="left" if k == 0 else "right")
    for k, r in comparison.table.iterrows():
        table.add_row(
            str(r["scenario"]),
            f"{r['survival_5y']:.0%}",
            f"{r['survival_10y']:.0%}" if r["survival_10y"] == r["survival_10y"] else "–",
            decimal(f"{r['value_per_100k_eur']:.2f}", language)
            if r["value_per_100k_eur"] == r["value_per_100k_eur"]
            else "–",
            f"{r['cliff_survival']:.0%}" if r["cliff_survival"] == r["cliff_survival"] else "–",
            _("ref")
            if k == 0
            else f"{100 * r['diff_survival_10y']:+.0f} ({100 * r['diff_survival_10y_low']:+.0f}"
            f"..{100 * r['diff_survival_10y_high']:+.0f})",
        )
    console.print(table)
    from collabsim.analysis.compare_report import intervals_include

    console.print(
        _("intervals include {include}").format(include=intervals_include(comparison, language)),
        markup=False,
    )
    if futures is not None:
        compare_across.print_across(console, comparison.robust)
    for note in comparison.notes:
        console.print(f"[yellow]{_('note:')}[/] {note}")
    console.print(
        _("report in [bold]{path}[/] (and report.md, comparison.csv)").format(
            path=out / "report.html"
        )
    )
    return out


def register(app: typer.Typer) -> None:
    """Add `collabsim compare` to the command line."""

    @app.command()
    def compare(
        scenarios: Annotated[
            list[Path],
            typer.Argument(
                help="scenario TOML files; the first is the reference, e.g. "
                "scenarios/policies/one_off_subsidy.toml scenarios/policies/sustained_funding.toml"
            ),
        ],
        replicates: Annotated[
            int, options.replicates("runs per scenario (same seeds for all)")
        ] = 100,
        seed: Annotated[
            int | None, options.seed("root seed (default: the first scenario's)")
        ] = None,
        out: Annotated[
            Path | None, options.out("output folder (default results/compare-<time>)")
        ] = None,
        budget_normalise: Annotated[
            bool,
            typer.Option(
                "--budget-normalise",
                help="rescale each scheme's amounts so its planned spending equals the first's",
            ),
        ] = False,
        allow_different_regions: Annotated[
            bool,
            typer.Option(
                "--allow-different-regions",
                help="allow --budget-normalise across scenarios with different organisations",
            ),
        ] = False,
        workers: Annotated[int, typer.Option(help="processes to run on (default 1)")] = 1,
        yes: Yes = False,
        parameters: Annotated[Path | None, options.parameters()] = None,
        across: Annotated[
            Path | None,
            typer.Option(
                help="an experiment file whose design points are futures (e.g. "
                "experiments/futures.toml): every scheme also runs in each, and the report "
                "gains 'Where it works and where it does not'; with --parameters each future "
                "also gets its own parameter set drawn from the posterior"
            ),
        ] = None,
        across_posterior: Annotated[
            int | None,
            typer.Option(
                "--across-posterior",
                metavar="N",
                help="with --parameters posterior.parquet: N parameter sets drawn from it "
                "(weights respected, seeded) are the futures, each run --replicates times on the "
                "same seeds for every scheme; not with --across",
            ),
        ] = None,
        lang: Annotated[
            str, typer.Option(help="language of report.md, report.html and this summary: en or nl")
        ] = "en",
    ) -> None:
        """Compare funding schemes on common random numbers; writes comparison.csv and a report."""
        compare_command(
            scenarios,
            replicates,
            seed,
            out,
            budget_normalise,
            allow_different_regions,
            workers,
            console,
            yes,
            parameters,
            across,
            across_posterior,
            lang,
        )
