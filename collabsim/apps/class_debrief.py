"""The debrief of a class session: the class's partnership beside 50 model runs of the same preset.

"Your partnership lasted 46 months; the model's agents kept 62% going": the class's lifetime is
set beside the share of the model's own runs (same preset, seeds spawned from the session's seed,
collabsim.runs.runner.replicate_seeds) still going at the same month, with a figure of both, the
timeline of the class's decisions and what followed, and three questions for the discussion. One
self-contained HTML page (its figure an inline SVG), written in memory: the server hands it to
the teacher's browser and nothing is written to disk.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from collabsim.analysis.narration import org_name
from collabsim.apps.class_session import PARTNERSHIP, round_record
from collabsim.locale import N_, check_language, decimal, translator
from collabsim.model.collaboration import COLUMN
from collabsim.runs.runner import run_replicates

MODEL_RUNS = 50

TEXT = {
    "title": N_("Debrief: {preset}"),
    "lasted": N_("Your partnership lasted {months} months."),
    "still_going": N_("Your partnership was still going after {months} months."),
    "model_kept": N_(
        "Of {runs} runs of the same preset played by the model's own agents, {share} were still "
        "going at month {months}."
    ),
    "model_median": N_("Half of the model's runs had fallen apart by month {median}."),
    "model_median_none": N_(
        "More than half of the model's runs lasted the whole {horizon} months."
    ),
    "figure": N_("Your partnership and the model's runs"),
    "share_alive": N_("share of the model's runs still going"),
    "your_end": N_("your partnership"),
    "engagement_band": N_("the model's engagement (middle 80% of runs)"),
    "your_engagement": N_("your engagement"),
    "month": N_("month"),
    "timeline": N_("Your decisions and what followed"),
    "round": N_("Round {round} (months {first}–{last})"),
    "model_plays": N_("played by the model"),
    "questions": N_("Three questions for the discussion"),
    "q1": N_(
        "Which of the four drivers — incentives, urgency, shared interest, trust — was the first "
        "to give way at your table, and what did your team do when it did?"
    ),
    "q2": N_(
        "When did your team put its own organisation first, and what did that do to the others' "
        "trust and to the partnership?"
    ),
    "q3": N_(
        "The model's agents kept {share} of their partnerships going to month {months}. What "
        "would you do differently, and what would need to change outside the table to make it "
        "easier?"
    ),
    "staff": N_("staff time {percent}%"),
    "tension_none": N_("tension left as it is"),
    "tension_raise": N_("tension raised"),
    "tension_let_go": N_("tension let go"),
    "contribution_none": N_("nothing on the table"),
    "contribution_in_kind": N_("means in kind"),
    "contribution_money": N_("money"),
    "stay": N_("stays"),
    "leave": N_("leaves"),
    "generated": N_(
        "Made by collabsim class mode: preset {preset}, seed {seed}, {runs} model runs."
    ),
}


@dataclass
class ClassRecord:
    """What the debrief needs of a session, copied under its lock."""

    preset: str
    seed: int
    scenario: Any
    months: int
    dissolved: bool
    horizon: int
    engagement: np.ndarray
    rounds: list[dict[str, Any]]
    seat_names: dict[int, str]


def record_of(session, language: str) -> ClassRecord:
    """The session's partnership as it stands, for the debrief."""
    with session.lock:
        st = session.model.state
        dissolved = not bool(st.alive[PARTNERSHIP])
        rows = session.model.datacollector.model_vars["partnerships"]
        engagement = np.array([r[PARTNERSHIP, COLUMN.engagement] for r in rows])
        months = session.month
        if dissolved and st.dissolved_month[PARTNERSHIP] >= 0:
            months = int(st.dissolved_month[PARTNERSHIP])
        return ClassRecord(
            preset=session.preset,
            seed=session.seed,
            scenario=session.scenario,
            months=months,
            dissolved=dissolved,
            horizon=int(session.model.horizon_months),
            engagement=engagement,
            rounds=[round_record(r, language) for r in session.rounds],
            seat_names={s.slot: org_name(s.name, language) for s in session.seats()},
        )


def model_runs(record: ClassRecord, runs: int = MODEL_RUNS):
    """The model's own runs of the preset: lifetimes and engagement month by month."""
    results = run_replicates(record.scenario, runs, root_seed=record.seed)
    summary = results.summary[results.summary["partnership"] == results.summary["partnership"][0]]
    lifetimes = summary["lifetime_months"].to_numpy(dtype=float)
    survived = summary["survived"].to_numpy(dtype=bool)
    ts = results.timeseries
    first = ts[ts["partnership"] == ts["partnership"].iloc[0]]
    engagement = first.pivot(index="step", columns="replicate", values="engagement").to_numpy()
    return lifetimes, survived, engagement


def share_going(lifetimes: np.ndarray, survived: np.ndarray, month: int) -> float:
    """The share of runs still going at a month (a run that survived is going throughout)."""
    return float(np.mean(survived | (lifetimes > month)))


