"""Errors that reach the user as one clear line (what, where, how to fix) and exit code 2."""

from __future__ import annotations


class CollabsimInputError(Exception):
    """Bad input from a user: a scenario file, a --set override or a command-line value."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def deliver_interrupts_outside_finalizers() -> None:
    """Make a Ctrl-C that lands inside an object's finalizer count, quietly.

    Python cannot raise from a finalizer (`__del__`, a weakref callback, an import lock's
    clean-up): it prints "Exception ignored in ..." with a traceback and forgets the interrupt, so
    the command would go on. This hook delivers that interrupt again once the finalizer is done,
    so Ctrl-C still stops the command, with exit 130 and nothing printed; any other exception in
    a finalizer is reported as Python would.
    """
    import _thread
    import sys
    import threading

    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            threading.Timer(0.01, _thread.interrupt_main).start()  # once this finalizer is done
            return
        previous(unraisable)

    if getattr(sys.unraisablehook, "__qualname__", "") != hook.__qualname__:
        sys.unraisablehook = hook
