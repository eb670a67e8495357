"""The month kernel does exactly what the mechanisms do one by one, in the ODD's order (§3).

One model steps as usual (one compiled call a month, `mechanisms.month.run_month`); a twin with the
same seed is moved month by month through the per-mechanism functions the ODD table names (the
ones the unit tests call). State, events and the generator must stay equal to the last bit.
"""

from __future__ import annotations

import pytest

from collabsim.mechanisms import (
    agenda,
    crises,
    demand,
    dissolution,
    engagement,
    formalisation,
    governance_fit,
    incentives,
    joint_action,
    membership,
    phase,
    policy_instruments,
    shared_interest,
    tensions,
    trust,
    trust_views,
    turnover,
    urgency,
)
from collabsim.model.state import Blocks
from tests.conftest import model

RARE_EVENTS = ("conditions.staff_turnover=1.0", "conditions.demand_volatility=1.0")
CASES = [
    ("baseline", *RARE_EVENTS),
    ("learning_region", *RARE_EVENTS, "conditions.culture_distance=1.0"),
    ("policies/challenge_fund", *RARE_EVENTS),
    ("policies/mandated_collaboration",),
    # low trust and members quick to leave: the partnership dissolves within the 36 months
    ("policies/relaxed_rules", "drivers.trust=0.3", "parameters.leave_per_month=0.2"),
]


def replay_month(m, month: int) -> None:
    """One month of `m` through the per-mechanism functions, in the order of the ODD table."""
    st, org, prm, rng, log, sc, d = m.state, m.orgs, m.prm, m.rng, m.events, m.scratch, m.draws
    fx, cond, pol = m.policy.effects, m.config.conditions, m.policy
    d.refill(rng)
    pol.decide(st, month, rng, log)
    policy_instruments.apply_instruments(st, fx, pol.schemes, pol.rigidity, prm)
    demand.drift_demand(st, cond.demand_volatility, prm, d.normals)
    demand.demand_shocks(st, cond.demand_volatility, prm, rng, month, log, d.shock_draws)
    agenda.follow_demand(st, fx, sc, cond.agility, prm)
    shared_interest.update_shared_interest(st, sc, prm)
    urgency.update_urgency(st, sc, prm)
    incentives.update_incentives(st, fx, prm)
    turnover.liaison_turnover(st, org, fx, prm, cond.staff_turnover, d.turnover_draws, month, log)
    governance_fit.governance_misfit(st, sc)
    engagement.decide_engagement(st, org, fx, sc, prm)
    trust_views.trust_views(st, sc, prm)
    joint_action.joint_action(st, org, fx, sc, prm, d.success_draws)
    trust.update_trust(st, sc, prm)
    tensions.raise_tensions(st, org, fx, sc, prm, rng, month, log, d.tension_counts_draws)
    tensions.work_through_tensions(st, org, fx, sc, prm, rng, month, log)
    crises.break_out(st, prm, month, log)
    formalisation.formalise(st, sc, prm, month, log)
    membership.leave_and_join(st, org, fx, sc, prm, d.membership_draws, month, log)
    dissolution.check_dissolution(st, sc, month, log)
    phase.update_phase(st, month)
    trust_views.trust_views(st, sc, prm)


def _arrays(holder: Blocks) -> list[str]:
    """The names of every array a holder keeps in its blocks."""
    return [name for rows, _, _ in holder.BLOCKS.values() for name in rows._fields]


def differences(a, b) -> list[str]:
    """Names of the state and scratch arrays that differ between two models, and more."""
    out = []
    for name in _arrays(a.state):
        if name in ("trust_lived", "months_lived"):  # the replay takes no snapshots
            continue
        if getattr(a.state, name).tobytes() != getattr(b.state, name).tobytes():
            out.append(name)
    n = a.state.n_tensions[0]
    if n != b.state.n_tensions[0] or (a.state.tensions[:n] != b.state.tensions[:n]).any():
        out.append("open tensions")
    holders = {
        "scratch": (a.scratch, b.scratch),
        "orgs": (a.orgs, b.orgs),
        "effects": (a.policy.effects, b.policy.effects),
    }
    for label, (x, y) in holders.items():
        for name in _arrays(x):
            if getattr(x, name).tobytes() != getattr(y, name).tobytes():
                out.append(f"{label}.{name}")
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
