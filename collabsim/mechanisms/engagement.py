"""The engagement decision (docs/ODD.md §7.9): each member invests the share of its capacity that
collaborating is worth to it, against what it costs, with inertia. Worth and cost gather the
drivers (urgency, shared interest, incentives, trust, results, eco-orientation) and the
frictions (partners, culture, misfit, rules, shortage, further partnerships)."""

from __future__ import annotations

import math

import numpy as np

from collabsim.mechanisms.joint_action import chain_at_table
from collabsim.mechanisms.maths import sigmoid
from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    EFFECT_FLAGS,
    EFFECT_FLOATS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    MEMBER_SLOTS,
    ORGANISATION_FLAGS,
    ORGANISATION_FLOATS,
    ORGANISATION_ROLES,
    PARTNERSHIP_FLOATS,
    ROLE_NEEDS,
    SCRATCH_FLOATS,
    SCRATCH_MEMBER_FLOATS,
    SCRATCH_ORGANISATION_COUNTS,
    THEME_LEVELS,
    Organisations,
    PartnershipState,
    call,
)


@njit(cache=True)
def count_memberships(member, slot_org, memberships):
    """In how many partnerships each organisation is at the table."""
    memberships[:] = 0
    for p in range(member.shape[0]):
        for s in range(member.shape[1]):
            if member[p, s]:
                memberships[slot_org[p, s]] += 1


@njit(cache=True)
def combined_drivers(urgency, shared_interest, incentives, trust, prm):
    """What the four drivers are worth together: a weighted sum (they make up for each other)
    blended with the weighted geometric mean at the same scale (each one is necessary: money
    buys attention only where there is urgency, shared interest and trust to spend it on). Equal
    drivers give the same value either way."""
    weights = (
        prm.weight_urgency,
        prm.weight_shared_interest,
        prm.weight_incentives,
        prm.weight_trust,
    )
    levels = (urgency, shared_interest, incentives, trust)
    total = weights[0] + weights[1] + weights[2] + weights[3]
    if total <= 0.0:
        return 0.0
    added, log_mean = 0.0, 0.0
    for k in range(4):
        added += weights[k] * levels[k]
        log_mean += weights[k] / total * math.log(max(levels[k], 1e-9))
    c = prm.driver_complementarity
    return (1.0 - c) * added + c * total * math.exp(log_mean)


