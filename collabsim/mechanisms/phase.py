"""Phase (docs/ODD.md §7.17): a label for observation only (nothing depends on it): forming,
active, struggling, dormant or dissolved, from the partnership's state."""

from __future__ import annotations

from collabsim.model.kernel_cache import njit
from collabsim.model.region import ACTIVE, DISSOLVED, DORMANT, FORMING, STRUGGLING
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    PartnershipState,
    call,
)


@njit(cache=True)
def update_phase_kernel(
    member_flags, member_floats, partnership_flags, partnership_floats, partnership_counts, month
):
    """dissolved if not alive; forming before month 6 without a success; dormant after 3 months
    without action; struggling below a 0.3 success rate or 0.2 mean engagement; else active."""
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    ever_succeeded = partnership_flags[PARTNERSHIP_FLAGS.ever_succeeded]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    months_without_action = partnership_counts[PARTNERSHIP_COUNTS.months_without_action]
    phase = partnership_counts[PARTNERSHIP_COUNTS.phase]
    for p in range(member.shape[0]):
        if not alive[p]:
            phase[p] = DISSOLVED
            continue
        n, total = 0, 0.0
        for s in range(member.shape[1]):
            if member[p, s]:
                n += 1
                total += engagement[p, s]
        mean_engagement = total / max(n, 1)
        if month < 6 and not ever_succeeded[p]:
            phase[p] = FORMING
        elif months_without_action[p] >= 3:
            phase[p] = DORMANT
        elif success_rate[p] < 0.3 or mean_engagement < 0.2:
            phase[p] = STRUGGLING
        else:
            phase[p] = ACTIVE


def update_phase(st: PartnershipState, month: int) -> None:
    """Phase: forming, active, struggling, dormant or dissolved, from the partnership's state."""
    call(update_phase_kernel, (st,), month=month)
