"""`make archive` (tools/model_archive.py): the zip has the CoMSES Net model library's layout —
code/ that builds, docs/ with the ODD, data/, results/, the pinned environment, a README that
says how to run it — and CITATION.cff / codemeta.json agree with pyproject.toml."""

from __future__ import annotations

import importlib.util
import json
import tomllib
import zipfile

from tests.conftest import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location("model_archive", ROOT / "tools/model_archive.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_archive_has_the_comses_layout(tmp_path):
    target = _tool().write_archive(tmp_path)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    top = f"collabsim-{project['version']}/"
    assert target.name == f"collabsim-{project['version']}-model-archive.zip"
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        readme = archive.read(top + "README.md").decode()
        requirements = archive.read(top + "code/requirements.txt").decode()
    assert all(n.startswith(top) for n in names)
    for needed in (
        "README.md",
        "LICENSE",
        "CITATION.cff",
        "codemeta.json",
        "code/pyproject.toml",
        "code/setup.py",
        "code/collabsim/__init__.py",
        "code/scenarios/baseline.toml",
        "code/experiments/demo_sweep.toml",
        "docs/ODD.md",
        "data/targets/dutch_cases.toml",
        "results/calibration/report.md",
    ):
        assert top + needed in names, needed
    folders = {n.removeprefix(top).split("/")[0] for n in names if "/" in n.removeprefix(top)}
    assert folders == {"code", "docs", "data", "results"}
    assert not any("__pycache__" in n or n.startswith(top + "code/docs/") for n in names)
    assert "docs/ODD.md" in readme and "pip install -r code/requirements.txt" in readme
    pins = [ln for ln in (ROOT / "constraints.txt").read_text().splitlines() if "==" in ln]
    assert pins and all(pin in requirements.splitlines() for pin in pins)


def test_citation_metadata_agrees_with_pyproject():
    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version"} <= set(cff)
    assert cff["authors"] == [{"name": "The collabsim developers"}]
    assert cff["version"] == project["version"] and cff["license"] == project["license"]
    assert any("ODD" in ref["title"] for ref in cff["references"])
    meta = json.loads((ROOT / "codemeta.json").read_text())
    assert meta["version"] == project["version"] and meta["description"] == project["description"]
    assert meta["softwareRequirements"] == project["dependencies"]
    assert meta["softwareHelp"]["url"] == "docs/ODD.md" and (ROOT / "docs/ODD.md").is_file()
