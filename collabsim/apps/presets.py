"""The preset scenarios the classroom app offers: where their folder is."""

from __future__ import annotations

import os
from pathlib import Path


def scenarios_dir() -> Path:
    """Folder of the preset scenarios: $COLLABSIM_SCENARIOS, else the project's scenarios/."""
    env = os.environ.get("COLLABSIM_SCENARIOS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "scenarios"
    return here if here.is_dir() else Path.cwd() / "scenarios"
