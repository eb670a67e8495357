"""What `collabsim discover` writes: the trajectories, boxes and CART leaves as CSV, figures, a
report in plain words, and manifest.json; all into a temporary folder renamed into place at the
end (`collabsim.runs.outputs.writing_folder`), so a folder is complete or absent.

The report follows the compare report: the question first, the boxes in words, then the tables,
the figures, how the boxes were chosen, and the assumptions and limits.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd
from matplotlib.ticker import MaxNLocator

from collabsim.analysis.discovery import (
    BOX_RULE,
    RULE_WHY,
    UNITS,
    Box,
    DiscoveryResult,
    Limit,
    box_words,
    conditions_words,
    factor_name,
    limit_words,
    number_text,
)
from collabsim.locale import N_, decimal, translator
from collabsim.runs.outputs import git_revision, json_text, versions, writing_folder
from collabsim.runs.plotting import plt

FIGURES = {
    "trajectory": N_(
        "PRIM's peeling trajectories: coverage against density of every box on the way, the "
        "chosen one ringed"
    ),
    "boxes": N_(
        "The chosen boxes: each restricted factor's range (bar) within its swept range (line), "
        "with the quasi-p-value of each limit"
    ),
    "cart": N_("The CART tree fitted for comparison (blue leaves predict a case, orange ones not)"),
}
ASSUMPTIONS = (
    N_(
        "The boxes describe the sweep's design: they say where, within the ranges swept, the "
        "cases gather, and nothing about values outside them."
    ),
    N_(
        "Each row is one {unit}; with --per run the replicates of a design point share their "
        "inputs, so even a perfect box holds non-cases wherever chance decides the outcome."
    ),
    N_(
        "A quasi-p-value is a one-sided binomial test of one restriction (Bryant and Lempert "
        "2010): how likely the box's density would be reached without it. It is computed on the "
        "same data the box was found in, so it flatters; a small p-value says the restriction "
        "matters, not how much."
    ),
    N_(
        "Box 2 (and 3) describe the rows outside the earlier boxes: their density counts those "
        "rows."
    ),
    N_(
        "CART splits the whole space into leaves; its leaves and PRIM's boxes are two readings "
        "of the same data, and where they agree the conditions are more credible."
    ),
)


@dataclass
class Question:
    """What was asked: of which sweep, which cases, per what, and how the report names them."""

    sweep: Path
    outcome: str
    threshold: str | None
    unit: str  # "run" or "point"
    label: str  # what the cases are called: "collapses"
    runs: int
    experiment: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def cases_text(self) -> str:
        t = f" {self.threshold}" if self.threshold else ""
        return f"`{self.outcome}{t}`"


# --------------------------------------------------------------------------- tables


def trajectory_table(result: DiscoveryResult) -> pd.DataFrame:
    """Every box on every PRIM trajectory: coverage, density, mass, F-score, chosen."""
    if result.trajectory is None:
        return pd.DataFrame()
    return result.trajectory.copy()


def boxes_table(boxes: list[Box], kind: str = "prim") -> pd.DataFrame:
    """One row per box and restricted factor: the box's statistics and the factor's limits."""
    rows = []
    for b in boxes:
        stats = {
            "box" if kind == "prim" else "leaf": b.number,
            "rows": b.rows,
            "cases": b.cases,
            "coverage": b.coverage,
            "density": b.density,
            "mass": b.mass,
        }
        if kind == "cart":
            stats["predicts_case"] = b.case_leaf
        for lim in b.limits:
            rows.append({**stats, **_limit_columns(lim, kind)})
        if not b.limits:
            rows.append(stats)
    return pd.DataFrame(rows)


def _limit_columns(lim: Limit, kind: str) -> dict:
    out = {
        "factor": lim.factor,
        "low": lim.low,
        "high": lim.high,
        "values": " | ".join(str(v) for v in lim.values) if lim.values is not None else None,
    }
    if kind == "prim":
        out |= {"p_low": lim.p_low, "p_high": lim.p_high}
    return out


# --------------------------------------------------------------------------- figures


def plot_trajectory(result: DiscoveryResult, path: Path) -> Path:
    """Coverage against density along each trajectory, coloured by restricted factors."""
    table = result.trajectory
    numbers = sorted(table.box.unique()) if table is not None else [1]
    fig, axes = plt.subplots(1, len(numbers), figsize=(4.6 * len(numbers), 4.2), squeeze=False)
    for ax, number in zip(axes[0], numbers, strict=True):
        t = table[table.box == number] if table is not None else pd.DataFrame()
        peeled = t[t.dropped == ""] if len(t) else t
        if len(t):
            dots = ax.scatter(
                peeled.coverage, peeled.density, c=peeled.res_dim, cmap="viridis", s=18, zorder=2
            )
            bar = fig.colorbar(dots, ax=ax, label="restricted factors")
            bar.locator = MaxNLocator(integer=True)
            bar.update_ticks()
            lifted = t[t.dropped != ""]
            ax.scatter(lifted.coverage, lifted.density, marker="x", color="black", zorder=3)
            for _, row in t[t.chosen].iterrows():
                ax.scatter(
                    row.coverage, row.density, s=160, facecolors="none", edgecolors="red", zorder=4
                )
                ax.annotate(
                    f"box {number}",
                    (row.coverage, row.density),
                    xytext=(8, -12),
                    textcoords="offset points",
                    color="red",
                )
        ax.axhline(result.base_rate, color="grey", lw=0.8, ls="--")
        ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="coverage", ylabel="density")
        ax.set_title(f"trajectory {number}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_boxes(result: DiscoveryResult, x: pd.DataFrame, path: Path) -> Path:
    """Each chosen box's restricted factors: the box's range within the swept range."""
    boxes = result.boxes or []
    heights = [max(1, len(b.limits)) for b in boxes] or [1]
    fig, axes = plt.subplots(
        len(heights),
        1,
        figsize=(7.5, 0.9 + 0.6 * sum(heights)),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    if not boxes:
        axes[0][0].text(0.5, 0.5, "no box found", ha="center", va="center")
        axes[0][0].axis("off")
    for ax, box in zip(axes[:, 0], boxes, strict=False):
        for row, lim in enumerate(box.limits):
            _draw_limit(ax, row, lim, x[lim.factor])
        ax.set_yticks(range(len(box.limits)))
        ax.set_yticklabels([factor_name(lim.factor, result.factors) for lim in box.limits])
        ax.set_xlim(-0.05, 1.05)
        ax.set_ylim(len(box.limits) - 0.5, -0.5)
        ax.set_xticks([])
        ax.set_title(
            f"box {box.number}: density {box.density:.0%}, coverage {box.coverage:.0%}, "
            f"mass {box.mass:.0%}",
            fontsize=10,
        )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _draw_limit(ax, row: int, lim: Limit, values: pd.Series) -> None:
    ax.plot([0, 1], [row, row], color="lightgrey", lw=6, solid_capstyle="butt")
    if lim.values is not None:
        kept = ", ".join(str(v) for v in lim.values)
        ax.text(0.5, row, f"only {kept}  (p {p_text(lim.p)})", ha="center", va="center")
        return
    lo_all, hi_all = float(values.min()), float(values.max())
    span = (hi_all - lo_all) or 1.0
    lo = lim.low if lim.low is not None else lo_all
    hi = lim.high if lim.high is not None else hi_all
    a, b = (lo - lo_all) / span, (hi - lo_all) / span
    ax.plot([a, b], [row, row], color="tab:orange", lw=6, solid_capstyle="butt")
    ax.text(0, row + 0.3, number_text(lo_all), ha="left", va="center", fontsize=7, color="grey")
    ax.text(1, row + 0.3, number_text(hi_all), ha="right", va="center", fontsize=7, color="grey")
    for at, value, p, given in ((a, lo, lim.p_low, lim.low), (b, hi, lim.p_high, lim.high)):
        if given is not None:
            text = f"{number_text(value)} (p {p_text(p)})"
            ax.text(at, row - 0.3, text, ha="center", fontsize=8)


def plot_tree(result: DiscoveryResult, path: Path) -> Path:
    """The CART tree as scikit-learn draws it."""
    from sklearn.tree import plot_tree as draw

    depth = result.tree.get_depth()
    fig, ax = plt.subplots(figsize=(max(8, 2.6 * 2**depth / 2), 2.2 + 1.6 * depth))
    draw(
        result.tree,
        feature_names=result.tree_features,
        class_names=["other", "case"],
        filled=True,
        impurity=False,
        proportion=True,
        fontsize=7,
        ax=ax,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- report


def p_text(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def integer_factors(x: pd.DataFrame) -> set[str]:
    return {
        c
        for c in x.columns
        if pd.api.types.is_integer_dtype(x[c]) and not pd.api.types.is_bool_dtype(x[c])
    }


def render_report(
    result: DiscoveryResult, q: Question, x: pd.DataFrame, language: str = "en"
) -> str:
    """report.md: the question, the boxes in words, tables, figures, the rule, the limits; in the
    language (en or nl: the factors' names, the outcome expression and the reasons a restriction
    was lifted stay as written)."""
    _ = translator(language)
    sections = (
        _question(result, q, _, language),
        _findings(result, q, x, _, language),
        _box_tables(result, q, x, _, language),
        _cart_section(result, q, x, _, language),
        _figures(_),
        _rule(result, _),
        _limits(q, _),
    )
    return "\n".join(line for section in sections for line in section) + "\n"


def _count(n: int, language: str) -> str:
    """A whole number with thousands separators in the language's way (1,000 or 1.000)."""
    return decimal(f"{n:,}", language)


