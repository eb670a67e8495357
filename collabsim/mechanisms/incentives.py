"""Incentives (docs/ODD.md §7.6): each member's own reasons to collaborate (law, leadership, ...),
which last only while its board backs the partnership, combined with the pull of money, mandates
and what the partners put on the table in kind. None of them lasts by itself: the boards' backing
follows the partnership's results, money and mandates end (loop B3), and in-kind means come only
from partners who engage."""

from __future__ import annotations

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    EFFECT_FLAGS,
    EFFECT_FLOATS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    PARTNERSHIP_FLOATS,
    PartnershipState,
    call,
)


@njit(cache=True)
def brought(played, contribution, prm):
    """The weight of a member's engagement in its partners' in-kind pull: 1, or a played seat's
    choice (0 nothing, 1 in kind, money_weight for money; collabsim.model.seats)."""
    if played <= 0.0 or contribution == 1.0:
        return 1.0
    return prm.money_weight if contribution == 2.0 else 0.0


@njit(cache=True)
def update_incentives_kernel(
    member_floats, member_flags, partnership_floats, effect_floats, effect_flags, params
):
    """backing += adjust · (min(1, success rate / reference) − backing), or toward 1 under
    structural funding; own = base · (1 − dependence · (1 − backing)); in kind = weight · mean
    engagement of the other members (a played seat's weighted by its contribution, `brought`);
    outside = 1 − (1 − funding)(1 − mandate)(1 − in kind);
    incentives = 1 − (1 − own) · (1 − outside)."""
    prm = params[0]
    incentives = member_floats[MEMBER_FLOATS.incentives]
    base = member_floats[MEMBER_FLOATS.base_incentive]
    backing = member_floats[MEMBER_FLOATS.backing]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    played = member_floats[MEMBER_FLOATS.played]
    contribution = member_floats[MEMBER_FLOATS.contribution_choice]
    member = member_flags[MEMBER_FLAGS.member]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    funding = effect_floats[EFFECT_FLOATS.funding_incentive]
    mandate = effect_floats[EFFECT_FLOATS.mandate_incentive]
    structural = effect_flags[EFFECT_FLAGS.structural]
    p_n, s_n = incentives.shape
    for p in range(p_n):
        money = 1.0 - (1.0 - funding[p]) * (1.0 - mandate[p])
        backed = 1.0 if structural[p] else min(1.0, success_rate[p] / prm.backing_success_ref)
        n, invested = 0, 0.0
        for s in range(s_n):
            if member[p, s]:
                n += 1
                invested += engagement[p, s] * brought(played[p, s], contribution[p, s], prm)
        for s in range(s_n):
            backing[p, s] += prm.backing_adjust_per_month * (backed - backing[p, s])
            own = base[p, s] * (1.0 - prm.board_dependence * (1.0 - backing[p, s]))
            mine = engagement[p, s] * brought(played[p, s], contribution[p, s], prm)
            others = (invested - mine * member[p, s]) / max(n - member[p, s], 1)
            in_kind = min(prm.in_kind_weight * others, 1.0)
            outside = 1.0 - (1.0 - money) * (1.0 - in_kind)
            incentives[p, s] = 1.0 - (1.0 - own) * (1.0 - outside)


def update_incentives(st: PartnershipState, fx, prm) -> None:
    """Incentives: the partners' own reasons while their boards back it, money, mandates and
    what partners bring in kind; each must keep coming."""
    call(update_incentives_kernel, (st, fx), params=prm.record)
