"""Policy instruments take effect (docs/ODD.md §7.1): the money each partnership receives this
month and its pull on the members, and the switches the instruments set (a paid coordinator, a
mandate that makes the partnership binding, relaxed rules). What each scheme pays a month is
planned once per run (collabsim.model.policy.PolicySchedule.plan); whom a challenge fund's jury
picks is decided before the month kernel runs (policy.switch_schemes_kernel, called by
PolicySchedule.decide or, in the batch path, collabsim.model.batch.run_whole)."""

from __future__ import annotations

import math

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    EFFECT_FLAGS,
    EFFECT_FLOATS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    SCHEME_AWARDS,
    SCHEME_CODES,
    SCHEME_FLOATS,
    call,
)

# codes of collabsim.model.policy.SCHEME_CODE that the kernel treats apart
STRUCTURAL, MATCHED, PAID_COORDINATOR, MANDATE, RELAXED_RULES = 1, 3, 5, 6, 7


@njit(cache=True)
def apply_instruments_kernel(
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
):
    """Per partnership: money received, its pull, and the switches the instruments set.

    A partnership's money pulls its members as 1 − exp(−euros per member a month / reference).
    Structural money (a budget line) also stands for the boards' backing (mechanisms.incentives).
    """
    prm = params[0]
    codes = scheme_codes[SCHEME_CODES.codes]
    pays = scheme_floats[SCHEME_FLOATS.pays]
    reductions = scheme_floats[SCHEME_FLOATS.reductions]
    match_shares = scheme_floats[SCHEME_FLOATS.match_shares]
    awarded = scheme_awards[SCHEME_AWARDS.awarded]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    design_coordinator = partnership_flags[PARTNERSHIP_FLAGS.coordinator]
    design_binding = partnership_flags[PARTNERSHIP_FLAGS.binding]
    euros = partnership_floats[PARTNERSHIP_FLOATS.funding_eur]
    total_eur = partnership_floats[PARTNERSHIP_FLOATS.funding_total_eur]
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    funding_incentive = effect_floats[EFFECT_FLOATS.funding_incentive]
    mandate_incentive = effect_floats[EFFECT_FLOATS.mandate_incentive]
    rigidity = effect_floats[EFFECT_FLOATS.rigidity]
    coordinator = effect_flags[EFFECT_FLAGS.coordinator]
    binding = effect_flags[EFFECT_FLAGS.binding]
    structural = effect_flags[EFFECT_FLAGS.structural]
    for p in range(alive.shape[0]):
        n, invested = 0, 0.0
        for s in range(member.shape[1]):
            if member[p, s]:
                n += 1
                invested += engagement[p, s]
        invested /= max(n, 1)
        money, pull = 0.0, 0.0
        rigid = base_rigidity
        coord, bind, budget_line = design_coordinator[p], design_binding[p], False
        for k in range(codes.shape[0]):
            if not (alive[p] and awarded[k, p]) or pays[k] < 0:
                continue
            code = codes[k]
            if code == MATCHED:
                money += pays[k] * min(1.0, invested / max(match_shares[k], 1e-9))
            elif code <= PAID_COORDINATOR:
                money += pays[k]
            if code == STRUCTURAL:
                budget_line = True
            elif code == PAID_COORDINATOR:
                coord = True
            elif code == MANDATE:
                bind = True
                pull = prm.mandate_incentive
            elif code == RELAXED_RULES:
                rigid *= 1.0 - reductions[k]
        euros[p] = money
        total_eur[p] += money
        funding_incentive[p] = 1.0 - math.exp(-money / max(n, 1) / prm.funding_reference_eur)
        mandate_incentive[p] = pull
        rigidity[p] = rigid
        coordinator[p] = coord
        binding[p] = bind
        structural[p] = budget_line


def apply_instruments(st, fx, schemes, base_rigidity: float, prm) -> None:
    """The instruments decided this month take effect on every partnership (fills `fx`)."""
    if len(schemes.codes):
        call(
            apply_instruments_kernel,
            (st, fx, schemes),
            base_rigidity=base_rigidity,
            params=prm.record,
        )
