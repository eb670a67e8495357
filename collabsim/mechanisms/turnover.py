"""Liaison turnover (docs/ODD.md §7.7): liaisons leave at random; the successor starts from the
trust their organisation kept, more of it in a formal partnership and with a coordinator's
handover, and with less engagement (loop B4)."""

from __future__ import annotations

import numpy as np

from collabsim.model.event_buffer import LIAISON_LEFT, EventBuffer, emit
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    EFFECT_FLAGS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    Organisations,
    PartnershipState,
    call,
)


@njit(cache=True)
def liaison_turnover_kernel(
    turnover_draws,
    staff_turnover,
    member_flags,
    partnership_flags,
    member_floats,
    member_pairs,
    partnership_floats,
    effect_flags,
    params,
    rows,
    count,
):
    """Another month in post for every liaison; those whose draw falls under turnover / 12
    leave (`liaison_leaves`)."""
    member = member_flags[MEMBER_FLAGS.member]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    tenure_months = member_floats[MEMBER_FLOATS.tenure_months]
    chance = staff_turnover / 12.0
    for p in range(member.shape[0]):
        for s in range(member.shape[1]):
            tenure_months[p, s] += 1
            if turnover_draws[p, s] < chance and member[p, s] and alive[p]:
                other, before, after = liaison_leaves(
                    member_flags,
                    member_floats,
                    member_pairs,
                    partnership_floats,
                    effect_flags,
                    p,
                    s,
                    params,
                )
                emit(rows, count, LIAISON_LEFT, p, s, other, before, after)


@njit(cache=True)
def liaison_leaves(
    member_flags, member_floats, member_pairs, partnership_floats, effect_flags, p, s, params
):
    """Reset a leaving liaison's trust; return the partner whose trust fell most, before, after.

    The organisation keeps a share min(base + formal · formality + handover · coordinator, 1)
    of its trust; personal trust restarts from it; engagement drops by a share."""
    prm = params[0]
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    tenure_months = member_floats[MEMBER_FLOATS.tenure_months]
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    formality = partnership_floats[PARTNERSHIP_FLOATS.formality]
    coordinator = effect_flags[EFFECT_FLAGS.coordinator]
    w = prm.personal_trust_weight
    kept = min(
        prm.trust_retained_base
        + prm.trust_retained_formal * formality[p]
        + prm.trust_retained_handover * coordinator[p],
        1.0,
    )
    other, drop, before_o, after_o = -1, -np.inf, 0.0, 0.0
    for j in range(member.shape[1]):
        before = w * personal[p, s, j] + (1.0 - w) * org[p, s, j]
        org[p, s, j] *= kept
        org[p, j, s] *= kept
        personal[p, s, j] = org[p, s, j]
        personal[p, j, s] = org[p, j, s]
        after = org[p, s, j]
        if j != s and member[p, j] and before - after > drop:
            other, drop, before_o, after_o = j, before - after, before, after
    engagement[p, s] *= 1.0 - prm.turnover_engagement_loss
    tenure_months[p, s] = 0
    return other, before_o, after_o


def liaison_turnover(
    st: PartnershipState,
    org: Organisations,
    fx,
    prm,
    staff_turnover: float,
    draws: np.ndarray,
    month: int,
    log: EventLog,
) -> None:
    """Liaisons leave at random; personal trust resets to what their organisation kept (B4).

    Whether each partnership has a coordinator this month (its design's or one paid by a
    scheme, fx.coordinator) matters: a coordinator's handover keeps more of the organisation's
    trust. The organisation keeps a share base + formal · formality + handover · coordinator of
    its trust; the successor starts from that organisational trust and with less engagement.
    """
    buffer = EventBuffer(st.member.size)
    call(
        liaison_turnover_kernel,
        (st, fx),
        turnover_draws=draws,
        staff_turnover=staff_turnover,
        params=prm.record,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, org, month)
