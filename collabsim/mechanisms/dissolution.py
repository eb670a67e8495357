"""Dissolution (docs/ODD.md §7.16): a partnership dissolves when fewer than two members stay
engaged for a sustained spell; a binding (mandated) partnership holds out twice as long."""

from __future__ import annotations

from collabsim.model.event_buffer import DISSOLVED_EVENT, EventBuffer, emit
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.region import DISSOLVED
from collabsim.model.state import (
    EFFECT_FLAGS,
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLAGS,
    SCRATCH_FLAGS,
    PartnershipState,
    call,
)


@njit(cache=True)
def few_engaged(member, engagement, alive, binding, few_months, params, gone):
    """Count the months with fewer than two engaged members; which partnerships are gone:
    those past dissolve_after_months (twice that when binding)."""
    prm = params[0]
    any_gone = False
    for p in range(member.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s] and engagement[p, s] >= prm.min_engagement_to_act
        few = alive[p] and n < 2
        few_months[p] = few_months[p] + 1 if few else 0
        limit = prm.dissolve_after_months * (2.0 if binding[p] else 1.0)
        gone[p] = few and few_months[p] >= limit
        any_gone = any_gone or gone[p]
    return any_gone


@njit(cache=True)
def check_dissolution_kernel(
    member_flags,
    member_floats,
    partnership_flags,
    partnership_counts,
    effect_flags,
    scratch_flags,
    month,
    params,
    rows,
    count,
):
    """Partnerships with too few engaged members for too long dissolve: every member leaves."""
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    few_months = partnership_counts[PARTNERSHIP_COUNTS.few_engaged_months]
    dissolved_month = partnership_counts[PARTNERSHIP_COUNTS.dissolved_month]
    phase = partnership_counts[PARTNERSHIP_COUNTS.phase]
    binding = effect_flags[EFFECT_FLAGS.binding]
    gone = scratch_flags[SCRATCH_FLAGS.gone]
    if not few_engaged(member, engagement, alive, binding, few_months, params, gone):
        return
    for p in range(member.shape[0]):
        if gone[p]:
            before = 0
            for s in range(member.shape[1]):
                before += member[p, s]
                member[p, s] = False
                engagement[p, s] = 0.0
            alive[p] = False
            dissolved_month[p] = month
            phase[p] = DISSOLVED
            emit(rows, count, DISSOLVED_EVENT, p, -1, -1, before, 0.0)


def check_dissolution(st: PartnershipState, fx, sc, prm, month: int, log: EventLog) -> None:
    """A partnership dissolves when fewer than two members stay engaged for a sustained spell.

    A binding (mandated) partnership (fx.binding) holds out twice as long.
    """
    buffer = EventBuffer(len(st.alive))
    call(
        check_dissolution_kernel,
        (st, fx, sc),
        month=month,
        params=prm.record,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, None, month)
