"""The classroom app without a browser: the page rendered with solara.render, driven by clicks."""

from __future__ import annotations

import csv
import io
import threading
import time

import ipyvuetify as v
import pytest
import solara

from collabsim.apps import classroom as app
from collabsim.model.teacher_moments import MOMENTS


@pytest.fixture()
def page():
    """The page inside Solara's app layout (which shows the sidebars), in English."""
    app.language.set("en")
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()
    app.language.set("en")


def _button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def _slider(rc, name: str):
    found = [s for s in rc.find(v.Slider).widgets if s.label.split(":")[0] == name]
    assert len(found) == 1, f"no single slider '{name}'"
    return found[0]


def _select(rc, label: str):
    return rc.find(v.Select, label=label).widget


def _walk(widget):
    """Every widget below widget, including the grid's items (which find() does not enter)."""
    yield widget
    for name in ("children", "items"):
        for child in getattr(widget, name, None) or []:
            if hasattr(child, "keys"):  # a widget, not a string
                yield from _walk(child)


def _with_class(rc, widget_type, css_class: str) -> list:
    return [
        w
        for w in _walk(rc.container)
        if isinstance(w, widget_type) and css_class in (getattr(w, "class_", "") or "").split()
    ]


def _spec(rc, css_class: str) -> dict:
    (column,) = _with_class(rc, v.Sheet, css_class)
    (vega,) = [c for c in column.children if type(c).__name__ == "VegaLite"]
    return vega.spec


def _rows(data: dict) -> list[dict]:
    """The rows of a chart's inline data (a CSV string, or a list of records)."""
    values = data["values"]
    if isinstance(values, list):
        return values
    assert data["format"]["type"] == "csv"
    rows = list(csv.DictReader(io.StringIO(values)))
    for row in rows:
        for field, kind in data["format"].get("parse", {}).items():
            row[field] = float(row[field]) if kind == "number" else row[field] == "true"
    return rows


def _series(spec: dict, name: str) -> list[float]:
    return [row["v"] for row in _rows(spec["layer"][0]["data"]) if row["s"] == name]


def _timeline(rc) -> str:
    (card,) = _with_class(rc, v.Sheet, "collabsim-timeline-card")
    (html,) = [c for c in card.children if hasattr(c, "unsafe_innerHTML")]
    return html.unsafe_innerHTML


def _text(rc, css_class: str) -> list[str]:
    return [w.children[0] for w in _with_class(rc, v.Html, css_class)]


def _toggle(rc, css_class: str):
    (toggle,) = _with_class(rc, v.BtnToggle, css_class)
    return toggle


def _month(rc) -> int:
    (text,) = _text(rc, "collabsim-month")
    return int(text.split()[1])


def _all_text(rc) -> str:
    """Every string the page shows (labels, buttons, titles, texts), joined."""
    found = []
    for w in _walk(rc.container):
        for child in getattr(w, "children", None) or []:
            if isinstance(child, str):
                found.append(child)
        for name in ("label", "v_model"):
            value = getattr(w, name, None)
            if isinstance(value, str):
                found.append(value)
    return "\n".join(found)


def test_controls_exist(page):
    for label in ("Reset", "Play", "Step"):
        assert _button(page, label).x_large  # large buttons for a classroom screen
    for kind in MOMENTS:
        _button(page, app.MOMENT_LABEL[kind])
    for _, label in app.DRIVER_SLIDERS:
        slider = _slider(page, label)
        assert slider.min == 0 and slider.max == 1
    assert _text(page, "collabsim-speed-label") == ["Speed (months per second)"]
    assert _toggle(page, "collabsim-speed").children  # 0.5, 1, 2, 4 months per second
    page.find(v.Checkbox, label="Paid coordinator").assert_single()
    assert set(_select(page, "Governance").items) == {"informal", "covenant", "legal entity"}
    assert set(_select(page, "Kind of collaboration").items) == {"operational", "strategic"}
    presets = _select(page, "Preset scenario").items
    assert presets[0] == "baseline"
    assert {"classroom_lasting", "classroom_funding_cliff", "classroom_crisis_trust"} <= set(
        presets
    )
    _toggle(page, "collabsim-language")
    assert _text(page, "collabsim-preset-text") == [
        "Technical education chain: one mbo, four vmbo schools, six firms, one municipality"
    ]
    (lesson,) = _text(page, "collabsim-lesson")
    assert "grant ends in month 48" in lesson


