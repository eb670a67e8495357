"""The month (docs/ODD.md §3): every mechanism of §7, in the order of §3, in one compiled call.

`run_month` calls each mechanism's kernel by its module's name, numbered as the ODD's table:
this is the one place a new mechanism is plugged in. Kernels take the state as whole blocks
(collabsim.model.state), each passed under its own name, and read their arrays by name inside,
so the month never unpacks an array. The month kernel draws nothing itself: it pauses where the
month needs draws whose number it only now knows (`SHOCKS`, `TENSIONS`), and its caller (the
model, collabsim.model.collaboration, or the batch path's compiled run_whole, collabsim.model.batch)
draws from the model's generator and calls it again from there, so the draws come in the same
order as if every mechanism were called one by one (tests/test_month.py proves the two equal).
"""

from __future__ import annotations

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
    observation,
    phase,
    policy_instruments,
    shared_interest,
    trust,
    trust_views,
    turnover,
    urgency,
)
from collabsim.mechanisms import tensions as tension
from collabsim.model.kernel_cache import njit
from collabsim.model.state import PARTNERSHIP_FLAGS, SCRATCH_COUNTS, by_name, parameters

# Why the month kernel returned: demand shocks or tension draws needed from Python, or done
# (then the second value is the number of partnerships still alive).
SHOCKS, TENSIONS, DONE = 1, 2, 3

# The parameters of `run_month` that change from call to call, in its order; the rest are the
# model's blocks and constants, found by name once (`month_arguments`).
PER_CALL = ("stage", "tension_draws_now", "tensions", "n_tensions", "rows", "count", "month")


def month_arguments(holders, values: dict) -> tuple:
    """The arguments of `run_month` after the PER_CALL ones, found by name among the holders'
    blocks and `values` (once per model: a compiled kernel is called positionally, the fastest
    way)."""
    if parameters(run_month)[: len(PER_CALL)] != PER_CALL:
        raise TypeError(f"run_month's first parameters are not {PER_CALL}")
    placeholders = dict.fromkeys(PER_CALL)
    arguments = by_name(run_month, holders, {**placeholders, **values})
    return arguments[len(PER_CALL) :]


