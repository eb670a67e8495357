"""Membership, leaving and joining (docs/ODD.md §7.15): a member leaves when collaborating is
worth less to it than it costs plus what it could do alone (a decision, not a timer; a binding
partnership holds members longer); organisations whose interests fit join a partnership
that works, trusting its members through the partners they have in common (loop R3; Cowan, Jonard
& Zimmermann 2007)."""

from __future__ import annotations

import numpy as np

from collabsim.mechanisms.maths import sigmoid
from collabsim.model.event_buffer import MEMBER_JOINED, MEMBER_LEFT, EventBuffer, emit
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    EFFECT_FLAGS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    MEMBER_SLOTS,
    ORGANISATION_FLOATS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    SCRATCH_MEMBER_FLAGS,
    SCRATCH_MEMBER_FLOATS,
    Organisations,
    PartnershipState,
    call,
)


@njit(cache=True)
def leaving_chance(shortfall, binding, prm):
    """A member's chance of leaving this month: up to leave_per_month as what collaborating
    costs it, plus what it could achieve alone, exceeds what it is worth (a logistic of the
    shortfall, as steep as the engagement decision); a binding partnership keeps a share."""
    chance = prm.leave_per_month * sigmoid(shortfall / prm.decision_temperature)
    return chance * (prm.binding_leave_factor if binding else 1.0)


@njit(cache=True)
def decide_to_leave(
    member, has_org, alive, binding, shortfall, rejoin_wait, draws, params, leaving, played, stay
):
    """Who leaves this month (one draw per member; a played seat leaves when its team says so,
    collabsim.model.seats); rejoining waits count down. Returns (any leaving, any candidate to
    join)."""
    prm = params[0]
    p_n, s_n = member.shape
    any_leaving, any_candidate = False, False
    for p in range(p_n):
        for s in range(s_n):
            chance = leaving_chance(shortfall[p, s], binding[p], prm)
            if played[p, s] > 0.0:  # the team decides; the draw is drawn all the same
                leaving[p, s] = member[p, s] and alive[p] and stay[p, s] <= 0.0
            else:
                leaving[p, s] = member[p, s] and alive[p] and draws[p, s] < chance
            any_leaving = any_leaving or leaving[p, s]
            rejoin_wait[p, s] = max(rejoin_wait[p, s] - 1, 0.0)
            if has_org[p, s] and not member[p, s] and rejoin_wait[p, s] == 0 and alive[p]:
                any_candidate = True
    return any_leaving, any_candidate


@njit(cache=True)
def leave_and_join_kernel(
    member_flags,
    member_floats,
    member_pairs,
    member_slots,
    partnership_flags,
    partnership_floats,
    organisation_floats,
    effect_flags,
    scratch_member_floats,
    scratch_member_flags,
    membership_draws,
    params,
    rows,
    count,
):
    """A member leaves with chance leave_per_month · logistic(shortfall / temperature) (times
    binding_leave_factor if binding); the leavers go first; then candidates may join the smaller
    table, each with chance join rate · shared interest · (0.5 + success rate). One draw per
    member slot serves both: a slot is a member who may leave or a candidate who may join."""
    prm = params[0]
    member = member_flags[MEMBER_FLAGS.member]
    has_org = member_flags[MEMBER_FLAGS.has_org]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    rejoin_wait = member_floats[MEMBER_FLOATS.rejoin_wait]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    binding = effect_flags[EFFECT_FLAGS.binding]
    leaving = scratch_member_flags[SCRATCH_MEMBER_FLAGS.leaving]
    joins = scratch_member_flags[SCRATCH_MEMBER_FLAGS.joins]
    shortfall = scratch_member_floats[SCRATCH_MEMBER_FLOATS.shortfall]
    played = member_floats[MEMBER_FLOATS.played]
    stay = member_floats[MEMBER_FLOATS.stay_choice]
    any_leaving, any_candidate = decide_to_leave(
        member,
        has_org,
        alive,
        binding,
        shortfall,
        rejoin_wait,
        membership_draws,
        params,
        leaving,
        played,
        stay,
    )
    if any_leaving:
        for p in range(member.shape[0]):
            for s in range(member.shape[1]):
                if leaving[p, s]:
                    before = engagement[p, s]
                    member[p, s] = False
                    engagement[p, s] = 0.0
                    rejoin_wait[p, s] = prm.rejoin_after_months
                    emit(rows, count, MEMBER_LEFT, p, s, -1, before, 0.0)
    if not any_candidate:
        return
    if joiners(
        member,
        has_org,
        rejoin_wait,
        alive,
        shared,
        success_rate,
        membership_draws,
        prm.join_per_month,
        joins,
        played,
        stay,
    ):
        for p in range(member.shape[0]):
            for s in range(member.shape[1]):
                if joins[p, s]:
                    join_member(
                        member_flags,
                        member_floats,
                        member_pairs,
                        member_slots,
                        organisation_floats,
                        p,
                        s,
                        prm.personal_trust_weight,
                        rows,
                        count,
                    )


