"""Urgency (docs/ODD.md §7.5): each member's urgency tracks demand on its own themes and fades
as the partnership's results come in (loop B2)."""

from __future__ import annotations

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLOATS,
    MEMBER_THEMES,
    PARTNERSHIP_FLOATS,
    THEME_LEVELS,
    PartnershipState,
    call,
)


@njit(cache=True)
def update_urgency_kernel(member_floats, member_themes, theme_levels, partnership_floats, params):
    """need = Σ_k interest_k · demand_k; target = clip(base · need / need at start · (1 − erosion
    · results), 0, 1); urgency += rate · (target − urgency)."""
    prm = params[0]
    urgency = member_floats[MEMBER_FLOATS.urgency]
    base = member_floats[MEMBER_FLOATS.base_urgency]
    need_ref = member_floats[MEMBER_FLOATS.need_ref]
    interests = member_themes[MEMBER_THEMES.interests]
    demand = theme_levels[THEME_LEVELS.demand]
    results = partnership_floats[PARTNERSHIP_FLOATS.results]
    rate = prm.urgency_adjust_per_month
    p_n, s_n, k_n = interests.shape
    for p in range(p_n):
        erosion = 1.0 - prm.success_erodes_urgency * results[p]
        for s in range(s_n):
            need = 0.0
            for k in range(k_n):
                need += interests[p, s, k] * demand[p, k]
            target = min(max(base[p, s] * need / need_ref[p, s] * erosion, 0.0), 1.0)
            urgency[p, s] += rate * (target - urgency[p, s])


def update_urgency(st: PartnershipState, prm) -> None:
    """Urgency tracks demand on each member's own themes and fades as results come in (B2).

    target = base urgency · need / need at start · (1 − erosion · recent results).
    """
    call(update_urgency_kernel, (st,), params=prm.record)
