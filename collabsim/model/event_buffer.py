"""Events recorded inside compiled kernels: numeric codes, a growable buffer, and decoding.

A compiled kernel cannot write to the Python event log, so it writes one numeric row per event
(kind, partnership, who, other, before, after) into a buffer; after the kernel returns, `flush`
turns every row into the same `Event` the log has always held, in the order they happened.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from collabsim.model.events import Event, EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.region import with_room

TENSION_RAISED, TENSION_RESOLVED, TENSION_ESCALATED, LIAISON_LEFT = 0, 1, 2, 3
FORMALISED, MEMBER_LEFT, MEMBER_JOINED, DISSOLVED_EVENT, CRISIS = 4, 5, 6, 7, 8
# rows whose who/other columns are no member slots: a demand shock (who: the theme, other: +1
# up or -1 down) and a funding scheme starting or ending (who: the scheme's index)
DEMAND_SHOCK, FUNDING_STARTED, FUNDING_ENDED = 9, 10, 11
# a played seat's team lets a tension go (collabsim.model.seats): closed, nobody gains trust
TENSION_LET_GO = 12

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
    MEMBER_LEFT: ("member_left", "engagement", "leaves: no longer worth what it costs", False),
    MEMBER_JOINED: ("member_joined", "members", "joins through common partners", False),
    DISSOLVED_EVENT: ("dissolved", "members", "fewer than two members remain", True),
    CRISIS: ("crisis", "trust", "escalations pile up into a crisis: trust breaks down", True),
    TENSION_LET_GO: ("tension_let_go", "trust", "let go: one side gives in", False),
}
_NAN = float("nan")
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


def count_of_kind(rows: np.ndarray, count: int, kind: int, partnerships: int) -> np.ndarray:
    """How many of the first `count` rows are events of `kind`, per partnership (the raw rows
    counted, none decoded)."""
    written = rows[:count]
    of_kind = written[written[:, 0] == kind, 1].astype(np.int64)
    return np.bincount(of_kind, minlength=partnerships)


def room_per_month(st, schemes: int) -> int:
    """Rows one month can write besides its tensions (which ask for their room when counted):
    turnover, leaving and joining (a row per member slot each), a crisis, formalisation,
    dissolution and a demand shock (one per partnership each), and each scheme starting or ending
    (one per partnership)."""
    partnerships = len(st.alive)
    return 3 * st.member.size + 4 * partnerships + schemes * partnerships


class EventBuffer:
    """Rows of events written by kernels this month, waiting to be decoded into the log.

    `funding`: the scenario's funding schemes, named in the rows of their starts and ends."""

    def __init__(self, capacity: int = 64, funding=()) -> None:
        self.rows = np.zeros((max(capacity, 8), _COLUMNS))
        self.count = np.zeros(1, dtype=np.int64)
        self.funding = funding
        self._named = None  # (state, organisations, names of the organisation in each slot)

    def ensure(self, room: int) -> None:
        """Make room for `room` more rows (kernels do not check; callers size the buffer)."""
        self.rows = with_room(self.rows, int(self.count[0]) + room)

    def flush(self, log: EventLog, st, org, month: int) -> None:
        """Decode the waiting rows into `log` (in order) and empty the buffer."""
        n = int(self.count[0])
        if n:
            self.decode(log, st, org, repeat(month, n))
        self.count[0] = 0

    def decode(self, log: EventLog, st, org, months) -> None:
        """Decode the rows into `log` in order, row k in the k-th of `months` (a whole run's
        buffer holds many months: collabsim.model.batch)."""
        if self._named is None or self._named[0] is not st or self._named[1] is not org:
            self._named = (st, org, _slot_names(st, org))  # slots keep their organisation
        slot_names, names, made = self._named[2], st.names, []
        rows = _as_lists(self.rows[: int(self.count[0])])
        for month, (kind, p, who, other, before, after) in zip(months, rows, strict=True):
            name = names[p]
            if DEMAND_SHOCK <= kind <= FUNDING_ENDED:
                made.append(self._region_event(month, name, kind, who, other, before, after))
                continue
            kind_name, variable, detail, about_partnership = _DECODING[kind]
            if detail is None:  # formalised: a covenant first, then a legal entity
                detail = "covenant signed" if after < 1 else "legal entity founded"
            made.append(
                Event(
                    month,
                    name,
                    kind_name,
                    name if about_partnership else slot_names[p][who],
                    slot_names[p][other] if other >= 0 else "",
                    variable,
                    before if variable else _NAN,
                    after if variable else _NAN,
                    detail,
                )
            )
        log.extend(made)

    def _region_event(self, month, name, kind, who, other, before, after) -> Event:
        """A demand shock's or a funding scheme's event (their rows name no member slots)."""
        if kind == DEMAND_SHOCK:
            detail = "demand rises sharply" if other > 0 else "demand falls sharply"
            theme = f"demand_theme_{who}"
            return Event(month, name, "demand_shock", "region", "", theme, before, after, detail)
        f = self.funding[who]
        starts = kind == FUNDING_STARTED
        detail = f"{f.scheme.replace('_', ' ')} '{f.name}' " + ("starts" if starts else "ends")
        kind_name = "funding_started" if starts else "funding_ended"
        return Event(
            month, name, kind_name, f.name, "", "funding_eur_per_month", before, after, detail
        )


def _as_lists(rows: np.ndarray) -> list[list]:
    """The rows as lists, kind, partnership, who and other as ints: converted at once for many
    rows (a whole run's), one by one for the few of a month (faster so)."""
    if len(rows) > 8:
        codes = rows[:, :4].astype(np.int64).tolist()
        return [code + change for code, change in zip(codes, rows[:, 4:].tolist(), strict=True)]
    return [[int(k), int(p), int(w), int(o), b, a] for k, p, w, o, b, a in rows.tolist()]


def _slot_names(st, org) -> list[list[str]]:
    """The organisation in each member slot of each partnership, by name ("" for none)."""
    if org is None:  # events about the partnership itself name no organisation
        return [[""] * st.slot_org.shape[1] for _ in st.names]
    return [[org.names[o] if o >= 0 else "" for o in row] for row in st.slot_org.tolist()]
