"""Shipped files by name (collabsim.shipped): what resolves to what, the one-line refusal, and
`collabsim init`'s copy, whose relative paths still point inside the copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from collabsim import shipped
from collabsim.errors import CollabsimInputError
from tests.conftest import ROOT, invoke


def test_a_bare_name_is_the_shipped_file_and_a_path_that_exists_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shipped.resolve("baseline", shipped.SCENARIO) == ROOT / "scenarios/baseline.toml"
    policy = shipped.resolve("policies/one_off_subsidy", shipped.SCENARIO)
    assert policy == ROOT / "scenarios/policies/one_off_subsidy.toml"
    assert shipped.resolve("scenarios/baseline.toml", shipped.SCENARIO).is_file()
    assert shipped.resolve("demo_sweep", shipped.EXPERIMENT).name == "demo_sweep.toml"
    assert shipped.resolve("at_risk", shipped.SCAN_ANSWERS).name == "at_risk.csv"
    assert shipped.resolve("dutch_cases", shipped.TARGETS).name == "dutch_cases.toml"
    Path("baseline").write_text("[scenario]\n")  # a file of that name here: it is the one meant
    assert shipped.resolve("baseline", shipped.SCENARIO) == Path("baseline")


def test_a_name_that_matches_nothing_is_one_line_with_the_close_names():
    with pytest.raises(CollabsimInputError, match="close: baseline"):
        shipped.resolve("basline", shipped.SCENARIO)
    code, text = invoke("run", "policies/one_off_subsidi", "-n", "1")
    assert code == 2
    assert "policies/one_off_subsidy" in text and len(text.strip().splitlines()) == 1


def test_scenarios_lists_every_shipped_scenario_with_its_description():
    code, text = invoke("scenarios")
    assert code == 0
    for path in (ROOT / "scenarios").rglob("*.toml"):
        if "scan" not in path.parts:
            name = path.relative_to(ROOT / "scenarios").with_suffix("").as_posix()
            assert name in text and shipped.describe(path) in text


def test_init_copies_and_relative_paths_point_inside_the_copy(tmp_path):
    from collabsim.analysis.calibration_targets import load_targets
    from collabsim.runs.experiment import load_experiment

    folder = tmp_path / "mine"
    code, _ = invoke("init", folder)
    assert code == 0
    baseline = folder / "scenarios/baseline.toml"
    baseline.write_text(
        baseline.read_text().replace('name = "baseline"', 'name = "edited_copy"', 1)
    )
    experiment = load_experiment(folder / "experiments/demo_sweep.toml", validate_points=False)
    assert experiment.base["scenario"]["name"] == "edited_copy"  # read from the copy
    load_targets(sorted((folder / "experiments/targets").glob("*.toml")))  # both, as README
    assert (folder / "scenarios/scan/questionnaire.toml").is_file()
    code, text = invoke("init", folder)
    assert code == 2 and "not an empty folder" in text and len(text.strip().splitlines()) == 1
