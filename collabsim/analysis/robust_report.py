"""The report's section "Where it works and where it does not": a comparison across futures.

Findings in words (the share of futures each scheme beats the reference in, its regret, and the
PRIM boxes of where it loses its edge or helps), a table, one figure read at a glance, and the
limits. `compare_report` places the section in report.html and report.md; `write_robust` writes
its files (robust.csv, futures.csv, robust_boxes.csv, figures/robust.png) into the report folder.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.discovery import conditions_words
from collabsim.analysis.robust_comparison import MEASURE, MEASURE_WORDS, Edge, RobustComparison
from collabsim.runs.plotting import plt
from collabsim.runs.run_figures import embed_png

TITLE = "Where it works and where it does not"
FIGURE = (
    "Left: in how many futures each scheme keeps more partnerships going after ten years than "
    "the reference (bar: share of futures, dark part: clearly, whiskers: 95% interval). Right: "
    "how far it falls behind the best scheme in the same future (dot: median, bar end: 9 futures "
    "in 10 are closer), in percentage points of ten-year survival"
)


def _pct(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def _points(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.0f}"


# --------------------------------------------------------------------------- words


def _key_words(keys) -> str:
    return ", ".join(k.rsplit(".", 1)[-1].replace("_", " ") for k in keys)


def futures_words(f) -> str:
    """Where the futures come from, in words: a design's ranges, posterior draws, or both."""
    if f.draws_only:
        return (
            f"{len(f.table)} futures, each a set of the calibrated parameters "
            f"({_key_words(f.drawn)}) drawn from the posterior {f.posterior} with its weights "
            "(a particle may be drawn more than once)"
        )
    region = (
        f"the same {len(f.table)} futures ({f.source}: the region's {_key_words(f.design_keys)} "
        "drawn over their ranges"
    )
    if f.posterior:
        return f"{region}; each future also its own parameter set drawn from {f.posterior})"
    return region + ")"


def opening(robust: RobustComparison) -> str:
    """What was run: schemes, futures, runs, common random numbers."""
    f = robust.futures
    return (
        f"Each of the {len(robust.labels)} schemes was run in {futures_words(f)}, "
        f"{f.replicates} runs per future, on common random numbers within each future: run r of "
        f"every scheme in a future has the same seed. The outcome is the {MEASURE_WORDS}; a "
        f"scheme beats {robust.reference} in a future when its mean over that future's runs is "
        "higher, and beats it clearly when the paired 95% interval of the difference lies above "
        "zero. Its regret in a future is how far it falls behind the best scheme there. Where a "
        "scheme works and where it does not is read from the futures in which it beats the "
        "reference clearly (PRIM boxes, the rule of `collabsim discover`)."
    )


def scheme_finding(row: pd.Series, robust: RobustComparison) -> str:
    """One scheme's share of futures and regret in a sentence."""
    n = int(row["futures"])
    regret = (
        f"its regret has a median of {_points(row['regret_median'])} and a 90th percentile of "
        f"{_points(row['regret_p90'])} percentage points, and it is the best scheme (or tied) in "
        f"{_pct(row['best_share'])} of futures"
    )
    if math.isnan(row["beats"]):
        return f"{row['scheme']} (the reference): {regret}."
    return (
        f"{row['scheme']} beats {robust.reference} in {round(row['beats'] * n)} of {n} futures "
        f"({_pct(row['beats'])}, 95% interval {_pct(row['beats_low'])}–"
        f"{_pct(row['beats_high'])}), clearly in {_pct(row['beats_clearly'])}; {regret}."
    )


def box_sentence(edge: Edge, box, robust: RobustComparison, integers: set[str]) -> str:
    """One PRIM box of a scheme's edge in plain words."""
    res = edge.result
    where = conditions_words(box.limits, res.factors, integers)
    outside = "Outside the first box, " if box.number > 1 else ""
    ref = robust.reference
    if edge.cases_are == "wins":
        head = f"{edge.scheme} helps clearly mainly where {where}"
        what, share = "clearly beats", "futures where it clearly helps"
    else:
        head = f"{edge.scheme} loses its clear edge where {where}"
        what, share = "does not clearly beat", "futures without a clear edge"
    return (
        f"{outside}{head}: there it {what} {ref} in {box.density:.0%} of futures (against "
        f"{res.base_rate:.0%} over all futures); these hold {box.coverage:.0%} of its {share} "
        f"and are {box.mass:.0%} of all futures."
    )


