"""`collabsim compare --across EXPERIMENT` (or `--parameters P --across-posterior N`): the steps the
compare command adds for many futures.

Checked before anything runs (`check_across`), run with a progress bar after the usual comparison
(`run_across`), summarised in a table (`print_across`). The work is in
`collabsim.analysis.robust_comparison`; this module only talks to the terminal.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from collabsim.cli.console import progress_bar


def check_across(scenarios: list[Path], *, across: Path | None, draws: int | None,
                 parameters: Path | None, replicates: int, seed: int | None, workers: int,
                 yes: bool):  # fmt: skip
    """Load the futures (None without --across or --across-posterior), check every scheme in every
    future and the work's size; or one line."""
    from collabsim.analysis.comparison import effective_workers
    from collabsim.analysis.robust_comparison import (
        check_count,
        check_futures,
        check_size,
        load_across,
    )
    from collabsim.model.scenario import load_scenario

    paths = [Path(p) for p in scenarios]
    if across is None and draws is None:
        return None
    check_count(paths)
    root = load_scenario(paths[0]).scenario.seed if seed is None else seed
    futures = load_across(across, draws, parameters, replicates, root)
    check_futures(paths, futures)
    check_size(paths, futures, effective_workers(workers), yes)
    return futures


def run_across(comparison, futures, workers: int, console: Console) -> None:
    """Every compared scheme in every future, with a progress bar; fills comparison.robust."""
    from collabsim.analysis.comparison import effective_workers
    from collabsim.analysis.robust_comparison import compare_across

    with progress_bar(console) as bar:
        task = bar.add_task(f"across {len(futures.table)} futures", total=len(futures.table))
        comparison.robust = compare_across(
            comparison.arms,
            futures,
            effective_workers(workers),
            progress=lambda k: bar.advance(task, k),
        )


def print_across(console: Console, robust) -> None:
    """The share of futures and regret per scheme, as a table."""
    f = robust.futures
    what = "posterior draws" if f.draws_only else "futures"
    table = Table(
        title=f"across {len(f.table)} {what} x {f.replicates} runs, common random numbers"
    )
    for col in ("scheme", f"beats {robust.reference}", "clearly", "regret median", "regret p90"):
        table.add_column(col, justify="left" if col == "scheme" else "right")
    for _, r in robust.summary.iterrows():
        beats = r["beats"]
        table.add_row(
            str(r["scheme"]),
            "ref"
            if beats != beats
            else f"{beats:.0%} ({r['beats_low']:.0%}–{r['beats_high']:.0%})",
            "" if beats != beats else f"{r['beats_clearly']:.0%}",
            f"{100 * r['regret_median']:.0f} pt",
            f"{100 * r['regret_p90']:.0f} pt",
        )
    console.print(table)


def manifest_part(robust) -> dict:
    """What the manifest records of the futures."""
    from collabsim.analysis.robust_comparison import manifest_part as part

    return part(robust)
