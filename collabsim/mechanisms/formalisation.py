"""Formalisation (docs/ODD.md §7.14): after enough consecutive months of success an operational
partnership formalises (informal governance becomes a covenant, a covenant a legal entity);
a strategic one needs longer (loop B5: stability traded for agility)."""

from __future__ import annotations

from collabsim.model.event_buffer import FORMALISED, EventBuffer, emit
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.state import (
    PARTNERSHIP_COUNTS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    SCRATCH_FLAGS,
    PartnershipState,
    call,
)


@njit(cache=True)
def sustained_success(alive, success_rate, formality, operational, sustained, params, ready):
    """Count the months of success above the level; which partnerships are ready to formalise."""
    prm = params[0]
    any_ready = False
    for p in range(alive.shape[0]):
        if alive[p] and success_rate[p] >= prm.formalise_success_level:
            sustained[p] += 1
        else:
            sustained[p] = 0
        needed = (
            prm.formalise_months_operational if operational[p] else (prm.formalise_months_strategic)
        )
        ready[p] = sustained[p] > 0 and sustained[p] >= needed and formality[p] < 1.0
        any_ready = any_ready or ready[p]
    return any_ready


@njit(cache=True)
def formalise_kernel(
    partnership_flags,
    partnership_floats,
    partnership_counts,
    scratch_flags,
    month,
    params,
    rows,
    count,
):
    """Partnerships ready after sustained success take the next step: formality += 0.5 (at most
    1: a covenant, then a legal entity)."""
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    operational = partnership_flags[PARTNERSHIP_FLAGS.operational]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    formality = partnership_floats[PARTNERSHIP_FLOATS.formality]
    sustained = partnership_counts[PARTNERSHIP_COUNTS.sustained_success_months]
    formalised_month = partnership_counts[PARTNERSHIP_COUNTS.formalised_month]
    ready = scratch_flags[SCRATCH_FLAGS.ready]
    if not sustained_success(alive, success_rate, formality, operational, sustained, params, ready):
        return
    for p in range(alive.shape[0]):
        if ready[p]:
            before = formality[p]
            formality[p] = min(before + 0.5, 1.0)
            sustained[p] = 0
            if formalised_month[p] < 0:
                formalised_month[p] = month
            emit(rows, count, FORMALISED, p, -1, -1, before, formality[p])


def formalise(st: PartnershipState, sc, prm, month: int, log: EventLog) -> None:
    """Operational partnerships formalise after sustained success; strategic ones later (B5).

    After enough consecutive months with a success rate above a level, informal governance
    becomes a covenant, and a covenant a legal entity.
    """
    buffer = EventBuffer(len(st.alive))
    call(
        formalise_kernel,
        (st, sc),
        month=month,
        params=prm.record,
        rows=buffer.rows,
        count=buffer.count,
    )
    buffer.flush(log, st, None, month)
