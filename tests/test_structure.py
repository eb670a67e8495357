"""[structure]: every feedback loop can be switched off, and each switch reaches the model."""

from __future__ import annotations

import hashlib

import pytest

from collabsim import CollaborationModel
from collabsim.model.parameters import MechanismParameters
from collabsim.model.scenario import Conditions
from collabsim.model.structure import LOOPS, effective_conditions, effective_parameters

from .conftest import ROOT, scenario

# An agenda only lags where demand moves and the partnership is slow to follow: without this case
# the lagging-agenda switch changed no run (its tensions' monthly counts came out the same).
VOLATILE_AND_RIGID = ("conditions.demand_volatility=0.9", "conditions.agility=0.2")
CASES = (
    ("learning_region", 60, 4, ()),
    ("baseline", 120, 2, ()),
    ("baseline", 120, 2, VOLATILE_AND_RIGID),
)


def fingerprint(*overrides: str) -> str:
    """A hash of three runs' series and events: the learning region (where organisations outside
    the partnerships can join), five years, seed 4; the baseline, ten years, seed 2 (project
    money, so the boards' backing follows results; crises); the same under volatile demand with
    little agility (an agenda that lags)."""
    h = hashlib.sha256()
    for name, months, seed, case in CASES:
        sc = scenario(name, f"scenario.steps={months}", *case, *overrides)
        model = CollaborationModel(sc, rng=seed).run()
        h.update(model.series().tobytes())
        h.update(repr(model.events.rows()).encode())
    return h.hexdigest()


def test_every_loop_names_constants_the_model_has():
    for name, loop in LOOPS.items():
        assert loop.parameters or loop.conditions, name
        assert set(loop.parameters) <= set(MechanismParameters.model_fields), name
        assert set(loop.conditions) <= set(Conditions.model_fields), name


def test_all_loops_on_is_the_model_as_it_was():
    """The default [structure] changes nothing: the same bytes as a scenario without it."""
    explicit = [f"structure.{name}=true" for name in LOOPS]
    assert fingerprint(*explicit) == fingerprint()


@pytest.mark.parametrize("loop", list(LOOPS))
def test_switching_a_loop_off_changes_the_run(loop):
    """Fails when a switch is wired to nothing (its constants never reach the kernels)."""
    assert fingerprint(f"structure.{loop}=false") != fingerprint()


def test_a_switched_off_loop_zeroes_exactly_its_constants():
    s = scenario("baseline", "structure.small_wins=false", "structure.liaison_turnover=false")
    prm, base = effective_parameters(s), s.parameters
    changed = {k for k in MechanismParameters.model_fields if getattr(prm, k) != getattr(base, k)}
    assert changed == set(LOOPS["small_wins"].parameters)
    assert effective_conditions(s).staff_turnover == 0.0 < s.conditions.staff_turnover
    assert s.parameters.weight_results > 0  # the scenario itself keeps what was written


def test_the_odd_explains_the_switches():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert "`model.structure.LOOPS`" in odd
    assert all(f"`structure.{name}`" in odd for name in LOOPS)
