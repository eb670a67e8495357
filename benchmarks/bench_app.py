"""Benchmark of the classroom app: start time (target < 10 s) and one step's render (< 200 ms).

    .venv/bin/python benchmarks/bench_app.py [--months 120] [--no-browser]

1. start: `collabsim app` launched until the server answers the page (HTTP 200), and, with
   Debian's Chromium, until the page in the browser is ready to step (Step button enabled);
2. step, server side: one click on Step rendered with solara.render (model step + every
   component re-rendered: charts, network, timeline), over a whole run of months;
3. step, in the browser: click on Step until the page shows the new month, over 30 months.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _summary(label: str, seconds: list[float], target_ms: float) -> None:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    verdict = "ok" if statistics.median(ms) < target_ms else "OVER TARGET"
    print(
        f"{label:38s} median {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {ms[-1]:7.1f} ms  (n={len(ms)}, target < {target_ms:.0f} ms: {verdict})"
    )


def bench_server_steps(months: int) -> list[float]:
    """Seconds per Step click, rendered without a browser."""
    import ipyvuetify as v
    import solara

    from collabsim.apps import classroom as app

    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    times = []
    for _ in range(months):
        t = time.perf_counter()
        step.click()
        times.append(time.perf_counter() - t)
    rc.close()
    return times


def bench_start_and_browser(browser: bool, browser_months: int) -> None:
    """Start the app as a user would; optionally time the page and steps in Chromium."""
    port = _free_port()
    cli = Path(sys.executable).with_name("collabsim")
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(cli), "app", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("the app exited early") from None
                time.sleep(0.05)
        served = time.perf_counter() - t0
        print(f"{'start: server answers the page':38s} {served:7.2f} s  (target < 10 s)")
        if not browser:
            return
        if not CHROMIUM.exists():
            print("browser timings skipped: /usr/bin/chromium is not installed")
            return
        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as pw:
            b = pw.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            t1 = time.perf_counter()
            page.goto(url)
            step = page.get_by_role("button", name="Step", exact=True)
            expect(step).to_be_enabled(timeout=60_000)
            expect(page.locator(".collabsim-phase")).to_contain_text("Month 0", timeout=30_000)
            ready = time.perf_counter()
            print(
                f"{'start: page ready in the browser':38s} {ready - t0:7.2f} s  "
                f"(page load {ready - t1:.2f} s after the server answered)"
            )
            times = []
            phase = page.locator(".collabsim-phase")
            for month in range(1, browser_months + 1):
                t = time.perf_counter()
                step.click()
                expect(phase).to_contain_text(f"Month {month} ")
                times.append(time.perf_counter() - t)
            b.close()
        _summary("step, click to new month in browser", times, 200)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=120, help="steps rendered server side")
    parser.add_argument("--browser-months", type=int, default=30)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    bench_start_and_browser(not args.no_browser, args.browser_months)
    _summary("step, server render (solara.render)", bench_server_steps(args.months), 200)


if __name__ == "__main__":
    main()
