"""The stylised facts of MODEL.md §5 that a single run or a few scenarios show (1, 2, 4–8).

Each test runs fixed seeds with enough replicates that the margin is several standard errors
(a share over 100 runs has a standard error of at most 0.05), and asserts a direction and a margin.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from collabsim.runs.runner import run_replicates

from .conftest import scenario

REPS = 100
ROOT_SEED = 2026


@functools.cache
def runs(name: str, *overrides: str, reps: int = REPS):
    """Replicates of a scenario file with overrides (cached: several tests share them)."""
    return run_replicates(scenario(name, *overrides), reps, root_seed=ROOT_SEED)


def survival(name: str, *overrides: str) -> float:
    return float(runs(name, *overrides).summary["survived"].mean())


# 1. No single driver suffices ------------------------------------------------------------

ZERO_DRIVER = {
    "incentives": ("drivers.incentives=0", "policy.funding=[]"),
    "urgency": ("drivers.urgency=0",),
    "shared_interest": ("drivers.shared_interest=0",),
    "trust": ("drivers.trust=0",),
}


def test_all_four_moderate_drivers_mostly_last():
    assert survival("baseline") >= 0.6


@pytest.mark.parametrize("driver", list(ZERO_DRIVER))
def test_any_one_driver_at_zero_mostly_collapses(driver):
    without = survival("baseline", *ZERO_DRIVER[driver])
    assert without <= 0.45
    assert survival("baseline") - without >= 0.25


# 2. Lasting collaboration needs drivers continuously ------------------------------------


def test_engagement_drops_when_funding_ends():
    ts = runs("baseline").timeseries
    alive = ts[ts["phase"] != "dissolved"]
    before = alive[alive["step"].between(43, 48)]["engagement"].mean()
    after = alive[alive["step"].between(52, 57)]["engagement"].mean()
    assert before - after >= 0.15


def test_trust_built_while_funded_carries_past_the_end():
    res = runs("baseline")
    ts = res.timeseries
    at_end = ts[(ts["step"] == 48) & (ts["phase"] != "dissolved")].set_index("replicate")
    survived = res.summary.set_index("replicate")["survived"]
    high = at_end["trust"] >= at_end["trust"].median()
    assert len(at_end) >= 60
    gap = survived[at_end.index[high]].mean() - survived[at_end.index[~high]].mean()
    assert gap >= 0.15


# 4. The bumpy road ------------------------------------------------------------------------


def _dipped_and_recovered(trust: np.ndarray, dip: float = 0.05) -> bool:
    """Whether trust fell at least `dip` below an earlier peak and later climbed back to it."""
    peak = trust[0]
    for k, value in enumerate(trust):
        peak = max(peak, value)
        if peak - value >= dip and (trust[k:] >= peak).any():
            return True
    return False


def test_surviving_partnerships_pass_through_dips_and_recover():
    res = runs("baseline")
    ts, ev = res.timeseries, res.events
    alive = res.summary[res.summary["survived"]]["replicate"]
    assert len(alive) >= 50
    recovered = [
        _dipped_and_recovered(ts[ts["replicate"] == r].sort_values("step")["trust"].to_numpy())
        for r in alive
    ]
    assert np.mean(recovered) >= 0.5
    setbacks = ev[ev["kind"].isin(["tension_escalated", "liaison_left"])]
    per_run = setbacks[setbacks["replicate"].isin(alive)].groupby("replicate").size()
    assert len(per_run) == len(alive) and per_run.mean() >= 3


# 5. All parties at the table ------------------------------------------------------------


def test_leaving_the_firms_out_lowers_public_value():
    full = runs("baseline").summary["public_value"].mean()
    no_firms = runs("baseline", "organisations.2.count=0").summary["public_value"].mean()
    assert no_firms <= 0.85 * full


# 6. Operational partnerships formalise more often and earlier ----------------------------


def test_operational_formalise_more_often_and_earlier_than_strategic():
    op = runs("baseline").summary["formalised_month"]
    strat = runs("baseline", "partnership.kind='strategic'").summary["formalised_month"]
    assert (op <= 36).mean() - (strat <= 36).mean() >= 0.3
    assert op.median() + 10 <= strat.median()


# 7. Coordinators and fixed meeting moments help; staff turnover hurts ------------------------


def test_coordinator_raises_survival():
    assert survival("baseline", "partnership.coordinator=true") - survival("baseline") >= 0.1


def test_weekly_meetings_raise_survival():
    weekly = survival("baseline", "partnership.meeting_rhythm='weekly'")
    assert weekly - survival("baseline") >= 0.05


def test_staff_turnover_lowers_survival():
    assert survival("baseline") - survival("baseline", "conditions.staff_turnover=0.4") >= 0.2


# 8. One mbo with many vmbo partners is harder than a small balanced partnership -----------


def test_hub_mbo_with_many_vmbo_is_harder_than_small_balanced():
    hub = survival("baseline", "organisations.1.count=10", "organisations.2.count=2")
    balanced = survival("baseline", "organisations.1.count=2", "organisations.2.count=2")
    assert balanced - hub >= 0.12
