"""Urgency (docs/ODD.md §7.5): each member's urgency rises with the demand on its own themes
above what it was used to, is voiced to partners through trusted ties (so it can spread to all
participants, or stay with one), and fades as the partnership's results come in (loop B2)."""

from __future__ import annotations

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_THEMES,
    PARTNERSHIP_FLOATS,
    SCRATCH_MEMBER_FLOATS,
    SCRATCH_PAIRS,
    THEME_LEVELS,
    PartnershipState,
    call,
)


@njit(cache=True)
def update_urgency_kernel(
    member_floats,
    member_flags,
    member_themes,
    theme_levels,
    partnership_floats,
    scratch_pairs,
    scratch_member_floats,
    params,
):
    """need = Σ_k interest_k · demand_k; own = clip(base + from_demand · (need / need at start
    − 1), 0, 1) · (1 − erosion · results); voiced = Σ_j T_ij · E_j · U_j / Σ_j T_ij · E_j over
    the partners at the table; target = (1 − contagion) · own + contagion · voiced (own alone
    when nobody voices any); urgency += rate · (target − urgency)."""
    prm = params[0]
    urgency = member_floats[MEMBER_FLOATS.urgency]
    base = member_floats[MEMBER_FLOATS.base_urgency]
    need_ref = member_floats[MEMBER_FLOATS.need_ref]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    member = member_flags[MEMBER_FLAGS.member]
    interests = member_themes[MEMBER_THEMES.interests]
    demand = theme_levels[THEME_LEVELS.demand]
    results = partnership_floats[PARTNERSHIP_FLOATS.results]
    trust = scratch_pairs[SCRATCH_PAIRS.trust]
    p_n, s_n, k_n = interests.shape
    voiced = scratch_member_floats[SCRATCH_MEMBER_FLOATS.voiced]
    voiced[:] = urgency  # last month's, so the order of members does not matter
    for p in range(p_n):
        erosion = 1.0 - prm.success_erodes_urgency * results[p]
        for s in range(s_n):
            need = 0.0
            for k in range(k_n):
                need += interests[p, s, k] * demand[p, k]
            rise = need / need_ref[p, s] - 1.0
            own = min(max(base[p, s] + prm.urgency_from_demand * rise, 0.0), 1.0) * erosion
            heard, weight = 0.0, 0.0
            if member[p, s]:
                for j in range(s_n):
                    if j != s and member[p, j]:
                        w = trust[p, s, j] * engagement[p, j]
                        heard += w * voiced[p, j]
                        weight += w
            target = own
            if weight > 1e-12:
                target += prm.urgency_contagion * (heard / weight - own)
            urgency[p, s] += prm.urgency_adjust_per_month * (target - urgency[p, s])


def update_urgency(st: PartnershipState, sc, prm) -> None:
    """Urgency follows the demand each member sees on its themes, what trusted partners voice,
    and fades as results come in (B2).

    own = base urgency + from_demand · (need / need at start − 1), times (1 − erosion · recent
    results); the target blends it with the urgency that engaged partners voice, weighted by
    trust (sc.trust, last month's).
    """
    call(update_urgency_kernel, (st, sc), params=prm.record)