def edge_sentences(edge: Edge, robust: RobustComparison) -> list[str]:
    """Where a scheme works and where it does not, in words."""
    from collabsim.analysis.discovery_report import integer_factors

    ref, n = robust.reference, edge.futures
    if edge.result is None:
        if edge.cases_are == "wins":
            return [f"{edge.scheme} clearly beats {ref} in none of the {n} futures."]
        return [f"{edge.scheme} clearly beats {ref} in every one of the {n} futures."]
    boxes = edge.result.boxes
    if not boxes:
        what = "clearly beats" if edge.cases_are == "wins" else "does not clearly beat"
        return [
            f"{edge.scheme} {what} {ref} in {edge.cases} of {n} futures, spread so that no part "
            "of the futures singles them out (no PRIM box passes the rule)."
        ]
    integers = integer_factors(robust.futures.table)
    out = [box_sentence(edge, b, robust, integers) for b in boxes]
    if edge.result.agreement == edge.result.agreement:
        out[-1] += (
            f" (A CART tree's case leaves share {edge.result.agreement:.0%} of their futures "
            "with these boxes.)"
        )
    return out


def findings(robust: RobustComparison) -> list[str]:
    """The section's findings: what was run, each scheme's shares and regret, the most robust."""
    out = [opening(robust)]
    out += [scheme_finding(r, robust) for _, r in robust.summary.iterrows()]
    s = robust.summary
    best = s.loc[s["regret_p90"].idxmin()]
    out.append(
        f"Least regret in the bad futures: {best['scheme']} (90th percentile "
        f"{_points(best['regret_p90'])} points). A scheme that beats the reference in most "
        "futures but has a high 90th-percentile regret wins often but is far from the best "
        "where it is not."
    )
    return out


DESIGN_LIMIT = (
    "The futures are the design's draws over the ranges in the experiment file: a share of "
    "futures is a share of those ranges (each weighted as the design samples it), not a "
    "probability that a real region is like that. The 95% intervals of the shares are over the "
    "futures, taken as a sample of those ranges."
)
POSTERIOR_LIMIT = (
    "The futures are parameter sets drawn from the calibrated posterior with its weights: a "
    "share of draws estimates how probable it is, given the calibration's targets and priors, "
    "that a scheme beats the reference in the region of the compared files, not a share of "
    "regions. It covers the parameters the calibration fitted and nothing else; the 95% "
    "intervals are over the draws, taken as a sample of the posterior."
)
LIMITS = [
    "Whether a scheme beats the reference in one future is judged on that future's runs; where "
    "the true difference is small, chance decides, which is why the share that beats it clearly "
    "is given too.",
    "The boxes are PRIM's (the same rule as `collabsim discover`), found on the futures of this "
    "comparison; they describe the factors the futures vary and nothing they hold fixed.",
    "The futures set the same values in every scheme's file: a scheme file's own value of a "
    "varied key is replaced.",
]


# --------------------------------------------------------------------------- tables


def limits(robust: RobustComparison) -> list[str]:
    """The section's limits: of a design's futures, of posterior draws, or of both."""
    f = robust.futures
    own = [POSTERIOR_LIMIT] if f.draws_only else [DESIGN_LIMIT]
    if f.posterior and not f.draws_only:
        own.append(
            "Each future carries one parameter set drawn from the posterior, so the shares "
            "mix the spread of regions with the calibrated parameters' uncertainty."
        )
    return own + LIMITS


def readable_rows(robust: RobustComparison) -> tuple[list[str], list[list[str]]]:
    """The per-scheme table in plain units."""
    header = [
        "scheme",
        f"beats {robust.reference} in (share of futures, 95% interval)",
        "clearly beats it in",
        "best scheme (or tied) in",
        "regret, median (points)",
        "regret, 90th percentile (points)",
        "mean ten-year survival over futures",
    ]
    rows = []
    for _, r in robust.summary.iterrows():
        beats = (
            "reference"
            if math.isnan(r["beats"])
            else f"{_pct(r['beats'])} ({_pct(r['beats_low'])}–{_pct(r['beats_high'])})"
        )
        rows.append(
            [
                str(r["scheme"]),
                beats,
                "–" if math.isnan(r["beats_clearly"]) else _pct(r["beats_clearly"]),
                _pct(r["best_share"]),
                _points(r["regret_median"]),
                _points(r["regret_p90"]),
                _pct(r[f"mean_{MEASURE}"]),
            ]
        )
    return header, rows


def boxes_table(robust: RobustComparison) -> pd.DataFrame:
    """robust_boxes.csv: one row per scheme and box, its conditions in words and numbers."""
    from collabsim.analysis.discovery_report import integer_factors

    integers = integer_factors(robust.futures.table)
    rows = []
    for e in robust.edges:
        for b in e.result.boxes if e.result is not None else []:
            rows.append(
                {
                    "scheme": e.scheme,
                    "cases_are": e.cases_are,
                    "box": b.number,
                    "conditions": conditions_words(b.limits, e.result.factors, integers),
                    "coverage": b.coverage,
                    "density": b.density,
                    "mass": b.mass,
                    "base_rate": e.result.base_rate,
                    "cart_agreement": e.result.agreement,
                }
            )
    columns = ["scheme", "cases_are", "box", "conditions", "coverage", "density", "mass"]
    return pd.DataFrame(rows, columns=[*columns, "base_rate", "cart_agreement"])


