"""Agenda, agility and relevance (docs/ODD.md §7.3): the partnership's agenda follows shifting
regional demand as fast as its effective agility allows, and its relevance is how close the
agenda is to demand."""

from __future__ import annotations

import numpy as np

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    EFFECT_FLOATS,
    PARTNERSHIP_FLOATS,
    SCRATCH_FLOATS,
    THEME_LEVELS,
    PartnershipState,
    call,
)


@njit(cache=True)
def follow_demand_kernel(
    theme_levels, partnership_floats, effect_floats, scratch_floats, agility, params
):
    """Effective agility = agility · (1 − formal loss · formality) · (1 − rules loss · rigidity);
    agenda_k += rate · effective agility^exponent · (demand share_k − agenda_k), so a
    partnership at half agility re-aligns an eighth as fast at the default exponent 3;
    relevance = 1 − half the total distance between agenda shares and demand shares."""
    prm = params[0]
    agenda = theme_levels[THEME_LEVELS.agenda]
    demand = theme_levels[THEME_LEVELS.demand]
    relevance = partnership_floats[PARTNERSHIP_FLOATS.relevance]
    formality = partnership_floats[PARTNERSHIP_FLOATS.formality]
    rigidity = effect_floats[EFFECT_FLOATS.rigidity]
    agility_eff = scratch_floats[SCRATCH_FLOATS.agility]
    rate = prm.agenda_adjust_per_month
    p_n, k_n = agenda.shape
    for p in range(p_n):
        a = (
            agility
            * (1.0 - prm.formal_agility_loss * formality[p])
            * (1.0 - prm.rules_agility_loss * rigidity[p])
        )
        agility_eff[p] = a
        pull = rate * a**prm.agility_exponent
        total = 0.0
        for k in range(k_n):
            total += demand[p, k]
        total = max(total, 1e-9)
        gap = 0.0
        for k in range(k_n):
            target = demand[p, k] / total
            agenda[p, k] += pull * (target - agenda[p, k])
            gap += abs(agenda[p, k] - target)
        relevance[p] = 1.0 - 0.5 * gap


def follow_demand(st: PartnershipState, fx, sc, agility: float, prm) -> np.ndarray:
    """The agenda follows shifting demand as fast as agility allows; returns effective agility
    (sc.agility), which relevance and the working through of tensions use."""
    call(follow_demand_kernel, (st, fx, sc), agility=agility, params=prm.record)
    return sc.agility
