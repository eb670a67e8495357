"""The month kernel does exactly what the mechanisms do one by one, in the ODD's order (§3).

One model steps as usual (one compiled call a month, `mechanisms.run_month`); a twin with the
same seed is moved month by month through the per-mechanism functions the ODD table names (the
ones the unit tests call). State, events and the generator must stay equal to the last bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from collabsim.mechanisms import month as mech
from collabsim.model import policy
from tests.conftest import model

RARE_EVENTS = ("conditions.staff_turnover=1.0", "conditions.demand_volatility=1.0")
CASES = [
    ("baseline", *RARE_EVENTS),
    ("learning_region", *RARE_EVENTS, "conditions.culture_distance=1.0"),
    ("policies/challenge_fund", *RARE_EVENTS),
    ("policies/mandated_collaboration",),
    ("policies/relaxed_rules", "drivers.trust=0.15"),  # low trust: partnerships dissolve
]


def replay_month(m, month: int) -> None:
    """One month of `m` through the per-mechanism functions, in the order of the ODD table."""
    st, org, prm, rng, log, sc, d = m.state, m.orgs, m.prm, m.rng, m.events, m.scratch, m.draws
    fx, cond, pol = m.policy.effects, m.config.conditions, m.policy
    d.refill(rng)
    pol.decide(st, month, rng, log)
    if len(pol.codes):
        policy._apply_instruments(
            pol.codes,
            pol.pays,
            pol.reductions,
            pol.match_shares,
            pol.awarded,
            st.alive,
            st.member,
            st.engagement,
            st.coordinator,
            st.binding,
            pol.rigidity,
            prm.mandate_incentive,
            prm.funding_reference_eur,
            st.funding_eur,
            st.funding_total_eur,
            fx.funding_incentive,
            fx.mandate_incentive,
            fx.rigidity,
            fx.coordinator,
            fx.binding,
        )
    mech._drift(
        st.demand,
        st.demand_ref,
        d.normal,
        cond.demand_volatility * prm.demand_drift_per_month,
        prm.demand_reversion_per_month,
    )
    mech.demand_shocks(st, cond.demand_volatility, prm, rng, month, log, d.shock)
    agility = mech.follow_demand(st, cond.agility, fx.rigidity, prm, sc.agility)
    mech.update_shared_interest(st, sc.trust_seen, prm)
    mech.update_urgency(st, prm)
    mech.update_incentives(st, fx.funding_incentive, fx.mandate_incentive)
    mech.liaison_turnover(st, org, cond.staff_turnover, prm, d.turnover, month, log, fx.coordinator)
    mech.governance_misfit(st, sc.misfit)
    mech.decide_engagement(
        st, org, sc.trust_seen, sc.misfit, fx.rigidity, fx.coordinator, prm, sc.memberships
    )
    mech.trust_views(st, prm, sc)
    mech.joint_action(st, org, sc.trust, fx.rigidity, fx.coordinator, prm, d.success, sc)
    mech.update_trust(st, prm, sc)
    mech.raise_tensions(
        st, org, sc.misfit, fx.rigidity, prm, rng, month, log, sc.rates, sc.counts, d.tension
    )
    mech.work_through_tensions(st, org, agility, fx.rigidity, fx.coordinator, prm, rng, month, log)
    mech.formalise(st, prm, month, log, sc.ready)
    mech.leave_and_join(st, org, fx.binding, prm, d.join, month, log, sc.leaving, sc.joins)
    mech.check_dissolution(st, fx.binding, prm, month, log, sc.gone)
    mech.update_phase(st, month)
    mech.trust_views(st, prm, sc)


def differences(a, b) -> list[str]:
    """Names of the state and scratch arrays that differ between two models, and more."""
    out = []
    for f in dataclasses.fields(a.state):
        x, y = getattr(a.state, f.name), getattr(b.state, f.name)
        if f.name in ("tensions", "n_tensions", "trust_lived", "months_lived"):
            continue
        if isinstance(x, np.ndarray) and x.tobytes() != y.tobytes():
            out.append(f.name)
    n = a.state.n_tensions[0]
    if n != b.state.n_tensions[0] or (a.state.tensions[:n] != b.state.tensions[:n]).any():
        out.append("open tensions")
    for name in ("trust", "trust_seen", "pair_trust"):
        if getattr(a.scratch, name).tobytes() != getattr(b.scratch, name).tobytes():
            out.append(f"scratch.{name}")
    if a.events.rows() != b.events.rows():
        out.append("events")
    if a.rng.bit_generator.state != b.rng.bit_generator.state:
        out.append("generator")
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_month_kernel_equals_the_mechanisms_one_by_one(case):
    kinds = set()
    for seed in (1, 2):
        kernel, by_hand = model(*case, seed=seed), model(*case, seed=seed)
        for month in range(1, 37):
            kernel.step()
            replay_month(by_hand, month)
            assert kernel.steps == month
            assert not differences(kernel, by_hand), (month, differences(kernel, by_hand))
            if not kernel.running:
                break
        kinds |= {e.kind for e in kernel.events}
    assert {"tension_raised", "tension_resolved"} <= kinds  # the pause for draws was exercised


def test_rare_events_all_happen_in_these_cases():
    """The cases above reach every kind of event a kernel writes (so all are compared)."""
    kinds = set()
    for case in CASES:
        m = model(*case, seed=1).run(36)
        kinds |= {e.kind for e in m.events}
    expected = {
        "tension_raised",
        "tension_resolved",
        "tension_escalated",
        "liaison_left",
        "demand_shock",
        "formalised",
        "member_left",
        "member_joined",
        "dissolved",
        "funding_started",
    }
    assert expected <= kinds, expected - kinds
