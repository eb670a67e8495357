"""The tutorials (docs/tutorials/*.py, jupytext percent format) run top to bottom as notebooks,
in a Jupyter kernel, from the repository's root: a tutorial that no longer matches the API, a
scenario file or the extending guide fails here. Each runs on small sizes (a few seconds)."""

from __future__ import annotations

import os
import time

import pytest

from .conftest import ROOT

jupytext = pytest.importorskip("jupytext", reason="the docs extra is not installed")
nbclient = pytest.importorskip("nbclient", reason="the docs extra is not installed")

TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.py"))


def test_there_are_four_tutorials():
    assert [p.stem for p in TUTORIALS] == [
        "first_run",
        "funding_schemes",
        "new_mechanism",
        "sweep_sobol",
    ]


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_the_tutorial_runs_top_to_bottom(path, monkeypatch):
    monkeypatch.setenv("COLLABSIM_ROOT", str(ROOT))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    notebook = jupytext.read(path)
    assert sum(cell.cell_type == "code" for cell in notebook.cells) >= 3
    start = time.perf_counter()
    nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    seconds = time.perf_counter() - start
    assert seconds < 60, f"{path.name} took {seconds:.0f} s; keep the tutorials small"
