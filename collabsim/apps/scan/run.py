"""The whole scan: options and work checked before any model run, then the scenario built,
projected and its levers ranked, and scan.html, scan.json and the figures written (all or nothing,
into a temporary folder renamed at the end).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from collabsim.apps.scan.answers import Respondent, write_answers_csv
from collabsim.apps.scan.figures import (
    plot_bands,
    plot_disagreement,
    plot_levers,
    plot_poster,
    plot_survival,
)
from collabsim.apps.scan.levers import rank_levers, rerun_levers
from collabsim.apps.scan.mapping import ScanInputs, build_scenario
from collabsim.apps.scan.projection import HORIZON_5, engagement_at, project, survival_5y
from collabsim.apps.scan.questionnaire import Questionnaire
from collabsim.apps.scan.report import build_report, render_html, report_json


@dataclass
class ScanOutcome:
    """What a scan produced."""

    out: Path
    report: dict = field(default_factory=dict)


def check_options(replicates: int, seed: int) -> None:
    """--replicates within 2..MAX_REPLICATES, --seed within 0..2**63-1 (one line otherwise)."""
    from collabsim import limits

    limits.check_count("--replicates", replicates, 2, limits.MAX_REPLICATES)
    limits.check_seed("--seed", seed)


def check_scan_work(
    inputs: ScanInputs, q: Questionnaire, replicates: int, yes: bool = False
) -> float:
    """Estimate the scan's work before any model run (collabsim.limits.check_work).

    Runs: the projection and one rerun per lever, `replicates` each (a lever already at its best
    is not rerun, so this is an upper bound; the 5-year lever runs are counted as 10-year runs).
    Memory: the projection's results (with monthly series) and one lever's results are held at a
    time, so the bytes kept are spread over all runs. Returns the estimated seconds."""
    from collabsim import limits

    size = limits.run_size(inputs.scenario)
    levers = len(rerun_levers(q))
    runs = replicates * (1 + levers)
    lever_size = limits.RunSize(size.partnerships, size.widest, HORIZON_5)
    held = size.kept_bytes(series=True) + (lever_size.kept_bytes(series=True) if levers else 0)
    return limits.check_work(
        f"a scan with --replicates {replicates} ({runs} runs: the projection and {levers} levers)",
        runs,
        size,
        kept_per_run=math.ceil(held / (1 + levers)),
        workers=1,
        yes=yes,
        advice="use fewer --replicates",
    )


def run_scan(
    people: list[Respondent],
    q: Questionnaire,
    out: Path,
    name: str,
    replicates: int = 100,
    seed: int = 1,
    answers_source: str = "",
    save_answers: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    yes: bool = False,
    parameters: Path | None = None,
) -> ScanOutcome:
    """Build, project, rank levers and write scan.html and scan.json (all or nothing).

    Before any model run: the options are checked and the work estimated (collabsim.limits);
    work that cannot fit in memory is refused, work over an hour needs `yes`. parameters: a
    posterior.parquet; run r (of the projection and of every lever) then draws its parameter
    set from it, so the intervals include parameter uncertainty."""
    from collabsim.runs.outputs import check_out_dir, writing_folder
    from collabsim.runs.posterior import read_optional
    from collabsim.runs.run_figures import plot_timeline
    from collabsim.runs.runner import replicate_seeds

    check_options(replicates, seed)
    out = Path(out)
    check_out_dir(out)
    posterior = read_optional(parameters)
    inputs = build_scenario(people, q, name, seed)
    check_scan_work(inputs, q, replicates, yes=yes)
    seeds = replicate_seeds(seed, replicates)
    draws = (posterior, posterior.draws(seed, replicates) if posterior is not None else None)
    n_levers = len(rerun_levers(q))
    if progress:
        progress("projecting", 0, 1 + n_levers)
    proj = project(inputs.scenario, seeds, draws)
    if progress:
        progress("ranking levers", 1, 1 + n_levers)
    base_5y = survival_5y(proj["result"].summary)
    base_engagement = engagement_at(proj["result"].timeseries, HORIZON_5)
    done = [1]

    def step(k: int) -> None:
        done[0] += k
        if progress:
            progress("ranking levers", done[0], 1 + n_levers)

    ranking = rank_levers(inputs, q, seeds, base_5y, base_engagement, name, step, draws)
    with writing_folder(out) as tmp:
        res = proj["result"]
        from collabsim.runs.run_figures import pick_bumpy_replicate

        rep = pick_bumpy_replicate(res.timeseries, res.events)
        lifetime = int(res.summary.loc[res.summary["replicate"] == rep, "lifetime_months"].iloc[0])
        fate_ok = bool(res.summary.loc[res.summary["replicate"] == rep, "survived"].iloc[0])
        figures = {
            "poster": plot_poster(inputs, q, tmp / "poster.png"),
            "disagreement": plot_disagreement(inputs, q, tmp / "disagreement.png"),
            "survival": plot_survival(proj, tmp / "survival.png"),
            "trajectories": plot_bands(proj, name, tmp / "bands.png"),
            "levers": plot_levers(ranking, tmp / "levers.png"),
            "timeline": plot_timeline(
                res.timeseries, res.events, inputs.scenario, tmp / "timeline.png", replicate=rep
            ),
        }
        report = build_report(
            inputs,
            q,
            proj,
            ranking,
            name,
            seed,
            seeds,
            answers_source,
            rep,
            lifetime,
            fate_ok,
            draws=draws,
        )
        (tmp / "scan.json").write_text(report_json(report), encoding="utf-8")
        (tmp / "scan.html").write_text(render_html(report, figures), encoding="utf-8")
        if save_answers:
            write_answers_csv(people, q, tmp / "answers.csv")
    return ScanOutcome(out, report)
