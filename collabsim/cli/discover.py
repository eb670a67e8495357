"""`collabsim discover`: scenario discovery (PRIM and CART) on a sweep's runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from collabsim.cli import options
from collabsim.cli.console import console, err_console, progress_bar
from collabsim.errors import CollabsimInputError


def discover_command(
    sweep: Path,
    outcome: str,
    threshold: str | None,
    per: str,
    label: str | None,
    max_boxes: int,
    out: Path | None,
    console: Console,
    err_console: Console,
    language: str = "en",
) -> Path:
    """What `collabsim discover` does: check everything, find the boxes, write, summarise (the
    summary and report.md in the language, en or nl; the other files stay English)."""
    from collabsim.analysis.discovery_cases import case_table, select_cases
    from collabsim.locale import check_language
    from collabsim.runs.outputs import check_out_dir, default_out_dir, safe_name

    check_language(language)
    if not 1 <= max_boxes <= 10:
        raise CollabsimInputError(f"--max-boxes {max_boxes}: must be from 1 to 10")
    if label is not None and not label.strip():
        raise CollabsimInputError("--label: empty; name the cases, e.g. --label collapses")
    out = Path(out) if out is not None else default_out_dir(f"{safe_name(sweep.name)}-discover")
    check_out_dir(out)
    started = time.perf_counter()
    table = case_table(sweep, per)
    cases = select_cases(table, outcome, threshold)
    for note in table.notes:
        err_console.print(note, markup=False, highlight=False, soft_wrap=True)

    from collabsim.analysis.discovery import discover
    from collabsim.analysis.discovery_report import Question, manifest_for, write_discovery

    question = Question(
        sweep=sweep,
        outcome=outcome,
        threshold=threshold,
        unit=table.noun,
        label=(label or "cases").strip(),
        runs=table.runs,
        experiment=table.meta.get("experiment", {}).get("name", ""),
        notes=table.notes,
    )
    with progress_bar(err_console) as bar:
        task = bar.add_task("discovering", total=max_boxes + 2)

        def step(what: str) -> None:
            bar.update(task, description=what, advance=1)

        result = discover(table.x, cases, max_boxes=max_boxes, on_step=step)
        step("writing the report")
        manifest = manifest_for(result, question, table.meta, time.perf_counter() - started)
        write_discovery(result, question, table.x, out, manifest, language)
    print_result(console, result, question, table.x, out, language)
    return out


def print_result(console: Console, result, q, x, out: Path, language: str = "en") -> None:
    """The boxes in a few lines and where the report is, in the language."""
    from collabsim.analysis.discovery import UNITS, box_words
    from collabsim.analysis.discovery_report import integer_factors
    from collabsim.locale import translator

    _ = translator(language)
    units = _(UNITS.get(q.unit, q.unit + "s"))
    label = _("cases") if q.label == "cases" else q.label  # the default name, or the user's

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    n = len(result.boxes)
    say(
        _("{cases} of {rows} {units} are {label} ({share}); {boxes}").format(
            cases=f"{result.cases:,}".replace(",", "." if language == "nl" else ","),
            rows=f"{result.rows:,}".replace(",", "." if language == "nl" else ","),
            units=units,
            label=label,
            share=f"{result.base_rate:.0%}",
            boxes=(_("1 box found") if n == 1 else _("{n} boxes found").format(n=n)),
        )
    )
    ints = integer_factors(x)
    for b in result.boxes:
        words = box_words(b, result.factors, label, q.unit, ints, language)
        say("  " + _("box {number}: {words}").format(number=b.number, words=words))
    if result.agreement == result.agreement:
        say(
            "  "
            + _("CART's case leaves share {share} of their {units} with the boxes").format(
                share=f"{result.agreement:.0%}", units=units
            )
        )
    say(
        _("report in {path} (boxes.csv, trajectory.csv, figures, manifest.json)").format(
            path=out / "report.md"
        )
    )


def register(app: typer.Typer) -> None:
    """Add `collabsim discover` to the command line."""

    @app.command()
    def discover(
        sweep: Annotated[
            Path, typer.Argument(help="a sweep folder (what `collabsim sweep` wrote)")
        ],
        outcome: Annotated[
            str,
            typer.Option(
                help="the cases of interest: a condition over the summary columns, e.g. "
                "'survived_10y < 0.5', 'collapsed', 'public_value < 20'; with --threshold, a "
                "number such as 'public_value'; names with dots in backticks: `drivers.trust`",
            ),
        ],
        threshold: Annotated[
            str | None,
            typer.Option(
                help="with a numeric --outcome: the cases lie beyond it, e.g. '<20', '>=0.5', or "
                "a share of the rows: '<10%' (the lowest tenth)"
            ),
        ] = None,
        per: Annotated[
            str,
            typer.Option(
                help="run: one row per run (density = share of runs); point: one row per design "
                "point, each metric its mean over the point's runs (survived = share surviving)"
            ),
        ] = "run",
        label: Annotated[
            str | None,
            typer.Option(help="what the report calls the cases, e.g. 'collapses' (default cases)"),
        ] = None,
        max_boxes: Annotated[int, typer.Option(help="at most this many PRIM boxes")] = 3,
        out: Annotated[
            Path | None,
            options.out("folder for the report (default results/SWEEP-discover-TIMESTAMP)"),
        ] = None,
        lang: Annotated[str, options.lang()] = "en",
    ) -> None:
        """Scenario discovery: the conditions (PRIM boxes, a CART tree) under which cases happen."""
        discover_command(
            sweep, outcome, threshold, per, label, max_boxes, out, console, err_console, lang
        )
