"""Governance fit (docs/ODD.md §7.8): how far a partnership's governance is from the form that fits
it (Provan & Kenis 2008): few members fit informal shared governance; many members, and
operational work, fit a formal lead organisation or covenant."""

from __future__ import annotations

import numpy as np

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLAGS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    SCRATCH_FLOATS,
    PartnershipState,
    call,
)


@njit(cache=True)
def governance_misfit_kernel(member_flags, partnership_floats, partnership_flags, scratch_floats):
    """fitting = clip((members − 3) / 20 + 0.25 · operational, 0, 1);
    misfit = |formality − fitting|."""
    member = member_flags[MEMBER_FLAGS.member]
    formality = partnership_floats[PARTNERSHIP_FLOATS.formality]
    operational = partnership_flags[PARTNERSHIP_FLAGS.operational]
    misfit = scratch_floats[SCRATCH_FLOATS.misfit]
    for p in range(member.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s]
        fitting = (n - 3) / 20.0 + (0.25 if operational[p] else 0.0)
        fitting = min(max(fitting, 0.0), 1.0)
        misfit[p] = abs(formality[p] - fitting)


def governance_misfit(st: PartnershipState, sc) -> np.ndarray:
    """How far the governance is from the form that fits the partnership (Provan & Kenis 2008),
    into sc.misfit, which it returns.

    Few members fit informal shared governance; many members, and operational work, fit a formal
    lead organisation or covenant: fitting = clip((members - 3)/20 + 0.25·operational, 0, 1).
    """
    call(governance_misfit_kernel, (st, sc))
    return sc.misfit