def _units(unit: str, _) -> str:
    return _(UNITS.get(unit, unit + "s"))


def _label(q: Question, _) -> str:
    return _("cases") if q.label == "cases" else q.label


def _question(result: DiscoveryResult, q: Question, _, language: str) -> list[str]:
    factors = ", ".join(f"`{f}`" for f in result.factors)
    label, units = _label(q, _), _units(q.unit, _)
    runs = " " + _("({n} runs)").format(n=_count(q.runs, language)) if q.unit == "point" else ""
    return [
        "# "
        + _("Where do the {label} happen? Scenario discovery on {name}").format(
            label=label, name=q.experiment or q.sweep.name
        ),
        "",
        _(
            "**Question:** under which conditions do the {label} ({cases}) happen, among the "
            "{rows} {units} of the sweep in `{sweep}`{runs}? The inputs are its {k} varied "
            "factors: {factors}."
        ).format(
            label=label,
            cases=q.cases_text,
            rows=_count(result.rows, language),
            units=units,
            sweep=q.sweep,
            runs=runs,
            k=len(result.factors),
            factors=factors,
        ),
        "",
        _("{cases} of the {rows} {units} are {label} ({share}).").format(
            cases=_count(result.cases, language),
            rows=_count(result.rows, language),
            units=units,
            label=label,
            share=f"{result.base_rate:.0%}",
        ),
        "",
        *(f"- {n}" for n in q.notes),
        *([""] if q.notes else []),
    ]