@njit(cache=True)
def joiners(
    member, has_org, rejoin_wait, alive, shared, success_rate, draws, rate, joins, played, stay
):
    """Which candidates join: chance = rate · shared interest · (0.5 + success rate); a played
    seat joins when its team says stay (collabsim.model.seats)."""
    any_join = False
    for p in range(member.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s]
        for s in range(member.shape[1]):
            candidate = has_org[p, s] and not member[p, s] and rejoin_wait[p, s] == 0 and alive[p]
            chance = rate * shared[p, s] * (0.5 + success_rate[p]) if n >= 2 else 0.0
            if played[p, s] > 0.0:
                joins[p, s] = candidate and n >= 2 and stay[p, s] > 0.0
            else:
                joins[p, s] = candidate and draws[p, s] < chance
            any_join = any_join or joins[p, s]
    return any_join


@njit(cache=True)
def join_member(
    member_flags,
    member_floats,
    member_pairs,
    member_slots,
    organisation_floats,
    p,
    s,
    w,
    rows,
    count,
):
    """Newcomer s joins partnership p, trusting each member j at least as much as the best path
    through a current member k allows: max over k of T(s, k) · T(k, j) (Cowan et al. 2007)."""
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    tenure_months = member_floats[MEMBER_FLOATS.tenure_months]
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    slot_org = member_slots[MEMBER_SLOTS.slot_org]
    capacity = organisation_floats[ORGANISATION_FLOATS.capacity]
    s_n = member.shape[1]
    trust = w * personal[p] + (1.0 - w) * org[p]
    through = np.empty(s_n)
    for j in range(s_n):
        best = 0.0
        for k in range(s_n):
            path = trust[s, k] * trust[k, j] * (1.0 if member[p, k] else 0.0)
            if k == 0 or path > best:
                best = path
        through[j] = best
    for layer in (personal, org):
        for j in range(s_n):
            layer[p, s, j] = max(layer[p, s, j], through[j])
        for j in range(s_n):
            layer[p, j, s] = max(layer[p, j, s], through[j])
        layer[p, s, s] = 0.0
    before = 0
    for k in range(s_n):
        before += member[p, k]
    member[p, s] = True
    engagement[p, s] = 0.3 * capacity[slot_org[p, s]]
    tenure_months[p, s] = 0
    emit(rows, count, MEMBER_JOINED, p, s, -1, before, before + 1)


def leave_and_join(
    st: PartnershipState,
    org: Organisations,
    fx,
    sc,
    prm,
    draws: np.ndarray,
    month: int,
    log: EventLog,
) -> None:
    """Members leave when collaborating is not worth it to them; fitting organisations join (R3).

    A member leaves with a chance that rises, up to leave_per_month, as what collaborating costs
    it plus its outside option exceeds what it is worth (sc.shortfall, from the engagement
    decision); in a binding partnership (fx.binding) the chance is binding_leave_factor of that.
    A candidate joins with chance join rate · shared interest ·
    (0.5 + success rate); its trust in members comes through common partners (Cowan, Jonard &
    Zimmermann 2007). `draws`: one uniform per member slot.
    """
    buffer = EventBuffer(2 * st.member.size)
    call(
        leave_and_join_kernel,
        (st, org, fx, sc),
        membership_draws=draws,
        params=prm.record,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, org, month)


def join(st, org, p: int, s: int, month: int, log: EventLog, prm) -> None:
    """A newcomer joins; its trust in members comes through common partners (Cowan et al. 2007)."""
    buffer = EventBuffer(1)
    join_member(
        st.member_flags,
        st.member_floats,
        st.member_pairs,
        st.member_slots,
        org.organisation_floats,
        p,
        s,
        prm.personal_trust_weight,
        buffer.rows,
        buffer.count,
    )
    buffer.flush(log, st, org, month)
