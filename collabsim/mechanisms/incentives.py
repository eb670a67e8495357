"""Incentives (docs/ODD.md §7.6): each member's own reasons to collaborate (law, leadership, ...)
combined with the pull of money and mandates in force (loop B3: funding's end removes it)."""

from __future__ import annotations

from collabsim.model.kernel_cache import njit
from collabsim.model.state import EFFECT_FLOATS, MEMBER_FLOATS, PartnershipState, call


@njit(cache=True)
def update_incentives_kernel(member_floats, effect_floats):
    """outside = 1 − (1 − funding pull) · (1 − mandate pull);
    incentives = 1 − (1 − own incentive) · (1 − outside)."""
    incentives = member_floats[MEMBER_FLOATS.incentives]
    base = member_floats[MEMBER_FLOATS.base_incentive]
    funding = effect_floats[EFFECT_FLOATS.funding_incentive]
    mandate = effect_floats[EFFECT_FLOATS.mandate_incentive]
    for p in range(incentives.shape[0]):
        outside = 1.0 - (1.0 - funding[p]) * (1.0 - mandate[p])
        for s in range(incentives.shape[1]):
            incentives[p, s] = 1.0 - (1.0 - base[p, s]) * (1.0 - outside)


def update_incentives(st: PartnershipState, fx) -> None:
    """Incentives combine the partners' own reasons with money and mandates in force (B3)."""
    call(update_incentives_kernel, (st, fx))
