"""Played seats (class mode, docs/ODD.md §7.21): a team of students plays one organisation of a
partnership. Each month the team's four decisions (staff time, tensions, contribution, stay or
leave) replace that organisation's own decision rule; everything else runs as in the model.

The decisions live in the member rows `played`, `staff_time_choice`, `tension_choice`,
`contribution_choice` and `stay_choice` (collabsim.model.state), which the month's kernels read;
all zero (no seat played) the model runs exactly as without them. A decision stored here takes
effect from the next step. These are the students' choices, not a claim of the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from collabsim.errors import CollabsimInputError
from collabsim.mechanisms.trust_views import effective_trust
from collabsim.model.organisation_types import type_name
from collabsim.model.region import THEMES

# the stored codes of each choice (MEMBER_FLOATS.tension_choice, .contribution_choice)
TENSION_CODES = {"let_go": -1.0, "none": 0.0, "raise": 1.0}
CONTRIBUTION_CODES = {"none": 0.0, "in_kind": 1.0, "money": 2.0}


@dataclass(frozen=True)
class Seat:
    """An organisation with a slot in a partnership, as a team could play it."""

    slot: int
    organisation: int
    name: str
    type: str
    type_name: str
    member: bool
    played: bool


@dataclass(frozen=True)
class SeatDecision:
    """A team's four decisions for one month."""

    staff_time: float = 0.5
    tension: str = "none"
    contribution: str = "in_kind"
    stay: bool = True

    def __post_init__(self) -> None:
        """Refuse a value the model cannot take, in one clear line."""
        st = self.staff_time
        if isinstance(st, bool) or not isinstance(st, (int, float)) or not 0 <= st <= 1:
            raise CollabsimInputError(f"staff_time must be a number from 0 to 1, not {st!r}")
        if self.tension not in TENSION_CODES:
            raise CollabsimInputError(
                f"tension must be one of {', '.join(TENSION_CODES)}, not {self.tension!r}"
            )
        if self.contribution not in CONTRIBUTION_CODES:
            raise CollabsimInputError(
                f"contribution must be one of {', '.join(CONTRIBUTION_CODES)}, "
                f"not {self.contribution!r}"
            )
        if not isinstance(self.stay, (bool, np.bool_)):
            raise CollabsimInputError(f"stay must be true or false, not {self.stay!r}")


def _partnership(model, partnership) -> int:
    """The partnership's index, checked."""
    p_n = model.state.member.shape[0]
    if isinstance(partnership, bool) or not isinstance(partnership, (int, np.integer)):
        raise CollabsimInputError(f"partnership must be a whole number, not {partnership!r}")
    if not 0 <= partnership < p_n:
        raise CollabsimInputError(f"no partnership {partnership}: choose 0 to {p_n - 1}")
    return int(partnership)


def _slot(model, slot, partnership) -> tuple[int, int]:
    """(partnership, slot) checked: an organisation has this slot."""
    st = model.state
    partnership = _partnership(model, partnership)
    s_n = st.member.shape[1]
    if isinstance(slot, bool) or not isinstance(slot, (int, np.integer)):
        raise CollabsimInputError(f"slot must be a whole number, not {slot!r}")
    if not 0 <= slot < s_n or not st.has_org[partnership, slot]:
        free = ", ".join(str(s) for s in np.flatnonzero(st.has_org[partnership]))
        raise CollabsimInputError(f"no organisation in slot {slot}: choose one of {free}")
    return int(partnership), int(slot)


def seats(model, partnership: int = 0) -> list[Seat]:
    """Every organisation with a slot in the partnership, at the table or not."""
    st, orgs = model.state, model.orgs
    partnership = _partnership(model, partnership)
    out = []
    for s in np.flatnonzero(st.has_org[partnership]):
        o = int(st.slot_org[partnership, s])
        label = orgs.labels[o]
        out.append(
            Seat(
                slot=int(s),
                organisation=o,
                name=orgs.names[o],
                type=label,
                type_name=type_name(label),
                member=bool(st.member[partnership, s]),
                played=bool(st.played[partnership, s] > 0),
            )
        )
    return out


def _available(model, p: int, s: int) -> float:
    """The organisation's capacity for this partnership: capacity / √(its partnerships)."""
    st = model.state
    o = st.slot_org[p, s]
    hubs = max(int((st.member & (st.slot_org == o)).sum()), 1)
    return float(model.orgs.capacity[o]) / math.sqrt(hubs)