def test_no_developer_controls_in_either_language(page):
    for lang in (0, 1):  # English, Nederlands
        _toggle(page, "collabsim-language").v_model = lang
        shown = _all_text(page)
        for developer in ("Page 0", "Use Threads", "Render Interval", "Play Interval"):
            assert developer not in shown, (lang, developer)


def test_play_runs_the_months_and_pause_stops_them(page):
    _toggle(page, "collabsim-speed").v_model = 3  # 4 months per second
    _button(page, "Play").click()
    assert _button(page, "Step").disabled, "Step waits while the model plays"
    time.sleep(1.6)
    _button(page, "Pause").click()
    time.sleep(0.4)
    paused_at = _month(page)
    assert paused_at >= 3, f"playing 1.6 s at 4 months/s reached month {paused_at}"
    time.sleep(0.8)
    assert _month(page) == paused_at, "Pause did not stop the months"
    assert not _button(page, "Step").disabled
    _button(page, "Reset").click()
    assert _month(page) == 0


def test_play_stops_when_the_run_ends():
    from collabsim.apps.classroom_controls import play

    class Ends:
        running, steps = True, 0

        def step(self):
            self.steps += 1
            self.running = self.steps < 3

    model, months = Ends(), []
    assert play(model, 1000.0, lambda: True, threading.Event(), lambda: months.append(1)) == 3
    assert len(months) == 3 and not model.running
    stopped = threading.Event()
    stopped.set()
    assert play(Ends(), 1000.0, lambda: True, stopped, lambda: None) == 0


def test_step_advances_the_model(page):
    before = _spec(page, "collabsim-drivers")
    assert len(_series(before, "trust")) == 1
    assert _text(page, "collabsim-phase") == ["Month 0 · phase: forming · 12 members"]
    assert _month(page) == 0
    step = _button(page, "Step")
    for _ in range(3):
        step.click()
    after = _spec(page, "collabsim-drivers")
    assert len(_series(after, "trust")) == 4  # months 0..3
    (phase,) = _text(page, "collabsim-phase")
    assert phase.startswith("Month 3 ") and _month(page) == 3
    assert "Month 1:" in _timeline(page)  # the first month's events are on the timeline
    network = _spec(page, "collabsim-network")
    nodes = _rows(network["layer"][1]["data"])
    assert len(nodes) == 12 and all(0 <= n["e"] <= 1 for n in nodes)
    assert all(n["member"] for n in nodes)
    edges = _rows(network["layer"][0]["data"])
    assert len(edges) == 66 and all(0 <= e["w"] <= 1 for e in edges), "trust edges"


def test_changing_a_slider_changes_the_next_model(page):
    urgency_before = _series(_spec(page, "collabsim-drivers"), "urgency")[0]
    _slider(page, "Urgency").v_model = 0.95
    assert _with_class(page, v.Alert, "collabsim-apply")  # "press Reset"
    _button(page, "Step").click()  # the running model is not changed by the slider
    assert _series(_spec(page, "collabsim-drivers"), "urgency")[0] == urgency_before
    _button(page, "Reset").click()
    urgency_after = _series(_spec(page, "collabsim-drivers"), "urgency")
    assert len(urgency_after) == 1, "Reset should start a new model at month 0"
    assert urgency_after[0] > urgency_before + 0.2
    assert not _with_class(page, v.Alert, "collabsim-apply")


def test_preset_sets_the_sliders_and_the_next_model(page):
    _select(page, "Preset scenario").v_model = "classroom_funding_cliff"
    assert _slider(page, "Incentives").v_model == pytest.approx(0.05)
    assert _slider(page, "Trust").v_model == pytest.approx(0.55)
    _button(page, "Reset").click()
    nodes = _rows(_spec(page, "collabsim-network")["layer"][1]["data"])
    assert len(nodes) == 8  # the classroom chain: 1 mbo, 3 vmbo, 3 firms, 1 municipality


