"""Screenshots of class mode for docs/classroom.md ("A played lesson"), made by playing a session.

Run: .venv/bin/python experiments/class_screenshots.py [--lang en|nl]
Writes docs/img/class_team.png, class_teacher.png, class_screen.png and class_debrief.png
(with --lang nl: the same names with _nl), using Debian's Chromium, offline.

It starts `collabsim app --class` (preset classroom_funding_cliff, its own seed, two months a
round), lets three teams join (the mbo school, a vmbo school and a firm; the other seats stay
with the model), plays eight rounds with the decisions below, lets the funding end in round 5
(a teacher moment), and photographs the pages.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking"]
# slot: (team name, staff time, tension, contribution) each round
TEAMS = {
    0: ("De Techniekschool", 0.8, "raise", "in_kind"),
    4: ("Team Bouwbedrijf", 0.3, "none", "none"),
    1: ("Vmbo Oost", 0.6, "let_go", "in_kind"),
}


def start(port: int, lang: str, log: Path):
    """The class server; returns (process, teacher URL)."""
    cli = Path(sys.executable).with_name("collabsim")
    proc = subprocess.Popen(
        [
            str(cli),
            "app",
            "--class",
            "--port",
            str(port),
            "--months-per-round",
            "2",
            "--round-seconds",
            "3600",
            "--lang",
            lang,
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    started = time.monotonic()
    while time.monotonic() - started < 60:
        found = re.search(r"teacher's console: (\S+)", log.read_text())
        if found:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/text", timeout=2).close()
                return proc, found.group(1)
            except OSError:
                pass
        time.sleep(0.2)
    raise SystemExit(f"class mode did not start: {log.read_text()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en", choices=["en", "nl"])
    parser.add_argument("--port", type=int, default=8792)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    suffix = "" if args.lang == "en" else "_nl"
    proc, teacher_url = start(args.port, args.lang, Path("/tmp/collabsim-class-shots.log"))
    base = f"http://127.0.0.1:{args.port}"
    key = teacher_url.split("key=")[1]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            teacher = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
            teacher.goto(teacher_url)
            expect(teacher.locator("#join-code")).to_have_text(re.compile(r"^\d{6}$"))
            code = teacher.locator("#join-code").inner_text()
            teams = {}
            for slot, (name, *_rest) in TEAMS.items():
                page = browser.new_context(viewport={"width": 1100, "height": 1100}).new_page()
                page.goto(f"{base}/?lang={args.lang}")
                page.locator("#code").fill(code)
                page.locator("#team").fill(name)
                page.locator("#show-seats").click()
                page.locator(f".seat-choice[data-slot='{slot}']").click()
                page.locator("#play").wait_for(state="visible")
                teams[slot] = page
            for r in range(8):
                for slot, (_name, staff, tension, contribution) in TEAMS.items():
                    page = teams[slot]
                    page.locator("#staff-time").fill(str(staff))
                    page.locator(f"input[name=tension][value={tension}]").check()
                    page.locator(f"input[name=contribution][value={contribution}]").check()
                    page.locator("#send").click()
                    page.locator("#sent").wait_for(state="visible")
                if r == 4:
                    teacher.locator("[data-moment=funding_ends]").click()
                teacher.locator("[data-action=next]").click()
                expect(teacher.locator("#log .round")).to_have_count(r + 1)
            teacher.wait_for_timeout(500)
            IMG.mkdir(parents=True, exist_ok=True)
            teams[0].screenshot(path=str(IMG / f"class_team{suffix}.png"), full_page=True)
            teacher.screenshot(path=str(IMG / f"class_teacher{suffix}.png"), full_page=True)
            screen = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            screen.goto(f"{base}/screen?key={key}&lang={args.lang}")
            expect(screen.locator("#timeline li").first).to_be_visible()
            screen.screenshot(path=str(IMG / f"class_screen{suffix}.png"), full_page=True)
            debrief = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
            debrief.goto(f"{base}/debrief?key={key}&lang={args.lang}")
            debrief.screenshot(path=str(IMG / f"class_debrief{suffix}.png"))
            browser.close()
        for name in ("team", "teacher", "screen", "debrief"):
            print(f"wrote {IMG / f'class_{name}{suffix}.png'}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
