"""The comparison's outputs: comparison.csv, figures and a report policy makers can read.

`report.html` is one self-contained file (figures embedded as base64 PNG, inline style, no links
to anything outside it), so it opens offline from a double click; `report.md` says the same with
the figures beside it in figures/. Everything is written to a temporary folder beside the target
and renamed into place at the end, as `collabsim run` does.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.compare_figures import PLOTTERS
from collabsim.analysis.comparison import (
    CLIFF_MONTHS,
    Arm,
    Comparison,
)
from collabsim.analysis.html_table import html_table
from collabsim.analysis.robust_report import html_section, markdown_section, write_robust
from collabsim.locale import N_, decimal, translator
from collabsim.runs.outputs import git_revision, json_text, versions, writing_folder
from collabsim.runs.posterior import uncertainty_record
from collabsim.runs.run_figures import embed_png

QUESTION = N_(
    "Which way of funding regional collaboration keeps partnerships going after the money stops, "
    "and at what cost?"
)
FIGURES = {
    "survival": N_("Share of partnerships still going, month by month (Kaplan–Meier, 95% band)"),
    "cliff": N_(
        "The cliff: share still going in the {months} months after the money stops, "
        "among those going when it stops (95% band)"
    ),
    "trajectories": N_(
        "Trust and engagement of the partnerships still going: mean and the band "
        "holding eight in ten of them (10th–90th percentile)"
    ),
    "value_per_euro": N_(
        "Public value per EUR 100,000 spent, all and extra over the first scenario (95% interval)"
    ),
}


# --------------------------------------------------------------------------- formatting


def captions(language: str = "en") -> dict[str, str]:
    """The figures' captions in the language."""
    _ = translator(language)
    return {name: _(text).format(months=CLIFF_MONTHS) for name, text in FIGURES.items()}


def _fmt_number(value) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else f"{float(value):.10g}"
    return str(value)


