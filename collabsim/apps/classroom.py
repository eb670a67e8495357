"""The classroom app: the bumpy road of a partnership, live, on the app's own Solara page.

Start it with ``collabsim app`` (see collabsim/cli/classroom.py, which also switches off everything
that would leave the machine). The page has, in its sidebar:

- the *run controls* (collabsim/apps/classroom_controls.py): the month, large Step, Play/Pause and
  Reset buttons, and the speed in months per second;
- a language switch: every label, button, chart and the timeline in English or Dutch (the Dutch in
  the one catalogue, collabsim/locale; ``collabsim app --lang nl`` starts the page in Dutch);
- *teacher moments*: buttons that inject an event into the next month;
- a *Scenario* card: preset scenarios from ``scenarios/*.toml`` with the preset's description and
  lesson text, sliders and switches for the four drivers, agility, staff turnover, coordinator,
  governance and kind, and the seed; changes apply to the next model, made when Reset is pressed;

and in its main area live charts of the drivers (trust, engagement, urgency, incentives, shared
interest) and of the public value created, the partnership as a network, and the timeline.

The page shows partnership 0 of the scenario (the classroom scenarios have one).
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import solara

from collabsim.analysis.narration import SEVERITY, narrate, org_name
from collabsim.apps.classroom_controls import RunControls, redraw, tick
from collabsim.apps.presets import scenarios_dir
from collabsim.errors import CollabsimInputError
from collabsim.locale import N_, check_language, translator
from collabsim.mechanisms.trust_views import effective_trust
from collabsim.model.collaboration import COLUMN, DRIVER_SERIES, CollaborationModel
from collabsim.model.organisation_types import ORGANISATION_TYPES, type_name
from collabsim.model.scenario import read_toml, scenario_from_dict
from collabsim.model.teacher_moments import MOMENTS

# ----------------------------------------------------------------------------- settings

DRIVER_SLIDERS: tuple[tuple[str, str], ...] = (
    # (scenario key, label: English, its Dutch in the catalogue)
    ("drivers.incentives", N_("Incentives")),
    ("drivers.urgency", N_("Urgency")),
    ("drivers.shared_interest", N_("Shared interest")),
    ("drivers.trust", N_("Trust")),
    ("conditions.agility", N_("Agility")),
    ("conditions.staff_turnover", N_("Staff turnover (per year)")),
)
GOVERNANCE = ("informal", "covenant", "legal_entity")
KINDS = ("operational", "strategic")
# What the governance and kind selects show (the scenario keeps its own words).
CHOICE_LABEL = {
    "informal": N_("informal"),
    "covenant": N_("covenant"),
    "legal_entity": N_("legal entity"),
    "operational": N_("operational"),
    "strategic": N_("strategic"),
}
SETTING_KEYS = (
    *(k for k, _ in DRIVER_SLIDERS),
    "partnership.coordinator",
    "partnership.governance",
    "partnership.kind",
    "scenario.seed",
)

# The series drawn in the drivers chart, with their colours and labels.
SERIES_LABEL = {
    "trust": N_("trust"),
    "engagement": N_("engagement"),
    "urgency": N_("urgency"),
    "incentives": N_("incentives"),
    "shared_interest": N_("shared interest"),
    "public_value": N_("public value"),
}
SERIES_COLOUR = {
    "trust": "#1f77b4",
    "engagement": "#2ca02c",
    "urgency": "#d62728",
    "incentives": "#ff7f0e",
    "shared_interest": "#9467bd",
}
SEVERITY_COLOUR = {"good": "#2e7d32", "bad": "#c62828", "minor": "#757575", "teacher": "#6a1b9a"}

MOMENT_LABEL = {
    "funding_ends": N_("Funding ends"),
    "key_person_leaves": N_("A key person leaves"),
    "demand_shock": N_("Demand shock"),
    "conflict": N_("A conflict"),
}

# What the page says, English as the key; the Dutch is in the one catalogue (collabsim/locale).
TEXT = {
    "title": N_("collabsim — the bumpy road of collaboration"),
    "scenario": N_("Scenario"),
    "preset": N_("Preset scenario"),
    "coordinator": N_("Paid coordinator"),
    "governance": N_("Governance"),
    "kind": N_("Kind of collaboration"),
    "seed": N_("Seed"),
    "apply": N_("Changes apply to the next run: press Reset."),
    "moments": N_("Teacher moments"),
    "moments_help": N_("Each button makes it happen at the start of the next month."),
    "queued": N_("Queued for month {month}: {what}"),
    "drivers": N_("Drivers and engagement"),
    "value": N_("Public value created"),
    "network": N_("The partnership as a network"),
    "timeline": N_("Timeline"),
    "no_events": N_("Nothing has happened yet: press Step or play."),
    "month": N_("month"),
    "level": N_("level"),
    "phase": N_("Month {month} · phase: {phase} · {n} members"),
    "one_of": N_(" · partnership '{name}', 1 of {total} (the page follows the first)"),
    "more": N_("… and {n} earlier events"),
}
PHASE_LABEL = {
    "forming": N_("forming"),
    "active": N_("active"),
    "struggling": N_("struggling"),
    "dormant": N_("dormant"),
    "dissolved": N_("dissolved"),
}
# The language switch's buttons (each language named in itself, so either reader finds theirs).
LANGUAGE_LABEL = {"en": "English", "nl": "Nederlands"}
TIMELINE_MAX = 80  # most recent events listed (the rest are counted)


def start_language() -> str:
    """The page's first language: English unless `collabsim app --lang nl` set
    COLLABSIM_APP_LANG."""
    return check_language(os.environ.get("COLLABSIM_APP_LANG", "en"))


# Per browser session (Solara keeps a reactive's value per connection): the page's language.
language = solara.reactive(start_language())


def texts(lang: str) -> dict[str, str]:
    """The page's texts in a language."""
    _ = translator(lang)
    return {key: _(message) for key, message in TEXT.items()}


