"""Trust dynamics (docs/ODD.md §7.12): trust between members grows with contact and small wins,
falls faster with failures and decays without contact (Vangen & Huxham's loop); organisational
trust follows personal trust slowly."""

from __future__ import annotations

import numpy as np

from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    PARTNERSHIP_FLOATS,
    SCRATCH_FLAGS,
    SCRATCH_MEMBER_FLAGS,
    PartnershipState,
    call,
)


@njit(cache=True)
def update_trust_kernel(
    member_pairs,
    member_flags,
    member_floats,
    partnership_floats,
    scratch_member_flags,
    scratch_flags,
    params,
):
    """contact = meeting rhythm · √(E_i · E_j); ΔT = gain_contact · contact · (1 − T)
    − decay · (1 − contact) · T, + gain_success · T · (1 − T) after a success or − loss_failure ·
    T after a failure for pairs that both took part; T clipped to 0..1; organisational trust
    += org rate · (T − organisational trust)."""
    prm = params[0]
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    contact_level = partnership_floats[PARTNERSHIP_FLOATS.contact]
    engaged = scratch_member_flags[SCRATCH_MEMBER_FLAGS.engaged]
    success = scratch_flags[SCRATCH_FLAGS.success]
    acts = scratch_flags[SCRATCH_FLAGS.acts]
    p_n, s_n = member.shape
    for p in range(p_n):
        failure = acts[p] and not success[p]
        for i in range(s_n):
            if not member[p, i]:
                continue
            for j in range(s_n):
                if j == i or not member[p, j]:
                    continue
                tp = personal[p, i, j]
                contact = contact_level[p] * np.sqrt(engagement[p, i] * engagement[p, j])
                change = prm.trust_gain_contact * contact * (1.0 - tp)
                change -= prm.trust_decay_per_month * (1.0 - contact) * tp
                if engaged[p, i] and engaged[p, j]:
                    if success[p]:
                        change += prm.trust_gain_success * tp * (1.0 - tp)
                    elif failure:
                        change -= prm.trust_loss_failure * tp
                tp = min(max(tp + change, 0.0), 1.0)
                personal[p, i, j] = tp
                org[p, i, j] += prm.org_trust_per_month * (tp - org[p, i, j])


def update_trust(st: PartnershipState, sc, prm) -> None:
    """Trust grows with contact and small wins, falls faster with failures, decays without contact.

    For each pair of members: contact = meeting rhythm · √(engagement_i · engagement_j);
    Δ personal trust = gain_contact · contact · (1 − T) − decay · (1 − contact) · T, plus
    gain_success · T · (1 − T) after a joint success (the risk partners dared to take grows with
    trust: Vangen & Huxham's loop, which cannot start from zero) or − loss_failure · T after a
    failure, for pairs that both took part. Organisational trust follows personal trust slowly.
    Who took part and how it went: sc.engaged, sc.acts, sc.success (joint_action).
    """
    call(update_trust_kernel, (st, sc), params=prm.record)
