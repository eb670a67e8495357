"""The scan's report: every number as plain data (scan.json) and the self-contained page
(scan.html) built from it, with one projected timeline told in words.

The page reads as the scan does: the scores on the poster, where partners disagree, the
projection, the levers and the advice, one projected timeline, and the scenario the scan built;
the caveat (a thinking tool, not a forecast) in English and Dutch.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from collabsim.apps.scan.levers import advice
from collabsim.apps.scan.mapping import ScanInputs
from collabsim.apps.scan.questionnaire import Questionnaire

CAVEAT = (
    "collabsim is a thinking tool, not a forecast: the levels behind these numbers are judgements "
    "turned into a model, so read them as 'what would follow if the model's reasoning holds' and "
    "use them to start the conversation between partners, not to settle it."
)
CAVEAT_NL = (
    "collabsim is een denkinstrument, geen voorspelling: de getallen volgen uit inschattingen die "
    "in een model zijn gezet. Lees ze als 'wat zou volgen als de redenering van het model klopt' "
    "en gebruik ze om het gesprek tussen partners te beginnen, niet om het te beslechten."
)


def report_json(report: dict) -> str:
    """The report as the text of scan.json: plain JSON, the same bytes for the same report."""
    return json.dumps(_clean(report), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _clean(x: Any) -> Any:
    """Plain JSON: numpy scalars to Python, NaN to null, floats rounded to 6 decimals."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        return None if not math.isfinite(x) else round(x, 6)
    return x


