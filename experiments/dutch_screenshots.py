"""Take the Dutch screenshots: the classroom app in Dutch and a `compare --lang nl` report.

    .venv/bin/python experiments/dutch_screenshots.py [--out docs/img]

Writes docs/img/app_nl.png (`collabsim app --lang nl`, the baseline preset after a teacher moment
and a few months) and docs/img/compare_report_nl.png (the report.html of `collabsim compare --lang
nl` on three funding schemes down to its first figure, rendered by Debian's Chromium, headless).
Needs /usr/bin/chromium and the app's asset cache (`make install`); nothing is fetched from outside.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from classroom_screenshots import start_app
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SCHEMES = ("no_policy", "one_off_subsidy", "sustained_funding")
CHROMIUM = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
}


def app_nl(browser, out: Path) -> None:
    """The app started with --lang nl: a conflict injected, then eight months stepped."""
    proc, url = start_app(["--lang", "nl"])
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        step = page.get_by_role("button", name="Stap", exact=True)  # the page's own Dutch buttons
        expect(step).to_be_enabled(timeout=60_000)
        expect(page.locator(".collabsim-month")).to_have_text("Maand 0")
        page.get_by_role("button", name="Een conflict").click()
        for month in range(1, 9):
            step.click()
            expect(page.locator(".collabsim-month")).to_have_text(f"Maand {month}")
        page.wait_for_timeout(1000)  # let vega finish drawing
        page.screenshot(path=str(out / "app_nl.png"))
        print("wrote", out / "app_nl.png")
        page.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def compare_nl(browser, out: Path) -> None:
    """`collabsim compare --lang nl` on three schemes, its report.html rendered by Chromium."""
    with tempfile.TemporaryDirectory(prefix="collabsim-nl-") as work:
        report = Path(work) / "report"
        cli = Path(sys.executable).with_name("collabsim")
        subprocess.run(
            [str(cli), "compare", *(f"scenarios/policies/{s}.toml" for s in SCHEMES),
             "--replicates", "100", "--seed", "1", "--lang", "nl", "--out", str(report)],
            check=True,
            cwd=ROOT,  # the report names the files as given: relative, as a reader would type them
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1200, "height": 2350})
        page.goto((report / "report.html").as_uri())
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "compare_report_nl.png"))
        print("wrote", out / "compare_report_nl.png")
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        app_nl(browser, args.out)
        compare_nl(browser, args.out)
        browser.close()


if __name__ == "__main__":
    main()
