"""The classroom app in a real browser: Debian's Chromium driven by Playwright, fully offline.

The test starts `collabsim app` on 127.0.0.1 itself, opens the page, checks that it shows no
developer controls (no "Page 0", "Use Threads", "Render Interval") in either language, that the
speed is labelled in months per second and that the preset's lesson text is shown, steps the
model, plays and pauses, injects a teacher moment, switches the page to Dutch, and checks that the
charts and the network are drawn (canvases with ink on them), that the timeline shows events,
that the browser logged no errors, and that every request stayed on this machine (any other
request is aborted and fails the test). A screenshot goes to the test's temporary folder.

It installs nothing: `make test` installs Debian's chromium when it is missing (as root); without
/usr/bin/chromium the test is skipped with that reason.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-domain-reliability",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_local(url: str) -> bool:
    """Whether a request URL stays on this machine."""
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    return parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname in LOCAL_HOSTS


def test_is_local():
    assert is_local("http://127.0.0.1:8765/_solara/cdn/vega@5/build/vega.min.js")
    assert is_local("ws://127.0.0.1:1/jupyter/api/kernels/x/channels")
    assert is_local("data:image/png;base64,AAAA")
    assert not is_local("https://cdn.jsdelivr.net/npm/vega@5")
    assert not is_local("http://127.0.0.1.example.com/")


@pytest.fixture()
def app_server(tmp_path):
    """`collabsim app` on a free local port; yields its URL and stops it afterwards."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    cli = Path(sys.executable).with_name("collabsim")
    proc = subprocess.Popen(
        [str(cli), "app", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the launcher and its Solara child
    )
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited early: {(tmp_path / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - started > 60:
                pytest.fail("the app did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


INK_JS = """(sel) => {
  const card = document.querySelector(sel);
  if (!card) return {found: false};
  const out = {found: true, canvases: [], svgs: 0, imgs: 0};
  for (const c of card.querySelectorAll('canvas')) {
    let ink = 0;
    if (c.width > 0 && c.height > 0) {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) ink++;
      }
    }
    out.canvases.push({w: c.clientWidth, h: c.clientHeight, ink: ink});
  }
  for (const s of card.querySelectorAll('svg')) {
    const r = s.getBoundingClientRect();
    if (r.width > 50 && r.height > 50 && s.querySelectorAll('path,circle,line').length) out.svgs++;
  }
  for (const im of card.querySelectorAll('img')) {
    if (im.naturalWidth > 50 && im.naturalHeight > 50) out.imgs++;
  }
  return out;
}"""


def _drawn(page, selector: str) -> bool:
    """Whether the card holds a real-sized canvas with ink on it (or a drawn svg or image)."""
    info = page.evaluate(INK_JS, selector)
    assert info["found"], f"no {selector} on the page"
    inked = [c for c in info["canvases"] if c["w"] > 100 and c["h"] > 100 and c["ink"] > 500]
    return bool(inked or info["svgs"] or info["imgs"])


DEVELOPER_WORDS = ("Page 0", "Use Threads", "Render Interval", "Play Interval")


def _month(page) -> int:
    text = page.locator(".collabsim-month").inner_text()
    return int(text.split()[1])


def _no_developer_controls(page) -> None:
    body = page.locator("body").inner_text()
    for word in DEVELOPER_WORDS:
        assert word not in body, f"the page shows the developer control {word!r}"


def test_app_in_chromium(app_server, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed (/usr/bin/chromium): run 'make test' as root, "
            "which installs it, or 'apt-get install -y chromium'"
        )
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    outside: list[str] = []
    errors: list[str] = []

    def guard(route):
        url = route.request.url
        requests.append(url)
        if is_local(url):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", guard)
            page = context.new_page()
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            page.goto(app_server)
            step = page.get_by_role("button", name="Step", exact=True)
            expect(step).to_be_enabled(timeout=30_000)
            expect(page.locator(".collabsim-phase")).to_contain_text("Month 0", timeout=10_000)
            expect(page.locator(".collabsim-month")).to_have_text("Month 0")
            _no_developer_controls(page)
            expect(page.locator(".collabsim-speed-label")).to_have_text("Speed (months per second)")
            expect(page.locator(".collabsim-lesson")).to_contain_text("grant ends in month 48")

            for month in range(1, 6):
                step.click()
                expect(page.locator(".collabsim-month")).to_have_text(f"Month {month}")
                expect(page.locator(".collabsim-phase")).to_contain_text(f"Month {month} ")

            # a teacher moment lands in the next month and on the timeline
            page.get_by_role("button", name="A conflict").click()
            expect(page.locator(".collabsim-queued")).to_be_visible()
            step.click()
            expect(page.locator(".collabsim-event[data-kind=teacher_moment]")).to_contain_text(
                "Month 6: teacher moment: a conflict breaks out"
            )

            # play for a while, then pause: the months run on by themselves
            page.locator(".collabsim-speed").get_by_role("button", name="4", exact=True).click()
            page.get_by_role("button", name="Play", exact=True).click()
            expect(step).to_be_disabled()
            page.wait_for_timeout(2000)
            page.get_by_role("button", name="Pause", exact=True).click()
            expect(step).to_be_enabled()
            played_to = _month(page)
            assert played_to > 7, f"playing for 2 s only reached month {played_to}"
            page.wait_for_timeout(1000)
            assert _month(page) == played_to, "Pause did not stop the months"

            page.wait_for_timeout(800)  # let vega finish drawing the last month
            for card in (".collabsim-drivers", ".collabsim-network", ".collabsim-value"):
                assert _drawn(page, card), f"{card} is a blank panel"
            assert page.locator(".collabsim-event").count() >= 2

            page.get_by_role("button", name="Nederlands", exact=True).click()
            expect(page.locator(".collabsim-timeline")).to_contain_text("Maand 6: docentmoment")
            expect(page.get_by_role("button", name="Een conflict")).to_be_visible()
            expect(page.locator(".collabsim-phase")).to_contain_text("Maand ")
            expect(page.locator(".collabsim-month")).to_have_text(f"Maand {played_to}")
            expect(page.get_by_role("button", name="Stap", exact=True)).to_be_visible()
            expect(page.get_by_role("button", name="Afspelen", exact=True)).to_be_visible()
            expect(page.locator(".collabsim-speed-label")).to_have_text(
                "Snelheid (maanden per seconde)"
            )
            expect(page.locator(".collabsim-lesson")).to_contain_text("Een gewone regionale keten")
            _no_developer_controls(page)

            page.screenshot(path=str(tmp_path / "classroom_app.png"), full_page=True)
        finally:
            browser.close()

    assert (tmp_path / "classroom_app.png").stat().st_size > 10_000
    assert not outside, f"requests left the machine: {outside}"
    assert all(is_local(u) for u in requests), [u for u in requests if not is_local(u)]
    assert any("/_solara/cdn/vega@5/" in u for u in requests), "vega was not served locally"
    assert not errors, f"browser errors: {errors}"