def debrief_html(session, language: str = "en", runs: int = MODEL_RUNS) -> str:
    """The debrief of the session as one self-contained HTML page."""
    language = check_language(language)
    record = record_of(session, language)
    lifetimes, survived, engagement = model_runs(record, runs)
    return render(record, lifetimes, survived, engagement, language)


def _percent(x: float, language: str) -> str:
    return decimal(f"{100 * x:.0f}%", language)


def render(record: ClassRecord, lifetimes, survived, engagement, language: str) -> str:
    """The page: findings, figure, the rounds' decisions and events, three questions."""
    _ = translator(language)
    e = html.escape
    share = share_going(lifetimes, survived, record.months)
    going = np.array([share_going(lifetimes, survived, m) for m in range(record.horizon + 1)])
    below = np.flatnonzero(going < 0.5)
    lines = [
        (_(TEXT["lasted"]) if record.dissolved else _(TEXT["still_going"])).format(
            months=record.months
        ),
        _(TEXT["model_kept"]).format(
            runs=len(lifetimes), share=_percent(share, language), months=record.months
        ),
        _(TEXT["model_median"]).format(median=int(below[0]))
        if len(below)
        else _(TEXT["model_median_none"]).format(horizon=record.horizon),
    ]
    parts = [
        "<!doctype html><html lang='" + language + "'><head><meta charset='utf-8'>",
        f"<title>{e(_(TEXT['title']).format(preset=record.preset))}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;color:#222}li{margin:.2rem 0}.big{font-size:1.3rem;font-weight:600}"
        "svg{max-width:100%;height:auto}</style></head><body>",
        f"<h1>{e(_(TEXT['title']).format(preset=record.preset))}</h1>",
        *(f"<p class='big'>{e(line)}</p>" for line in lines),
        f"<h2>{e(_(TEXT['figure']))}</h2>",
        figure_svg(record, going, engagement, language),
        f"<h2>{e(_(TEXT['timeline']))}</h2>",
        *(_round_html(r, record, language) for r in record.rounds),
        f"<h2>{e(_(TEXT['questions']))}</h2><ol>",
        f"<li>{e(_(TEXT['q1']))}</li><li>{e(_(TEXT['q2']))}</li>",
        f"<li>{e(_(TEXT['q3']).format(share=_percent(share, language), months=record.months))}"
        "</li></ol>",
        "<p><small>"
        + e(
            _(TEXT["generated"]).format(preset=record.preset, seed=record.seed, runs=len(lifetimes))
        )
        + "</small></p></body></html>",
    ]
    return "\n".join(parts)


def decision_words(decision: dict[str, Any], language: str) -> str:
    """A team's decisions in a few words."""
    _ = translator(language)
    words = [
        _(TEXT["staff"]).format(percent=round(100 * decision["staff_time"])),
        _(TEXT["tension_" + decision["tension"]]),
        _(TEXT["contribution_" + decision["contribution"]]),
        _(TEXT["stay"]) if decision["stay"] else _(TEXT["leave"]),
    ]
    return " · ".join(words)


def _round_html(r: dict[str, Any], record: ClassRecord, language: str) -> str:
    _ = translator(language)
    e = html.escape
    first, last = r["months"]
    items = []
    for slot, name in record.seat_names.items():
        d = r["decisions"].get(str(slot))
        what = f"{d['team']}: {decision_words(d, language)}" if d else _(TEXT["model_plays"])
        items.append(f"<li><b>{e(name)}</b> — {e(what)}</li>")
    items += [f"<li>→ {e(ev['text'])}</li>" for ev in r["events"]]
    head = _(TEXT["round"]).format(round=r["round"], first=first, last=last)
    return f"<h3>{e(head)}</h3><ul>{''.join(items)}</ul>"


def figure_svg(
    record: ClassRecord, going: np.ndarray, engagement: np.ndarray, language: str
) -> str:
    """Two panels as inline SVG: the model's runs still going, and engagement, with the class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _ = translator(language)
    months = np.arange(len(going))
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "collabsim"}):
        return _figure(record, going, engagement, months, plt, _)


def _figure(record, going, engagement, months, plt, _) -> str:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.step(months, going, where="post", color="#1f77b4", label=_(TEXT["share_alive"]))
    top.axvline(record.months, color="#ff9800", lw=2, label=_(TEXT["your_end"]))
    top.set_ylim(0, 1.05)
    top.legend(loc="lower left")
    t = np.arange(engagement.shape[0])
    low, high = np.nanpercentile(engagement, [10, 90], axis=1)
    bottom.fill_between(t, low, high, color="#2ca02c", alpha=0.25, label=_(TEXT["engagement_band"]))
    bottom.plot(
        np.arange(len(record.engagement)),
        record.engagement,
        color="#ff9800",
        lw=2,
        label=_(TEXT["your_engagement"]),
    )
    bottom.set_ylim(0, 1)
    bottom.set_xlabel(_(TEXT["month"]))
    bottom.legend(loc="upper right")
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    svg = out.getvalue()
    return svg[svg.find("<svg") :]