@njit(cache=True)
def decide_engagement_kernel(
    member_floats,
    member_flags,
    member_slots,
    member_pairs,
    partnership_floats,
    theme_levels,
    organisation_floats,
    organisation_flags,
    organisation_roles,
    role_needs,
    effect_floats,
    effect_flags,
    scratch_member_floats,
    scratch_floats,
    scratch_organisation_counts,
    params,
):
    """drivers = (1 − c) · Σ w_k·x_k + c · (Σ w_k) · Π x_k^(w_k / Σ w_k) over urgency,
    shared interest, incentives and trust seen (c: complementarity; at c = 1 each driver is
    necessary); worth = drivers · max(0, 1 − weight_relevance · (1 − relevance)) · (1 −
    weight_chain · (1 − chain)) + w_results · results + w_eco · eco (chain: the share of the
    agenda's results the links of the chain at the table allow,
    joint_action.chain_at_table); cost = base + own offset + per partner · partners + culture ·
    gap + misfit · misfit + rules · rigidity · school + shortage · (1 − capacity) + extra ·
    (partnerships − 1) − relief · coordinator; target = capacity / √partnerships ·
    logistic((worth − cost) / temperature); engagement += adjust · (target − engagement);
    shortfall = cost + outside option − worth. A played seat (collabsim.model.seats): target =
    capacity / √partnerships · the team's staff time, and cost + money_cost if it pays money."""
    prm = params[0]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    urgency = member_floats[MEMBER_FLOATS.urgency]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    incentives = member_floats[MEMBER_FLOATS.incentives]
    played = member_floats[MEMBER_FLOATS.played]
    staff_time = member_floats[MEMBER_FLOATS.staff_time_choice]
    contribution = member_floats[MEMBER_FLOATS.contribution_choice]
    member = member_flags[MEMBER_FLAGS.member]
    slot_org = member_slots[MEMBER_SLOTS.slot_org]
    culture_gap = member_pairs[MEMBER_PAIRS.culture_gap]
    results = partnership_floats[PARTNERSHIP_FLOATS.results]
    relevance = partnership_floats[PARTNERSHIP_FLOATS.relevance]
    cost_offset = partnership_floats[PARTNERSHIP_FLOATS.cost_offset]
    agenda = theme_levels[THEME_LEVELS.agenda]
    holds_role = organisation_roles[ORGANISATION_ROLES.holds_role]
    needed = role_needs[ROLE_NEEDS.needed]
    present = np.zeros(needed.shape[1], dtype=np.bool_)
    capacity = organisation_floats[ORGANISATION_FLOATS.capacity]
    orientation = organisation_floats[ORGANISATION_FLOATS.orientation]
    is_school = organisation_flags[ORGANISATION_FLAGS.is_school]
    rigidity = effect_floats[EFFECT_FLOATS.rigidity]
    coordinator = effect_flags[EFFECT_FLAGS.coordinator]
    trust_seen = scratch_member_floats[SCRATCH_MEMBER_FLOATS.trust_seen]
    shortfall = scratch_member_floats[SCRATCH_MEMBER_FLOATS.shortfall]
    misfit = scratch_floats[SCRATCH_FLOATS.misfit]
    memberships = scratch_organisation_counts[SCRATCH_ORGANISATION_COUNTS.memberships]
    count_memberships(member, slot_org, memberships)
    p_n, s_n = member.shape
    for p in range(p_n):
        partners = -1
        for s in range(s_n):
            partners += member[p, s]
        chain = chain_at_table(
            needed, holds_role, slot_org[p], member[p], agenda[p], present, prm.missing_role_loss
        )
        deliverable = max(0.0, 1.0 - prm.weight_relevance * (1.0 - relevance[p])) * (
            1.0 - prm.weight_chain * (1.0 - chain)
        )
        for s in range(s_n):
            if not member[p, s]:
                engagement[p, s] = 0.0
                continue
            o = slot_org[p, s]
            gap = 0.0
            for j in range(s_n):
                if member[p, j] and j != s:
                    gap += culture_gap[p, s, j]
            gap /= max(partners, 1)
            hubs = max(memberships[o], 1)
            drivers = combined_drivers(
                urgency[p, s], shared[p, s], incentives[p, s], trust_seen[p, s], prm
            )
            worth = (
                drivers * deliverable
                + prm.weight_results * results[p]
                + prm.weight_eco * orientation[o]
            )
            cost = (
                prm.cost_base
                + cost_offset[p]
                + prm.cost_per_partner * partners
                + prm.cost_culture * gap
                + prm.cost_misfit * misfit[p]
                + prm.cost_rules * rigidity[p] * is_school[o]
                + prm.cost_shortage * (1.0 - capacity[o])
                + prm.cost_extra_partnership * (hubs - 1)
                - prm.coordinator_relief * coordinator[p]
            )
            available = capacity[o] / np.sqrt(hubs)
            target = available * sigmoid((worth - cost) / prm.decision_temperature)
            if played[p, s] > 0.0:  # a team plays this seat: its staff time, its money
                target = available * staff_time[p, s]
                if contribution[p, s] == 2.0:
                    cost += prm.money_cost
            engagement[p, s] += prm.engagement_adjust_per_month * (target - engagement[p, s])
            shortfall[p, s] = cost + prm.outside_option - worth


def decide_engagement(st: PartnershipState, org: Organisations, fx, sc, prm) -> None:
    """Each member invests the share of its capacity collaboration is worth to it, with inertia.

    worth = the four drivers combined (combined_drivers), times what the partnership can deliver
    (relevance of its agenda; the share of it the links of the chain at the table allow), plus
    recent results and eco-orientation; cost = base + the partnership's own offset (what makes
    one partnership harder work than another beyond the model's causes) + per partner + culture
    gap + misfit + rules (schools) + staff shortage + further partnerships − coordinator relief.
    The target engagement is capacity / √(partnerships) · logistic((worth − cost) /
    temperature); engagement closes a fixed share of the gap to it each month (inertia). Trust
    in partners is sc.trust_seen, the misfit sc.misfit; rigidity and the coordinator are this
    month's policy effects `fx`.
    """
    call(decide_engagement_kernel, (st, org, fx, sc), params=prm.record)
