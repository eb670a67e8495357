"""The `collabsim` command line: run scenarios (and, registered below, the other commands)."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from collabsim.cli.options import Yes
from collabsim.errors import CollabsimInputError, deliver_interrupts_outside_finalizers

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
    series: Annotated[
        bool,
        typer.Option(
            help="keep the monthly series (timeseries.parquet and the figures); --no-series "
            "keeps only summary and events, for many replicates"
        ),
    ] = True,
    yes: Yes = False,
) -> None:
    """Run a scenario's replicates and write summary, time series, events, manifest and figures."""
    from collabsim.runs.outputs import run_command

    run_command(
        scenario, replicates, seed, run_seed, steps, set_ or [], out, plots, console, series, yes
    )


def _register_optional_commands() -> None:
    """Attach the commands that live in their own modules (sweep, sensitivity, compare, app...)."""
    import importlib

    for module in (
        "collabsim.cli.sweep",
        "collabsim.cli.classroom",
        "collabsim.cli.sensitivity",
        "collabsim.cli.compare",
        "collabsim.cli.scan",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(app)


_register_optional_commands()


def exit_code_for(exc: BaseException) -> tuple[int, str | None]:
    """The exit code and the one line to print for an error that reached the top.

    2: bad input (a file, a value, an option); 1: the machine (disk full, no permission, out of
    memory); 130: interrupted (Ctrl-C), quietly; 3: a bug in collabsim (one line too; the
    traceback is shown with COLLABSIM_TRACEBACK=1).
    """
    if interrupted(exc):
        return 130, None
    if isinstance(exc, CollabsimInputError):
        return 2, str(exc)
    if isinstance(exc, RecursionError):
        return 2, "the input is nested too deeply (arrays or tables inside each other); flatten it"
    if isinstance(exc, MemoryError):
        return 1, "out of memory; ask for fewer replicates, fewer organisations or fewer months"
    if isinstance(exc, OSError):
        return (2 if exc.errno in PATH_ERRORS else 1), os_error_line(exc)
    if os.environ.get("COLLABSIM_TRACEBACK") or not isinstance(exc, Exception):
        raise exc
    return 3, (
        f"internal error ({type(exc).__name__}: {exc}); this is a bug in collabsim: please "
        "report it with the command you ran (COLLABSIM_TRACEBACK=1 shows where it happened)"
    )


def interrupted(exc: BaseException | None) -> bool:
    """Whether an error is a Ctrl-C, also in disguise: pydantic-core reports an interrupt that
    lands while it builds a schema as a SchemaError whose text names the KeyboardInterrupt."""
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt | typer.Abort):
            return True
        if type(exc).__name__ == "SchemaError" and "KeyboardInterrupt" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# Errors of a path the user typed (bad input, exit 2), not of the machine (exit 1).
PATH_ERRORS = (errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.EEXIST)


def os_error_line(exc: OSError) -> str:
    """One line for an error of the machine or of a path: where, what, and what to do about it."""
    where = exc.filename or "output"
    if exc.errno in PATH_ERRORS:
        return f"{where}: {exc.strerror or exc}; choose another path (--out)"
    if exc.errno == errno.ENOSPC:
        return f"{where}: the disk is full; free some space or choose another --out"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{where}: permission denied; choose a folder you can write with --out"
    if exc.errno == errno.EROFS:
        return f"{where}: the file system is read-only; choose another --out"
    return f"{where}: {exc.strerror or exc}"


def main(argv: list[str] | None = None) -> None:
    """Run the command line: every error ends as one line and an exit code, never a traceback."""
    deliver_interrupts_outside_finalizers()
    try:
        result = app(args=argv, prog_name="collabsim", standalone_mode=False)
    except typer.TyperException as exc:  # usage errors: the option parser's own message
        exc.show()
        sys.exit(exc.exit_code)
    except BaseException as exc:  # noqa: BLE001 - mapped to one line or re-raised
        if isinstance(exc, SystemExit):
            raise
        code, line = exit_code_for(exc)
        if line is not None:
            err_console.print(
                f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True
            )
        sys.exit(code)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
