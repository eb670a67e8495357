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
import re
from pathlib import Path

from collabsim.apps.class_process import ClassProcess

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en", choices=["en", "nl"])
    parser.add_argument("--port", type=int, default=8792)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    suffix = "" if args.lang == "en" else "_nl"
    log = Path("/tmp/collabsim-class-shots.log")
    options = ("--months-per-round", "2", "--round-seconds", "3600", "--lang", args.lang)
    with ClassProcess(args.port, log, *options) as server:
        teacher_url, base, key = server.teacher, server.base, server.key
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


if __name__ == "__main__":
    main()
