"""The scan's figures: the conversation poster, the disagreement view, survival, the expected
trajectories and the lever ranking, each saved as a PNG.

The poster (praatplaat) puts the partners' scores on the causal structure: design, practice and
conditions shape the four drivers, which keep partners engaged. Organisation types are coloured
as the table of organisation types says (its figure colour).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from collabsim.apps.scan.mapping import ScanInputs, setting_text
from collabsim.apps.scan.projection import HORIZON_5, HORIZON_10, SERIES_BANDS
from collabsim.apps.scan.questionnaire import Lever, Questionnaire
from collabsim.model.organisation_types import ORGANISATION_TYPES


def _score_colour(x: float | None):
    import matplotlib

    if x is None or not math.isfinite(x):
        return "#d9d9d9"
    return matplotlib.colormaps["RdYlGn"]((x - 1) / 4 * 0.8 + 0.1)


def _value_text(lever: Lever, value: Any) -> str:
    """A lever's model setting in a few words, e.g. 'staff turnover 0.26' or 'a covenant'."""
    if lever.mapping == "linear":
        return f"{lever.key.split('.')[-1].replace('_', ' ')} {value:.2f}"
    return setting_text(lever, value)


def plot_poster(inputs: ScanInputs, q: Questionnaire, path: Path) -> Path:
    """The conversation poster (praatplaat): design and practice (left) and conditions (right)
    shape the four drivers (centre), which keep partners engaged; engagement makes joint action
    possible, its small wins feed trust back and add public value. Boxes coloured by score."""
    import matplotlib
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from collabsim.runs.plotting import plt

    disagree = {
        lid for lid in q.levers if any(inputs.scores[i.id].disagree for i in q.items_of(lid))
    }
    fig, ax = plt.subplots(figsize=(14, 8.6), dpi=100)
    ax.set_xlim(0, 14)
    ax.set_ylim(0, 8.6)
    ax.axis("off")

    def frame(x, y, w, h, title):
        ax.add_patch(
            FancyBboxPatch(
                (x, y), w, h, boxstyle="round,pad=0.05,rounding_size=0.2", fc="#f4f4f4", ec="#bbb"
            )
        )
        ax.text(x + 0.1, y + h - 0.08, title, fontsize=10.5, weight="bold", va="top", color="#333")

    def box(x, y, w, h, lid):
        lever = q.levers[lid]
        score = inputs.levers[lid]
        descriptive = lever.mapping == "kind"
        colour = "#e3e3ef" if descriptive else _score_colour(score)
        ax.add_patch(
            FancyBboxPatch(
                (x, y), w, h, boxstyle="round,pad=0.03,rounding_size=0.1", fc=colour, ec="#555"
            )
        )
        value = inputs.values[lever.key]
        ax.text(x + 0.08, y + h - 0.1, lever.label, fontsize=9.5, weight="bold", va="top")
        ax.text(
            x + 0.08,
            y + h - 0.36,
            lever.label_nl,
            fontsize=7.5,
            style="italic",
            va="top",
            color="#333",
        )
        text = str(value) if descriptive else f"{score:.1f}/5 → {_value_text(lever, value)}"
        ax.text(x + 0.08, y + 0.07, text, fontsize=8, va="bottom")
        if lid in disagree:
            ax.text(
                x + w - 0.08,
                y + h - 0.1,
                "(!) disagree",
                fontsize=7.5,
                color="#b2182b",
                weight="bold",
                va="top",
                ha="right",
            )

    def arrow(a, b, **kw):
        ax.add_patch(
            FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=16, lw=1.6, color="#555", **kw)
        )

    # left: design and practice
    frame(0.1, 4.15, 3.3, 3.9, "DESIGN  (ontwerp)")
    for k, lid in enumerate(("parties", "governance", "kind")):
        box(0.25, 6.55 - k * 1.12, 3.0, 0.95, lid)
    frame(0.1, 1.3, 3.3, 2.55, "PRACTICE  (praktijk)")
    for k, lid in enumerate(("coordinator", "meetings")):
        box(0.25, 2.35 - k * 1.0, 3.0, 0.85, lid)
    # right: conditions
    frame(10.6, 0.2, 3.3, 7.85, "CONDITIONS  (condities)")
    conditions = (
        "agility",
        "turnover",
        "handover",
        "rules",
        "staff_time",
        "culture",
        "orientation",
        "volatility",
    )
    for k, lid in enumerate(conditions):
        box(10.75, 6.85 - k * 0.9, 3.0, 0.78, lid)
    # centre: the four drivers
    frame(4.1, 3.75, 5.8, 4.3, "DRIVERS  (drijfveren): they only work in combination")
    for k, lid in enumerate(("incentives", "urgency", "shared_interest", "trust")):
        box(4.3 + (k % 2) * 2.8, 5.85 - (k // 2) * 1.95, 2.6, 1.55, lid)
    # centre bottom: what the drivers keep going
    outcomes = (
        ("engagement", "inzet van partners"),
        ("joint action", "samen doen"),
        ("public value", "publieke waarde"),
    )
    for k, (title, nl) in enumerate(outcomes):
        x = 4.1 + k * 2.0
        ax.add_patch(
            FancyBboxPatch(
                (x, 0.5),
                1.8,
                1.0,
                boxstyle="round,pad=0.03,rounding_size=0.1",
                fc="#dde7f3",
                ec="#555",
            )
        )
        ax.text(x + 0.9, 1.12, title, fontsize=9.5, weight="bold", ha="center")
        ax.text(x + 0.9, 0.78, nl, fontsize=7.5, style="italic", ha="center")
        if k:
            arrow((x - 0.2, 1.0), (x, 1.0))
    arrow((3.45, 6.0), (4.05, 6.0))
    arrow((3.45, 2.6), (4.05, 4.4))
    arrow((10.55, 5.9), (9.95, 5.9))
    arrow((7.0, 3.7), (5.0, 1.55))
    arrow((7.0, 1.55), (8.3, 3.7), connectionstyle="arc3,rad=0.25", ls="--")
    ax.text(8.05, 2.45, "small wins build trust\n(kleine successen)", fontsize=7.5, color="#444")
    sm = matplotlib.cm.ScalarMappable(
        cmap=matplotlib.colors.ListedColormap(
            [_score_colour(1 + 4 * t) for t in np.linspace(0, 1, 64)]
        ),
        norm=matplotlib.colors.Normalize(1, 5),
    )
    cax = fig.add_axes([0.02, 0.05, 0.2, 0.022])
    cb = fig.colorbar(sm, cax=cax, orientation="horizontal")
    cb.set_label("partners' mean score, turned so that 5 is favourable", fontsize=8)
    ax.set_title(
        "Conversation poster (praatplaat): the partners' scores on the causal structure",
        fontsize=13,
        loc="left",
    )
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.01)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_disagreement(inputs: ScanInputs, q: Questionnaire, path: Path) -> Path:
    """Every respondent's answer per statement, by organisation type, with the mean; statements
    where partners differ by two points or more are marked."""
    from collabsim.runs.plotting import plt

    items = list(q.items)
    fig, ax = plt.subplots(figsize=(11, 0.34 * len(items) + 1.6), dpi=100)
    offsets = np.linspace(-0.25, 0.25, max(len(inputs.people), 1))
    for y, item in enumerate(items):
        sc = inputs.scores[item.id]
        if sc.disagree:
            ax.axhspan(y - 0.45, y + 0.45, color="#fde0dd", lw=0)
        for k, (r, a) in enumerate(zip(inputs.people, sc.answers, strict=True)):
            if a is not None:
                colour = ORGANISATION_TYPES[r.type].figure_colour
                ax.scatter(a, y + offsets[k], s=22, color=colour, zorder=3)
        ax.scatter(sc.mean, y, marker="|", s=260, color="#000" if sc.n else "#999", zorder=4)
    labels = [
        f"{i.id}{' (−)' if i.direction == '-' else ''}  {i.en[:62]}{'…' if len(i.en) > 62 else ''}"
        for i in items
    ]
    ax.set_yticks(range(len(items)), labels, fontsize=7.5)
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(0.6, 5.4)
    ax.set_xticks([1, 2, 3, 4, 5], ["1 disagree", "2", "3", "4", "5 agree"])
    ax.grid(axis="x", alpha=0.3)
    for t in ORGANISATION_TYPES.values():
        if any(r.type == t.label for r in inputs.people):
            ax.scatter([], [], color=t.figure_colour, label=t.label)
    ax.scatter([], [], marker="|", s=120, color="#000", label="mean")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=6, fontsize=8, frameon=False)
    fig.suptitle(
        "Where partners agree and disagree (shaded: answers 2 or more points apart; "
        "(−): negatively worded statement)",
        fontsize=10,
        x=0.01,
        ha="left",
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_survival(proj: dict, path: Path) -> Path:
    """Share of projected partnerships still going, month by month, with its 95% band."""
    from collabsim.runs.plotting import plt

    km = pd.DataFrame(proj["kaplan_meier"])
    fig, ax = plt.subplots(figsize=(9, 3.8), dpi=100)
    ax.fill_between(km["month"], km["low"], km["high"], color="#333", alpha=0.15, lw=0)
    ax.step(km["month"], km["survival"], where="post", color="#333", lw=2)
    for m, key in ((HORIZON_5, "survival_5y"), (HORIZON_10, "survival_10y")):
        s = proj[key]
        ax.errorbar(
            m,
            s["share"],
            yerr=[[s["share"] - s["low"]], [s["high"] - s["share"]]],
            fmt="o",
            color="#d95f02",
            capsize=4,
        )
        ax.annotate(
            f"{s['share']:.0%} ({s['low']:.0%}–{s['high']:.0%})",
            (m, s["share"]),
            textcoords="offset points",
            xytext=(-70, 10),
            fontsize=9,
        )
    ax.set_ylim(0, 1.05)
    ax.set_xlim(0, km["month"].max())
    ax.set_xlabel("month")
    ax.set_ylabel("still going")
    ax.set_title("Projected survival (Kaplan–Meier with 95% band; dots: 5 and 10 years)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_bands(proj: dict, name: str, path: Path) -> Path:
    """Expected trajectories: mean and 10–90% band of each driver, month by month, over the
    projected partnerships still going (the numbers of scan.json → projection → bands)."""
    from collabsim.runs.plotting import plt
    from collabsim.runs.run_figures import draw_band, finish_levels_axes, save_figure

    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=100)
    last = -1
    for col in SERIES_BANDS:
        rows = proj["bands"][col]
        if not rows:
            continue
        month = [r["month"] for r in rows]
        last = max(last, month[-1])
        band = ([r[key] for r in rows] for key in ("p10", "p90", "mean"))
        draw_band(ax, month, *band, col)
    if last < HORIZON_10:
        ended = "at the start" if last < 0 else f"after month {last}"
        ax.text(
            HORIZON_10,
            0.97,
            f"no projected partnership still going {ended}",
            ha="right",
            va="top",
            fontsize=9,
            color="#555",
        )
    ax.set_xlabel("month")
    finish_levels_axes(
        ax, f"{name}: mean and 10–90% band over the partnerships still going", HORIZON_10
    )
    return save_figure(fig, path)


def plot_levers(ranking: list[dict], path: Path) -> Path:
    """Change in 5-year survival per lever (one scan point better), with 95% intervals."""
    from collabsim.runs.plotting import plt

    rows = list(reversed(ranking))
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(rows) + 1.4), dpi=100)
    y = np.arange(len(rows))
    d = np.array([100 * r["difference"] for r in rows])
    lo = np.array([100 * r["low"] for r in rows])
    hi = np.array([100 * r["high"] for r in rows])
    colours = [
        "#1b9e77" if r["low"] > 0 else ("#d62728" if r["high"] < 0 else "#999") for r in rows
    ]
    ax.barh(y, d, color=colours, alpha=0.8)
    ax.errorbar(d, y, xerr=[d - lo, hi - d], fmt="none", color="#333", capsize=3)
    ax.set_yticks(y, [f"{r['label']}" for r in rows], fontsize=8.5)
    ax.axvline(0, color="#333", lw=1)
    ax.set_xlabel("change in 5-year survival (percentage points), same random numbers")
    ax.set_title("Levers: one scan point better (a setting: its next step)", loc="left")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
