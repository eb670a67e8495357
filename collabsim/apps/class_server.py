"""The class mode's web server: join page, team page, teacher's console and big screen.

A small Starlette application (Starlette and uvicorn are the server layer Solara itself runs on,
so nothing new is installed). Solara's pages are one kernel per browser, which suits one class
watching a model each; class mode needs the opposite, one model shared by every browser in the
room, with a join code checked before anything is shown and every request rate-limited. So the
class pages are plain HTML with a small script, served from memory (collabsim/apps/class_pages),
and talk to the session (collabsim.apps.class_session) through a JSON API:

    POST /api/lobby  {code}                       the seats, once the code is right
    POST /api/join   {code, slot, team, seat_key}  a seat for a team: its token and seat key
    GET  /api/seat                                what the team's organisation sees (X-Team-Token)
    POST /api/decide {staff_time, tension, contribution, stay}       the team's decisions
    GET  /api/teacher                             everything, for the console (X-Teacher-Key)
    POST /api/teacher/{action}                    start, pause, next, reset, end, moment, free
    GET  /api/stream?token=… or ?key=…            server-sent events: a number that goes up
    GET  /debrief?key=…                           the debrief as one self-contained HTML page

Safe on a classroom network: the server listens where the CLI says (127.0.0.1 unless the teacher
asks for the local network); every student request needs the join code or a team token; a body
is at most MAX_BODY_BYTES of JSON; each seated team and each other address get RATE_PER_SECOND
requests a second (burst RATE_BURST), and an address WRONG_CODES_PER_MINUTE wrong join codes a
minute (the teacher's pages, with the key, are not limited); nothing is read from or written to
the file system after start; each page forbids requests to anywhere but this server
(Content-Security-Policy).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from collabsim.apps.class_debrief import debrief_html
from collabsim.apps.class_session import ClassSession, SessionError
from collabsim.apps.class_text import page_text
from collabsim.errors import CollabsimInputError
from collabsim.locale import LANGUAGES

MAX_BODY_BYTES = 4096
RATE_PER_SECOND = 8.0
RATE_BURST = 20.0
WRONG_CODES_PER_MINUTE = 10
TICK_SECONDS = 0.25  # how often a playing round is checked for running on
STREAM_POLL_SECONDS = 0.02  # how often a stream looks for a change
STREAM_KEEPALIVE_SECONDS = 15.0
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
PAGES = {"student.html", "teacher.html", "screen.html", "class.js", "class.css"}
MEDIA = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}


@cache
def page(name: str) -> str:
    """One of the class pages, read once from the package (a fixed set of names)."""
    if name not in PAGES:
        raise KeyError(name)
    return (resources.files("collabsim.apps") / "class_pages" / name).read_text(encoding="utf-8")


class RateLimit:
    """A token bucket per client address: `rate` requests a second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        """Take one token for the client; False when it has none left."""
        now = time.monotonic() if now is None else now
        tokens, then = self.buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if len(self.buckets) > 10_000:  # a flood of addresses must not grow memory forever
            self.buckets.clear()
        if tokens < 1.0:
            self.buckets[client] = (tokens, now)
            return False
        self.buckets[client] = (tokens - 1.0, now)
        return True


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _refuse(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=HEADERS)


def _language(request: Request, session: ClassSession) -> str:
    lang = request.query_params.get("lang", session.language)
    return lang if lang in LANGUAGES else session.language


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, at most MAX_BODY_BYTES; else a SessionError."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise SessionError(f"request too large (at most {MAX_BODY_BYTES} bytes)", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise SessionError(f"request too large (at most {MAX_BODY_BYTES} bytes)", 413)
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise SessionError("the request is not JSON", 400) from None
    if not isinstance(data, dict):
        raise SessionError("the request is not a JSON object", 400)
    return data