def _findings(result: DiscoveryResult, q: Question, x: pd.DataFrame, _, language) -> list[str]:
    ints = integer_factors(x)
    label, units = _label(q, _), _units(q.unit, _)
    lines = ["## " + _("Findings"), ""]
    if not result.boxes:
        lines += [
            _(
                "PRIM found no box: no part of the swept space holds the {label} clearly more "
                "often than the whole, with a restriction that is significant. They are spread "
                "over the space, or depend on factors the sweep did not vary."
            ).format(label=label),
            "",
        ]
    for b in result.boxes:
        earlier = _(" and ").join(str(n) for n in range(1, b.number))
        where = ""
        if b.number > 1:
            where = _("outside boxes {numbers}: ") if b.number > 2 else _("outside box {numbers}: ")
            where = where.format(numbers=earlier)
        words = box_words(b, result.factors, label, q.unit, ints, language)
        lines.append(
            "- **" + _("Box {number}.").format(number=b.number) + f"** {_capital(where + words)}."
        )
    if result.boxes:
        inside = result.prim_inside
        held = sum(b.cases for b in result.boxes) / result.cases
        lines += [
            "",
            _("Together the boxes hold {held} of all {label} in {share} of the {units}.").format(
                held=f"{held:.0%}", label=label, share=f"{inside.mean():.0%}", units=units
            ),
        ]
    lines += ["", _agreement_words(result, q, _), ""]
    return lines


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _agreement_words(result: DiscoveryResult, q: Question, _=None) -> str:
    _ = _ or translator("en")
    label, units = _label(q, _), _units(q.unit, _)
    leaves = [leaf for leaf in result.leaves if leaf.case_leaf]
    if not leaves:
        return _(
            "The CART tree has no leaf in which most {units} are {label}; it cannot confirm or "
            "contradict the boxes (its densest leaves are listed below)."
        ).format(units=units, label=label)
    inside = result.cart_inside
    k = int(sum(leaf.cases for leaf in leaves))
    agree = result.agreement
    if math.isnan(agree):
        return _("Neither PRIM nor CART marks any {units}.").format(units=units)
    verdict = (
        _("agrees with PRIM")
        if agree >= 0.7
        else _("partly agrees with PRIM")
        if agree >= 0.4
        else _("tells another story than PRIM")
    )
    return _(
        "The CART tree {verdict}: its {leaves} leaves that predict {label} hold {held} of them "
        "in {share} of the {units}, and they share {agree} of their {units} with PRIM's boxes "
        "(Jaccard index of the two sets)."
    ).format(
        verdict=verdict,
        leaves=len(leaves),
        label=label,
        held=f"{k / result.cases:.0%}",
        share=f"{inside.mean():.0%}",
        units=units,
        agree=f"{agree:.0%}",
    )