@njit(cache=True)
def run_month(
    stage,
    tension_draws_now,
    tensions,
    n_tensions,
    rows,
    count,
    month,
    demand_volatility,
    agility,
    staff_turnover,
    base_rigidity,
    params,
    member_floats,
    member_flags,
    member_slots,
    member_pairs,
    member_themes,
    theme_levels,
    partnership_floats,
    partnership_counts,
    partnership_flags,
    organisation_floats,
    organisation_flags,
    organisation_themes,
    organisation_roles,
    role_needs,
    effect_floats,
    effect_flags,
    scheme_codes,
    scheme_floats,
    scheme_awards,
    normals,
    shock_draws,
    turnover_draws,
    success_draws,
    tension_counts_draws,
    membership_draws,
    scratch_pairs,
    scratch_member_floats,
    scratch_member_flags,
    scratch_floats,
    scratch_flags,
    scratch_counts,
    scratch_organisation_counts,
    latest,
):
    """One month of every mechanism in causal order (docs/ODD.md §3), in one compiled call.

    The funding instruments decided this month (policy.PolicySchedule.decide) take effect;
    demand drifts; [Python: demand shocks]; the drivers (agenda, shared interest, urgency,
    incentives); liaison turnover; engagement, joint action, trust and new tensions; [Python:
    one uniform draw to place each new tension, then one to settle each open one]; tensions
    opened and worked through; crises; formalisation; leaving and joining; dissolution; phase and
    trust as seen; the month-end snapshot.

    Returns (stage to resume at, draws needed) when it pauses for draws, and (DONE,
    partnerships still alive) at the month's end. Events go to the rows/count buffer
    (collabsim.model.event_buffer).
    """
    if stage == 0:
        # 1. policy: the instruments decided this month take effect
        if scheme_codes.shape[1] > 0:
            policy_instruments.apply_instruments_kernel(
                scheme_codes,
                scheme_floats,
                scheme_awards,
                partnership_flags,
                partnership_floats,
                member_flags,
                member_floats,
                effect_floats,
                effect_flags,
                base_rigidity,
                params,
            )
        # 2. demand drifts; a shock, if due, is drawn in Python (demand.demand_shocks)
        demand.drift_demand_kernel(theme_levels, normals, demand_volatility, params)
        if demand.shock_due_kernel(partnership_flags, shock_draws, demand_volatility, params):
            return SHOCKS, 0
        stage = SHOCKS
    if stage == SHOCKS:
        # 3. agenda: it follows demand as fast as agility allows; relevance
        agenda.follow_demand_kernel(
            theme_levels, partnership_floats, effect_floats, scratch_floats, agility, params
        )
        # 4. shared interest: interests align with the agenda
        shared_interest.update_shared_interest_kernel(
            member_themes,
            theme_levels,
            member_floats,
            member_flags,
            partnership_floats,
            scratch_member_floats,
            params,
        )
        # 5. urgency follows need and fades with results
        urgency.update_urgency_kernel(
            member_floats,
            member_flags,
            member_themes,
            theme_levels,
            partnership_floats,
            scratch_pairs,
            scratch_member_floats,
            params,
        )
        # 6. incentives: own reasons while the boards back it, money, mandates, means in kind
        incentives.update_incentives_kernel(
            member_floats, member_flags, partnership_floats, effect_floats, effect_flags, params
        )
        # 7. liaison turnover
        turnover.liaison_turnover_kernel(
            turnover_draws,
            staff_turnover,
            member_flags,
            partnership_flags,
            member_floats,
            member_pairs,
            partnership_floats,
            effect_flags,
            params,
            rows,
            count,
        )
        # 8. governance fit
        governance_fit.governance_misfit_kernel(
            member_flags, partnership_floats, partnership_flags, scratch_floats
        )
        # 9. engagement: each member decides how much capacity to invest
        engagement.decide_engagement_kernel(
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
        )
        # 10. trust as seen by each member
        trust_views.trust_views_kernel(
            member_pairs,
            member_flags,
            member_floats,
            scratch_pairs,
            scratch_member_floats,
            scratch_floats,
            params,
        )
        # 11. joint action and public value
        joint_action.joint_action_kernel(
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
        )
        # 12. trust: contact, small wins, failures, decay
        trust.update_trust_kernel(
            member_pairs,
            member_flags,
            member_floats,
            partnership_floats,
            scratch_member_flags,
            scratch_flags,
            params,
        )
        # 13. tensions arise: how many per partnership (placed after the pause for draws)
        new = tension.tension_rates_kernel(
            member_flags,
            member_floats,
            member_slots,
            member_pairs,
            partnership_flags,
            partnership_floats,
            organisation_floats,
            effect_floats,
            scratch_member_floats,
            scratch_floats,
            scratch_counts,
            tension_counts_draws,
            params,
        )
        still_open = tension.keep_open_kernel(tensions, n_tensions, partnership_flags, member_flags)
        if new + still_open > 0:  # one draw to place each new tension, one to settle each
            return TENSIONS, 2 * new + still_open
    new = scratch_counts[SCRATCH_COUNTS.counts].sum()
    if new + n_tensions[0] > 0:  # 13. the new tensions placed; 14. all worked through
        tension_draws = tension_draws_now[:new]
        tension.open_tensions_kernel(
            scratch_counts,
            member_flags,
            member_pairs,
            partnership_counts,
            tension_draws,
            tensions,
            n_tensions,
            rows,
            count,
        )
        tension_draws = tension_draws_now[new:]
        tension.settle_tensions_kernel(
            tensions,
            n_tensions,
            tension_draws,
            member_pairs,
            member_slots,
            member_floats,
            partnership_floats,
            partnership_counts,
            organisation_floats,
            effect_floats,
            effect_flags,
            scratch_floats,
            params,
            rows,
            count,
        )
    return close_month(
        month,
        params,
        rows,
        count,
        member_floats,
        member_flags,
        member_slots,
        member_pairs,
        partnership_floats,
        partnership_counts,
        partnership_flags,
        organisation_floats,
        effect_flags,
        membership_draws,
        scratch_pairs,
        scratch_member_floats,
        scratch_member_flags,
        scratch_floats,
        scratch_flags,
        latest,
    )


@njit(cache=True)
def close_month(
    month,
    params,
    rows,
    count,
    member_floats,
    member_flags,
    member_slots,
    member_pairs,
    partnership_floats,
    partnership_counts,
    partnership_flags,
    organisation_floats,
    effect_flags,
    membership_draws,
    scratch_pairs,
    scratch_member_floats,
    scratch_member_flags,
    scratch_floats,
    scratch_flags,
    latest,
):
    """The month's slow changes and its record (steps 15 to 20 of docs/ODD.md §3); returns
    (DONE, partnerships still alive)."""
    # 15. crises: strain from escalated tensions eases, or breaks out
    crises.crises_kernel(
        member_pairs,
        member_flags,
        member_floats,
        partnership_floats,
        partnership_counts,
        partnership_flags,
        params,
        rows,
        count,
    )
    # 16. formalisation
    formalisation.formalise_kernel(
        partnership_flags,
        partnership_floats,
        partnership_counts,
        scratch_flags,
        month,
        params,
        rows,
        count,
    )
    # 17. membership: members for whom it is not worth it leave, fitting candidates join
    membership.leave_and_join_kernel(
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
    )
    # 18. dissolution
    dissolution.check_dissolution_kernel(
        member_flags,
        member_floats,
        partnership_flags,
        partnership_counts,
        scratch_flags,
        month,
        rows,
        count,
    )
    # 19. phase
    phase.update_phase_kernel(
        member_flags,
        member_floats,
        partnership_flags,
        partnership_floats,
        partnership_counts,
        month,
    )
    # 20. trust as seen, and the month-end snapshot
    trust_views.trust_views_kernel(
        member_pairs,
        member_flags,
        member_floats,
        scratch_pairs,
        scratch_member_floats,
        scratch_floats,
        params,
    )
    observation.snapshot_kernel(
        member_flags, member_floats, partnership_floats, partnership_counts, scratch_floats, latest
    )
    observation.observe_lived_kernel(latest, partnership_floats, partnership_counts)
    return DONE, partnership_flags[PARTNERSHIP_FLAGS.alive].sum()
