"""`collabsim app`: start the classroom app (a Solara server) fully offline on this machine.

Everything that would leave the machine is switched off here, as recorded in
../shared/design/OFFLINE_APP.md: front-end assets come from Solara's cache (filled at install time
by ``python -m collabsim.apps.classroom_assets``), telemetry is off, the version check is off,
production mode keeps solara.dev frames out, and a cache miss goes to a dead local address
instead of a CDN.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from collabsim.apps.presets import scenarios_dir
from collabsim.cli.console import console, fail
from collabsim.cli.listening import listening_port
from collabsim.errors import CollabsimInputError
from collabsim.locale import check_language

# A cache miss must fail here, visibly, rather than fetch from the internet (port 9: discard).
DEAD_CDN = "http://127.0.0.1:9/npm/"


def offline_env(
    base: dict[str, str] | None = None, scenarios: Path | None = None
) -> dict[str, str]:
    """The environment for the Solara server: no telemetry, local assets only."""
    from collabsim.apps.classroom_assets import cache_dir

    env = dict(os.environ if base is None else base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env["SOLARA_ASSETS_PROXY"] = "true"
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache_dir())
    env.setdefault("SOLARA_ASSETS_CDN", DEAD_CDN)
    if scenarios is not None:
        env["COLLABSIM_SCENARIOS"] = str(scenarios)
    return env


def server_command(host: str, port: int, open_browser: bool = False) -> list[str]:
    """The command that runs the Solara server for the classroom page."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "collabsim.apps.classroom",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--open" if open_browser else "--no-open",
        "--log-level-uvicorn",
        "warning",
    ]


def check_ready(host: str, port: int, scenarios: Path | None) -> None:
    """Raise one clear CollabsimInputError if the app cannot start as asked."""
    from collabsim.apps.classroom_assets import cache_dir, missing

    if not 0 <= port <= 65535:
        raise CollabsimInputError(f"--port {port}: a port is 0..65535 (0: any free port)")
    gone = missing()
    if gone:
        raise CollabsimInputError(
            f"front-end assets missing in {cache_dir()} ({', '.join(gone)}); run "
            "'make install' (or '.venv/bin/python -m collabsim.apps.classroom_assets') once with "
            "the npm registry reachable"
        )
    if scenarios is not None and not scenarios.is_dir():
        raise CollabsimInputError(f"--scenarios {scenarios}: no such folder")
    folder = scenarios if scenarios is not None else scenarios_dir()
    if not any(folder.glob("*.toml")):
        raise CollabsimInputError(f"{folder}: no scenario files (*.toml) to offer as presets")
    listening_port(host, port)


def serve(host: str, port: int, open_browser: bool = False) -> int:
    """Run the Solara server in this process (Solara not imported yet, so the settings hold)."""
    if "solara" in sys.modules:
        return subprocess.call(server_command(host, port, open_browser), env=dict(os.environ))
    from solara.__main__ import cli as solara_cli

    args = server_command(host, port, open_browser)[3:]  # after "python -m solara"
    try:
        solara_cli.main(args, prog_name="solara", standalone_mode=False)
    except KeyboardInterrupt:
        return 0
    return 0


def register(app: typer.Typer) -> None:
    """Add the `app` command to the collabsim command line."""

    @app.command("app")
    def app_command(
        port: Annotated[int, typer.Option(help="port to serve on (0: any free port)")] = 8765,
        host: Annotated[
            str,
            typer.Option(help="address to listen on; 127.0.0.1 keeps it on this computer"),
        ] = "127.0.0.1",
        open_browser: Annotated[
            bool, typer.Option("--open/--no-open", help="open the page in the default browser")
        ] = False,
        scenarios: Annotated[
            Path | None,
            typer.Option(help="folder of preset scenario files (default: the shipped scenarios)"),
        ] = None,
        lang: Annotated[
            str,
            typer.Option(
                "--lang", help="the page's start language, en or nl (switchable on the page)"
            ),
        ] = "en",
        class_mode: Annotated[
            bool,
            typer.Option(
                "--class",
                help="class mode: student teams play the seats of a partnership, the teacher "
                "runs the room (its own server; see docs/classroom.md)",
            ),
        ] = False,
        lan: Annotated[
            bool,
            typer.Option(
                "--lan", help="class mode: listen on the local network so students can join"
            ),
        ] = False,
        preset: Annotated[
            str, typer.Option(help="class mode: the preset scenario played (a name or a file)")
        ] = "classroom_funding_cliff",
        seed: Annotated[
            int | None, typer.Option(help="class mode: the model's seed (default: the preset's)")
        ] = None,
        months_per_round: Annotated[
            int, typer.Option(help="class mode: months the model runs each round (1 to 12)")
        ] = 3,
        round_seconds: Annotated[
            float,
            typer.Option(
                help="class mode: seconds a playing round waits for decisions before it runs on"
            ),
        ] = 90.0,
    ) -> None:
        """Start the classroom app: the partnership's bumpy road, live, in a browser (offline).

        With --class, a class session instead: student teams each play one organisation."""
        check_language(lang)
        if class_mode:
            from collabsim.cli.class_mode import serve_class

            try:
                serve_class(
                    host=host,
                    port=port,
                    lan=lan,
                    preset=preset,
                    seed=seed,
                    months_per_round=months_per_round,
                    round_seconds=round_seconds,
                    language=lang,
                )
            except CollabsimInputError as exc:
                fail(str(exc))
            return
        if lan:
            fail("--lan is for class mode (--class); the app itself takes --host")
        check_ready(host, port, scenarios)
        if host not in ("127.0.0.1", "localhost", "::1"):
            console.print(
                f"[yellow]note:[/] listening on {host}: other computers on the network can "
                "open the app"
            )
        console.print(
            f"collabsim app: http://{host}:{port}/ (offline; Ctrl-C stops it)", highlight=False
        )
        os.environ.update(offline_env(scenarios=scenarios.resolve() if scenarios else None))
        os.environ["COLLABSIM_APP_LANG"] = lang
        code = serve(host, port, open_browser)
        if code:
            fail(f"the app server stopped with exit code {code}", code=1)