def _box_tables(result: DiscoveryResult, q: Question, x: pd.DataFrame, _, language) -> list[str]:
    ints = integer_factors(x)
    label, units = _label(q, _), _units(q.unit, _)
    lines = ["## " + _("The boxes"), ""]
    for b in result.boxes:
        lines += [
            "**"
            + _("Box {number}").format(number=b.number)
            + "**: "
            + _(
                "density {density} ({cases} of {rows} {units}), coverage {coverage} of all "
                "{label}, mass {mass}."
            ).format(
                density=decimal(f"{b.density:.1%}", language),
                cases=_count(b.cases, language),
                rows=_count(b.rows, language),
                units=units,
                coverage=decimal(f"{b.coverage:.1%}", language),
                label=label,
                mass=decimal(f"{b.mass:.1%}", language),
            ),
            "",
            "| "
            + " | ".join(
                (
                    _("factor"),
                    _("restriction"),
                    _("quasi-p (low limit)"),
                    _("quasi-p (high limit)"),
                )
            )
            + " |",
            "|---|---|---|---|",
        ]
        for lim in b.limits:
            words = limit_words(lim, result.factors, lim.factor in ints, language)
            low = decimal(p_text(lim.p_low), language)
            high = "" if lim.values is not None else decimal(p_text(lim.p_high), language)
            lines.append(f"| `{lim.factor}` | {words} | {low} | {high} |")
        lines += ["", *_lifted(result, b, _), ""]
    if not result.boxes:
        lines += [_("(none)"), ""]
    lines += [
        _(
            "Every box on the trajectories is in `trajectory.csv`; the chosen ones' limits in "
            "`boxes.csv`."
        ),
        "",
    ]
    return lines


def _lifted(result: DiscoveryResult, box: Box, _) -> list[str]:
    """The restrictions PRIM had and the rule lifted, with why."""
    t = result.trajectory
    lifted = t[(t.box == box.number) & (t.dropped != "")] if t is not None else []
    if not len(lifted):
        return []
    said = "; ".join(f"`{r.dropped}` ({r.why})" for r in lifted.itertuples())
    return [_("Restrictions lifted from PRIM's box: {said}.").format(said=said)]


def _cart_section(result: DiscoveryResult, q: Question, x: pd.DataFrame, _, language) -> list[str]:
    ints = integer_factors(x)
    label, units = _label(q, _), _units(q.unit, _)
    depth = result.settings.get("tree_depth")
    lines = [
        "## " + _("CART for comparison"),
        "",
        _(
            "A classification tree (depth at most {depth}, every leaf at least {mass} of the "
            "{units}) fitted to the same cases. Its leaves, densest first:"
        ).format(depth=depth, mass=f"{result.settings.get('mass_min', 0):.0%}", units=units),
        "",
    ]
    for leaf in result.leaves[:6]:
        mark = _("predicts a case") if leaf.case_leaf else _("predicts no case")
        when = conditions_words(leaf.limits, result.factors, ints, language)
        lines.append(
            _(
                "- leaf {number} ({mark}): {density} {label} when {when}; {coverage} of all "
                "{label}, {mass} of the {units}"
            ).format(
                number=leaf.number,
                mark=mark,
                density=f"{leaf.density:.0%}",
                label=label,
                when=when,
                coverage=f"{leaf.coverage:.0%}",
                mass=f"{leaf.mass:.0%}",
                units=units,
            )
        )
    lines += [
        "",
        _("All leaves are in `cart_leaves.csv`; the tree as text in `cart.txt`."),
        "",
    ]
    return lines