def take_seat(model, slot: int, partnership: int = 0) -> SeatDecision:
    """A team takes the seat; its first decision keeps the organisation's course."""
    p, s = _slot(model, slot, partnership)
    st = model.state
    available = _available(model, p, s)
    staff = st.engagement[p, s] / available if st.member[p, s] and available > 0 else 0.3
    decision = SeatDecision(staff_time=float(min(max(staff, 0.0), 1.0)))
    st.played[p, s] = 1.0
    _store(model, p, s, decision)
    return decision


def release_seat(model, slot: int, partnership: int = 0) -> None:
    """The seat goes back to the model's own decision rule."""
    p, s = _slot(model, slot, partnership)
    st = model.state
    for row in (st.played, st.staff_time_choice, st.tension_choice):
        row[p, s] = 0.0
    st.contribution_choice[p, s] = st.stay_choice[p, s] = 0.0


def decide(model, slot: int, decision: SeatDecision, partnership: int = 0) -> None:
    """Store a team's decision for a taken seat; it applies from the next step."""
    p, s = _slot(model, slot, partnership)
    if not isinstance(decision, SeatDecision):
        raise CollabsimInputError(f"a decision must be a SeatDecision, not {decision!r}")
    if not model.state.played[p, s] > 0:
        raise CollabsimInputError(f"slot {s} of partnership {p} is not taken: take_seat first")
    _store(model, p, s, decision)


def _store(model, p: int, s: int, decision: SeatDecision) -> None:
    st = model.state
    st.staff_time_choice[p, s] = float(decision.staff_time)
    st.tension_choice[p, s] = TENSION_CODES[decision.tension]
    st.contribution_choice[p, s] = CONTRIBUTION_CODES[decision.contribution]
    st.stay_choice[p, s] = 1.0 if decision.stay else 0.0


def current_decision(model, slot: int, partnership: int = 0) -> SeatDecision | None:
    """The decision stored for a taken seat; None when the model plays it."""
    p, s = _slot(model, slot, partnership)
    st = model.state
    if not st.played[p, s] > 0:
        return None
    by_code = {v: k for k, v in TENSION_CODES.items()}
    by_contribution = {v: k for k, v in CONTRIBUTION_CODES.items()}
    return SeatDecision(
        staff_time=float(st.staff_time_choice[p, s]),
        tension=by_code[float(st.tension_choice[p, s])],
        contribution=by_contribution[float(st.contribution_choice[p, s])],
        stay=bool(st.stay_choice[p, s] > 0),
    )


def seat_view(
    model,
    slot: int,
    partnership: int = 0,
    *,
    language: str = "en",
    narrate: Callable | None = None,
) -> dict:
    """What the seat's organisation sees this month (plain JSON-able values).

    `narrate(event, language)` tells last month's events as sentences (the app passes
    collabsim.analysis.narration.narrate); without it they come as plain dicts."""
    p, s = _slot(model, slot, partnership)
    st, orgs, prm = model.state, model.orgs, model.prm
    names = [orgs.names[o] if o >= 0 else "" for o in st.slot_org[p]]
    at_table = bool(st.member[p, s])
    seen = effective_trust(st, prm)[p, s]  # both layers blended, as in §7.10
    trust = {names[j]: float(seen[j]) for j in np.flatnonzero(st.member[p]) if j != s}
    tensions = []
    for row in st.tensions[: int(st.n_tensions[0])].tolist():
        q, i, j, age = row
        if q == p and s in (i, j):
            tensions.append({"with": names[j if i == s else i], "age_months": int(age)})
    events = [e for e in model.events if e.step == model.steps and e.partnership == st.names[p]]
    decision = current_decision(model, s, p)
    return {
        "month": int(model.steps),
        "partnership": st.names[p],
        "organisation": names[s],
        "type": type_name(orgs.labels[st.slot_org[p, s]], language),
        "at_table": at_table,
        "played": decision is not None,
        "decision": asdict(decision) if decision is not None else None,
        "engagement": float(st.engagement[p, s]),
        "urgency": float(st.urgency[p, s]),
        "incentives": float(st.incentives[p, s]),
        "shared_interest": float(st.shared_interest[p, s]),
        "interests": dict(zip(THEMES, st.interests[p, s].tolist(), strict=True)),
        "agenda": dict(zip(THEMES, st.agenda[p].tolist(), strict=True)),
        "trust": trust,
        "worth_it": -float(model.scratch.shortfall[p, s]) if at_table else None,
        "open_tensions": tensions,
        "last_month": [
            narrate(e, language) if narrate else {k: e._asdict()[k] for k in _EVENT_KEYS}
            for e in events
        ],
    }


_EVENT_KEYS = ("step", "kind", "who", "other", "detail")