def preset_text(name: str, key: str, lang: str = "en") -> str:
    """A text of the preset's file (scenario.description or scenario.lesson), in the language."""
    files = presets()
    if name not in files:
        return ""
    text = str(_get(read_toml(files[name]), f"scenario.{key}", "")).strip()
    return translator(lang)(text) if text else ""


def show_preset_text(text: str, css_class: str, style: dict[str, str]) -> None:
    """A preset's description or lesson text under the preset menu."""
    base = {"display": "block", "font-size": "0.9em", "color": "#37474f"}
    solara.Text(text, classes=[css_class], style=base | style)


def preset_description(name: str, lang: str = "en") -> str:
    """The preset's one-line description (its file's scenario.description), in the language."""
    return preset_text(name, "description", lang)


def preset_lesson(name: str, lang: str = "en") -> str:
    """The preset's lesson text (its file's scenario.lesson; empty if it has none)."""
    return preset_text(name, "lesson", lang)


def presets() -> dict[str, Path]:
    """Preset name -> scenario file, for every scenarios/*.toml (sorted, baseline first)."""
    files = sorted(scenarios_dir().glob("*.toml"))
    found = {p.stem: p for p in files}
    if "baseline" in found:
        found = {"baseline": found.pop("baseline"), **found}
    return found


def _get(data: dict[str, Any], dotted: str, default: Any) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def settings_from_preset(name: str) -> dict[str, Any]:
    """The app's settings as a preset scenario file has them (defaults for keys it omits)."""
    files = presets()
    if name not in files:
        raise CollabsimInputError(
            f"no preset scenario '{name}' in {scenarios_dir()}; "
            f"choose one of {', '.join(files) or '(none found)'}"
        )
    data = read_toml(files[name])
    defaults = scenario_from_dict({"organisations": [{"type": "firm", "count": 2}]}).to_dict()
    out: dict[str, Any] = {"preset": name}
    for key in SETTING_KEYS:
        out[key] = _get(data, key, _get(defaults, key, None))
    for key, _label in DRIVER_SLIDERS:
        out[key] = float(out[key])
    out["scenario.seed"] = int(out["scenario.seed"])
    out["partnership.coordinator"] = bool(out["partnership.coordinator"])
    return out


def default_settings() -> dict[str, Any]:
    """Settings of the first preset (baseline when there is one)."""
    names = list(presets())
    if not names:
        raise CollabsimInputError(
            f"no scenario files (*.toml) in {scenarios_dir()}; set COLLABSIM_SCENARIOS"
        )
    return settings_from_preset(names[0])


