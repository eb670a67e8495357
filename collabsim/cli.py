"""The `collabsim` command line: run scenarios (and, registered below, the other commands)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from collabsim.errors import CollabsimInputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="collabsim: simulate horizontal collaboration between schools, firms and municipalities.",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


@app.callback()
def _group() -> None:
    """collabsim: simulate horizontal collaboration between schools, firms and municipalities."""


def fail(message: str, code: int = 2) -> None:
    """Print one clear error line and exit with the given code (2 for bad input)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def run(
    scenario: Annotated[
        Path, typer.Argument(help="scenario TOML file, e.g. scenarios/baseline.toml")
    ],
    replicates: Annotated[
        int, typer.Option("--replicates", "-n", help="number of replicates")
    ] = 10,
    seed: Annotated[
        int | None,
        typer.Option(help="root seed (default: the scenario's); replicates spawn from it"),
    ] = None,
    run_seed: Annotated[
        int | None,
        typer.Option(
            help="run ONE replicate with exactly this model seed (as recorded in a sweep)"
        ),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(help="months to simulate (default: scenario)")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="override a scenario key, e.g. --set drivers.urgency=0.3"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="output folder (default results/<name>-<time>)")
    ] = None,
    plots: Annotated[bool, typer.Option(help="write trajectories.png and timeline.png")] = True,
) -> None:
    """Run a scenario's replicates and write summary, time series, events, manifest and figures."""
    from collabsim.outputs import run_command

    try:
        run_command(scenario, replicates, seed, run_seed, steps, set_ or [], out, plots, console)
    except CollabsimInputError as exc:
        fail(str(exc))
    except OSError as exc:  # e.g. an output folder that cannot be written
        where = exc.filename or out or "output"
        fail(f"{where}: {exc.strerror or exc}; choose another --out", code=1)


def _register_optional_commands() -> None:
    """Attach the commands that live in their own modules (sweep, sensitivity, compare, app...)."""
    import importlib

    for module in (
        "collabsim.sweep_cli",
        "collabsim.app_cli",
        "collabsim.sensitivity_cli",
        "collabsim.compare_cli",
        "collabsim.scan_cli",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(app)


_register_optional_commands()


def main() -> None:
    """Entry point: run the app, turning bad input anywhere into one line and exit code 2."""
    try:
        app()
    except CollabsimInputError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
