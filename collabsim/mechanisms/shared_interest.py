"""Shared interest (docs/ODD.md §7.4): how far each member's interests overlap the agenda beyond
chance; working together (engagement and trust) pulls interests toward the agenda (loop R1), and
so do joint successes (loop R2: what worked together becomes what we want together)."""

from __future__ import annotations

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_THEMES,
    PARTNERSHIP_FLOATS,
    SCRATCH_MEMBER_FLOATS,
    THEME_LEVELS,
    PartnershipState,
    call,
)


@njit(cache=True)
def update_shared_interest_kernel(
    member_themes,
    theme_levels,
    member_floats,
    member_flags,
    partnership_floats,
    scratch_member_floats,
    params,
):
    """interest_k += engagement · (understanding · trust seen + from success · success rate) ·
    (agenda_k − interest_k);
    overlap = Σ_k min(interest_k, agenda_k); shared = clip((overlap − 1/K) / (1 − 1/K) − given
    up, 0, 1) (given up: what letting tensions go cost a played seat)."""
    interests = member_themes[MEMBER_THEMES.interests]
    agenda = theme_levels[THEME_LEVELS.agenda]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    shared = member_floats[MEMBER_FLOATS.shared_interest]
    given_up = member_floats[MEMBER_FLOATS.interest_given_up]
    has_org = member_flags[MEMBER_FLAGS.has_org]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    trust_seen = scratch_member_floats[SCRATCH_MEMBER_FLOATS.trust_seen]
    rate = params[0].understanding_per_month
    from_success = params[0].interest_from_success
    p_n, s_n, k_n = interests.shape
    chance = 1.0 / k_n
    for p in range(p_n):
        for s in range(s_n):
            pull = engagement[p, s] * (rate * trust_seen[p, s] + from_success * success_rate[p])
            overlap = 0.0
            for k in range(k_n):
                interests[p, s, k] += pull * (agenda[p, k] - interests[p, s, k])
                overlap += min(interests[p, s, k], agenda[p, k])
            above_chance = (overlap - chance) / (1.0 - chance)
            above_chance -= given_up[p, s]  # tensions a team let go (collabsim.model.seats)
            shared[p, s] = min(max(above_chance, 0.0), 1.0) if has_org[p, s] else 0.0


def update_shared_interest(st: PartnershipState, sc, prm) -> None:
    """Shared interest is the overlap of interests with the agenda; working together aligns them.

    overlap = Σ_k min(interest_k, agenda_k) (1 when identical, 1/K for a chance match); shared
    interest = (overlap − 1/K) / (1 − 1/K), clipped to 0..1: only what is shared beyond chance
    counts. Interests move toward the agenda by engagement · (understanding · trust + from
    success · success rate) a month: working together (R1) and succeeding together (R2, Ansell &
    Gash's small wins build shared understanding); trust as each member sees it (sc.trust_seen).
    """
    call(update_shared_interest_kernel, (st, sc), params=prm.record)