def build_scenario(settings: dict[str, Any]):
    """The validated scenario: the preset's file with the app's settings written over it."""
    name = settings.get("preset", "baseline")
    files = presets()
    if name not in files:
        raise CollabsimInputError(f"no preset scenario '{name}' in {scenarios_dir()}")
    data = read_toml(files[name])
    for key in SETTING_KEYS:
        if key in settings:
            node = data
            *path, leaf = key.split(".")
            for part in path:
                node = node.setdefault(part, {})
            node[leaf] = settings[key]
    scenario = scenario_from_dict(data)
    if scenario.scenario.name == "unnamed":
        scenario.scenario.name = name
    return scenario


class ClassroomModel(CollaborationModel):
    """The collaboration model built from the app's settings (a dict or a reactive holding one).

    The page makes a new one on Reset from the session's settings, so a Reset picks up whatever
    the sliders say then.
    """

    def __init__(self, settings: Any = None):
        if settings is None:
            values = default_settings()
        elif isinstance(settings, solara.Reactive):
            values = dict(settings.peek())
        else:
            values = dict(settings)
        super().__init__(build_scenario(values), rng=int(values.get("scenario.seed", 1)))
        self.settings = values
        self.pending_moments: list[str] = []

    def inject(self, kind: str, **options) -> None:
        """Queue a teacher moment for the next month (and remember it for the page)."""
        super().inject(kind, **options)
        self.pending_moments.append(kind)

    def step(self) -> None:
        """One month (applying the queued teacher moments first)."""
        self.pending_moments.clear()
        super().step()


# ----------------------------------------------------------------------------- charts (Vega-Lite)

# The specs are plain Vega-Lite dicts (schema v5, as served offline); building them directly is
# several times faster than through Altair, which matters at one render per simulated month.
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _csv(rows: list[str], **parse: str) -> dict[str, Any]:
    """Inline data as one CSV string: cheap to diff and send (a list of row objects is not).

    rows[0] is the header; parse gives the type of the non-text columns (number, boolean).
    """
    return {"values": "\n".join(rows), "format": {"type": "csv", "parse": parse}}


def _records_csv(records: list[dict[str, Any]], **parse: str) -> dict[str, Any]:
    fields = list(records[0]) if records else list(parse)
    rows = [",".join(fields)]
    rows.extend(
        ",".join(str(r[f]).lower() if isinstance(r[f], bool) else str(r[f]) for f in fields)
        for r in records
    )
    return _csv(rows, **parse)


def _history(model: CollaborationModel) -> np.ndarray:
    rows = model.datacollector.model_vars.get("partnerships", [])
    if not rows:
        return model.snapshot()[None]
    return np.stack(rows)


def drivers_spec(model: CollaborationModel, lang: str = "en", p: int = 0) -> dict[str, Any]:
    """Vega-Lite spec: the drivers and engagement of partnership p, month by month."""
    hist = _history(model)[:, p, :]
    _ = translator(lang)
    labels = {key: _(label) for key, label in SERIES_LABEL.items()}
    rows = ["m,s,v"]
    for name in DRIVER_SERIES:
        col = hist[:, getattr(COLUMN, name)]
        label = labels[name]
        rows.extend(f"{m},{label},{v:.4f}" for m, v in enumerate(col))
    marks = _moment_rules(model, lang, p)
    t = texts(lang)
    lines = {
        "mark": {"type": "line", "strokeWidth": 2},
        "data": _csv(rows, m="number", v="number"),
        "encoding": {
            "x": _month_axis(model, t),
            "y": {
                "field": "v",
                "type": "quantitative",
                "title": t["level"],
                "scale": {"domain": [0, 1]},
            },
            "color": {
                "field": "s",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": [labels[n] for n in DRIVER_SERIES],
                    "range": [SERIES_COLOUR[n] for n in DRIVER_SERIES],
                },
                "legend": {"orient": "bottom", "columns": 3},
            },
        },
    }
    return {
        "$schema": _SCHEMA,
        "width": 380,
        "height": 220,
        "layer": [lines, *marks],
    }


def _month_axis(model: CollaborationModel, t: dict[str, str]) -> dict[str, Any]:
    """The x axis the timeline charts share: months from 0 to the horizon."""
    return {
        "field": "m",
        "type": "quantitative",
        "title": t["month"],
        "scale": {"domain": [0, model.horizon_months]},
    }


