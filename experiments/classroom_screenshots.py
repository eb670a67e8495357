"""Take the screenshots of docs/classroom.md with the real app in Debian's Chromium.

    .venv/bin/python experiments/classroom_screenshots.py [--out docs/img]

It starts `collabsim app` on a free local port, and for each lesson part chooses the preset in the
page, presses Reset, steps the months (and, in part 3, presses the teacher-moment buttons and moves
the trust slider) exactly as a teacher would, then saves a PNG. Needs /usr/bin/chromium and the
asset cache (`make install`); nothing is fetched from outside.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from classroom_check import CRISIS as LESSON_CRISIS  # this script's folder; the lesson's moments
from playwright.sync_api import Page, expect, sync_playwright

MOMENT_BUTTON = {
    "key_person_leaves": "A key person leaves",
    "conflict": "A conflict",
    "demand_shock": "Demand shock",
    "funding_ends": "Funding ends",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(extra: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """`collabsim app` on a free port (with any extra options), waited for until it answers."""
    port = _free_port()
    cli = Path(sys.executable).with_name("collabsim")
    proc = subprocess.Popen(
        [str(cli), "app", "--port", str(port), *(extra or [])],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("the app did not start")


def choose_preset(page: Page, name: str) -> None:
    """Pick a preset in the Scenario card and press Reset, as a teacher would."""
    page.locator(".v-select").filter(has_text="Preset scenario").click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(page.locator(".collabsim-apply")).to_be_visible()
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".collabsim-month")).to_have_text("Month 0")


def step_to(page: Page, month: int, moments=()) -> None:
    """Press Step until the month, pressing the teacher-moment buttons on the way (Step, not
    Play: the screenshots show the same months every time)."""
    shown = page.locator(".collabsim-month")
    step = page.get_by_role("button", name="Step", exact=True)
    current = int(shown.inner_text().split()[1])
    while current < month:
        for pressed_at, kind in moments:
            if pressed_at == current:
                page.get_by_role("button", name=MOMENT_BUTTON[kind]).click()
        if not step.is_enabled():
            break  # the partnership dissolved: the run has ended
        step.click()
        current += 1
        expect(shown).to_have_text(f"Month {current}")
    page.wait_for_timeout(1000)  # let vega finish drawing


def set_slider(page: Page, label: str, presses: int) -> None:
    """Move a Scenario slider with the keyboard (negative presses: to the left)."""
    slider = page.locator(".v-input").filter(has_text=f"{label}: ").locator("[role=slider]")
    slider.focus()
    for _ in range(abs(presses)):
        slider.press("ArrowLeft" if presses < 0 else "ArrowRight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    proc, url = start_app()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled(
                timeout=60_000
            )

            def shot(name: str) -> None:
                page.screenshot(path=str(args.out / name))
                print("wrote", args.out / name)

            choose_preset(page, "classroom_lasting")
            step_to(page, 72)
            shot("classroom_1_lasting.png")

            choose_preset(page, "classroom_funding_cliff")
            step_to(page, 30)
            shot("classroom_2_before_cliff.png")
            step_to(page, 84)
            shot("classroom_2_funding_cliff.png")

            choose_preset(page, "classroom_crisis_trust")
            step_to(page, 60, LESSON_CRISIS)
            shot("classroom_3_crisis_high_trust.png")
            set_slider(page, "Trust", -12)  # 0.80 -> 0.20
            expect(page.locator(".v-input").filter(has_text="Trust: 0.20")).to_be_visible()
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.locator(".collabsim-month")).to_have_text("Month 0")
            step_to(page, 60, LESSON_CRISIS)
            shot("classroom_3_crisis_low_trust.png")

            page.get_by_role("button", name="Nederlands", exact=True).click()
            page.wait_for_timeout(800)
            shot("classroom_timeline_nl.png")
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
