"""Crises (docs/ODD.md §7.13): escalated tensions leave strain behind; strain eases month by month,
but when escalations come faster than it eases it breaks out into a crisis that shakes every
relationship at the table at once (the bumpy road's deep dips). Partners who keep meeting and
investing repair what it broke, month by month; members for whom it is no longer worth it leave
first, and a partnership can break on it."""

from __future__ import annotations

import numpy as np

from collabsim.mechanisms.tensions import pair_trust_of
from collabsim.model.event_buffer import CRISIS, EventBuffer, emit
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    MEMBER_PAIRS,
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    PartnershipState,
    call,
)


@njit(cache=True)
def mean_member_trust(personal, org, member, p, w):
    """Mean trust over the pairs of members of partnership p (both layers blended)."""
    total, n = 0.0, 0
    s_n = member.shape[1]
    for i in range(s_n):
        for j in range(i + 1, s_n):
            if member[p, i] and member[p, j]:
                total += pair_trust_of(personal, org, p, i, j, w)
                n += 1
    return total / n if n > 0 else 0.0


@njit(cache=True)
def crises_kernel(
    member_pairs,
    member_flags,
    member_floats,
    partnership_floats,
    partnership_counts,
    partnership_flags,
    params,
    rows,
    count,
):
    """strain ≥ 1: a crisis: every pair's trust × (1 − trust loss) (organisational trust half as
    much; the trust before kept as the target of repair), every engagement × (1 − engagement
    loss), strain back to 0; else strain × (1 − relief), and repair: T += repair · contact ·
    √(E_i · E_j) · (trust before the crisis − T) where that is above T."""
    prm = params[0]
    personal = member_pairs[MEMBER_PAIRS.personal_trust]
    org = member_pairs[MEMBER_PAIRS.org_trust]
    before_crisis = member_pairs[MEMBER_PAIRS.trust_before_crisis]
    contact = partnership_floats[PARTNERSHIP_FLOATS.contact]
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    strain = partnership_floats[PARTNERSHIP_FLOATS.strain]
    crises = partnership_counts[PARTNERSHIP_COUNTS.crises]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    w = prm.personal_trust_weight
    s_n = member.shape[1]
    for p in range(strain.shape[0]):
        if not alive[p] or strain[p] < 1.0:
            strain[p] *= 1.0 - prm.strain_relief_per_month
            repair(personal, before_crisis, member, engagement, contact[p], p, prm)
            continue
        before = mean_member_trust(personal, org, member, p, w)
        for i in range(s_n):
            if not member[p, i]:
                continue
            engagement[p, i] *= 1.0 - prm.crisis_engagement_loss
            for j in range(s_n):
                if j != i and member[p, j]:
                    before_crisis[p, i, j] = personal[p, i, j]
                    personal[p, i, j] *= 1.0 - prm.crisis_trust_loss
                    org[p, i, j] *= 1.0 - 0.5 * prm.crisis_trust_loss
        strain[p] = 0.0
        crises[p] += 1
        after = mean_member_trust(personal, org, member, p, w)
        emit(rows, count, CRISIS, p, -1, -1, before, after)


@njit(cache=True)
def repair(personal, before_crisis, member, engagement, contact, p, prm):
    """Partners who meet and invest win back trust a crisis broke: a share of the gap a month.

    The target of a pair with a member no longer at the table is forgotten."""
    s_n = member.shape[1]
    for i in range(s_n):
        for j in range(s_n):
            if j == i:
                continue
            if not (member[p, i] and member[p, j]):
                before_crisis[p, i, j] = 0.0
                continue
            gap = before_crisis[p, i, j] - personal[p, i, j]
            if gap > 0.0:
                meet = contact * np.sqrt(engagement[p, i] * engagement[p, j])
                personal[p, i, j] += prm.crisis_repair_per_month * meet * gap


def break_out(st: PartnershipState, prm, month: int, log: EventLog) -> None:
    """Strain that reaches 1 breaks out into a crisis: all trust and engagement drop at once.

    Each escalated tension adds `crisis_strain_per_escalation` to its partnership's strain
    (mechanisms.tensions); strain eases by `strain_relief_per_month` a month. At 1 it breaks out:
    every pair's trust falls by `crisis_trust_loss` of itself (organisational trust half as
    much), every member's engagement by `crisis_engagement_loss`, and strain starts again at 0.
    Afterwards each pair wins back `crisis_repair_per_month` · contact · √(E_i · E_j) of the gap
    to the trust it had before, a month (loop crisis_repair).
    """
    buffer = EventBuffer(len(st.alive))
    call(crises_kernel, (st,), params=prm.record, rows=buffer.rows, count=buffer.count)
    buffer.flush(log, st, None, month)
