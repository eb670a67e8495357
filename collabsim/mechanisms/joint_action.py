"""Joint action and public value (docs/ODD.md §7.11): with two or more engaged members the
partnership acts; it succeeds with a chance that grows with engaged capacity, complementary
knowledge (each theme also needs its links of the chain at the table: pupils, training, placements
and jobs, research, the region), relevance, trust, a coordinator and the meeting rhythm; a success
adds public value, and moving averages remember success and results (loop R2)."""

from __future__ import annotations

import numpy as np

from collabsim.mechanisms.maths import sigmoid
from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    EFFECT_FLAGS,
    EFFECT_FLOATS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_SLOTS,
    ORGANISATION_ROLES,
    ORGANISATION_THEMES,
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    ROLE_NEEDS,
    SCRATCH_FLAGS,
    SCRATCH_MEMBER_FLAGS,
    SCRATCH_PAIRS,
    THEME_LEVELS,
    Organisations,
    PartnershipState,
    call,
)


@njit(cache=True)
def theme_chain(needed, present, k, missing_role_loss):
    """What is left of theme k's results with the roles present: (1 − loss) per missing role."""
    chain = 1.0
    for r in range(needed.shape[1]):
        if needed[k, r] and not present[r]:
            chain *= 1.0 - missing_role_loss
    return chain


@njit(cache=True)
def chain_at_table(needed, holds_role, slot_org, at_table, agenda, present, missing_role_loss):
    """The agenda-weighted share of results the links of the chain at the table allow (0..1);
    `present` is filled with the roles held by the members flagged in `at_table`."""
    present[:] = False
    for s in range(at_table.shape[0]):
        if at_table[s]:
            present |= holds_role[slot_org[s]]
    share = 0.0
    for k in range(needed.shape[0]):
        share += agenda[k] * theme_chain(needed, present, k, missing_role_loss)
    return share


@njit(cache=True)
def joint_action_kernel(
    member_floats,
    member_flags,
    member_slots,
    partnership_flags,
    partnership_floats,
    partnership_counts,
    organisation_themes,
    organisation_roles,
    role_needs,
    theme_levels,
    effect_floats,
    effect_flags,
    scratch_pairs,
    scratch_member_flags,
    scratch_flags,
    success_draws,
    params,
):
    """P(success) = logistic(base + capacity · engaged capacity + complementarity · Σ_k best
    knowledge_k · agenda_k · (1 − role loss)^(roles theme k needs that no engaged member
    holds) + relevance · relevance + trust · trust among the engaged +
    coordinator + meeting · (contact − 0.2) / 0.8 − rules · rigidity); a success adds engaged
    capacity · complementarity · relevance to public value; success rate and results are moving
    averages over `results_memory_months`."""
    prm = params[0]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    member = member_flags[MEMBER_FLAGS.member]
    slot_org = member_slots[MEMBER_SLOTS.slot_org]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    ever_succeeded = partnership_flags[PARTNERSHIP_FLAGS.ever_succeeded]
    relevance = partnership_floats[PARTNERSHIP_FLOATS.relevance]
    contact = partnership_floats[PARTNERSHIP_FLOATS.contact]
    public_value = partnership_floats[PARTNERSHIP_FLOATS.public_value]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    results = partnership_floats[PARTNERSHIP_FLOATS.results]
    joint_successes = partnership_counts[PARTNERSHIP_COUNTS.joint_successes]
    months_without_action = partnership_counts[PARTNERSHIP_COUNTS.months_without_action]
    knowledge = organisation_themes[ORGANISATION_THEMES.knowledge]
    holds_role = organisation_roles[ORGANISATION_ROLES.holds_role]
    needed = role_needs[ROLE_NEEDS.needed]
    agenda = theme_levels[THEME_LEVELS.agenda]
    rigidity = effect_floats[EFFECT_FLOATS.rigidity]
    coordinator = effect_flags[EFFECT_FLAGS.coordinator]
    trust = scratch_pairs[SCRATCH_PAIRS.trust]
    engaged = scratch_member_flags[SCRATCH_MEMBER_FLAGS.engaged]
    success = scratch_flags[SCRATCH_FLAGS.success]
    acts = scratch_flags[SCRATCH_FLAGS.acts]
    p_n, s_n = member.shape
    k_n, r_n = needed.shape
    present = np.zeros(r_n, dtype=np.bool_)
    memory = 1.0 / prm.results_memory_months
    for p in range(p_n):
        n_members, n_engaged, capacity = 0, 0, 0.0
        for s in range(s_n):
            engaged[p, s] = member[p, s] and engagement[p, s] >= prm.min_engagement_to_act
            n_members += member[p, s]
            n_engaged += engaged[p, s]
            capacity += engagement[p, s] * member[p, s]
        capacity /= max(n_members, 1)
        acts[p] = alive[p] and n_engaged >= 2
        chain_at_table(
            needed, holds_role, slot_org[p], engaged[p], agenda[p], present, prm.missing_role_loss
        )
        complementarity = 0.0
        for k in range(k_n):
            best = 0.0
            for s in range(s_n):
                if engaged[p, s]:
                    best = max(best, knowledge[slot_org[p, s], k])
            chain = theme_chain(needed, present, k, prm.missing_role_loss)
            complementarity += best * agenda[p, k] * chain
        t_sum, t_n = 0.0, 0
        for i in range(s_n):
            for j in range(s_n):
                if i != j and engaged[p, i] and engaged[p, j]:
                    t_sum += trust[p, i, j]
                    t_n += 1
        trust_engaged = t_sum / t_n if t_n > 0 else 0.0
        logit = (
            prm.success_base
            + prm.success_capacity * capacity
            + prm.success_complementarity * complementarity
            + prm.success_relevance * relevance[p]
            + prm.success_trust * trust_engaged
            + prm.coordinator_boost * coordinator[p]
            + prm.meeting_boost * (contact[p] - 0.2) / 0.8
            - prm.rules_penalty * rigidity[p]
        )
        success[p] = acts[p] and success_draws[p] < sigmoid(logit)
        produced = capacity * complementarity * relevance[p] if success[p] else 0.0
        public_value[p] += produced
        if alive[p]:
            success_rate[p] += memory * (success[p] - success_rate[p])
            results[p] += memory * (produced - results[p])
        joint_successes[p] += success[p]
        ever_succeeded[p] = ever_succeeded[p] or success[p]
        months_without_action[p] = 0 if acts[p] else months_without_action[p] + 1


def joint_action(st: PartnershipState, org: Organisations, fx, sc, prm, draws: np.ndarray) -> None:
    """With two or more engaged members the partnership acts; success adds public value.

    P(success) = logistic(base + capacity · engaged capacity + complementarity · knowledge
    covering the agenda, each theme's share times (1 − missing_role_loss) for every role of the
    chain it needs that no engaged member holds (region.ROLES_NEEDED) + relevance · relevance +
    trust · trust among the engaged + coordinator + meeting rhythm − rules · rigidity).
    A success adds engaged capacity · complementarity · relevance to public value (a small win);
    the moving averages remember success and results.
    Trust is sc.trust (trust_views); who engaged, acted and succeeded goes to `sc`.
    """
    call(joint_action_kernel, (st, org, fx, sc), success_draws=draws, params=prm.record)
