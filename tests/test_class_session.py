"""Class mode's session and server: seats, codes, rounds, refusals, and the model underneath.

The web server runs for real (uvicorn in a thread, on a free local port) and is spoken to over
HTTP with the standard library, as a student's laptop would.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from collabsim.apps.class_session import ClassSession, SessionError
from collabsim.model.collaboration import CollaborationModel
from collabsim.model.scenario import load_scenario

from .conftest import ROOT, invoke

PRESET = ROOT / "scenarios" / "classroom_funding_cliff.toml"


def _session(**kw) -> ClassSession:
    return ClassSession(load_scenario(PRESET), preset="classroom_funding_cliff", **kw)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_every_seat_to_the_model_is_the_model_s_own_run():
    """With no team at any seat, the class's rounds are the model's own run month by month:
    fails if the session steps, draws or decides anything the model would not."""
    session = _session(months_per_round=4)
    for _ in range(10):
        session.next_round()
    own = CollaborationModel(load_scenario(PRESET), rng=session.seed).run(40)
    assert session.month == own.steps == 40
    np.testing.assert_array_equal(session.model.series(), own.series())
    assert list(session.model.events) == list(own.events)


def test_a_seat_taken_and_freed_before_playing_changes_nothing():
    """Fails if taking a seat leaves a trace in the model after the teacher frees it."""
    session = _session(months_per_round=6)
    code = session.join_code
    session.join(code, 0, "team a")
    session.free_seat(0)
    for _ in range(5):
        session.next_round()
    own = CollaborationModel(load_scenario(PRESET), rng=session.seed).run(30)
    np.testing.assert_array_equal(session.model.series(), own.series())


def test_teams_decisions_replace_their_organisation_s_rule():
    """A team that invests no staff time ends far below the same seed left to the model."""
    played, free = _session(months_per_round=6), _session(months_per_round=6)
    team = played.join(played.join_code, 0, "zero")
    played.submit(
        team.token, {"staff_time": 0.0, "tension": "none", "contribution": "none", "stay": True}
    )
    for _ in range(4):
        played.next_round()
        free.next_round()
    mine = played.model.state.engagement[0, 0]
    theirs = free.model.state.engagement[0, 0]
    assert mine < 0.05 < theirs
    assert played.rounds[0].decisions[0]["staff_time"] == 0.0


def test_refusals():
    """A wrong code, a taken seat, an unknown seat, a stranger's token and a bad decision are
    each refused with one line; a seat key takes a seat back on another laptop."""
    session = _session()
    code = session.join_code
    with pytest.raises(SessionError, match="wrong join code"):
        session.join(_wrong(code), 0, "x")
    first = session.join(code, 0, "first")
    with pytest.raises(SessionError, match="taken by team 'first'"):
        session.join(code, 0, "second")
    with pytest.raises(SessionError, match="no such seat"):
        session.join(code, 99, "x")
    with pytest.raises(SessionError, match="join again"):
        session.seat_state("not-a-token")
    with pytest.raises(SessionError):
        session.submit(
            first.token,
            {"staff_time": 2.0, "tension": "none", "contribution": "none", "stay": True},
        )
    with pytest.raises(SessionError):
        session.submit(first.token, {"staff_time": 0.5, "open": "/etc/passwd"})
    old_token = first.token
    again = session.join(code, 0, "first", seat_key=first.seat_key)
    assert again.slot == 0 and again.token != old_token
    with pytest.raises(SessionError):
        session.seat_state(old_token)  # the dropped laptop's token no longer works
    assert session.seat_state(again.token)["team"] == "first"


def test_names_are_kept_short_and_plain():
    session = _session()
    team = session.join(session.join_code, 1, "  <script>alert(1)</script> " + "x" * 100)
    assert len(team.name) <= 40
    assert session.teacher_state()["seats"][1]["team"] == team.name  # escaped by the page


# ----------------------------------------------------------------------------- over HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server():
    """The class server on a free local port, in a thread; yields (base URL, session)."""
    import uvicorn

    from collabsim.apps.class_server import build_app

    session = _session(months_per_round=2, round_seconds=3600)
    port = _free_port()
    config = uvicorn.Config(build_app(session), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    started = time.monotonic()
    while not srv.started:
        assert time.monotonic() - started < 20, "the class server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", session
    srv.should_exit = True
    thread.join(timeout=10)


def _call(url: str, body=None, headers=None, raw: bytes | None = None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}"), r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), exc.headers


def test_over_http(server):
    base, session = server
    code = session.join_code
    status, body, _ = _call(base + "/api/lobby", {"code": _wrong(code)})
    assert status == 403 and "wrong join code" in body["error"]
    status, body, headers = _call(base + "/api/lobby", {"code": code})
    assert status == 200 and len(body["seats"]) >= 3
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    status, team, _ = _call(base + "/api/join", {"code": code, "slot": 0, "team": "a"})
    assert status == 200
    status, body, _ = _call(base + "/api/join", {"code": code, "slot": 0, "team": "b"})
    assert status == 409
    token = {"X-Team-Token": team["token"]}
    decision = {"staff_time": 0.9, "tension": "raise", "contribution": "money", "stay": True}
    assert _call(base + "/api/decide", decision, token)[0] == 200
    status, seat, _ = _call(base + "/api/seat", headers=token)
    assert status == 200 and seat["decision"] == decision and seat["decided"]
    # the teacher's side needs the teacher's key
    assert _call(base + "/api/teacher")[0] == 403
    assert _call(base + "/api/teacher/next", {}, {"X-Teacher-Key": "guess"})[0] == 403
    key = {"X-Teacher-Key": session.teacher_key}
    assert _call(base + "/api/teacher/next", {}, key)[0] == 200
    status, state, _ = _call(base + "/api/teacher", headers=key)
    assert state["month"] == 2 and state["rounds"][0]["decisions"]["0"]["tension"] == "raise"
    # too large, not JSON, unknown action
    assert _call(base + "/api/decide", raw=b"{" + b" " * 5000 + b"}", headers=token)[0] == 413
    assert _call(base + "/api/decide", raw=b"not json", headers=token)[0] == 400
    assert _call(base + "/api/teacher/format_disk", {}, key)[0] == 404


def test_wrong_codes_and_floods_are_rate_limited(server):
    base, session = server
    wrong = _wrong(session.join_code)
    statuses = [
        _call(base + "/api/join", {"code": wrong, "slot": 0, "team": "x"})[0] for _ in range(12)
    ]
    assert statuses[:10] == [403] * 10 and statuses[-1] == 429
    # the seat list counts wrong codes in the same budget: no way round it
    assert _call(base + "/api/lobby", {"code": wrong})[0] == 429
    flood = [_call(base + "/api/text")[0] for _ in range(40)]
    assert 429 in flood


# ----------------------------------------------------------------------------- the command


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--months-per-round", "0"], "--months-per-round 0: choose 1 to 12"),
        (["--round-seconds", "0"], "--round-seconds 0"),
        (["--preset", "national"], "class mode plays a preset with one partnership"),
        (["--preset", "no_such_preset"], "no such file and no shipped scenario"),
        (["--port", "70000"], "--port 70000"),
        (["--lang", "fr"], "--lang fr"),
    ],
)
def test_class_mode_refuses_bad_input_in_one_line(args, says, monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("the server started"))
    code, out = invoke("app", "--class", *args)
    assert code == 2 and says in out, out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1, out


def test_lan_only_when_the_teacher_says_so(monkeypatch):
    """Class mode listens on 127.0.0.1 by default and on the local network only with --lan."""
    import uvicorn

    hosts = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **k: hosts.append(host))
    assert invoke("app", "--class", "--port", "0")[0] == 0
    code, out = invoke("app", "--class", "--port", "0", "--lan")
    assert code == 0 and "local network" in out
    assert hosts == ["127.0.0.1", "0.0.0.0"]
    code, out = invoke("app", "--lan")
    assert code == 2 and "--lan is for class mode" in out


def test_what_students_send_stays_in_memory():
    """The class session and server modules open, write or delete no file: fails if one calls
    open(), a Path's write/read or an os/shutil file function (student input could reach disk)."""
    import ast

    banned_calls = {"open", "write_text", "write_bytes", "read_text", "read_bytes", "unlink"}
    banned_calls |= {"rmtree", "mkdir", "makedirs", "rename", "savefig", "to_csv", "to_parquet"}
    banned_modules = {"os", "shutil", "pathlib", "tempfile", "io"}
    for name in ("class_session.py", "class_server.py", "class_text.py"):
        tree = ast.parse((ROOT / "collabsim" / "apps" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names.append(getattr(node, "module", None) or "")
                assert not banned_modules & {n.split(".")[0] for n in names}, (name, names)
            if isinstance(node, ast.Call):
                f = node.func
                called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if called == "read_text" and name == "class_server.py":
                    continue  # the pages, read once from the package when the app is built
                assert called not in banned_calls, f"{name}:{node.lineno} calls {called}"


def test_the_debrief_is_one_self_contained_page():
    """The debrief sets the class beside 50 model runs of the preset, lists every round's
    decisions and asks three questions, with nothing fetched from elsewhere; fails if the page
    links a script, style or image it does not carry, or if the model's share is not the one its
    runs give."""
    import html
    import re

    from collabsim.apps.class_debrief import debrief_html, model_runs, record_of, share_going

    session = _session(months_per_round=6)
    team = session.join(session.join_code, 0, "De Techniekschool")
    session.submit(
        team.token, {"staff_time": 0.2, "tension": "let_go", "contribution": "none", "stay": True}
    )
    for _ in range(4):
        session.next_round()
    page = html.unescape(debrief_html(session, "en"))
    assert page.startswith("<!doctype html>") and page.count("<svg") == 1
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page and "<link" not in page
    lifetimes, survived, _ = model_runs(record_of(session, "en"))
    share = share_going(lifetimes, survived, session.month)
    assert len(lifetimes) == 50
    assert (
        f"Of 50 runs of the same preset played by the model's own agents, {100 * share:.0f}%"
        in page
    )
    assert "Your partnership was still going after 24 months." in page
    assert page.count("De Techniekschool: staff time 20%") == 4  # one line per round
    assert page.count("<li>") >= 3 + 4 * len(session.seats())
    dutch = debrief_html(session, "nl")
    assert "Drie vragen voor het nagesprek" in dutch and "personeelstijd 20%" in dutch