def timeline_lines(proj: dict, inputs: ScanInputs, replicate: int, limit: int = 30) -> list[str]:
    """One projected run's notable events in plain English (collabsim.analysis.narration), with the
    partners' own names instead of the model's (mbo-1, firm-2, ...)."""
    from collabsim.analysis.narration import narrate
    from collabsim.model.events import Event

    ev = proj["result"].events
    quiet = ("tension_raised", "tension_resolved")  # the everyday bumps; the rest tells the story
    ev = ev[(ev["replicate"] == replicate) & ~ev["kind"].isin(quiet)]
    out = []
    for row in ev.itertuples(index=False):
        e = Event(
            int(row.step),
            str(row.partnership),
            str(row.kind),
            inputs.names.get(str(row.who), str(row.who)),
            inputs.names.get(str(row.other), str(row.other)),
            str(row.variable),
            float(row.before),
            float(row.after),
            str(row.detail),
        )
        out.append(narrate(e, "en"))
    if len(out) > limit:
        out = out[: limit - 1] + [f"... and {len(out) - limit + 1} more events"]
    return out


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em} td,th{border:1px solid #ccc;
padding:.3em .6em;text-align:left;vertical-align:top} th{background:#f3f3f3}
img{max-width:100%;height:auto;border:1px solid #eee} .warn{background:#fde0dd}
.caveat{background:#fff8dc;border-left:4px solid #e6b800;padding:.6em 1em}
.big{font-size:1.4em;font-weight:bold} li{margin:.4em 0} .nl{color:#555;font-style:italic}
"""


def _pct(s: dict) -> str:
    return (
        f"{s['share']:.0%} (95% interval {s['low']:.0%}–{s['high']:.0%}, {s['k']} of {s['n']} runs)"
    )


def render_html(report: dict, figures: dict[str, Path]) -> str:
    """The self-contained scan report (no external files, scripts, fonts or links)."""
    from collabsim.runs.run_figures import embed_png

    e = html.escape
    p = report["projection"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>collabsim scan: {e(report['name'])}</title><style>{CSS}</style></head><body>",
        f"<h1>Collaboration scan: {e(report['name'])}</h1>",
        f"<p>{len(report['respondents'])} respondents from {len(report['organisations_at_table'])}"
        f" organisations ({e(', '.join(report['organisations_at_table']))}); "
        f"{report['replicates']} projected runs, root seed {report['seed']}; intervals include "
        f"{e(report['intervals_include'])}.</p>",
        f"<p class='caveat'>{e(CAVEAT)}<br><span class='nl'>{e(CAVEAT_NL)}</span></p>",
        "<h2>1. Your scores on the causal structure (conversation poster)</h2>",
        "<p>Design, conditions and practice shape the four drivers; the drivers keep partners "
        "engaged, engagement makes joint action possible, and its small wins feed trust back. "
        "Each box shows the partners' mean score (turned so that 5 is favourable) and the "
        "model setting it gives.</p>",
        embed_png(figures["poster"], "conversation poster"),
        "<h2>2. Where partners disagree</h2>",
    ]
    flagged = [i for i in report["items"] if i["disagree"]]
    if flagged:
        parts.append(
            "<p>On these statements answers lie two or more points apart: a driver felt by only "
            "some partners is itself a finding worth discussing.</p><table><tr><th>item</th>"
            "<th>statement</th><th>answers</th><th>mean</th><th>range</th><th>SD</th></tr>"
        )
        for i in flagged:
            ans = ", ".join(
                f"{o}: {a}"
                for o, a in zip(report["respondent_labels"], i["answers"], strict=True)
                if a is not None
            )
            parts.append(
                f"<tr class='warn'><td>{e(i['id'])}</td><td>{e(i['en'])}<br><span class='nl'>"
                f"{e(i['nl'])}</span></td><td>{e(ans)}</td><td>{i['mean']:.1f}</td>"
                f"<td>{i['range']:.0f}</td><td>{i['sd']:.1f}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No statement has answers two or more points apart.</p>")
    if report["missing"]:
        parts.append("<p><b>Missing answers.</b></p><ul>")
        for m in report["missing"]:
            parts.append(f"<li>{e(m['note'])}</li>")
        parts.append("</ul>")
    parts.append(embed_png(figures["disagreement"], "answers per statement"))
    parts += [
        "<h2>3. Projection</h2>",
        f"<p>Still going after <b>5 years</b>: <span class='big'>{_pct(p['survival_5y'])}</span>"
        f"<br>after <b>10 years</b>: <span class='big'>{_pct(p['survival_10y'])}</span><br>"
        f"median lifetime {p['median_lifetime_months']:.0f} months; public value "
        f"{p['public_value']['mean']:.1f} (95% interval {p['public_value']['low']:.1f}–"
        f"{p['public_value']['high']:.1f}).</p>",
        embed_png(figures["survival"], "projected survival"),
        "<p>Expected trajectories: the mean and 10–90% band of each driver over the projected "
        "partnerships still going.</p>",
        embed_png(figures["trajectories"], "trajectory bands"),
        "<h3>Most likely sources of trouble</h3>",
    ]
    tr = p["trouble"]
    if tr["collapses"]:
        parts.append(
            f"<p>In the {tr['collapses']} projected runs that fell apart, these events happened in "
            f"the {tr['window_months']} months before the collapse (ratio: how much more often "
            "than in the months partnerships were going in general).</p><table><tr><th>event</th>"
            "<th>times</th><th>share of collapses</th><th>per month before collapse</th>"
            "<th>per month overall</th><th>ratio</th></tr>"
        )
        for k in tr["kinds"]:
            if not k["count_before_collapse"]:
                continue
            ratio = "–" if k["ratio"] is None else f"{k['ratio']:.1f}×"
            parts.append(
                f"<tr><td>{e(k['what'])}</td><td>{k['count_before_collapse']}</td>"
                f"<td>{k['share_of_collapses']:.0%}</td><td>{k['rate_before_per_month']:.2f}</td>"
                f"<td>{k['base_rate_per_month']:.2f}</td><td>{ratio}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None of the projected runs fell apart within 10 years.</p>")
    parts += [
        "<h2>4. Levers: what would help most</h2>",
        "<p>Each lever improved by one scan point (every partner's answer on its statements one "
        "point better; a setting such as the meeting rhythm: its next step), rerun with the same "
        "random numbers as the projection; the change in 5-year survival with a 95% interval.</p>",
    ]
    if report["advice"]:
        parts.append("<ol>")
        for a in report["advice"]:
            parts.append(f"<li>{e(a['en'])}<br><span class='nl'>{e(a['nl'])}</span></li>")
        parts.append("</ol>")
    else:
        parts.append("<p>No lever raises 5-year survival in these runs.</p>")
    parts.append(f"<p class='caveat'>{e(CAVEAT)}</p>")
    parts.append(embed_png(figures["levers"], "lever ranking"))
    parts.append(
        "<table><tr><th>rank</th><th>lever</th><th>change</th><th>5-year survival</th>"
        "<th>difference (95% interval)</th><th>reading</th></tr>"
    )
    for r in report["lever_ranking"]:
        parts.append(
            f"<tr><td>{r['rank']}</td><td>{e(r['label'])} <span class='nl'>({e(r['label_nl'])})"
            f"</span></td><td>{e(r['change'])}</td><td>{r['survival_5y']:.0%}</td>"
            f"<td>{100 * r['difference']:+.0f} ({100 * r['low']:+.0f} to {100 * r['high']:+.0f})"
            f"</td><td>{e(r['status'])}</td></tr>"
        )
    parts.append("</table>")
    t = report["timeline"]
    parts += [
        "<h2>5. One projected timeline</h2>",
        f"<p>Projected run {t['replicate']} ({e(t['fate'])}): trust and engagement month by "
        "month, with the events marked; the list tells the same story in words.</p>",
        embed_png(figures["timeline"], "one projected timeline"),
        "<ul>" + "".join(f"<li>{e(line)}</li>" for line in t["lines"]) + "</ul>",
        "<h2>6. The scenario the scan built</h2><table><tr><th>key</th><th>value</th>"
        "<th>from</th></tr>",
    ]
    for lv in report["levers"]:
        parts.append(
            f"<tr><td>{e(lv['key'])}</td><td>{e(str(lv['value']))}</td><td>{e(lv['label'])}: "
            f"mean favourable score {lv['score']:.2f}</td></tr>"
        )
    parts.append(
        "</table><p>Organisations: "
        + e(
            "; ".join(
                f"{g['count']} {g.get('level') or g['type']}"
                + ("" if g["member"] else " (candidate, not at the table yet)")
                for g in report["scenario"]["organisations"]
            )
        )
        + ". Every number of this page is in scan.json; the mapping is explained in "
        "docs/scan.md.</p></body></html>"
    )
    return "\n".join(parts)


def build_report(
    inputs: ScanInputs,
    q: Questionnaire,
    proj: dict,
    ranking: list[dict],
    name: str,
    seed: int,
    seeds: list[int],
    answers_source: str,
    rep: int,
    lifetime: int,
    survived: bool,
    draws=(None, None),
) -> dict:
    """Every number of the scan as plain data (scan.json); draws: (posterior, particles)."""
    from collabsim.runs.posterior import uncertainty_record

    labels = [f"{r.organisation} ({r.type})" for r in inputs.people]
    items, missing = [], []
    for item in q.items:
        sc = inputs.scores[item.id]
        absent = [lab for lab, a in zip(labels, sc.answers, strict=True) if a is None]
        items.append(
            {
                "id": item.id,
                "block": item.block,
                "lever": item.lever,
                "direction": item.direction,
                "en": item.en,
                "nl": item.nl,
                "answers": sc.answers,
                "n": sc.n,
                "mean": sc.mean,
                "favourable_mean": sc.favourable,
                "sd": sc.sd,
                "min": sc.lo,
                "max": sc.hi,
                "range": sc.spread if sc.n else None,
                "disagree": sc.disagree,
                "assumed": sc.assumed,
            }
        )
        if sc.assumed is not None:
            missing.append(
                {
                    "item": item.id,
                    "missing_from": absent,
                    "assumed": sc.assumed,
                    "note": f"{item.id}: nobody answered; the neutral 3 was assumed (for a "
                    f"linear lever that is the scenario default)",
                }
            )
        elif absent:
            missing.append(
                {
                    "item": item.id,
                    "missing_from": absent,
                    "assumed": None,
                    "note": f"{item.id}: no answer from {', '.join(absent)}; the mean is over "
                    f"the {sc.n} who answered",
                }
            )
    levers = [
        {
            "lever": lid,
            "key": lv.key,
            "label": lv.label,
            "score": inputs.levers[lid],
            "value": inputs.values[lv.key],
            "items": [i.id for i in q.items_of(lid)],
        }
        for lid, lv in q.levers.items()
        if lid in inputs.levers
    ]
    projection = {k: v for k, v in proj.items() if k != "result"}
    return {
        "collabsim_scan": 1,
        "name": name,
        "answers_file": answers_source,
        "questionnaire": q.source,
        "seed": seed,
        "replicates": len(seeds),
        "seeds": seeds,
        **uncertainty_record(draws[0]),
        "replicate_particles": draws[1],
        "respondents": [
            {
                "where": r.row.split(": ")[-1],
                "organisation": r.organisation,
                "type": r.type,
                "respondent": r.name,
            }
            for r in inputs.people
        ],
        "respondent_labels": labels,
        "organisations_at_table": sorted({r.organisation for r in inputs.people}),
        "model_names": inputs.names,
        "items": items,
        "disagreement": [i["id"] for i in items if i["disagree"]],
        "missing": missing,
        "levers": levers,
        "scenario": inputs.scenario.to_dict(),
        "projection": projection,
        "lever_ranking": ranking,
        "advice": advice(ranking, q),
        "caveat": CAVEAT,
        "caveat_nl": CAVEAT_NL,
        "timeline": {
            "replicate": rep,
            "fate": "still going after 10 years" if survived else f"fell apart in month {lifetime}",
            "lines": timeline_lines(proj, inputs, rep),
        },
    }
