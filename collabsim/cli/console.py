"""The terminal every command writes to: results on stdout, notes and errors on stderr.

Command modules print through `console` (what the command produced) and `err_console` (progress,
notes, the one error line), stop with `fail(message)` and show long work with `progress_bar`. The
error line has one look wherever it comes from (`error_line`).
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

console = Console()
err_console = Console(stderr=True)


def error_line(message: str) -> None:
    """Print `error: <message>` in bold red on stderr, as one line however long."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """Print one clear error line and exit with the given code (2 for bad input)."""
    error_line(message)
    raise typer.Exit(code)


def progress_bar(out: Console) -> Progress:
    """The progress bar every long command shows: description, bar, done of total, time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=out,
        transient=True,
    )
