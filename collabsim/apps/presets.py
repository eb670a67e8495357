"""The preset scenarios the classroom app offers: where their folder is."""

from __future__ import annotations

import os
from pathlib import Path

from collabsim import shipped


def scenarios_dir() -> Path:
    """Folder of the preset scenarios: $COLLABSIM_SCENARIOS, else the shipped scenarios/ (the
    repository's, or the installed package's copy)."""
    env = os.environ.get("COLLABSIM_SCENARIOS")
    if env:
        return Path(env)
    return shipped.root() / "scenarios"
