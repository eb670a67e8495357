"""Class mode in a real browser: a teacher and three student teams, Debian's Chromium via
Playwright, every request checked to stay on this machine.

The test starts `collabsim app --class` itself, reads the teacher's address from its output, and
plays: a wrong join code is refused; three teams join with the code and take three seats; for
three rounds each team sends different decisions and the teacher runs the round on; the
teacher's console shows each team's decisions, the model's state follows them (the team that
invests all its staff time ends far more engaged than the one that invests none), and the
decision log has the three rounds. The debrief page is fetched at the end.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from collabsim.apps.class_process import ClassProcess

from .test_app_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, is_local

pytestmark = pytest.mark.browser


@pytest.fixture()
def class_server(tmp_path):
    """`collabsim app --class` on a free local port, two months a round, stopped afterwards."""
    options = ("--months-per-round", "2", "--round-seconds", "3600")
    with ClassProcess(_free_port(), tmp_path / "class.log", *options) as server:
        yield server


# three teams, three rounds, each team its own line of decisions
PLAYS = {
    0: [(1.0, "raise", "money", "true")] * 3,
    1: [(0.0, "let_go", "none", "true")] * 3,
    2: [
        (0.5, "none", "in_kind", "true"),
        (0.6, "raise", "in_kind", "true"),
        (0.4, "none", "none", "true"),
    ],
}


def _decide(page, staff: float, tension: str, contribution: str, stay: str) -> None:
    page.locator("#staff-time").fill(str(staff))
    page.locator(f"input[name=tension][value={tension}]").check()
    page.locator(f"input[name=contribution][value={contribution}]").check()
    page.locator(f"input[name=stay][value={stay}]").check()
    page.locator("#send").click()


def test_a_class_plays_three_rounds(class_server, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed (/usr/bin/chromium): run 'make test' "
            "as root, which installs it, or 'apt-get install -y chromium'"
        )
    from playwright.sync_api import expect, sync_playwright

    teacher_url, base = class_server.teacher, class_server.base
    outside: list[str] = []
    errors: list[str] = []

    def guard(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        contexts = []

        def new_page():
            context = browser.new_context(viewport={"width": 1300, "height": 1000})
            context.route("**/*", guard)
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            contexts.append(context)
            return page

        teacher = new_page()
        teacher.goto(teacher_url)
        expect(teacher.locator("#join-code")).to_have_text(re.compile(r"^\d{6}$"))
        code = teacher.locator("#join-code").inner_text()

        students = {}
        for slot in PLAYS:
            page = new_page()
            page.goto(base + "/")
            page.locator("#code").fill(f"{(int(code) + 1) % 10**6:06d}")
            page.locator("#show-seats").click()
            expect(page.locator("#error")).to_contain_text("wrong join code")
            page.locator("#code").fill(code)
            page.locator("#team").fill(f"team {slot}")
            page.locator("#show-seats").click()
            page.locator(f".seat-choice[data-slot='{slot}']").click()
            expect(page.locator("#play")).to_be_visible()
            expect(page.locator("#you-are")).not_to_be_empty()
            students[slot] = page
        # a seat is one team's: the fourth laptop cannot take seat 0
        intruder = new_page()
        intruder.goto(base + "/")
        intruder.locator("#code").fill(code)
        intruder.locator("#show-seats").click()
        expect(intruder.locator(".seat-choice[data-slot='0']")).to_be_disabled()

        for r in range(3):
            for slot, page in students.items():
                _decide(page, *PLAYS[slot][r])
                expect(page.locator("#sent")).to_be_visible()
            for slot in students:  # the console shows every team's decision
                expect(teacher.locator(f"#seats tr[data-slot='{slot}'] .decision")).to_contain_text(
                    f"{round(100 * PLAYS[slot][r][0])}%"
                )
            teacher.get_by_role("button", name="Next round").click()
            expect(teacher.locator("#status")).to_contain_text(f"month {2 * (r + 1)} ")
            for page in students.values():  # the team pages move on with the round
                expect(page.locator("#status")).to_contain_text(f"Round {r + 2}")

        expect(teacher.locator("#log .round")).to_have_count(3)
        key = teacher_url.split("key=")[1]
        request = urllib.request.Request(base + "/api/teacher", headers={"X-Teacher-Key": key})
        with urllib.request.urlopen(request, timeout=10) as resp:
            state = json.loads(resp.read())
        engagement = {s["slot"]: s["engagement"] for s in state["seats"]}
        assert engagement[0] > engagement[2] > engagement[1], engagement
        for r, played in enumerate(state["rounds"]):
            for slot, plays in PLAYS.items():
                assert played["decisions"][str(slot)]["staff_time"] == plays[r][0]
                assert played["decisions"][str(slot)]["tension"] == plays[r][1]
        assert _drawn_svg(teacher, "#drivers") and _drawn_svg(teacher, "#network")

        debrief = new_page()
        debrief.goto(f"{base}/debrief?key={key}")
        expect(debrief.locator("h1")).to_contain_text("Debrief")
        expect(debrief.locator("ol li")).to_have_count(3)
        teacher.screenshot(path=str(tmp_path / "teacher.png"), full_page=True)
        for context in contexts:
            context.close()
        browser.close()
    assert not outside, f"requests left the machine: {outside}"
    assert not [e for e in errors if "status of 40" not in e], errors


def _drawn_svg(page, selector: str) -> bool:
    return page.evaluate(
        "(s) => document.querySelector(s).querySelectorAll('polyline,circle,line').length > 2",
        selector,
    )