def _moment_rules(model: CollaborationModel, lang: str, p: int) -> list[dict[str, Any]]:
    """Vertical rules where something changed the story (teacher moments, funding, exits)."""
    name = model.state.names[p]
    rules = [
        {"m": e.step, "t": narrate(e, lang), "c": SEVERITY_COLOUR[SEVERITY.get(e.kind, "minor")]}
        for e in model.events
        if e.partnership == name
        and e.kind in ("teacher_moment", "funding_ended", "dissolved", "member_left")
    ]
    if not rules:
        return []
    return [
        {
            "mark": {"type": "rule", "strokeDash": [4, 3], "strokeWidth": 1.5},
            "data": {"values": rules},
            "encoding": {
                "x": {"field": "m", "type": "quantitative"},
                "color": {"field": "c", "type": "nominal", "scale": None},
                "tooltip": {"field": "t", "type": "nominal"},
            },
        }
    ]


def value_spec(model: CollaborationModel, lang: str = "en", p: int = 0) -> dict[str, Any]:
    """Vega-Lite spec: cumulative public value of partnership p."""
    hist = _history(model)[:, p, :]
    col = hist[:, COLUMN.public_value]
    rows = ["m,v", *(f"{m},{v:.4f}" for m, v in enumerate(col))]
    t = texts(lang)
    return {
        "$schema": _SCHEMA,
        "width": 380,
        "height": 200,
        "data": _csv(rows, m="number", v="number"),
        "mark": {"type": "area", "line": {"color": "#00695c"}, "color": "#80cbc4"},
        "encoding": {
            "x": _month_axis(model, t),
            "y": {
                "field": "v",
                "type": "quantitative",
                "title": translator(lang)(SERIES_LABEL["public_value"]),
            },
        },
    }


def network_spec(model: CollaborationModel, lang: str = "en", p: int = 0) -> dict[str, Any]:
    """Vega-Lite spec: organisations as nodes (colour = type, size = engagement), edges = trust."""
    st = model.state
    slots = np.flatnonzero(st.slot_org[p] >= 0) if st.slot_org.ndim == 2 else np.arange(0)
    n = len(slots)
    angle = 2 * math.pi * np.arange(n) / max(n, 1)
    x, y = np.cos(angle), np.sin(angle)
    member = st.member[p]
    trust = effective_trust(st, model.prm)[p]
    types = ORGANISATION_TYPES.values()
    type_names = [type_name(t.label, lang) for t in types]
    nodes, edges = [], []
    for k, s in enumerate(slots):
        org = int(st.slot_org[p, s])
        label = model.orgs.labels[org]
        nodes.append(
            {
                "x": round(float(x[k]), 4),
                "y": round(float(y[k]), 4),
                "name": org_name(model.orgs.names[org], lang),
                "type": type_name(label, lang),
                "e": round(float(st.engagement[p, s]) if member[s] else 0.0, 3),
                "member": bool(member[s]),
            }
        )
    for a in range(n):
        for b in range(a + 1, n):
            sa, sb = slots[a], slots[b]
            if not (member[sa] and member[sb]):
                continue
            w = float(trust[sa, sb])
            edges.append(
                {
                    "x": nodes[a]["x"],
                    "y": nodes[a]["y"],
                    "x2": nodes[b]["x"],
                    "y2": nodes[b]["y"],
                    "w": round(w, 3),
                }
            )
    axis = {"axis": None, "scale": {"domain": [-1.3, 1.3]}}
    return {
        "$schema": _SCHEMA,
        "width": 300,
        "height": 280,
        "view": {"stroke": None},
        "layer": [
            {
                "data": _records_csv(
                    edges, x="number", y="number", x2="number", y2="number", w="number"
                ),
                "mark": {"type": "rule", "color": "#546e7a"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **axis},
                    "y": {"field": "y", "type": "quantitative", **axis},
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                    "strokeWidth": {
                        "field": "w",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1], "range": [0.2, 5]},
                        "legend": None,
                    },
                    "opacity": {
                        "field": "w",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1], "range": [0.05, 0.9]},
                        "legend": None,
                    },
                },
            },
            {
                "data": _records_csv(nodes, x="number", y="number", e="number", member="boolean"),
                "mark": {"type": "circle", "stroke": "#263238", "strokeWidth": 1},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **axis},
                    "y": {"field": "y", "type": "quantitative", **axis},
                    "size": {
                        "field": "e",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1], "range": [40, 900]},
                        "legend": None,
                    },
                    "color": {
                        "field": "type",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": type_names, "range": [t.app_colour for t in types]},
                        "legend": {"orient": "right"},
                    },
                    "fillOpacity": {
                        "condition": {"test": "datum.member", "value": 0.9},
                        "value": 0.1,
                    },
                    "tooltip": [
                        {"field": "name"},
                        {"field": "e", "title": translator(lang)(SERIES_LABEL["engagement"])},
                    ],
                },
            },
            {
                "data": _records_csv(nodes, x="number", y="number", e="number", member="boolean"),
                "mark": {"type": "text", "dy": -16, "fontSize": 10},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **axis},
                    "y": {"field": "y", "type": "quantitative", **axis},
                    "text": {"field": "name"},
                },
            },
        ],
    }


