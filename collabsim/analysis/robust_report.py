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
from collabsim.analysis.html_table import html_table
from collabsim.analysis.robust_comparison import MEASURE, MEASURE_WORDS, Edge, RobustComparison
from collabsim.locale import N_, translator
from collabsim.runs.plotting import plt
from collabsim.runs.run_figures import embed_png

TITLE = N_("Where it works and where it does not")
FIGURE = N_(
    "Left: in how many futures each scheme keeps more partnerships going after ten years than "
    "the reference (bar: share of futures, dark part: clearly, whiskers: 95% interval). Right: "
    "how far it falls behind the best scheme in the same future (dot: median, bar end: 9 futures "
    "in 10 are closer), in percentage points of ten-year survival"
)
EACH = N_("Where each scheme works and where it does not")
LIMITS_TITLE = N_("Limits of the answer across futures")


def _pct(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def _points(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.0f}"


# --------------------------------------------------------------------------- words


def _key_words(keys) -> str:
    return ", ".join(k.rsplit(".", 1)[-1].replace("_", " ") for k in keys)


def futures_words(f, language: str = "en") -> str:
    """Where the futures come from, in words: a design's ranges, posterior draws, or both."""
    _ = translator(language)
    if f.draws_only:
        return _(
            "{n} futures, each a set of the calibrated parameters ({keys}) drawn from the "
            "posterior {posterior} with its weights (a particle may be drawn more than once)"
        ).format(n=len(f.table), keys=_key_words(f.drawn), posterior=f.posterior)
    region = {"n": len(f.table), "source": f.source, "keys": _key_words(f.design_keys)}
    if f.posterior:
        return _(
            "the same {n} futures ({source}: the region's {keys} drawn over their ranges; each "
            "future also its own parameter set drawn from {posterior})"
        ).format(posterior=f.posterior, **region)
    return _("the same {n} futures ({source}: the region's {keys} drawn over their ranges)").format(
        **region
    )


def opening(robust: RobustComparison, language: str = "en") -> str:
    """What was run: schemes, futures, runs, common random numbers."""
    _ = translator(language)
    f = robust.futures
    return _(
        "Each of the {schemes} schemes was run in {futures}, {replicates} runs per future, on "
        "common random numbers within each future: run r of every scheme in a future has the "
        "same seed. The outcome is the {measure}; a scheme beats {reference} in a future when "
        "its mean over that future's runs is higher, and beats it clearly when the paired 95% "
        "interval of the difference lies above zero. Its regret in a future is how far it falls "
        "behind the best scheme there. Where a scheme works and where it does not is read from "
        "the futures in which it beats the reference clearly (PRIM boxes, the rule of "
        "`collabsim discover`)."
    ).format(
        schemes=len(robust.labels),
        futures=futures_words(f, language),
        replicates=f.replicates,
        measure=_(MEASURE_WORDS),
        reference=robust.reference,
    )


def scheme_finding(row: pd.Series, robust: RobustComparison, language: str = "en") -> str:
    """One scheme's share of futures and regret in a sentence."""
    _ = translator(language)
    n = int(row["futures"])
    regret = _(
        "its regret has a median of {median} and a 90th percentile of {p90} percentage points, "
        "and it is the best scheme (or tied) in {best} of futures"
    ).format(
        median=_points(row["regret_median"]),
        p90=_points(row["regret_p90"]),
        best=_pct(row["best_share"]),
    )
    if math.isnan(row["beats"]):
        return _("{scheme} (the reference): {regret}.").format(scheme=row["scheme"], regret=regret)
    return _(
        "{scheme} beats {reference} in {k} of {n} futures ({share}, 95% interval {low}–{high}), "
        "clearly in {clearly}; {regret}."
    ).format(
        scheme=row["scheme"],
        reference=robust.reference,
        k=round(row["beats"] * n),
        n=n,
        share=_pct(row["beats"]),
        low=_pct(row["beats_low"]),
        high=_pct(row["beats_high"]),
        clearly=_pct(row["beats_clearly"]),
        regret=regret,
    )


def box_sentence(
    edge: Edge, box, robust: RobustComparison, integers: set[str], language: str = "en"
) -> str:
    """One PRIM box of a scheme's edge in plain words, in the language."""
    _ = translator(language)
    res = edge.result
    values = {
        "scheme": edge.scheme,
        "where": conditions_words(box.limits, res.factors, integers, language),
        "reference": robust.reference,
        "density": _pct(box.density),
        "base": _pct(res.base_rate),
        "coverage": _pct(box.coverage),
        "mass": _pct(box.mass),
    }
    if edge.cases_are == "wins":
        text = _(
            "{scheme} helps clearly mainly where {where}: there it clearly beats {reference} in "
            "{density} of futures (against {base} over all futures); these hold {coverage} of "
            "its futures where it clearly helps and are {mass} of all futures."
        )
    else:
        text = _(
            "{scheme} loses its clear edge where {where}: there it does not clearly beat "
            "{reference} in {density} of futures (against {base} over all futures); these hold "
            "{coverage} of its futures without a clear edge and are {mass} of all futures."
        )
    text = text.format(**values)
    if box.number > 1:
        text = _("Outside the first box, {sentence}").format(sentence=text)
    return text


def edge_sentences(edge: Edge, robust: RobustComparison, language: str = "en") -> list[str]:
    """Where a scheme works and where it does not, in words."""
    from collabsim.analysis.discovery_report import integer_factors

    _ = translator(language)
    values = {"scheme": edge.scheme, "reference": robust.reference, "n": edge.futures}
    if edge.result is None:
        if edge.cases_are == "wins":
            return [
                _("{scheme} clearly beats {reference} in none of the {n} futures.").format(**values)
            ]
        return [
            _("{scheme} clearly beats {reference} in every one of the {n} futures.").format(
                **values
            )
        ]
    boxes = edge.result.boxes
    if not boxes:
        text = (
            _(
                "{scheme} clearly beats {reference} in {k} of {n} futures, spread so that no "
                "part of the futures singles them out (no PRIM box passes the rule)."
            )
            if edge.cases_are == "wins"
            else _(
                "{scheme} does not clearly beat {reference} in {k} of {n} futures, spread so "
                "that no part of the futures singles them out (no PRIM box passes the rule)."
            )
        )
        return [text.format(k=edge.cases, **values)]
    integers = integer_factors(robust.futures.table)
    out = [box_sentence(edge, b, robust, integers, language) for b in boxes]
    if edge.result.agreement == edge.result.agreement:
        out[-1] += " " + _(
            "(A CART tree's case leaves share {share} of their futures with these boxes.)"
        ).format(share=_pct(edge.result.agreement))
    return out


def findings(robust: RobustComparison, language: str = "en") -> list[str]:
    """The section's findings: what was run, each scheme's shares and regret, the most robust."""
    _ = translator(language)
    out = [opening(robust, language)]
    out += [scheme_finding(r, robust, language) for _i, r in robust.summary.iterrows()]
    s = robust.summary
    best = s.loc[s["regret_p90"].idxmin()]
    out.append(
        _(
            "Least regret in the bad futures: {scheme} (90th percentile {p90} points). A scheme "
            "that beats the reference in most futures but has a high 90th-percentile regret wins "
            "often but is far from the best where it is not."
        ).format(scheme=best["scheme"], p90=_points(best["regret_p90"]))
    )
    return out


DESIGN_LIMIT = N_(
    "The futures are the design's draws over the ranges in the experiment file: a share of "
    "futures is a share of those ranges (each weighted as the design samples it), not a "
    "probability that a real region is like that. The 95% intervals of the shares are over the "
    "futures, taken as a sample of those ranges."
)
POSTERIOR_LIMIT = N_(
    "The futures are parameter sets drawn from the calibrated posterior with its weights: a "
    "share of draws estimates how probable it is, given the calibration's targets and priors, "
    "that a scheme beats the reference in the region of the compared files, not a share of "
    "regions. It covers the parameters the calibration fitted and nothing else; the 95% "
    "intervals are over the draws, taken as a sample of the posterior."
)
BOTH_LIMIT = N_(
    "Each future carries one parameter set drawn from the posterior, so the shares mix the "
    "spread of regions with the calibrated parameters' uncertainty."
)
LIMITS = [
    N_(
        "Whether a scheme beats the reference in one future is judged on that future's runs; "
        "where the true difference is small, chance decides, which is why the share that beats "
        "it clearly is given too."
    ),
    N_(
        "The boxes are PRIM's (the same rule as `collabsim discover`), found on the futures of "
        "this comparison; they describe the factors the futures vary and nothing they hold fixed."
    ),
    N_(
        "The futures set the same values in every scheme's file: a scheme file's own value of a "
        "varied key is replaced."
    ),
]


# --------------------------------------------------------------------------- tables


def limits(robust: RobustComparison, language: str = "en") -> list[str]:
    """The section's limits: of a design's futures, of posterior draws, or of both."""
    _ = translator(language)
    f = robust.futures
    own = [POSTERIOR_LIMIT] if f.draws_only else [DESIGN_LIMIT]
    if f.posterior and not f.draws_only:
        own.append(BOTH_LIMIT)
    return [_(text) for text in own + LIMITS]


def readable_rows(
    robust: RobustComparison, language: str = "en"
) -> tuple[list[str], list[list[str]]]:
    """The per-scheme table in plain units."""
    _ = translator(language)
    header = [
        _("scheme"),
        _("beats {reference} in (share of futures, 95% interval)").format(
            reference=robust.reference
        ),
        _("clearly beats it in"),
        _("best scheme (or tied) in"),
        _("regret, median (points)"),
        _("regret, 90th percentile (points)"),
        _("mean ten-year survival over futures"),
    ]
    rows = []
    for _i, r in robust.summary.iterrows():
        beats = (
            _("reference")
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


def plot_robust(robust: RobustComparison, path: Path, language: str = "en") -> Path:
    """Share of futures beating the reference (left) and regret (right), one row per scheme."""
    _ = translator(language)
    s = robust.summary.copy()
    s["order"] = s["beats"].fillna(-1.0)
    s = s.sort_values("order", ignore_index=True)  # the best at the top, the reference at the foot
    y = np.arange(len(s))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.45 * len(s) + 2.0), sharey=True)
    for k, r in s.iterrows():
        if math.isnan(r["beats"]):
            left.text(0.01, k, _("reference"), va="center", fontsize=9, color="0.3")
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
    left.set_xlabel(
        _("share of futures in which it beats {reference}").format(reference=robust.reference)
    )
    left.set_yticks(y, s["scheme"].tolist())
    right.hlines(y, 0, 100 * s["regret_p90"], color="#1c7ed6", alpha=0.35, lw=6)
    right.plot(100 * s["regret_median"], y, "o", color="#1c7ed6")
    right.set_xlim(left=0)
    right.set_xlabel(_("behind the best scheme (percentage points)"))
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
    left.set_title(_("How often does it help?"), fontsize=10)
    right.set_title(_("How much does it cost to have chosen it?"), fontsize=10)
    fig.suptitle(
        _("{schemes} schemes across {futures} futures").format(
            schemes=len(robust.labels), futures=len(robust.futures.table)
        )
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- the section


def html_section(robust: RobustComparison, png: bytes, language: str = "en") -> list[str]:
    """The section as HTML parts."""
    _ = translator(language)
    figure = _(FIGURE)
    parts = [f'<h2 id="robust">{html.escape(_(TITLE))}</h2><ul>']
    parts += [f"<li>{html.escape(f)}</li>" for f in findings(robust, language)]
    parts.append("</ul>")
    parts.append(
        f'<figure id="fig-robust">{embed_png(png, figure)}'
        f"<figcaption>{html.escape(figure)}</figcaption></figure>"
    )
    parts.append(f"<h3>{html.escape(_(EACH))}</h3><ul>")
    for e in robust.edges:
        parts += [f"<li>{html.escape(t)}</li>" for t in edge_sentences(e, robust, language)]
    parts.append("</ul>")
    parts.append(html_table(*readable_rows(robust, language), "robust"))
    parts.append(f"<h3>{html.escape(_(LIMITS_TITLE))}</h3><ul>")
    parts += [f"<li>{html.escape(a)}</li>" for a in limits(robust, language)]
    parts.append("</ul>")
    return parts


def markdown_section(robust: RobustComparison, language: str = "en") -> list[str]:
    """The section as Markdown lines."""
    _ = translator(language)
    figure = _(FIGURE)
    header, rows = readable_rows(robust, language)
    lines = [f"## {_(TITLE)}", ""]
    lines += [f"- {f}" for f in findings(robust, language)]
    lines += ["", f"![{figure}](figures/robust.png)", "", f"*{figure}*", ""]
    lines += [f"### {_(EACH)}", ""]
    lines += [f"- {t}" for e in robust.edges for t in edge_sentences(e, robust, language)]
    lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", f"### {_(LIMITS_TITLE)}", ""]
    lines += [f"- {a}" for a in limits(robust, language)]
    return [*lines, ""]


def write_robust(robust: RobustComparison, folder: Path, language: str = "en") -> bytes:
    """robust.csv, futures.csv, robust_boxes.csv and figures/robust.png; returns the PNG."""
    robust.summary.to_csv(folder / "robust.csv", index=False)
    robust.table.to_csv(folder / "futures.csv", index=False, float_format="%.6g")
    boxes_table(robust).to_csv(folder / "robust_boxes.csv", index=False)
    (folder / "figures").mkdir(exist_ok=True)
    return plot_robust(robust, folder / "figures" / "robust.png", language).read_bytes()


__all__ = ["TITLE", "html_section", "markdown_section", "write_robust"]
