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