def _vega(spec: dict[str, Any]):
    return solara.widgets.VegaLite.element(spec=spec, listen_to_click=False, listen_to_hover=False)


# ----------------------------------------------------------------------------- components


@solara.component
def DriversChart(model: CollaborationModel):
    """Live line chart of the drivers and engagement."""
    tick.get()
    lang = language.value
    with solara.Column(classes=["collabsim-drivers"]) as main:
        solara.Text(texts(lang)["drivers"], style={"font-weight": "bold"})
        _vega(drivers_spec(model, lang))
    return main


@solara.component
def ValueChart(model: CollaborationModel):
    """Live chart of the public value created so far, and the phase."""
    tick.get()
    lang = language.value
    st = model.state
    phase = model.phase_names[int(st.phase[0])]
    with solara.Column(classes=["collabsim-value"]) as main:
        solara.Text(texts(lang)["value"], style={"font-weight": "bold"})
        solara.Text(
            texts(lang)["phase"].format(
                month=model.steps,
                phase=translator(lang)(PHASE_LABEL[phase]) if phase in PHASE_LABEL else phase,
                n=int(st.member[0].sum()),
            ),
            classes=["collabsim-phase"],
        )
        if len(st.names) > 1:
            solara.Text(
                texts(lang)["one_of"].format(name=st.names[0], total=len(st.names)),
                style={"font-size": "0.8em", "color": "#757575"},
            )
        _vega(value_spec(model, lang))
    return main


@solara.component
def NetworkView(model: CollaborationModel):
    """The partnership as a network, redrawn every month."""
    tick.get()
    lang = language.value
    with solara.Column(classes=["collabsim-network"]) as main:
        solara.Text(texts(lang)["network"], style={"font-weight": "bold"})
        _vega(network_spec(model, lang))
    return main


def timeline_html(model: CollaborationModel, lang: str = "en", p: int = 0) -> str:
    """The timeline as an HTML list, newest first."""
    name = model.state.names[p]
    events = [e for e in model.events if e.partnership == name]
    if not events:
        return (
            '<div class="collabsim-timeline"><p class="collabsim-empty">'
            f"{html.escape(texts(lang)['no_events'])}</p></div>"
        )
    shown = events[::-1][:TIMELINE_MAX]
    items = []
    for e in shown:
        colour = SEVERITY_COLOUR[SEVERITY.get(e.kind, "minor")]
        items.append(
            f'<li class="collabsim-event" data-kind="{e.kind}" '
            f'style="border-left:4px solid {colour};padding:2px 6px;margin:2px 0;'
            f'list-style:none">{html.escape(narrate(e, lang))}</li>'
        )
    more = len(events) - len(shown)
    if more > 0:
        items.append(
            f'<li style="list-style:none;color:#757575">'
            f"{html.escape(texts(lang)['more'].format(n=more))}</li>"
        )
    return (
        '<div class="collabsim-timeline" style="max-height:300px;overflow-y:auto">'
        f'<ul style="padding-left:0;margin:0">{"".join(items)}</ul></div>'
    )


@solara.component
def TimelineView(model: CollaborationModel):
    """The events as they happen, in plain English or Dutch."""
    tick.get()
    lang = language.value
    with solara.Column(classes=["collabsim-timeline-card"]) as main:
        solara.Text(texts(lang)["timeline"], style={"font-weight": "bold"})
        solara.HTML(tag="div", unsafe_innerHTML=timeline_html(model, lang))
    return main


@solara.component
def LanguageSwitch():
    """The page's language: English or Dutch, for every label, chart and the timeline."""
    names = list(LANGUAGE_LABEL.values())

    def choose(name):
        language.set(next(code for code, label in LANGUAGE_LABEL.items() if label == name))

    with solara.Card("Taal · Language"):
        solara.ToggleButtonsSingle(
            value=LANGUAGE_LABEL[language.value],
            values=names,
            on_value=choose,
            classes=["collabsim-language"],
        )


