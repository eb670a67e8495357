"""Scenario files: every shipped file loads, and every kind of bad input gives one clear line."""

from __future__ import annotations

import pytest

from collabsim.errors import CollabsimInputError
from collabsim.model.organisation_types import SCENARIO_TYPES
from collabsim.model.scenario import load_scenario

from .conftest import SCENARIOS


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_scenario_file_loads(path):
    sc = load_scenario(path)
    assert sc.scenario.steps >= 1
    assert sum(g.count for g in sc.organisations) >= 2


def _bad(tmp_path, text: str, overrides=None) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CollabsimInputError) as info:
        load_scenario(path, overrides)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message or "--set" in message
    return message


BASE = """
[scenario]
name = "t"
[[organisations]]
type = "school"
level = "mbo"
[[organisations]]
type = "firm"
count = 2
"""


def test_unknown_key_suggests_nearest(tmp_path):
    msg = _bad(tmp_path, BASE + "[drivers]\nurgncy = 0.3\n")
    assert "unknown key 'drivers.urgncy'" in msg and "did you mean 'urgency'" in msg


def test_value_out_of_range_names_range(tmp_path):
    msg = _bad(tmp_path, BASE + "[drivers]\nurgency = 1.5\n")
    assert "drivers.urgency" in msg and "0..1" in msg


def test_wrong_type(tmp_path):
    msg = _bad(tmp_path, BASE + "[drivers]\nurgency = 'high'\n")
    assert "drivers.urgency" in msg and "wrong type" in msg


def test_unknown_organisation_type(tmp_path):
    msg = _bad(tmp_path, BASE + "[[organisations]]\ntype = 'bank'\n")
    assert "organisations[2].type" in msg and ", ".join(SCENARIO_TYPES) in msg


def test_school_without_level(tmp_path):
    msg = _bad(tmp_path, BASE + "[[organisations]]\ntype = 'school'\n")
    assert "level" in msg


def test_missing_file(tmp_path):
    with pytest.raises(CollabsimInputError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")


def test_unparsable_toml(tmp_path):
    msg = _bad(tmp_path, "[scenario\nname = 1\n")
    assert "not valid TOML" in msg


def test_set_on_unknown_key(tmp_path):
    msg = _bad(tmp_path, BASE, ["conditions.agilty=0.3"])
    assert "did you mean 'conditions.agility'" in msg


def test_set_on_unknown_section(tmp_path):
    msg = _bad(tmp_path, BASE, ["driver.urgency=0.3"])
    assert "unknown section 'driver'" in msg and "drivers" in msg


def test_set_applies_values(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(BASE)
    sc = load_scenario(path, ["drivers.urgency=0.3", "partnership.coordinator=true"])
    assert sc.drivers.urgency == 0.3 and sc.partnership.coordinator is True


def test_negative_steps(tmp_path):
    msg = _bad(tmp_path, BASE.replace('name = "t"', 'name = "t"\nsteps = -3'))
    assert "scenario.steps" in msg and "out of range" in msg


def test_funding_after_horizon(tmp_path):
    text = BASE + "[[policy.funding]]\nname='late'\nstart=500\nduration=12\namount=10\n"
    msg = _bad(tmp_path, text)
    assert "after the horizon" in msg
