"""`collabsim app --class`: a class session, student teams at the seats, the teacher's console.

The server (collabsim.apps.class_server) listens on 127.0.0.1 unless the teacher asks for the
classroom network with `--lan` (or names an address with `--host`). The terminal shows the
teacher's console address (with its secret key), the big-screen address, the students' address
and the join code.
"""

from __future__ import annotations

import socket

from collabsim import shipped
from collabsim.cli.console import console
from collabsim.cli.listening import listening_port
from collabsim.errors import CollabsimInputError
from collabsim.model.scenario import load_scenario

DEFAULT_PRESET = "classroom_funding_cliff"
LOCAL = ("127.0.0.1", "localhost", "::1")


def lan_address() -> str:
    """This computer's address on the local network (no packet is sent: a UDP socket is only
    pointed at a private address to learn which interface would be used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            return sock.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def class_session(
    preset: str, seed: int | None, months_per_round: int, round_seconds: float, language: str
):
    """The session of a preset (a shipped name or a scenario file)."""
    from collabsim.apps.class_session import ClassSession

    path = shipped.resolve(preset, shipped.SCENARIO)
    if not path.is_file():
        raise CollabsimInputError(f"--preset {preset}: no such scenario file")
    scenario = load_scenario(path)
    session = ClassSession(
        scenario,
        seed=seed,
        months_per_round=months_per_round,
        round_seconds=round_seconds,
        language=language,
        preset=path.stem,
    )
    if len(session.model.partnerships) != 1:
        raise CollabsimInputError(
            f"--preset {preset}: class mode plays a preset with one partnership (this one has "
            f"{len(session.model.partnerships)}); try classroom_funding_cliff, "
            "classroom_crisis_trust or classroom_lasting"
        )
    return session


def serve_class(
    *,
    host: str,
    port: int,
    lan: bool,
    preset: str,
    seed: int | None,
    months_per_round: int,
    round_seconds: float,
    language: str,
) -> None:
    """Start a class session's server and say where everyone goes."""
    import uvicorn

    from collabsim.apps.class_server import build_app

    session = class_session(preset, seed, months_per_round, round_seconds, language)
    bind = "0.0.0.0" if lan else host
    shown = lan_address() if lan else host
    port = listening_port(bind, port)
    session.address = f"http://{shown}:{port}/"
    if not lan and host not in LOCAL:
        console.print(f"[yellow]note:[/] listening on {host}: computers on the network can join")
    if lan:
        console.print(
            "[yellow]note:[/] listening on the local network: students join with the code below"
        )
    base = f"http://{'127.0.0.1' if lan else host}:{port}"
    console.print(
        f"class session '{session.preset}' (seed {session.seed}, {months_per_round} months a "
        f"round)\n  teacher's console: {base}/teacher?key={session.teacher_key}\n"
        f"  big screen:        {base}/screen?key={session.teacher_key}\n"
        f"  students:          {session.address}\n  join code:         {session.join_code}\n"
        "Ctrl-C ends the session.",
        highlight=False,
    )
    uvicorn.run(
        build_app(session),
        host=bind,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
