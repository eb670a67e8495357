"""Shared fixtures: the repository paths and small helpers to build and run models."""

from __future__ import annotations

from pathlib import Path

import pytest

from collabsim import CollaborationModel, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def baseline():
    """The baseline scenario, validated."""
    return load_scenario(SCENARIOS / "baseline.toml")


def scenario(name: str = "baseline", *overrides: str):
    """A scenario file from scenarios/ with --set style overrides."""
    return load_scenario(SCENARIOS / f"{name}.toml", list(overrides))


def model(name: str = "baseline", *overrides: str, seed: int = 1) -> CollaborationModel:
    """A fresh model of a scenario file (not yet stepped)."""
    return CollaborationModel(scenario(name, *overrides), rng=seed)


def invoke(*args) -> tuple[int, str]:
    """`collabsim` in this process through its one error path; (exit code, stdout + stderr)."""
    import contextlib
    import io

    from collabsim.cli import main

    buffer = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, buffer.getvalue()
