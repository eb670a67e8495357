"""Events recorded inside compiled kernels: numeric codes, a growable buffer, and decoding.

A compiled kernel cannot write to the Python event log, so it writes one numeric row per event
(kind, partnership, who, other, before, after) into a buffer; after the kernel returns, `flush`
turns every row into the same `Event` the log has always held, in the order they happened.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from collabsim.events import EventLog

TENSION_RAISED, TENSION_RESOLVED, TENSION_ESCALATED, LIAISON_LEFT = 0, 1, 2, 3
FORMALISED, MEMBER_LEFT, MEMBER_JOINED, DISSOLVED_EVENT = 4, 5, 6, 7

# kind, variable, detail (None: decided by the row), who is the partnership itself
_DECODING = {
    TENSION_RAISED: ("tension_raised", "", "a tension or dilemma comes up", False),
    TENSION_RESOLVED: ("tension_resolved", "trust", "worked through in practice", False),
    TENSION_ESCALATED: ("tension_escalated", "trust", "left unresolved; it escalates", False),
    LIAISON_LEFT: (
        "liaison_left",
        "trust",
        "the liaison leaves; a successor starts from what the organisation kept",
        False,
    ),
    FORMALISED: ("formalised", "formality", None, True),
    MEMBER_LEFT: ("member_left", "engagement", "leaves after months of low engagement", False),
    MEMBER_JOINED: ("member_joined", "members", "joins through common partners", False),
    DISSOLVED_EVENT: ("dissolved", "members", "fewer than two members stayed engaged", True),
}
_COLUMNS = 6  # kind, partnership, who slot, other slot (-1: none), before, after


@njit(cache=True)
def emit(rows, count, kind, p, who, other, before, after):
    """Append one event row (slots are member slots of partnership p; -1 for none)."""
    n = count[0]
    rows[n, 0] = kind
    rows[n, 1] = p
    rows[n, 2] = who
    rows[n, 3] = other
    rows[n, 4] = before
    rows[n, 5] = after
    count[0] = n + 1


class EventBuffer:
    """Rows of events written by kernels this month, waiting to be decoded into the log."""

    def __init__(self, capacity: int = 64) -> None:
        self.rows = np.zeros((max(capacity, 8), _COLUMNS))
        self.count = np.zeros(1, dtype=np.int64)

    def ensure(self, room: int) -> None:
        """Make room for `room` more rows (kernels do not check; callers size the buffer)."""
        needed = int(self.count[0]) + room
        if needed > len(self.rows):
            grown = np.zeros((max(needed, 2 * len(self.rows)), _COLUMNS))
            grown[: len(self.rows)] = self.rows
            self.rows = grown

    def flush(self, log: EventLog, st, org, month: int) -> None:
        """Decode the waiting rows into `log` (in order) and empty the buffer."""
        n = int(self.count[0])
        if n == 0:
            return
        for row in self.rows[:n].tolist():
            _decode(row, log, st, org, month)
        self.count[0] = 0


def _decode(row: list, log: EventLog, st, org, month: int) -> None:
    """One buffer row as the event the log records."""
    kind, variable, detail, about_partnership = _DECODING[int(row[0])]
    p, who, other = int(row[1]), int(row[2]), int(row[3])
    name = st.names[p]
    change = {}
    if variable:
        change = {"variable": variable, "before": row[4], "after": row[5]}
    if detail is None:  # formalised: a covenant first, then a legal entity
        detail = "covenant signed" if row[5] < 1 else "legal entity founded"
    log.add(
        month,
        name,
        kind,
        name if about_partnership else org.names[st.slot_org[p, who]],
        other=org.names[st.slot_org[p, other]] if other >= 0 else "",
        detail=detail,
        **change,
    )
