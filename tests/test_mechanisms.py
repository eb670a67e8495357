"""One test per mechanism of MODEL.md §3: each would fail if its mechanism were removed."""

from __future__ import annotations

import numpy as np

from collabsim.mechanisms import (
    agenda,
    dissolution,
    engagement,
    formalisation,
    joint_action,
    membership,
    phase,
    shared_interest,
    tensions,
    trust,
    trust_views,
    urgency,
)
from collabsim.model.events import EventLog
from collabsim.model.teacher_moments import apply_moment

from .conftest import model


class FixedDraws:
    """A stand-in generator whose uniform draws are all one value (to force or forbid events)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self, size=None):
        return np.full(size, self.value) if size is not None else self.value


def stepped(months: int = 12, *overrides: str, seed: int = 1):
    m = model("baseline", *overrides, seed=seed)
    m.run(months)
    return m


# --------------------------------------------------------------- demand, urgency, agenda


def test_demand_raises_urgency_and_results_erode_it():
    m = stepped(6)
    st, prm = m.state, m.prm
    base = st.urgency.copy()
    st.demand[:] = 1.0
    urgency.update_urgency(st, m.scratch, prm)
    assert (st.urgency[st.member] > base[st.member]).all()
    high_results = stepped(6)
    high_results.state.results[:] = 1.0
    low_results = stepped(6)
    low_results.state.results[:] = 0.0
    for mm in (high_results, low_results):
        for _ in range(20):
            urgency.update_urgency(mm.state, mm.scratch, mm.prm)
    member = high_results.state.member
    assert high_results.state.urgency[member].mean() < low_results.state.urgency[member].mean()


def test_agenda_follows_demand_only_with_agility():
    for agility, moves in ((0.0, False), (1.0, True)):
        m = stepped(1)
        st = m.state
        before = st.agenda.copy()
        st.demand[:] = [[0.0, 0.0, 0.0, 1.0]]
        m.policy.effects.rigidity[:] = 0.0
        eff = agenda.follow_demand(st, m.policy.effects, m.scratch, agility, m.prm)
        assert (not np.allclose(st.agenda, before)) == moves
        assert eff[0] == agility
    st.demand[:] = [[0.0, 0.0, 0.0, 1.0]]
    relevance_before = st.relevance[0]
    for _ in range(30):
        agenda.follow_demand(st, m.policy.effects, m.scratch, 1.0, m.prm)
    assert st.relevance[0] > relevance_before


def test_shared_interest_is_overlap_with_agenda_and_grows_with_engagement():
    m = stepped(1)
    st = m.state
    st.interests[0, 0] = st.agenda[0]
    st.interests[0, 1] = [1.0, 0.0, 0.0, 0.0] if st.agenda[0, 0] < 0.5 else [0, 0, 0, 1.0]
    m.scratch.trust_seen[:] = 1.0
    st.engagement[:] = 1.0
    shared_interest.update_shared_interest(st, m.scratch, m.prm)
    assert st.shared_interest[0, 0] > 0.99
    assert st.shared_interest[0, 1] < 0.5
    first = st.shared_interest[0, 1]
    for _ in range(50):
        shared_interest.update_shared_interest(st, m.scratch, m.prm)
    assert st.shared_interest[0, 1] > first  # understanding aligns interests (R1)


# --------------------------------------------------------------- policy and incentives


def test_funding_raises_incentives_and_its_end_lowers_them():
    m = model("baseline", seed=3)
    m.run(47)
    funded = m.state.incentives[m.state.member].mean()
    m.run(3)  # the four-year grant ends after month 48
    after = m.state.incentives[m.state.member].mean()
    assert funded > after + 0.2
    kinds = [e.kind for e in m.events]
    assert "funding_started" in kinds and "funding_ended" in kinds
    unfunded = model("no_funding", seed=3).run(10)
    assert unfunded.state.funding_total_eur[0] == 0


def test_mandate_makes_binding_and_relaxed_rules_lower_rigidity():
    m = model("baseline", "policy.funding.0.scheme='mandate'", seed=2)
    m.step()
    fx = m.policy.effects
    assert fx.binding[0] and fx.mandate_incentive[0] > 0
    r = model("baseline", "policy.funding.0.scheme='relaxed_rules'", seed=2)
    r.step()
    assert r.policy.effects.rigidity[0] < r.config.conditions.regulation_rigidity


# --------------------------------------------------------------- engagement


def test_engagement_follows_worth_with_inertia():
    m = stepped(6)
    st, sc, fx = m.state, m.scratch, m.policy.effects
    fx.rigidity[:] = 0.5
    fx.coordinator[:] = False
    args = (m.orgs, fx, sc, m.prm)
    start = st.engagement.copy()
    st.urgency[:] = 1.0
    st.incentives[:] = 1.0
    engagement.decide_engagement(st, *args)
    rose = st.engagement[st.member] - start[st.member]
    assert (rose > 0).all()
    # inertia: one month closes only part of the gap
    assert (st.engagement[st.member] < m.orgs.capacity[st.slot_org[st.member]]).all()
    st.urgency[:] = 0.0
    st.incentives[:] = 0.0
    st.shared_interest[:] = 0.0
    for _ in range(30):
        engagement.decide_engagement(st, *args)
    assert st.engagement[st.member].max() < 0.1


def test_a_hub_in_many_partnerships_has_less_time_for_each():
    """One mbo at the tables of four partnerships gives each less than it gives one partnership
    when it sits at no other table: the same organisation, the same partnership, the same state,
    only its other memberships differ. Fails without the hub terms of the engagement decision
    (capacity/√m and `cost_extra_partnership`, tried on a copy with `hubs = 1`:
    `python -m tests.pattern_trials hub`): the two engagements were then equal. Today the hub
    settles at 0.005 against 0.159 alone (at four tables: 1/√4 of the capacity and 3 × 0.08
    more cost); with `cost_extra_partnership=0` alone, 0.079 against 0.159 (the √m term)."""
    m = stepped(
        3,
        "scenario.partnerships=4",
        "organisations.0.count=1",
        "organisations.1.count=16",
        "organisations.2.count=24",
        "organisations.3.count=4",
    )
    st, sc, fx = m.state, m.scratch, m.policy.effects
    is_mbo = np.array([lab == "mbo" for lab in m.orgs.labels])[st.slot_org] & st.has_org
    assert is_mbo.sum(axis=1).tolist() == [1, 1, 1, 1]
    assert len(set(st.slot_org[is_mbo])) == 1  # one mbo at all four tables: a hub
    members = st.has_org.copy()  # everyone at the table (some may have left in three months)

    def settled_mbo_engagement(member) -> float:
        st.member[:] = member
        st.engagement[:] = np.where(member, 0.5, 0.0)
        for driver in (st.urgency, st.shared_interest, st.incentives, sc.trust_seen):
            driver[:] = 0.7  # drivers that make one table clearly worth it
        for _ in range(40):
            engagement.decide_engagement(st, m.orgs, fx, sc, m.prm)
        return float(st.engagement[0][is_mbo[0]][0])

    hub = settled_mbo_engagement(members)
    alone = settled_mbo_engagement(members & ~(is_mbo & (np.arange(4) > 0)[:, None]))
    assert hub < 0.8 * alone


# --------------------------------------------------------------- joint action and trust


def test_success_adds_public_value_and_needs_two_engaged():
    m = stepped(6)
    st, sc = m.state, m.scratch
    pv = st.public_value[0]
    fx = m.policy.effects
    fx.rigidity[:] = 0.0
    fx.coordinator[:] = True
    trust_views.trust_views(st, sc, m.prm)
    joint_action.joint_action(st, m.orgs, fx, sc, m.prm, np.zeros(1))
    assert sc.success[0] and st.public_value[0] > pv
    st.engagement[:] = 0.0
    pv = st.public_value[0]
    joint_action.joint_action(st, m.orgs, fx, sc, m.prm, np.zeros(1))
    assert not sc.acts[0] and st.public_value[0] == pv


def _trust_after(outcome_draw: float, seed: int = 4) -> tuple[float, float]:
    m = stepped(6, seed=seed)
    st, sc = m.state, m.scratch
    fx = m.policy.effects
    fx.rigidity[:] = 0.0
    fx.coordinator[:] = False
    trust_views.trust_views(st, sc, m.prm)
    before = sc.pair_trust[0]
    joint_action.joint_action(st, m.orgs, fx, sc, m.prm, np.full(1, outcome_draw))
    trust.update_trust(st, sc, m.prm)
    trust_views.trust_views(st, sc, m.prm)
    return before, sc.pair_trust[0]


def test_success_builds_trust_failure_breaks_it_faster():
    before, after_success = _trust_after(0.0)
    before_f, after_failure = _trust_after(0.999999)
    assert after_success > before
    assert after_failure < before_f
    assert before_f - after_failure > after_success - before  # falls faster than it rises


def test_trust_decays_without_contact():
    m = stepped(6)
    st, sc = m.state, m.scratch
    st.contact[:] = 0.0
    st.engagement[:] = 0.0
    trust_views.trust_views(st, sc, m.prm)
    before = sc.pair_trust[0]
    sc.acts[:] = False
    sc.success[:] = False
    trust.update_trust(st, sc, m.prm)
    trust_views.trust_views(st, sc, m.prm)
    assert sc.pair_trust[0] < before


# --------------------------------------------------------------- tensions


def _settled_trust(resolve: bool) -> tuple[float, float]:
    m = stepped(6, seed=5)
    st = m.state
    st.n_tensions[0] = 0
    i, j = (int(s) for s in np.flatnonzero(st.member[0])[:2])  # two members at the table
    tensions.add_tension(st, 0, i, j, 2)
    before = tensions.pair_trust(st, 0, i, j, m.prm)
    log = EventLog()
    sc, fx = m.scratch, m.policy.effects
    sc.agility[:] = 1.0
    fx.rigidity[:] = 0.0
    fx.coordinator[:] = False
    draws = FixedDraws(0.0 if resolve else 1.0)
    tensions.work_through_tensions(st, m.orgs, fx, sc, m.prm, draws, 7, log)
    assert log.events[-1].kind == ("tension_resolved" if resolve else "tension_escalated")
    return before, tensions.pair_trust(st, 0, i, j, m.prm)


def test_resolved_tension_leaves_trust_higher_than_escalated():
    before, resolved = _settled_trust(True)
    _, escalated = _settled_trust(False)
    assert resolved > before > escalated


def test_cultural_distance_raises_tensions():
    def rate(distance: float) -> float:
        m = model("baseline", f"conditions.culture_distance={distance}", seed=6)
        m.step()
        sc, fx = m.scratch, m.policy.effects
        fx.rigidity[:] = 0.5
        draws = np.ones(1)
        tensions.raise_tensions(
            m.state, m.orgs, fx, sc, m.prm, FixedDraws(0.0), 2, EventLog(), draws
        )
        return sc.rates[0]

    assert rate(0.9) > rate(0.0) * 1.2


# --------------------------------------------------------------- turnover and embedding


def _turnover_drop(*overrides: str) -> float:
    m = stepped(12, *overrides, seed=8)
    apply_moment(m, "key_person_leaves", m.steps)
    event = [e for e in m.events if e.kind == "liaison_left"][-1]
    return event.before - event.after


def test_turnover_lowers_trust_and_formal_embedding_keeps_more():
    informal = _turnover_drop()
    formal = _turnover_drop("partnership.governance='legal_entity'")
    assert informal > 0
    assert formal < informal


# --------------------------------------------------------------- structure


def test_sustained_success_formalises_operational_before_strategic():
    months = {}
    for kind in ("operational", "strategic"):
        m = stepped(1, f"partnership.kind='{kind}'")
        st = m.state
        for month in range(2, 80):
            st.success_rate[:] = 0.9
            formalisation.formalise(st, m.scratch, m.prm, month, m.events)
            if st.formalised_month[0] > 0:
                break
        months[kind] = st.formalised_month[0]
    assert 0 < months["operational"] < months["strategic"]


def membership_month(m, month: int, draws, binding: bool = False) -> None:
    """One month of leaving and joining with the given draws (0 leaves or joins, 1 never)."""
    st, fx = m.state, m.policy.effects
    fx.binding[:] = binding
    draws = np.broadcast_to(np.asarray(draws, dtype=float), st.engagement.shape).copy()
    membership.leave_and_join(st, m.orgs, fx, m.scratch, m.prm, draws, month, m.events)


def test_a_member_leaves_when_it_is_not_worth_it_and_candidates_join():
    """Leaving is a decision: a member whose shortfall (cost plus outside option minus worth) is
    large leaves at the monthly rate; one for whom collaborating pays stays, on the same draw.
    Fails if leaving ignores the shortfall (a timer, or a fixed rate)."""
    m = model("learning_region", seed=2)
    m.step()
    st, sc = m.state, m.scratch
    stays, goes = (int(s) for s in np.flatnonzero(st.member[0])[-2:])
    sc.shortfall[0, goes], sc.shortfall[0, stays] = 1.0, -1.0
    draws = np.ones(st.engagement.shape)
    draws[0, [stays, goes]] = 0.5 * m.prm.leave_per_month  # well under the full rate
    membership_month(m, 2, draws)
    assert not st.member[0, goes] and st.member[0, stays]
    assert [e.kind for e in m.events if e.kind == "member_left"] == ["member_left"]
    outside = st.has_org[0] & ~st.member[0] & (st.rejoin_wait[0] == 0)
    assert outside.any()
    membership_month(m, 3, np.where(st.member, 1.0, 0.0))  # members stay; candidates may join
    assert st.member[0][outside].all()
    assert any(e.kind == "member_joined" for e in m.events)


def test_newcomer_trust_comes_through_common_partners():
    m = model("learning_region", seed=2)
    m.step()
    st = m.state
    newcomer = int(np.flatnonzero(st.has_org[0] & ~st.member[0])[0])
    members = np.flatnonzero(st.member[0])
    a, b = int(members[0]), int(members[1])
    for layer in (st.personal_trust, st.org_trust):
        layer[0, newcomer, :] = 0.0
        layer[0, :, newcomer] = 0.0
        layer[0, newcomer, a] = layer[0, a, newcomer] = 0.9  # knows a well
        layer[0, a, b] = layer[0, b, a] = 0.8  # a trusts b
    membership.join(st, m.orgs, 0, newcomer, 3, m.events, m.prm)
    assert st.member[0, newcomer]
    assert st.personal_trust[0, newcomer, b] >= 0.9 * 0.8 - 1e-9  # via the common partner a


def test_a_binding_partnership_holds_its_members_longer():
    """On a draw between the binding and the free leaving chance, the member of a free
    partnership leaves and that of a binding one stays. Fails if binding does nothing."""
    left = {}
    for binding in (False, True):
        m = model("learning_region", seed=2)
        m.step()
        st, sc = m.state, m.scratch
        s = int(np.flatnonzero(st.member[0])[-1])
        sc.shortfall[0, s] = 1.0
        draws = np.ones(st.engagement.shape)
        draws[0, s] = 0.5 * (1 + m.prm.binding_leave_factor) * m.prm.leave_per_month
        membership_month(m, 2, draws, binding=binding)
        left[binding] = not st.member[0, s]
    assert left == {False: True, True: False}


def test_dissolves_when_fewer_than_two_members_remain():
    """No timer: a partnership ends in the month its second-to-last member has gone."""
    m = stepped(3)
    st = m.state
    dissolution.check_dissolution(st, m.scratch, 4, m.events)
    assert st.alive[0]
    st.member[0, np.flatnonzero(st.member[0])[1:]] = False  # all but one have left
    dissolution.check_dissolution(st, m.scratch, 5, m.events)
    assert not st.alive[0] and st.dissolved_month[0] == 5
    phase.update_phase(st, 5)
    assert st.phase[0] == 4 and not st.member[0].any()
