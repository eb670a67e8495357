"""Dissolution (docs/ODD.md §7.16): a partnership ends when too few remain: fewer than two
members at the table, after each member's own decision to stay or leave (§7.15). No timer: the
hazard over time comes out of the members' decisions."""

from __future__ import annotations

from collabsim.model.event_buffer import DISSOLVED_EVENT, EventBuffer, emit
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.region import DISSOLVED
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLAGS,
    SCRATCH_FLAGS,
    PartnershipState,
    call,
)


@njit(cache=True)
def too_few_remain(member, alive, gone):
    """Which partnerships are gone: alive, with fewer than two members left at the table."""
    any_gone = False
    for p in range(member.shape[0]):
        n = 0
        for s in range(member.shape[1]):
            n += member[p, s]
        gone[p] = alive[p] and n < 2
        any_gone = any_gone or gone[p]
    return any_gone


@njit(cache=True)
def check_dissolution_kernel(
    member_flags,
    member_floats,
    partnership_flags,
    partnership_counts,
    scratch_flags,
    month,
    rows,
    count,
):
    """Partnerships with fewer than two members left dissolve: the last one leaves too."""
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    dissolved_month = partnership_counts[PARTNERSHIP_COUNTS.dissolved_month]
    phase = partnership_counts[PARTNERSHIP_COUNTS.phase]
    gone = scratch_flags[SCRATCH_FLAGS.gone]
    if not too_few_remain(member, alive, gone):
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


def check_dissolution(st: PartnershipState, sc, month: int, log: EventLog) -> None:
    """A partnership dissolves when fewer than two members are left at the table (each leaves
    by its own decision, §7.15; a binding partnership holds its members longer there)."""
    buffer = EventBuffer(len(st.alive))
    call(
        check_dissolution_kernel,
        (st, sc),
        month=month,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, None, month)
