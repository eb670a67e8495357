"""Class mode benchmark: click-to-teacher latency with four teams, and a 30-round session's memory.

Run: .venv/bin/python benchmarks/bench_class.py [--clicks 20] [--rounds 30]

1. Latency: `collabsim app --class` as its own process (as in a lesson); Debian's Chromium via
   Playwright opens the teacher's console and four team pages (four browser contexts, one per
   laptop). Each team in turn changes its staff time and clicks Send; the time is taken from the
   click to the moment the teacher's console shows that team's new figure (the console is pushed
   a change over server-sent events and fetches the state). Both pages run in the same browser
   on the same clock: the click's time and the console's change are read with `Date.now()` in
   the pages themselves (a MutationObserver on the console), so Playwright's own round trips are
   not counted. Target: under 300 ms.
2. Memory: the server process's resident memory (psutil) after start, after the teams joined,
   and after --rounds rounds, each round every team deciding before the teacher runs it on,
   the teacher's console and big screen refreshing as in a lesson.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import urllib.request
from pathlib import Path

import psutil

from collabsim.apps.class_process import ClassProcess

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking"]

WATCH_JS = """([slot, percent]) => { window.__seen = new Promise((resolve) => {
  const cell = () => document.querySelector(`#seats tr[data-slot='${slot}'] .decision`);
  const seen = () => cell() && cell().textContent.includes(` ${percent}%`);
  if (seen()) { resolve(Date.now()); return; }
  const observer = new MutationObserver(() => {
    if (seen()) { observer.disconnect(); resolve(Date.now()); }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}); }"""


def rss_mb(proc) -> float:
    """Resident memory of the server process and its children, in MB."""
    p = psutil.Process(proc.pid)
    return sum(q.memory_info().rss for q in [p, *p.children(recursive=True)]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=20, help="clicks per team")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    log = Path("/tmp/collabsim-bench-class.log")
    with ClassProcess(args.port, log, "--round-seconds", "3600") as server:
        proc, teacher_url, base, key = server, server.teacher, server.base, server.key
        memory = {"started": rss_mb(proc)}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            teacher = browser.new_context().new_page()
            teacher.goto(teacher_url)
            expect(teacher.locator("#join-code")).to_have_text(re.compile(r"^\d{6}$"))
            code = teacher.locator("#join-code").inner_text()
            screen = browser.new_context().new_page()
            screen.goto(f"{base}/screen?key={key}")
            teams = []
            for slot in range(4):
                page = browser.new_context().new_page()
                page.goto(base + "/")
                page.locator("#code").fill(code)
                page.locator("#team").fill(f"team {slot}")
                page.locator("#show-seats").click()
                page.locator(f".seat-choice[data-slot='{slot}']").click()
                page.locator("#play").wait_for(state="visible")
                teams.append(page)
            memory["4 teams joined"] = rss_mb(proc)

            latencies = []
            for k in range(args.clicks):
                for slot, page in enumerate(teams):
                    percent = 5 * ((k * 4 + slot) % 19 + 1)
                    page.locator("#staff-time").fill(str(percent / 100))
                    teacher.evaluate(WATCH_JS, [slot, percent])
                    clicked = page.evaluate(
                        "() => { const t = Date.now(); document.getElementById('send').click(); "
                        "return t; }"
                    )
                    latencies.append(teacher.evaluate("() => window.__seen") - clicked)
            latencies.sort()
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            print(
                f"click to teacher's screen, 4 teams, {len(latencies)} clicks: median "
                f"{statistics.median(latencies):.0f} ms, 95th percentile {p95:.0f} ms, "
                f"max {latencies[-1]:.0f} ms (target < 300 ms)"
            )

            for r in range(args.rounds):
                for slot, page in enumerate(teams):
                    page.locator("#staff-time").fill(str(round(0.2 + 0.15 * ((r + slot) % 5), 2)))
                    page.locator("#send").click()
                request = urllib.request.Request(
                    f"{base}/api/teacher/next",
                    data=b"{}",
                    headers={"X-Teacher-Key": key},
                    method="POST",
                )
                urllib.request.urlopen(request, timeout=10).close()
                teacher.wait_for_timeout(150)
            state = json.loads(
                urllib.request.urlopen(
                    urllib.request.Request(f"{base}/api/teacher", headers={"X-Teacher-Key": key}),
                    timeout=10,
                ).read()
            )
            memory[f"after {len(state['rounds'])} rounds (month {state['month']})"] = rss_mb(proc)
            browser.close()
        for what, mb in memory.items():
            print(f"server memory {what}: {mb:.0f} MB")


if __name__ == "__main__":
    main()
