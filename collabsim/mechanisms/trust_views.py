"""Trust as seen (docs/ODD.md §7.10): trust between members is the personal trust of the liaisons
blended with organisational trust; each member sees its partners' trust weighted by how engaged
they are, and the partnership's pair trust is the mean over member pairs."""

from __future__ import annotations

import numpy as np

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    SCRATCH_FLOATS,
    SCRATCH_MEMBER_FLOATS,
    SCRATCH_PAIRS,
    PartnershipState,
    call,
)


@njit(cache=True)
def trust_views_kernel(
    member_pairs,
    member_flags,
    member_floats,
    scratch_pairs,
    scratch_member_floats,
    scratch_floats,
    params,
):
    """T_ij = w · personal_ij + (1 − w) · organisational_ij; seen_i = Σ_j T_ij · E_j / Σ_j E_j
    over partners j (their plain mean when none is engaged); pair trust = mean T over pairs."""
    w = params[0].personal_trust_weight
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    trust = scratch_pairs[SCRATCH_PAIRS.trust]
    seen = scratch_member_floats[SCRATCH_MEMBER_FLOATS.trust_seen]
    pair_trust = scratch_floats[SCRATCH_FLOATS.pair_trust]
    p_n, s_n = member.shape
    for p in range(p_n):
        total, pairs = 0.0, 0
        for i in range(s_n):
            num, den, plain, count = 0.0, 0.0, 0.0, 0
            for j in range(s_n):
                t = w * personal[p, i, j] + (1.0 - w) * org[p, i, j]
                trust[p, i, j] = t
                if j != i and member[p, j]:
                    num += t * engagement[p, j]
                    den += engagement[p, j]
                    plain += t
                    count += 1
                    if member[p, i]:
                        total += t
                        pairs += 1
            if den > 1e-9:
                seen[p, i] = num / den
            elif count > 0:
                seen[p, i] = plain / count
            else:
                seen[p, i] = 0.0
        pair_trust[p] = total / pairs if pairs > 0 else 0.0


def trust_views(st: PartnershipState, sc, prm) -> None:
    """Trust between members (personal and organisational layers blended), as each member sees it.

    Fills sc.trust (P, S, S), sc.trust_seen (P, S): each member's trust in its partners
    weighted by how engaged they are, and sc.pair_trust (P,): mean over member pairs.
    """
    call(trust_views_kernel, (st, sc), params=prm.record)


def effective_trust(st: PartnershipState, prm) -> np.ndarray:
    """Trust between members: personal trust of the liaisons blended with organisational trust."""
    w = prm.personal_trust_weight
    return w * st.personal_trust + (1.0 - w) * st.org_trust
