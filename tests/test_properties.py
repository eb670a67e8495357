"""Property tests over random valid scenarios: states in range, no NaN, consistent structure."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabsim import CollaborationModel
from collabsim.model.collaboration import COLUMN
from collabsim.model.region import DISSOLVED
from collabsim.model.scenario import FUNDING_SCHEMES, validate_scenario

unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def scenarios(draw):
    """A random valid scenario: organisations, design, drivers, conditions and a funding scheme."""
    groups = [
        {
            "type": "school",
            "level": draw(st.sampled_from(["vmbo", "mbo", "hbo"])),
            "count": draw(st.integers(1, 4)),
        },
        {"type": "firm", "count": draw(st.integers(0, 5)), "member": draw(st.booleans())},
        {"type": "municipality", "count": draw(st.integers(1, 2))},
    ]
    steps = draw(st.integers(6, 40))
    data = {
        "scenario": {"name": "prop", "steps": steps, "partnerships": draw(st.integers(1, 3))},
        "organisations": groups,
        "partnership": {
            "kind": draw(st.sampled_from(["operational", "strategic"])),
            "governance": draw(st.sampled_from(["informal", "covenant", "legal_entity"])),
            "binding": draw(st.booleans()),
            "coordinator": draw(st.booleans()),
            "meeting_rhythm": draw(st.sampled_from(["none", "monthly", "weekly"])),
        },
        "drivers": {k: draw(unit) for k in ("incentives", "urgency", "shared_interest", "trust")},
        "conditions": {
            k: draw(unit)
            for k in (
                "agility",
                "staff_turnover",
                "regulation_rigidity",
                "demand_volatility",
                "staff_shortage",
                "culture_distance",
                "orientation",
            )
        },
        "policy": {
            "funding": [
                {
                    "name": "f",
                    "scheme": draw(st.sampled_from(FUNDING_SCHEMES)),
                    "start": draw(st.integers(0, steps - 1)),
                    "duration": draw(st.integers(1, 60)),
                    "amount": draw(st.floats(0, 5e6)),
                    "awards": draw(st.integers(1, 3)),
                }
            ]
        },
    }
    return validate_scenario(data)


def check_state(m: CollaborationModel) -> None:
    s = m.state
    for name in (
        "engagement",
        "urgency",
        "incentives",
        "shared_interest",
        "personal_trust",
        "org_trust",
        "agenda",
        "demand",
        "relevance",
        "success_rate",
        "results",
    ):
        arr = getattr(s, name)
        assert np.isfinite(arr).all(), name
        assert (arr >= -1e-12).all() and (arr <= 1 + 1e-12).all(), (name, arr.min(), arr.max())
    assert np.allclose(s.agenda.sum(axis=1), 1.0)
    assert (s.engagement <= m.orgs.capacity[np.where(s.has_org, s.slot_org, 0)] + 1e-9).all()
    assert not (s.member & ~s.has_org).any()
    assert (s.engagement[~s.member] == 0).all()
    assert ((s.phase == DISSOLVED) == ~s.alive).all()
    assert not s.member[~s.alive].any()
    assert ((s.dissolved_month >= 0) == ~s.alive).all()
    assert (s.public_value >= 0).all() and np.isfinite(s.public_value).all()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32))
def test_states_stay_in_range_and_consistent(scenario, seed):
    m = CollaborationModel(scenario, rng=seed)
    check_state(m)
    while m.running:
        m.step()
        check_state(m)
    series = m.series()
    assert series.shape == (
        scenario.scenario.steps + 1,
        scenario.scenario.partnerships,
        len(COLUMN),
    )
    assert np.isfinite(series).all()
    public_value = series[:, :, COLUMN.public_value]
    assert (np.diff(public_value, axis=0) >= 0).all()