def test_teacher_moment_and_language_switch(page):
    _button(page, "A conflict").click()
    assert _text(page, "collabsim-queued") == ["Queued for month 1: A conflict"]
    _button(page, "Step").click()
    assert "Month 1: teacher moment: a conflict breaks out between" in _timeline(page)
    assert not _text(page, "collabsim-queued")
    _toggle(page, "collabsim-language").v_model = 1  # the switch's "Nederlands" button
    text = _timeline(page)
    assert "Maand 1: docentmoment: er ontstaat een conflict tussen" in text
    assert "Teacher moments" not in [w.children[0] for w in page.find(v.CardTitle).widgets]


def _card_titles(rc) -> list[str]:
    return [w.children[0] for w in rc.find(v.CardTitle).widgets if w.children]


def test_the_language_switch_puts_the_controls_and_charts_in_dutch(page):
    """Fails if a label, button, select, chart title or axis stays English after the switch."""
    _select(page, "Governance").v_model = "covenant"
    _toggle(page, "collabsim-language").v_model = 1  # "Nederlands"
    assert app.language.value == "nl"
    titles = _card_titles(page)
    for title in ("Docentmomenten", "Scenario"):
        assert title in titles, title
    for english in ("Teacher moments", "Paid coordinator"):
        assert english not in titles
    for kind in ("Een conflict", "Financiering stopt", "Sleutelfiguur vertrekt", "Vraagschok"):
        _button(page, kind)
    for label in ("Prikkels", "Urgentie", "Gedeeld belang", "Vertrouwen", "Wendbaarheid"):
        _slider(page, label)
    page.find(v.Checkbox, label="Betaalde coördinator").assert_single()
    governance = _select(page, "Governance")
    assert set(governance.items) == {"informeel", "convenant", "rechtspersoon"}
    assert governance.v_model == "convenant"
    assert set(_select(page, "Soort samenwerking").items) == {"operationeel", "strategisch"}
    assert _text(page, "collabsim-preset-text") == [
        "Technische onderwijsketen: één mbo, vier vmbo-scholen, zes bedrijven, één gemeente"
    ]
    assert _text(page, "collabsim-phase") == ["Maand 0 · fase: opstart · 12 leden"]
    for button in ("Stap", "Afspelen", "Opnieuw"):
        assert _button(page, button).x_large
    assert _text(page, "collabsim-speed-label") == ["Snelheid (maanden per seconde)"]
    assert [b.children[0] for b in _toggle(page, "collabsim-speed").children] == [
        "0,5",
        "1",
        "2",
        "4",
    ]
    assert _text(page, "collabsim-lesson")[0].startswith("Een gewone regionale keten")
    drivers = _spec(page, "collabsim-drivers")
    assert len(_series(drivers, "vertrouwen")) == 1 and not _series(drivers, "trust")
    assert drivers["layer"][0]["encoding"]["x"]["title"] == "maand"
    assert drivers["layer"][0]["encoding"]["y"]["title"] == "niveau"
    assert _spec(page, "collabsim-value")["encoding"]["y"]["title"] == "publieke waarde"
    texts = [
        w.children[0]
        for w in _walk(page.container)
        if isinstance(w, v.Html) and w.children and isinstance(w.children[0], str)
    ]
    for title in ("Drijfveren en inzet", "Gecreëerde publieke waarde", "Tijdlijn"):
        assert title in texts, title
    # a Dutch label chosen in a select still sets the scenario's own word
    _select(page, "Governance").v_model = "rechtspersoon"
    _button(page, "Opnieuw").click()
    assert app.language.value == "nl"
    _button(page, "Een conflict").click()
    assert _text(page, "collabsim-queued") == ["Klaar voor maand 1: Een conflict"]
    _toggle(page, "collabsim-language").v_model = 0  # back to English
    _button(page, "A conflict")
    assert _select(page, "Governance").v_model == "legal entity"


def test_app_lang_sets_the_start_language(monkeypatch):
    """`collabsim app --lang nl` sets COLLABSIM_APP_LANG for the server: the page starts in it."""
    monkeypatch.setenv("COLLABSIM_APP_LANG", "nl")
    assert app.start_language() == "nl"
    monkeypatch.delenv("COLLABSIM_APP_LANG")
    assert app.start_language() == "en"
