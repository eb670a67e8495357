"""The install-time warm-up compiles every kernel a run needs: afterwards nothing compiles anew."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT

RUN_MODELS = """
from collabsim import CollaborationModel, load_scenario
from collabsim.model.batch import BatchRuns
for name in ("baseline", "learning_region", "innovation_campus", "national"):
    sc = load_scenario(f"scenarios/{name}.toml", ["scenario.steps=60"])
    m = CollaborationModel(sc, rng=3)
    m.inject("funding_ends")
    m.inject("demand_shock")
    m.run()
    BatchRuns(sc).run(3)
"""


def _cache_files(folder) -> set[str]:
    return {p.name for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc")}


def test_warm_up_leaves_nothing_to_compile(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "collabsim.model.precompile"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    warmed = _cache_files(tmp_path)
    assert len(warmed) >= 10
    subprocess.run(
        [sys.executable, "-c", RUN_MODELS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert _cache_files(tmp_path) == warmed