# --------------------------------------------------------------------------- the figure


def plot_robust(robust: RobustComparison, path: Path) -> Path:
    """Share of futures beating the reference (left) and regret (right), one row per scheme."""
    s = robust.summary.copy()
    s["order"] = s["beats"].fillna(-1.0)
    s = s.sort_values("order", ignore_index=True)  # the best at the top, the reference at the foot
    y = np.arange(len(s))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.45 * len(s) + 2.0), sharey=True)
    for k, r in s.iterrows():
        if math.isnan(r["beats"]):
            left.text(0.01, k, "reference", va="center", fontsize=9, color="0.3")
            continue
        colour = (
            "#2b8a3e" if r["beats_low"] > 0.5 else "#c92a2a" if r["beats_high"] < 0.5 else "#868e96"
        )
        left.barh(k, r["beats"], color=colour, alpha=0.35)
        left.barh(k, r["beats_clearly"], color=colour, alpha=0.9)
        err = [[r["beats"] - r["beats_low"]], [r["beats_high"] - r["beats"]]]
        left.errorbar(r["beats"], k, xerr=err, color="0.2", capsize=3, lw=1)
    left.axvline(0.5, color="0.4", ls=":", lw=1)
    left.set_xlim(0, 1)
    left.set_xlabel(f"share of futures in which it beats {robust.reference}")
    left.set_yticks(y, s["scheme"].tolist())
    right.hlines(y, 0, 100 * s["regret_p90"], color="#1c7ed6", alpha=0.35, lw=6)
    right.plot(100 * s["regret_median"], y, "o", color="#1c7ed6")
    right.set_xlim(left=0)
    right.set_xlabel("behind the best scheme (percentage points)")
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
    left.set_title("How often does it help?", fontsize=10)
    right.set_title("How much does it cost to have chosen it?", fontsize=10)
    fig.suptitle(f"{len(robust.labels)} schemes across {len(robust.futures.table)} futures")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- the section


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f'<div class="wide"><table id="robust"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def html_section(robust: RobustComparison, png: bytes) -> list[str]:
    """The section as HTML parts."""
    parts = [f'<h2 id="robust">{TITLE}</h2><ul>']
    parts += [f"<li>{html.escape(f)}</li>" for f in findings(robust)]
    parts.append("</ul>")
    parts.append(
        f'<figure id="fig-robust">{embed_png(png, FIGURE)}'
        f"<figcaption>{html.escape(FIGURE)}</figcaption></figure>"
    )
    parts.append("<h3>Where each scheme works and where it does not</h3><ul>")
    for e in robust.edges:
        parts += [f"<li>{html.escape(t)}</li>" for t in edge_sentences(e, robust)]
    parts.append("</ul>")
    parts.append(_html_table(*readable_rows(robust)))
    parts.append("<h3>Limits of the answer across futures</h3><ul>")
    parts += [f"<li>{html.escape(a)}</li>" for a in limits(robust)]
    parts.append("</ul>")
    return parts


def markdown_section(robust: RobustComparison) -> list[str]:
    """The section as Markdown lines."""
    header, rows = readable_rows(robust)
    lines = [f"## {TITLE}", ""]
    lines += [f"- {f}" for f in findings(robust)]
    lines += ["", f"![{FIGURE}](figures/robust.png)", "", f"*{FIGURE}*", ""]
    lines += ["### Where each scheme works and where it does not", ""]
    lines += [f"- {t}" for e in robust.edges for t in edge_sentences(e, robust)]
    lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "### Limits of the answer across futures", ""]
    lines += [f"- {a}" for a in limits(robust)]
    return [*lines, ""]


def write_robust(robust: RobustComparison, folder: Path) -> bytes:
    """robust.csv, futures.csv, robust_boxes.csv and figures/robust.png; returns the PNG."""
    robust.summary.to_csv(folder / "robust.csv", index=False)
    robust.table.to_csv(folder / "futures.csv", index=False, float_format="%.6g")
    boxes_table(robust).to_csv(folder / "robust_boxes.csv", index=False)
    (folder / "figures").mkdir(exist_ok=True)
    return plot_robust(robust, folder / "figures" / "robust.png").read_bytes()


__all__ = ["TITLE", "html_section", "markdown_section", "write_robust"]