@solara.component
def ScenarioControls(settings: solara.Reactive, model: solara.Reactive):
    """Preset, drivers, conditions and design of the next run."""
    lang = language.value
    _ = translator(lang)
    t = texts(lang)
    values = settings.value
    names = list(presets())

    def set_key(key):
        def on_value(v):
            settings.value = {**settings.value, key: v}

        return on_value

    def set_choice(key, choices):
        shown = {_(CHOICE_LABEL[c]): c for c in choices}

        def on_value(label):
            settings.value = {**settings.value, key: shown.get(label, label)}

        return on_value

    def choose_preset(name):
        settings.value = settings_from_preset(name)

    with solara.Card(t["scenario"]):
        solara.Select(t["preset"], value=values["preset"], values=names, on_value=choose_preset)
        description = preset_description(values["preset"], lang)
        if description:
            show_preset_text(description, "collabsim-preset-text", {"font-weight": "bold"})
        lesson = preset_lesson(values["preset"], lang)
        if lesson:
            show_preset_text(lesson, "collabsim-lesson", {"margin": "4px 0 8px"})
        for key, label in DRIVER_SLIDERS:
            solara.SliderFloat(
                f"{_(label)}: {values[key]:.2f}",
                value=values[key],
                min=0.0,
                max=1.0,
                step=0.05,
                on_value=set_key(key),
                thumb_label=False,
            )
        solara.Checkbox(
            label=t["coordinator"],
            value=values["partnership.coordinator"],
            on_value=set_key("partnership.coordinator"),
        )
        for key, label, choices in (
            ("partnership.governance", t["governance"], GOVERNANCE),
            ("partnership.kind", t["kind"], KINDS),
        ):
            current = values[key]
            solara.Select(
                label,
                value=_(CHOICE_LABEL[current]) if current in CHOICE_LABEL else current,
                values=[_(CHOICE_LABEL[c]) for c in choices],
                on_value=set_choice(key, choices),
            )
        solara.InputInt(t["seed"], value=values["scenario.seed"], on_value=set_key("scenario.seed"))
        current = getattr(model.value, "settings", None)
        if current != values:
            solara.Info(t["apply"], dense=True, classes=["collabsim-apply"])


@solara.component
def TeacherMoments(model: solara.Reactive):
    """Buttons that inject an event into the next month."""
    tick.get()
    lang = language.value
    _ = translator(lang)
    t = texts(lang)
    m = model.value

    def inject(kind):
        def on_click():
            model.value.inject(kind)
            redraw()

        return on_click

    def label(kind):
        return _(MOMENT_LABEL[kind]) if kind in MOMENT_LABEL else kind

    with solara.Card(t["moments"]):
        solara.Text(t["moments_help"], style={"font-size": "0.85em"})
        with solara.Column(gap="4px"):
            for kind in MOMENTS:
                solara.Button(
                    label(kind),
                    on_click=inject(kind),
                    color="deep-purple",
                    outlined=True,
                    disabled=not m.running,
                    classes=[f"collabsim-moment-{kind}"],
                )
        pending = getattr(m, "pending_moments", [])
        if pending:
            what = ", ".join(label(k) for k in pending)
            solara.Text(
                t["queued"].format(month=m.steps + 1, what=what), classes=["collabsim-queued"]
            )


CSS = """
.collabsim-controls .v-btn { text-transform: none; }
.collabsim-main .v-card { height: 100%; overflow-x: auto; }
"""


@solara.component
def Page():
    """The classroom page: the run controls across the top; the language, the teacher moments and
    the scenario in the sidebar; the charts, the network and the timeline below the controls."""
    lang = language.value
    t = texts(lang)
    settings = solara.use_reactive(solara.use_memo(default_settings, []))
    first = solara.use_memo(lambda: ClassroomModel(settings.peek()), [])
    model = solara.use_reactive(first)
    solara.Style(CSS)
    solara.Title(t["title"])
    solara.AppBarTitle(t["title"])
    with solara.Sidebar():
        with solara.Column(gap="12px"):
            LanguageSwitch()
            TeacherMoments(model)
            ScenarioControls(settings, model)
    RunControls(model, lambda: ClassroomModel(settings.peek()), lang)
    with solara.ColumnsResponsive(12, large=6, classes=["collabsim-main"]):
        for component in (DriversChart, ValueChart, NetworkView, TimelineView):
            with solara.Card():
                component(model.value)
