"""The `collabsim` command line: the typer app, its commands registered in one place, and `main`.

Each command lives in its own module (`run`, `sweep`, `classroom` for `app`, `sensitivity`,
`calibrate`, `compare`, `scan`, `discover`, `library` for `scenarios` and `init`) with a
`register(app)`; COMMANDS below lists them in the order `--help` shows them. Command modules
print through `collabsim.cli.console`, share options from `collabsim.cli.options`, and never
import this package back. `main` maps every error
that reaches the top to one line and an exit code (`collabsim.cli.exit_codes`).
"""

from __future__ import annotations

import sys

import typer

from collabsim.cli import (
    calibrate,
    classroom,
    compare,
    discover,
    library,
    run,
    scan,
    sensitivity,
    sweep,
)
from collabsim.cli.console import error_line
from collabsim.cli.exit_codes import exit_code_for
from collabsim.errors import deliver_interrupts_outside_finalizers

HELP = "collabsim: simulate horizontal collaboration between schools, firms and municipalities."

# The one place where commands are registered, in the order `collabsim --help` lists them.
COMMANDS = (run, sweep, classroom, sensitivity, calibrate, compare, scan, discover, library)

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help=HELP, pretty_exceptions_enable=False
)


@app.callback()
def _group() -> None:
    """collabsim: simulate horizontal collaboration between schools, firms and municipalities."""


def register_commands(target: typer.Typer) -> None:
    """Add every command of COMMANDS to `target`."""
    for module in COMMANDS:
        module.register(target)


register_commands(app)


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
            error_line(line)
        sys.exit(code)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
