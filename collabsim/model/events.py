"""The event log: the partnership's timeline of notable events and the state change each caused."""

from __future__ import annotations

from typing import NamedTuple

EVENT_KINDS = (
    "tension_raised",
    "tension_resolved",
    "tension_escalated",
    "tension_let_go",
    "crisis",
    "liaison_left",
    "funding_started",
    "funding_ended",
    "member_joined",
    "member_left",
    "formalised",
    "dissolved",
    "demand_shock",
    "teacher_moment",
)

EVENT_COLUMNS = (
    "step",
    "partnership",
    "kind",
    "who",
    "other",
    "variable",
    "before",
    "after",
    "detail",
)


class Event(NamedTuple):
    """One entry of the timeline: when, which partnership, what, who, and the change it caused.

    A named tuple (immutable, fields by name) rather than a frozen dataclass: a run makes
    hundreds, and a named tuple is made in about a quarter of the time."""

    step: int
    partnership: str
    kind: str
    who: str
    other: str = ""
    variable: str = ""
    before: float = float("nan")
    after: float = float("nan")
    detail: str = ""


class EventLog:
    """An append-only list of events, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, step: int, partnership: str, kind: str, who: str, **change) -> Event:
        """Record one event and return it."""
        event = Event(step, partnership, kind, who, **change)
        self.events.append(event)
        return event

    def append(self, event: Event) -> None:
        """Record an event already made (as decoded from a compiled kernel's buffer)."""
        self.events.append(event)

    def extend(self, events: list[Event]) -> None:
        """Record events already made, in order."""
        self.events.extend(events)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def of_kind(self, kind: str) -> list[Event]:
        """All events of one kind."""
        return [e for e in self.events if e.kind == kind]

    def rows(self) -> list[tuple]:
        """Events as plain tuples in EVENT_COLUMNS order (for a DataFrame)."""
        return [tuple(e) for e in self.events]
