"""Shared interest (docs/ODD.md §7.4): how far each member's interests overlap the agenda beyond
chance; working together (engagement and trust) pulls interests toward the agenda (loop R1)."""

from __future__ import annotations

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_THEMES,
    SCRATCH_MEMBER_FLOATS,
    THEME_LEVELS,
    PartnershipState,
    call,
)


@njit(cache=True)
def update_shared_interest_kernel(
    member_themes, theme_levels, member_floats, member_flags, scratch_member_floats, params
):
    """interest_k += understanding · engagement · trust seen · (agenda_k − interest_k);
    overlap = Σ_k min(interest_k, agenda_k); shared = clip((overlap − 1/K) / (1 − 1/K), 0, 1)."""
    interests = member_themes[MEMBER_THEMES.interests]
    agenda = theme_levels[THEME_LEVELS.agenda]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    has_org = member_flags[MEMBER_FLAGS.has_org]
    trust_seen = scratch_member_floats[SCRATCH_MEMBER_FLOATS.trust_seen]
    rate = params[0].understanding_per_month
    p_n, s_n, k_n = interests.shape
    chance = 1.0 / k_n
    for p in range(p_n):
        for s in range(s_n):
            pull = rate * engagement[p, s] * trust_seen[p, s]
            overlap = 0.0
            for k in range(k_n):
                interests[p, s, k] += pull * (agenda[p, k] - interests[p, s, k])
                overlap += min(interests[p, s, k], agenda[p, k])
            above_chance = (overlap - chance) / (1.0 - chance)
            shared[p, s] = min(max(above_chance, 0.0), 1.0) if has_org[p, s] else 0.0


def update_shared_interest(st: PartnershipState, sc, prm) -> None:
    """Shared interest is the overlap of interests with the agenda; working together aligns them.

    overlap = Σ_k min(interest_k, agenda_k) (1 when identical, 1/K for a chance match); shared
    interest = (overlap − 1/K) / (1 − 1/K), clipped to 0..1: only what is shared beyond chance
    counts. Interests move toward the agenda by understanding · engagement · trust a month (R1),
    trust as each member sees it (sc.trust_seen).
    """
    call(update_shared_interest_kernel, (st, sc), params=prm.record)