def build_app(session: ClassSession, *, tick: bool = True) -> Starlette:
    """The class mode's Starlette application around one session."""
    for name in PAGES:  # read now: after start the server reads no file
        page(name)
    limit = RateLimit(RATE_PER_SECOND, RATE_BURST)
    wrong_codes = RateLimit(WRONG_CODES_PER_MINUTE / 60.0, WRONG_CODES_PER_MINUTE)

    def guarded(handler: Callable) -> Callable:
        """Rate limit, one-line refusals for bad input, and the safety headers."""

        async def endpoint(request: Request) -> Response:
            client = who(request)
            if client != "teacher" and not limit.allow(client):
                return _refuse("too many requests: wait a moment", 429)
            try:
                response = await handler(request)
            except SessionError as exc:
                return _refuse(str(exc), exc.status)
            except CollabsimInputError as exc:
                return _refuse(str(exc), 400)
            response.headers.update(HEADERS)
            return response

        return endpoint

    def who(request: Request) -> str:
        """Whose requests a request counts with: the teacher, a seated team, else its address
        (a room of laptops behind one address, or all on this computer, share no bucket)."""
        key = request.headers.get("x-teacher-key") or request.query_params.get("key", "")
        if key and _same(key, session.teacher_key):
            return "teacher"
        token = team_token(request)
        if token:
            try:
                return f"team {session.team_of(token).slot}"
            except SessionError:
                pass
        return _client(request)

    def teacher(request: Request) -> None:
        key = request.headers.get("x-teacher-key") or request.query_params.get("key", "")
        if not _same(key, session.teacher_key):
            raise SessionError("this page is the teacher's: open the address the teacher got", 403)

    def team_token(request: Request) -> str:
        return request.headers.get("x-team-token") or request.query_params.get("token", "")

    async def static(request: Request) -> Response:
        name = request.url.path.strip("/") or "student.html"
        name = {"teacher": "teacher.html", "screen": "screen.html"}.get(name, name)
        if name in ("teacher.html", "screen.html"):
            teacher(request)
        suffix = name[name.rfind(".") :]
        return Response(page(name), media_type=MEDIA[suffix])

    async def text(request: Request) -> Response:
        return JSONResponse(page_text(_language(request, session)))

    def check_code(request: Request, code: str) -> None:
        """Refuse a wrong join code, and an address's eleventh wrong code within a minute (on
        the join page's seat list as on taking a seat)."""
        if _same(code.strip(), session.join_code):
            return
        if not wrong_codes.allow(_client(request)):
            raise SessionError("too many wrong codes: wait a minute", 429)
        raise SessionError("wrong join code: ask your teacher for the code", 403)

    async def lobby(request: Request) -> Response:
        data = await _json_body(request)
        check_code(request, str(data.get("code", "")))
        return JSONResponse(session.lobby(_language(request, session)))

    async def join(request: Request) -> Response:
        data = await _json_body(request)
        code = str(data.get("code", ""))
        check_code(request, code)
        slot = data.get("slot")
        if not isinstance(slot, int) or isinstance(slot, bool):
            raise SessionError("choose a seat")
        team = session.join(code, slot, str(data.get("team", "")), str(data.get("seat_key", "")))
        return JSONResponse({"token": team.token, "seat_key": team.seat_key, "slot": team.slot})

    async def seat(request: Request) -> Response:
        return JSONResponse(session.seat_state(team_token(request), _language(request, session)))

    async def decide(request: Request) -> Response:
        data = await _json_body(request)
        team = session.submit(team_token(request), data)
        return JSONResponse({"ok": True, "decision": team.decision_dict()})

    async def teacher_state(request: Request) -> Response:
        teacher(request)
        return JSONResponse(session.teacher_state(_language(request, session)))

    async def teacher_action(request: Request) -> Response:
        teacher(request)
        data = await _json_body(request)
        action = request.path_params["action"]
        if action == "moment":
            session.inject(str(data.get("kind", "")))
        elif action == "free":
            slot = data.get("slot")
            if not isinstance(slot, int) or isinstance(slot, bool):
                raise SessionError("free: which seat (slot)?")
            session.free_seat(slot)
        else:
            act = {
                "start": session.start,
                "pause": session.pause,
                "next": session.next_round,
                "reset": session.reset,
                "end": session.end,
            }.get(action)
            if act is None:
                raise SessionError(f"unknown action {action!r}", 404)
            act()
        return JSONResponse({"ok": True, "version": session.version})

    async def stream(request: Request) -> Response:
        key = request.query_params.get("key", "")
        token = request.query_params.get("token", "")
        if _same(key, session.teacher_key):

            def version():
                return session.version
        else:
            session.team_of(token)  # refuses a stranger

            def version():
                return session.team_version(token)

        async def versions():
            seen, quiet, n = None, 0.0, 0
            while True:
                if await request.is_disconnected():
                    return
                try:
                    now = version()
                except SessionError:
                    return  # the seat was freed or taken back on another laptop
                if now != seen:
                    seen, quiet, n = now, 0.0, n + 1
                    yield f"data: {n}\n\n"
                elif quiet >= STREAM_KEEPALIVE_SECONDS:
                    quiet = 0.0
                    yield ": keepalive\n\n"
                await asyncio.sleep(STREAM_POLL_SECONDS)
                quiet += STREAM_POLL_SECONDS

        return StreamingResponse(versions(), media_type="text/event-stream")

    async def debrief(request: Request) -> Response:
        teacher(request)
        language = _language(request, session)
        html = await asyncio.to_thread(debrief_html, session, language)
        headers = {}
        if request.query_params.get("download"):
            name = f"collabsim-debrief-{session.preset}.html".replace(" ", "_")
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return HTMLResponse(html, headers=headers)

    routes = [
        Route("/", guarded(static)),
        Route("/teacher", guarded(static)),
        Route("/screen", guarded(static)),
        Route("/class.js", guarded(static)),
        Route("/class.css", guarded(static)),
        Route("/api/text", guarded(text)),
        Route("/api/lobby", guarded(lobby), methods=["POST"]),
        Route("/api/join", guarded(join), methods=["POST"]),
        Route("/api/seat", guarded(seat)),
        Route("/api/decide", guarded(decide), methods=["POST"]),
        Route("/api/teacher", guarded(teacher_state)),
        Route("/api/teacher/{action}", guarded(teacher_action), methods=["POST"]),
        Route("/api/stream", guarded(stream)),
        Route("/debrief", guarded(debrief)),
    ]

    async def ticker() -> None:
        """Run a playing round on when every team has decided or its time is up."""
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if session.due():
                session.next_round()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(ticker()) if tick else None
        yield
        if task is not None:
            task.cancel()

    return Starlette(routes=routes, lifespan=lifespan)


def _same(given: str, secret: str) -> bool:
    import secrets

    return secrets.compare_digest(given.encode(), secret.encode())