def _figures(_) -> list[str]:
    lines = ["## " + _("Figures"), ""]
    for name, caption in FIGURES.items():
        lines += [f"![{_(caption)}]({name}.png)", "", f"*{_(caption)}*", ""]
    return lines


def _rule(result: DiscoveryResult, _) -> list[str]:
    s = result.settings
    return [
        "## " + _("How the boxes were chosen"),
        "",
        _(BOX_RULE).format(**s, points=100 * s["min_density_gain"]),
        "",
        _(RULE_WHY),
        "",
        _(
            "PRIM settings: peeling and pasting step {alpha} of the rows, smallest box {mass} of "
            "the rows (EMA Workbench's `Prim`, lenient objective)."
        ).format(alpha=f"{s['peel_alpha']:.0%}", mass=f"{s['mass_min']:.0%}"),
        "",
    ]


UNIT = {"run": N_("run"), "point": N_("point"), "partnership": N_("partnership")}


def _limits(q: Question, _) -> list[str]:
    unit = _(UNIT.get(q.unit, q.unit))
    lines = ["## " + _("Assumptions and limits"), ""]
    return lines + [f"- {_(a).format(unit=unit)}" for a in ASSUMPTIONS]


# --------------------------------------------------------------------------- writing


def write_discovery(
    result: DiscoveryResult,
    q: Question,
    x: pd.DataFrame,
    out: Path,
    manifest: dict,
    language: str = "en",
) -> Path:
    """Write trajectory.csv, boxes.csv, cart_leaves.csv, cart.txt, the figures, report.md (in the
    language) and manifest.json into a temporary folder beside `out`, then rename it into
    place."""
    with writing_folder(out) as tmp:
        trajectory_table(result).to_csv(tmp / "trajectory.csv", index=False)
        boxes_table(result.boxes).to_csv(tmp / "boxes.csv", index=False)
        boxes_table(result.leaves, kind="cart").to_csv(tmp / "cart_leaves.csv", index=False)
        (tmp / "cart.txt").write_text(result.tree_text, encoding="utf-8")
        plot_trajectory(result, tmp / "trajectory.png")
        plot_boxes(result, x, tmp / "boxes.png")
        plot_tree(result, tmp / "cart.png")
        (tmp / "report.md").write_text(render_report(result, q, x, language), encoding="utf-8")
        (tmp / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
    return Path(out)


def manifest_for(result: DiscoveryResult, q: Question, meta: dict, wall_seconds: float) -> dict:
    """What was asked of which sweep, what was found, with which versions."""
    extra = {}
    for name in ("ema_workbench", "scikit-learn"):
        try:
            extra[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            extra[name] = "not installed"
    return {
        "command": "discover",
        "sweep": {
            "folder": str(q.sweep),
            "experiment": meta.get("experiment", {}).get("name"),
            "fingerprint": meta.get("fingerprint"),
            "status": meta.get("status"),
            "runs": q.runs,
        },
        "outcome": q.outcome,
        "threshold": q.threshold,
        "per": q.unit,
        "label": q.label,
        "factors": result.factors,
        "rows": result.rows,
        "cases": result.cases,
        "settings": result.settings,
        "box_rule": result.rule,
        "boxes": [_box_json(b) for b in result.boxes],
        "cart_leaves_predicting_a_case": [_box_json(b) for b in result.leaves if b.case_leaf],
        "agreement_jaccard": result.agreement,
        "notes": q.notes,
        "files": [
            "report.md",
            "trajectory.csv",
            "trajectory.png",
            "boxes.csv",
            "boxes.png",
            "cart_leaves.csv",
            "cart.txt",
            "cart.png",
            "manifest.json",
        ],
        "versions": versions() | extra,
        "git_revision": git_revision(),
        "wall_time_seconds": round(wall_seconds, 3),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _box_json(b: Box) -> dict:
    return {
        "number": b.number,
        "rows": b.rows,
        "cases": b.cases,
        "coverage": b.coverage,
        "density": b.density,
        "mass": b.mass,
        "limits": [
            {k: v for k, v in lim.__dict__.items() if v is not None} | {"factor": lim.factor}
            for lim in b.limits
        ],
    }


__all__ = [
    "Question",
    "boxes_table",
    "manifest_for",
    "render_report",
    "trajectory_table",
    "write_discovery",
]
