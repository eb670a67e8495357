"""The classroom page's own run controls: large Step, Play/Pause and Reset buttons and the speed
in months per second, in English or Dutch (the words in the one catalogue, collabsim/locale).

The page (collabsim/apps/classroom.py) keeps the running model in a reactive; the buttons here
step it, play it on a background thread at the chosen speed, and replace it with a new one on
Reset. Every component that draws the model reads ``tick``; ``redraw()`` bumps it after each
month, so the charts, the network and the timeline follow the model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import solara

from collabsim.locale import N_, translator

# The speed choices, in simulated months per (real) second, and the one the page starts with.
SPEEDS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
START_SPEED = 2.0

TEXT = {
    "step": N_("Step"),
    "play": N_("Play"),
    "pause": N_("Pause"),
    "reset": N_("Reset"),
    "speed": N_("Speed (months per second)"),
    "month": N_("Month {month}"),
    "ended": N_("The run has ended: press Reset to start again."),
}

# Redraw counter (per browser session, as every Solara reactive): bumped after each month.
tick = solara.reactive(0)


def redraw() -> None:
    """Tell every component that reads ``tick`` that the model changed."""
    tick.value += 1


def control_texts(lang: str) -> dict[str, str]:
    """The controls' words in a language."""
    _ = translator(lang)
    return {key: _(message) for key, message in TEXT.items()}


def speed_label(speed: float, lang: str = "en") -> str:
    """A speed as the page shows it: 0.5, 1, 2, 4 (Dutch with a decimal comma: 0,5)."""
    text = f"{speed:g}"
    return text.replace(".", ",") if lang == "nl" else text


def play(
    model: Any,
    months_per_second: float,
    keep_playing: Callable[[], bool],
    cancel: threading.Event,
    on_month: Callable[[], None] = redraw,
) -> int:
    """Step the model at the given speed until it stops, keep_playing() turns false or cancel is
    set; returns the months stepped. A slow month is not made up for by hurrying the next ones."""
    interval = 1.0 / months_per_second
    due = time.perf_counter() + interval
    months = 0
    while model.running and keep_playing():
        if cancel.wait(max(0.0, due - time.perf_counter())) or not keep_playing():
            break
        model.step()
        months += 1
        on_month()
        due = max(due + interval, time.perf_counter())
    return months


@solara.component
def RunControls(model: solara.Reactive, new_model: Callable[[], Any], lang: str):
    """The run controls, one row across the page: the month, Step, Play/Pause, Reset and the
    speed.

    model holds the running model; new_model() makes the next one (from the scenario card's
    settings) when Reset is pressed.
    """
    tick.get()
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(START_SPEED)
    t = control_texts(lang)
    m = model.value
    running = bool(m.running)

    def play_thread(cancel: threading.Event) -> None:
        if not playing.peek():
            return
        play(m, speed.peek(), playing.peek, cancel)
        if not cancel.is_set():  # the run ended (not a new speed, model or Pause)
            playing.set(False)

    solara.use_thread(
        play_thread, dependencies=[playing.value, speed.value, id(m)], intrusive_cancel=False
    )

    def step() -> None:
        if model.value.running:
            model.value.step()
            redraw()

    def reset() -> None:
        playing.set(False)
        model.set(new_model())
        redraw()

    labels = {speed_label(s, lang): s for s in SPEEDS}
    big = {"x_large": True, "style": {"min-width": "8em", "font-size": "1.15em"}}
    with solara.Card(classes=["collabsim-controls"]):
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Text(
                t["month"].format(month=m.steps),
                classes=["collabsim-month"],
                style={"font-size": "2em", "font-weight": "bold", "min-width": "5.5em"},
            )
            solara.Button(
                t["step"],
                on_click=step,
                color="primary",
                disabled=playing.value or not running,
                classes=["collabsim-step"],
                **big,
            )
            solara.Button(
                t["pause"] if playing.value else t["play"],
                on_click=lambda: playing.set(not playing.peek()),
                color="success" if not playing.value else "warning",
                disabled=not running and not playing.value,
                classes=["collabsim-play"],
                **big,
            )
            solara.Button(
                t["reset"], on_click=reset, outlined=True, classes=["collabsim-reset"], **big
            )
            with solara.Column(gap="2px", style={"margin-left": "16px"}):
                solara.Text(
                    t["speed"], classes=["collabsim-speed-label"], style={"font-weight": "bold"}
                )
                solara.ToggleButtonsSingle(
                    value=speed_label(speed.value, lang),
                    values=list(labels),
                    on_value=lambda label: speed.set(labels.get(label, START_SPEED)),
                    classes=["collabsim-speed"],
                )
        if not running:
            solara.Info(t["ended"], dense=True, classes=["collabsim-ended"])
