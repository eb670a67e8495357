"""How an error that reaches the top of the command line ends: one line and an exit code.

2: bad input (a file, a value, an option, a path the user typed); 1: the machine (disk full, no
permission, out of memory); 130: interrupted (Ctrl-C), quietly; 3: a bug in collabsim (one line
too; the traceback is shown with COLLABSIM_TRACEBACK=1). `collabsim.cli.main` applies it.
"""

from __future__ import annotations

import errno
import os

import typer

from collabsim.errors import CollabsimInputError

# Errors of a path the user typed (bad input, exit 2), not of the machine (exit 1).
PATH_ERRORS = (errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.EEXIST)


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
