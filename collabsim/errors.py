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