def table_strings(table: pd.DataFrame) -> pd.DataFrame:
    """comparison.csv exactly as written: every value as its text (NaN as empty)."""
    return table.apply(lambda col: col.map(_fmt_number)).astype(str)


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _pct_ci(x: float, lo: float, hi: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "–"
    return f"{_pct(x)} ({_pct(lo)}–{_pct(hi)})"


def _points(x: float) -> str:
    return f"{100 * x:+.0f}" if not math.isnan(x) else "–"


def _eur(x: float) -> str:
    return f"€{x:,.0f}"


def readable_rows(
    comparison: Comparison, language: str = "en"
) -> tuple[list[str], list[list[str]]]:
    """The table in plain units, one row per scenario."""
    _ = translator(language)

    def num(x: float) -> str:
        return decimal(f"{x:.2f}", language)

    def eur(x: float) -> str:
        return decimal(_eur(x), language)

    header = [
        _("scenario"),
        _("planned spending"),
        _("spent per run (mean)"),
        _("still going after 5 years"),
        _("still going after 10 years"),
        _("median lifetime"),
        _("public value per €100k"),
        _("still going {months} months after the money stops").format(months=CLIFF_MONTHS),
        _("10-year survival vs first (points, 95% interval)"),
        _("extra public value per extra €100k vs first"),
    ]
    rows = []
    for k, r in comparison.table.iterrows():
        horizon = int(r["horizon_months"])
        median = (
            _("more than {horizon} months").format(horizon=horizon)
            if math.isnan(r["median_lifetime_months"])
            else _("{months} months").format(months=f"{r['median_lifetime_months']:.0f}")
        )
        value = (
            _("no money spent")
            if math.isnan(r["value_per_100k_eur"])
            else f"{num(r['value_per_100k_eur'])} ({num(r['value_per_100k_eur_low'])}–"
            f"{num(r['value_per_100k_eur_high'])})"
        )
        if r["cliff_basis"] == "none":
            cliff = _("no window")
        else:
            window = {
                "start": f"{r['cliff_from_month']:.0f}",
                "stop": f"{r['cliff_to_month']:.0f}",
            }
            cliff = _pct_ci(r["cliff_survival"], r["cliff_survival_low"], r["cliff_survival_high"])
            cliff += " " + (
                _("(months {start}–{stop})")
                if r["cliff_basis"] == "money stops"
                else _("(months {start}–{stop}, money continues)")
            ).format(**window)
        diff = (
            _("reference")
            if k == 0
            else _("{d} ({lo} to {hi})").format(
                d=_points(r["diff_survival_10y"]),
                lo=_points(r["diff_survival_10y_low"]),
                hi=_points(r["diff_survival_10y_high"]),
            )
        )
        extra = (
            "–"
            if math.isnan(r["extra_value_per_100k_eur"])
            else f"{num(r['extra_value_per_100k_eur'])} ({num(r['extra_value_per_100k_eur_low'])}–"
            f"{num(r['extra_value_per_100k_eur_high'])})"
        )
        rows.append(
            [
                str(r["scenario"]),
                eur(r["planned_eur"]),
                eur(r["spent_eur"]),
                _pct_ci(r["survival_5y"], r["survival_5y_low"], r["survival_5y_high"]),
                _pct_ci(r["survival_10y"], r["survival_10y_low"], r["survival_10y_high"]),
                median,
                value,
                cliff,
                diff,
                extra,
            ]
        )
    return header, rows


# --------------------------------------------------------------------------- findings


def _includes_zero(lo: float, hi: float) -> bool:
    return lo <= 0 <= hi


def findings(comparison: Comparison, language: str = "en") -> list[str]:
    """Plain-language findings, each stating its uncertainty."""
    _ = translator(language)

    def num(x: float) -> str:
        return decimal(f"{x:.2f}", language)

    t = comparison.table
    ref = t.iloc[0]
    n = comparison.replicates
    out = [
        _(
            "Every scheme was run {n} times on the same {n} random histories (common random "
            "numbers): the same staff departures, demand shocks and chance events in run 1 of each "
            "scheme, and so on. Differences between schemes are therefore the policy's, and they "
            "are measured pair by pair. Intervals are 95% intervals over these runs."
        ).format(n=n)
    ]
    ten = not math.isnan(ref["survival_10y"])
    key, span = ("survival_10y", _("ten-year")) if ten else ("survival_5y", _("five-year"))
    years = _("ten years") if ten else _("five years")
    for k in range(1, len(t)):
        r = t.iloc[k]
        d, lo, hi = r[f"diff_{key}"], r[f"diff_{key}_low"], r[f"diff_{key}_high"]
        if math.isnan(d):
            continue
        words = {
            "scheme": r["scenario"],
            "ref": ref["scenario"],
            "span": span,
            "years": years,
            "n": n,
            "share": _pct(r[key]),
            "ref_share": _pct(ref[key]),
            "d": _points(d),
            "lo": _points(lo),
            "hi": _points(hi),
        }
        if d == 0 and lo == 0 and hi == 0:
            out.append(
                _(
                    "{scheme} and {ref} gave exactly the same outcome in every run on {span} "
                    "survival (difference 0): "
                ).format(**words)
                + (
                    _("the same scenario run twice on common random numbers.")
                    if r["file"] == ref["file"]
                    else _("on these runs the scheme changed nothing that decides survival.")
                )
            )
        elif _includes_zero(lo, hi):
            out.append(
                _(
                    "{scheme} and {ref} are not distinguishable on {span} survival with {n} runs: "
                    "{share} against {ref_share}, a difference of {d} percentage points whose "
                    "interval ({lo} to {hi}) includes zero. More runs could separate them, or not."
                ).format(**words)
            )
        else:
            out.append(
                (
                    _(
                        "{scheme} keeps more partnerships going for {years} than {ref}: {share} "
                        "against {ref_share}, {d} percentage points (95% interval {lo} to {hi})."
                    )
                    if d > 0
                    else _(
                        "{scheme} keeps fewer partnerships going for {years} than {ref}: {share} "
                        "against {ref_share}, {d} percentage points (95% interval {lo} to {hi})."
                    )
                ).format(**words)
            )
    for _k, r in t.iterrows():
        words = {
            "scheme": r["scenario"],
            "ref": ref["scenario"],
            "start": f"{r['cliff_from_month']:.0f}",
            "stop": f"{r['cliff_to_month']:.0f}",
            "share": _pct(r["cliff_survival"]),
            "lo": _pct(r["cliff_survival_low"]),
            "hi": _pct(r["cliff_survival_high"]),
            "at_risk": f"{r['cliff_at_risk']:.0f}",
            "months": CLIFF_MONTHS,
        }
        if r["cliff_basis"] == "money stops" and r["cliff_at_risk"] > 0:
            out.append(
                _(
                    "When {scheme}'s money stopped (month {start}), {share} of the {at_risk} "
                    "partnerships still going were still going {months} months later (95% "
                    "interval {lo}–{hi})."
                ).format(**words)
            )
        elif r["cliff_basis"] == "first scenario's window" and r["cliff_at_risk"] > 0:
            out.append(
                _(
                    "{scheme} has no money stopping in time to see a cliff; over the same months "
                    "as {ref} ({start}–{stop}) {share} of its partnerships going at the start "
                    "were still going at the end ({lo}–{hi})."
                ).format(**words)
            )
    paid = t[~t["value_per_100k_eur"].isna()]
    if len(paid) >= 2:
        best = paid.loc[paid["value_per_100k_eur"].idxmax()]
        overlapping = [
            r["scenario"]
            for _k, r in paid.iterrows()
            if r["scenario"] != best["scenario"]
            and r["value_per_100k_eur_high"] >= best["value_per_100k_eur_low"]
        ]
        text = _(
            "Most public value per euro: {scheme} ({value} per €100k, 95% interval {lo}–{hi})."
        ).format(
            scheme=best["scenario"],
            value=num(best["value_per_100k_eur"]),
            lo=num(best["value_per_100k_eur_low"]),
            hi=num(best["value_per_100k_eur_high"]),
        )
        if overlapping:
            text += " " + _(
                "Its interval overlaps those of {schemes}, so that ranking is not settled with "
                "these runs."
            ).format(schemes=", ".join(overlapping))
        out.append(text)
    extra = t[~t["extra_value_per_100k_eur"].isna()]
    for _k, r in extra.iterrows():
        lo, hi = r["extra_value_per_100k_eur_low"], r["extra_value_per_100k_eur_high"]
        out.append(
            _(
                "Each extra €100k that {scheme} spends beyond {ref} brings {value} extra public "
                "value (95% interval {lo} to {hi})"
            ).format(
                scheme=r["scenario"],
                ref=ref["scenario"],
                value=num(r["extra_value_per_100k_eur"]),
                lo=num(lo),
                hi=num(hi),
            )
            + (
                _(
                    "; the interval includes zero, so the extra value is not distinguishable "
                    "from none with {n} runs."
                ).format(n=n)
                if _includes_zero(lo, hi)
                else "."
            )
        )
    if len(paid):
        out.append(
            _(
                "Value per euro counts all public value, also what the partnership would have "
                "made without the money; the extra value per extra euro against the first "
                "scenario (when the first spends less, e.g. a no-policy reference) is the fairer "
                "measure of what the money adds."
            )
        )
    unpaid = t[t["value_per_100k_eur"].isna()]["scenario"].tolist()
    if unpaid:
        out.append(
            _(
                "No money is spent in the model by {schemes}; their real costs (drafting a "
                "mandate, changing rules, the partners' own time) are not modelled, so they have "
                "no value per euro here."
            ).format(schemes=", ".join(unpaid))
        )
    out.extend(comparison.notes)
    return out


ASSUMPTIONS = [
    N_(
        "collabsim is for comparing schemes on the same region, not for forecasting a real "
        "partnership: its levels are judgements on 0..1 scales, and its mechanisms and sources are "
        "in the model description (docs/ODD.md)."
    ),
    N_(
        "Shares use 95% Wilson intervals, means a normal approximation, differences to the first "
        "scenario the paired differences of the runs (common random numbers), value per euro a "
        "ratio of means with a delta-method interval, and survival curves exponential Greenwood "
        "bands (Greenwood's variance on the log(−log) scale)."
    ),
    N_(
        "When a run has several partnerships, they are counted as separate observations for the "
        "shares; they share one region, so those intervals can be somewhat too narrow."
    ),
    N_(
        "The cliff is the share of partnerships still going {months} months after the last "
        "paying instrument stops, among those going when it stops. Schemes that pay until near the "
        "horizon (or pay nothing) are measured over the first scenario's window instead."
    ),
    N_(
        "Members in the model do not anticipate the end of funding; real partners may prepare for "
        "it (or leave early)."
    ),
    N_(
        "Public value is in model units (successful joint actions weighted by relevance), not "
        "euros; value per euro compares schemes, it is not a return on investment."
    ),
    N_(
        "Money counts only as an incentive for the members (with diminishing returns); what it "
        "buys is not modelled. Mandates and rule changes cost nothing in the model."
    ),
]


# --------------------------------------------------------------------------- documents


def _scenario_lines(comparison: Comparison, language: str = "en") -> list[tuple[str, str, str]]:
    """(label, file, what its instruments are) per scenario."""
    _ = translator(language)
    out = []
    for arm in comparison.arms:
        parts = []
        for f in arm.scenario.policy.funding:
            text = _("{scheme} '{name}', months {start}–{end}").format(
                scheme=_(f.scheme.replace("_", " ")), name=f.name, start=f.start + 1, end=f.end
            )
            if f.scheme in ("mandate",):
                pass
            elif f.scheme == "relaxed_rules":
                text += _(", rigidity cut {cut}").format(cut=f"{f.rigidity_reduction:.0%}")
            else:
                text += ", " + decimal(f"€{f.amount:,.0f}", language)
                if f.scheme == "challenge_fund":
                    text += _(" in {awards} awards").format(awards=f.awards)
                if f.scheme == "matched":
                    text += _(", co-investment {share}").format(share=f"{f.match_share:.0%}")
            parts.append(text)
        desc = arm.scenario.scenario.description
        what = (desc + ". " if desc else "") + _("Instruments: {parts}.").format(
            parts="; ".join(parts) or _("none")
        )
        if arm.scale != 1.0:
            what += " " + _("(amounts ×{scale} to equal the first scenario's budget)").format(
                scale=decimal(f"{arm.scale:.3g}", language)
            )
        out.append((arm.label, arm.path, what))
    return out


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.88em;margin:1em 0}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}.question{font-size:1.15em;font-style:italic}
figure{margin:1.2em 0}figcaption{font-size:.9em;color:#444}img{max-width:100%}
.wide{overflow-x:auto}.small{font-size:.8em;color:#555}
"""


def intervals_include(comparison: Comparison, language: str = "en") -> str:
    """What the intervals include, in the language."""
    _ = translator(language)
    if comparison.posterior is None:
        return _("the model's randomness only")
    return _(
        "the model's randomness and the calibrated parameters' uncertainty ({posterior})"
    ).format(posterior=comparison.posterior.describe(language))


def uncertainty_text(comparison: Comparison, language: str = "en") -> str:
    """What the report's intervals include: the model's randomness, and the calibrated
    parameters' uncertainty when the runs drew their parameters from a posterior."""
    _ = translator(language)
    include = intervals_include(comparison, language)
    if comparison.posterior is None:
        return _(
            "The intervals include {include}: the runs made, all with the default parameters. "
            "They do not cover uncertainty in the model's parameters or structure; "
            "`--parameters posterior.parquet` (from `collabsim calibrate`) adds the parameters', "
            "a sensitivity analysis (`collabsim sweep`) explores both."
        ).format(include=include)
    return _(
        "The intervals include {include}: each run drew its parameter set from the posterior "
        "(weights respected), and replicate r of every scheme drew the same one with the same "
        "model seed (common random numbers). They do not cover uncertainty in the model's "
        "structure or in the parameters the calibration did not fit."
    ).format(include=include)


def assumptions(comparison: Comparison, language: str = "en") -> list[str]:
    """The report's assumptions and limits, what the intervals include second."""
    _ = translator(language)
    texts = [_(a).format(months=CLIFF_MONTHS) for a in ASSUMPTIONS]
    return [texts[0], uncertainty_text(comparison, language), *texts[1:]]


def render_html(
    comparison: Comparison, strings: pd.DataFrame, pngs: dict[str, bytes], language: str = "en"
) -> str:
    """The self-contained HTML report."""
    _ = translator(language)
    header, rows = readable_rows(comparison, language)
    n = comparison.replicates
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        f"<title>{html.escape(_('collabsim: comparing funding schemes'))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(_('Comparing funding schemes for regional collaboration'))}</h1>",
        f'<p class="question">{html.escape(_(QUESTION))}</p>',
        "<p>"
        + html.escape(
            _(
                "{scenarios} scenarios, {n} runs each on common random numbers (root seed "
                "{seed}), simulated with collabsim, an agent-based model of collaboration between "
                "vocational schools, firms and municipalities. Intervals include {include}."
            ).format(
                scenarios=len(comparison.arms),
                n=n,
                seed=comparison.root_seed,
                include=intervals_include(comparison, language),
            )
        )
        + (
            f" <strong>{html.escape(_('Budgets normalised to equal planned spending.'))}</strong>"
            if comparison.budget_normalised
            else ""
        )
        + "</p>",
        f"<h2>{html.escape(_('Scenarios compared'))}</h2><ol>",
    ]
    for label, path, what in _scenario_lines(comparison, language):
        parts.append(
            f"<li><strong>{html.escape(label)}</strong> <span class='small'>"
            f"({html.escape(path)})</span>: {html.escape(what)}</li>"
        )
    parts.append(
        f"</ol><p>{html.escape(_('The first scenario is the reference for the differences.'))}</p>"
    )
    parts.append(f"<h2>{html.escape(_('Findings'))}</h2><ul>")
    parts.extend(f"<li>{html.escape(f)}</li>" for f in findings(comparison, language))
    parts.append("</ul>")
    parts.append(f"<h2>{html.escape(_('The table'))}</h2>")
    parts.append(
        "<p>"
        + html.escape(
            _(
                "Percentages with their 95% interval in brackets. A difference whose interval "
                "includes zero is not distinguishable with {n} runs."
            ).format(n=n)
        )
        + "</p>"
    )
    parts.append(html_table(header, rows, "summary"))
    parts.append(f"<h2>{html.escape(_('Figures'))}</h2>")
    for name, caption in captions(language).items():
        parts.append(
            f'<figure id="fig-{name}">{embed_png(pngs[name], caption)}'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    if comparison.robust is not None:
        parts.extend(html_section(comparison.robust, pngs["robust"], language))
    parts.append(f"<h2>{html.escape(_('Assumptions and limits'))}</h2><ul>")
    parts.extend(f"<li>{html.escape(a)}</li>" for a in assumptions(comparison, language))
    parts.append("</ul>")
    parts.append(f"<h2>{html.escape(_('All numbers (comparison.csv)'))}</h2>")
    parts.append(
        "<p class='small'>"
        + html.escape(
            _(
                "Shares are 0..1; *_low and *_high are 95% intervals; diff_* are paired "
                "differences to the first scenario (this scenario minus the first); "
                "value_per_100k_eur is public value per EUR 100,000 actually spent; an empty cell "
                "means not defined."
            )
        )
        + "</p>"
    )
    parts.append(html_table(list(strings.columns), strings.values.tolist(), "comparison-csv"))
    made = _("Made by collabsim {version} (git {revision}) on {when}.").format(
        version=versions()["collabsim"],
        revision=git_revision(),
        when=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    parts.append(f"<p class='small'>{html.escape(made)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(comparison: Comparison, language: str = "en") -> str:
    """report.md: the same report, figures as files in figures/."""
    _ = translator(language)
    header, rows = readable_rows(comparison, language)
    n = comparison.replicates
    lines = [
        "# " + _("Comparing funding schemes for regional collaboration"),
        "",
        f"*{_(QUESTION)}*",
        "",
        _(
            "{scenarios} scenarios, {n} runs each on common random numbers (root seed {seed}). "
            "Intervals include {include}."
        ).format(
            scenarios=len(comparison.arms),
            n=n,
            seed=comparison.root_seed,
            include=intervals_include(comparison, language),
        )
        + (
            " **" + _("Budgets normalised to equal planned spending.") + "**"
            if comparison.budget_normalised
            else ""
        ),
        "",
        "## " + _("Scenarios compared"),
        "",
    ]
    for k, (label, path, what) in enumerate(_scenario_lines(comparison, language), start=1):
        lines.append(f"{k}. **{label}** (`{path}`): {what}")
    lines += [
        "",
        _("The first scenario is the reference for the differences."),
        "",
        "## " + _("Findings"),
        "",
    ]
    lines += [f"- {f}" for f in findings(comparison, language)]
    lines += [
        "",
        "## " + _("The table"),
        "",
        _(
            "Percentages with their 95% interval in brackets. A difference whose interval "
            "includes zero is not distinguishable with {n} runs."
        ).format(n=n)
        + " "
        + _("All numbers: `comparison.csv`."),
        "",
        "| " + " | ".join(_md_cell(h) for h in header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    lines += ["", "## " + _("Figures"), ""]
    for name, caption in captions(language).items():
        lines += [f"![{caption}](figures/{name}.png)", "", f"*{caption}*", ""]
    if comparison.robust is not None:
        lines += markdown_section(comparison.robust, language)
    lines += ["## " + _("Assumptions and limits"), ""]
    lines += [f"- {a}" for a in assumptions(comparison, language)]
    lines.append("")
    return "\n".join(lines)


def write_report(
    comparison: Comparison, out: Path, manifest: dict | None = None, language: str = "en"
) -> Path:
    """Write comparison.csv, runs.csv, figures/, report.html, report.md and manifest.json;
    the reports in the language (en or nl), the CSV and manifest as they are."""
    with writing_folder(out) as tmp:
        strings = table_strings(comparison.table)
        strings.to_csv(tmp / "comparison.csv", index=False)
        runs = pd.concat(
            [a.result.summary.assign(scenario=a.label) for a in comparison.arms],
            ignore_index=True,
        )
        runs.insert(0, "scenario", runs.pop("scenario"))
        runs.to_csv(tmp / "runs.csv", index=False)
        (tmp / "figures").mkdir()
        pngs = {}
        for name, plot in PLOTTERS.items():
            path = plot(comparison, tmp / "figures" / f"{name}.png", language)
            pngs[name] = path.read_bytes()
        if comparison.robust is not None:
            pngs["robust"] = write_robust(comparison.robust, tmp, language)
        (tmp / "report.html").write_text(
            render_html(comparison, strings, pngs, language), encoding="utf-8"
        )
        (tmp / "report.md").write_text(render_markdown(comparison, language), encoding="utf-8")
        (tmp / "manifest.json").write_text(json_text(manifest or {}), encoding="utf-8")
    return Path(out)


def manifest_for(comparison: Comparison, wall_seconds: float) -> dict:
    """What was run, with which seeds and versions."""
    return {
        "command": "compare",
        "scenarios": [
            {
                "label": a.label,
                "file": a.path,
                "budget_scale": a.scale,
                "planned_eur": a.budget_eur,
                "scenario": a.scenario.to_dict(),
            }
            for a in comparison.arms
        ],
        "replicates": comparison.replicates,
        "root_seed": comparison.root_seed,
        "replicate_seeds": comparison.seeds,
        "budget_normalised": comparison.budget_normalised,
        "notes": comparison.notes,
        **uncertainty_record(comparison.posterior),
        "replicate_particles": comparison.particles,
        "versions": versions(),
        "git_revision": git_revision(),
        "wall_time_seconds": round(wall_seconds, 3),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


__all__ = ["Arm", "write_report", "manifest_for", "findings", "table_strings"]
