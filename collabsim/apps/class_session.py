"""A class session: student teams play the seats of one partnership, the teacher runs the room.

One model (collabsim.model.collaboration.CollaborationModel) of a preset scenario, shared by
every browser of the class. A team joins with the session's join code and takes one seat (an
organisation of partnership 0); seats nobody takes are played by the model's own agents. Each
round the model runs `months_per_round` months, each seated team's decisions (staff time, a
tension, means on the table, stay or leave; collabsim.model.seats) in place of its
organisation's own decision rule. Everything a student sends is checked here (code, seat key,
decision) and only ever changes this object: nothing reaches the file system.

The join code, seat keys and team tokens are secrets, drawn with the standard library's
`secrets`, not from the model's generator: they are not part of the simulation, and the same
seed still gives the same model, whoever plays.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from collabsim.analysis.narration import SEVERITY, narrate, org_name
from collabsim.errors import CollabsimInputError
from collabsim.locale import N_, check_language, translator
from collabsim.mechanisms.trust_views import effective_trust
from collabsim.model.collaboration import COLUMN, DRIVER_SERIES, CollaborationModel
from collabsim.model.events import Event
from collabsim.model.scenario import Scenario
from collabsim.model.seats import SeatDecision, decide, release_seat, seat_view, seats, take_seat
from collabsim.model.teacher_moments import MOMENTS

PARTNERSHIP = 0  # the classroom presets have one partnership; the session plays the first
TEAM_NAME_MAX = 40
ROUND_MONTHS = range(1, 13)
# a team's decision until take_seat gives it its organisation's course
FIRST_DECISION = SeatDecision()
THEME_LABEL = {
    "skilled_technicians": N_("enough skilled technicians"),
    "current_curriculum": N_("a current curriculum"),
    "lifelong_learning": N_("lifelong learning"),
    "regional_innovation": N_("regional innovation"),
}
# lobby: before the first round; playing: rounds run on by themselves; by_hand: the teacher runs
# each round (Next round without Start); paused; ended
PHASES = ("lobby", "playing", "by_hand", "paused", "ended")


class SessionError(CollabsimInputError):
    """A request the session refuses (wrong code, seat taken, ...): one line for the student."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Team:
    """A student team at one seat: its name, secret token and seat key, and its decisions."""

    slot: int
    name: str
    token: str
    seat_key: str
    decision: SeatDecision = FIRST_DECISION
    decided_round: int = -1
    version: int = 0  # goes up when the team's own seat changes

    def decision_dict(self) -> dict[str, Any]:
        """The team's decisions in force, as plain values."""
        return asdict(self.decision)


@dataclass
class Round:
    """One played round: months run, each seat's decision and what followed."""

    number: int
    first_month: int
    last_month: int
    decisions: dict[int, dict[str, Any]]
    events: list[Event] = field(default_factory=list)  # the model's own, to tell in either language


class ClassSession:
    """The shared state of one class: the model, the seats and their teams, and the rounds."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        months_per_round: int = 3,
        round_seconds: float = 90.0,
        language: str = "en",
        preset: str = "",
    ) -> None:
        if months_per_round not in ROUND_MONTHS:
            raise CollabsimInputError(
                f"--months-per-round {months_per_round}: choose 1 to 12 months a round"
            )
        if not round_seconds > 0:
            raise CollabsimInputError(f"--round-seconds {round_seconds}: must be above 0")
        self.scenario = scenario
        self.preset = preset or scenario.scenario.name
        self.seed = scenario.scenario.seed if seed is None else seed
        self.months_per_round = months_per_round
        self.round_seconds = round_seconds
        self.language = check_language(language)
        self.join_code = f"{secrets.randbelow(10**6):06d}"
        self.teacher_key = secrets.token_urlsafe(18)
        self.lock = threading.RLock()
        self.version = 0  # goes up with every change the teacher should see
        self.shared_version = 0  # goes up with every change every team should see
        self.address = ""  # where students open the join page (the server sets it)
        self.reset()

    # ------------------------------------------------------------------ the model

    def reset(self) -> None:
        """A new model of the preset with the session's seed; teams keep their seats."""
        with self.lock:
            self.model = CollaborationModel(self.scenario, rng=self.seed)
            self.phase = "lobby"
            self.rounds: list[Round] = []
            self.round_started = time.monotonic()
            self.queued_moments: list[str] = []
            for team in getattr(self, "teams", {}).values():
                team.decision = take_seat(self.model, team.slot, PARTNERSHIP)
                team.decided_round = -1
            if not hasattr(self, "teams"):
                self.teams: dict[int, Team] = {}
            self._changed(everyone=True)

    @property
    def month(self) -> int:
        """Months run so far."""
        return int(self.model.steps)

    @property
    def running(self) -> bool:
        """Whether the partnership still goes on and the horizon is not reached."""
        return bool(self.model.running) and self.model.state.alive[PARTNERSHIP]

    def seats(self) -> list:
        """The seats of the partnership: every organisation with a slot in it."""
        return seats(self.model, PARTNERSHIP)

    def _seat(self, slot: int):
        for seat in self.seats():
            if seat.slot == slot:
                return seat
        raise SessionError(f"seat {slot}: no such seat in this partnership", 404)

    def _changed(self, team: Team | None = None, everyone: bool = False) -> None:
        """Something changed: the teacher's pages always look again; a team's page looks again
        when its own seat changed or something every team sees (a round, the phase)."""
        self.version += 1
        if everyone:
            self.shared_version += 1
        if team is not None:
            team.version += 1

    def team_version(self, token: str) -> tuple[int, int]:
        """What a team's page watches: the changes every team sees, and its own."""
        team = self.team_of(token)
        return self.shared_version, team.version

    # ------------------------------------------------------------------ teams

    def join(self, code: str, slot: int, team_name: str, seat_key: str = "") -> Team:
        """Take a seat with the join code, or take it back with its seat key (a new laptop)."""
        with self.lock:
            if not secrets.compare_digest(str(code).strip(), self.join_code):
                raise SessionError("wrong join code: ask your teacher for the code", 403)
            seat = self._seat(slot)
            held = self.teams.get(slot)
            if held is not None:
                if seat_key and secrets.compare_digest(str(seat_key).strip(), held.seat_key):
                    held.token = secrets.token_urlsafe(18)  # the old laptop is out
                    self._changed(held)
                    return held
                raise SessionError(
                    f"seat {seat.name} is taken by team '{held.name}': choose another seat, or "
                    "enter your seat key to take yours back",
                    409,
                )
            name = " ".join(str(team_name).split())[:TEAM_NAME_MAX] or f"team {seat.name}"
            team = Team(
                slot=slot,
                name=name,
                token=secrets.token_urlsafe(18),
                seat_key=f"{secrets.randbelow(10**4):04d}",
            )
            self.teams[slot] = team
            team.decision = take_seat(self.model, slot, PARTNERSHIP)  # keeps its course
            self._changed(team)
            return team

    def team_of(self, token: str) -> Team:
        """The team a token belongs to (a laptop that has joined), else a refusal."""
        with self.lock:
            for team in self.teams.values():
                if secrets.compare_digest(str(token), team.token):
                    return team
        raise SessionError("not at a seat (any more): join again with the code", 401)

    def free_seat(self, slot: int) -> None:
        """The teacher frees a seat: its organisation goes back to the model's own rule."""
        with self.lock:
            self._seat(slot)
            if self.teams.pop(slot, None) is not None:
                release_seat(self.model, slot, PARTNERSHIP)
                self._changed()

    def submit(self, token: str, decision: dict[str, Any]) -> Team:
        """A team's decisions for this round (they hold until changed)."""
        with self.lock:
            team = self.team_of(token)
            if self.phase == "ended":
                raise SessionError("the session has ended: see the debrief on the big screen", 409)
            try:
                chosen = SeatDecision(**decision)
            except TypeError:
                raise SessionError(
                    "a decision has staff_time, tension, contribution and stay only"
                ) from None
            except CollabsimInputError as exc:
                raise SessionError(str(exc)) from None
            team.decision, team.decided_round = chosen, len(self.rounds)
            decide(self.model, team.slot, chosen, PARTNERSHIP)
            self._changed(team)
            return team

    def all_decided(self) -> bool:
        """Whether every seated team has decided this round."""
        n = len(self.rounds)
        return bool(self.teams) and all(t.decided_round == n for t in self.teams.values())

    # ------------------------------------------------------------------ the teacher

    def start(self) -> None:
        """Play: rounds run on when every team has decided, or when the round's time is up."""
        with self.lock:
            if self.phase != "ended":
                self.phase = "playing"
                self.round_started = time.monotonic()
                self._changed(everyone=True)

    def pause(self) -> None:
        """Pause: no round runs on by itself until start."""
        with self.lock:
            if self.phase in ("playing", "by_hand"):
                self.phase = "paused"
                self._changed(everyone=True)

    def inject(self, kind: str) -> None:
        """A teacher moment at the start of the next month (funding ends, a key person
        leaves, a demand shock, a conflict)."""
        if kind not in MOMENTS:
            raise SessionError(f"teacher moment {kind!r}: choose one of {', '.join(MOMENTS)}")
        with self.lock:
            self.model.inject(kind, partnership=PARTNERSHIP)
            self.queued_moments.append(kind)
            self._changed()

    def due(self, now: float | None = None) -> bool:
        """Whether a playing round should run on now (all decided, or its time up)."""
        if self.phase != "playing" or not self.running:
            return False
        now = time.monotonic() if now is None else now
        return self.all_decided() or now - self.round_started >= self.round_seconds

    def next_round(self) -> Round | None:
        """Run the next round: each seat's decisions in force, `months_per_round` months."""
        with self.lock:
            if not self.running:
                self._end()
                return None
            first = self.month + 1
            if self.phase == "lobby":
                self.phase = "by_hand"
            decisions = {
                slot: {"team": t.name, **t.decision_dict()} for slot, t in self.teams.items()
            }
            seen = len(self.model.events)
            for _ in range(self.months_per_round):
                if not self.model.running:
                    break
                self.model.step()
            events = list(self.model.events)[seen:]
            played = Round(len(self.rounds) + 1, first, self.month, decisions, events)
            self.rounds.append(played)
            self.queued_moments.clear()
            self.round_started = time.monotonic()
            if not self.running:
                self._end()
            self._changed(everyone=True)
            return played

    def _end(self) -> None:
        self.phase = "ended"
        self._changed(everyone=True)

    def end(self) -> None:
        """End the session now (the debrief compares what was played so far)."""
        with self.lock:
            self._end()

    # ------------------------------------------------------------------ what people see

    def seat_state(self, token: str, language: str | None = None) -> dict[str, Any]:
        """What a team sees: its organisation's view, its decision and the round."""
        language = check_language(language or self.language)
        with self.lock:
            team = self.team_of(token)
            view = team_view(
                seat_view(self.model, team.slot, PARTNERSHIP, language=language), language
            )
            return {
                "version": self.version,
                "phase": self.phase,
                "round": len(self.rounds) + 1,
                "month": self.month,
                "months_per_round": self.months_per_round,
                "seconds_left": self.seconds_left(),
                "team": team.name,
                "slot": team.slot,
                "seat_key": team.seat_key,
                "decided": team.decided_round == len(self.rounds),
                "decision": team.decision_dict(),
                "view": view,
                "last_round": self._last_round_lines(language),
            }

    def seconds_left(self) -> float | None:
        """Seconds until a playing round runs on by itself."""
        if self.phase != "playing":
            return None
        return max(0.0, self.round_seconds - (time.monotonic() - self.round_started))

    def _last_round_lines(self, language: str) -> list[str]:
        if not self.rounds:
            return []
        return [narrate(e, language) for e in self.rounds[-1].events]

    def lobby(self, language: str | None = None) -> dict[str, Any]:
        """What the join page shows before a team has a seat: the seats and who holds them."""
        language = check_language(language or self.language)
        with self.lock:
            return {
                "version": self.version,
                "preset": self.preset,
                "phase": self.phase,
                "seats": [
                    {
                        "slot": s.slot,
                        "name": org_name(s.name, language),
                        "kind": s.type,
                        "taken": s.slot in self.teams,
                    }
                    for s in self.seats()
                ],
            }

    def teacher_state(self, language: str | None = None) -> dict[str, Any]:
        """Everything the teacher's console and the big screen draw."""
        language = check_language(language or self.language)
        with self.lock:
            model, st = self.model, self.model.state
            return {
                "version": self.version,
                "preset": self.preset,
                "seed": self.seed,
                "join_code": self.join_code,
                "address": self.address,
                "phase": self.phase,
                "round": len(self.rounds) + 1,
                "month": self.month,
                "horizon": int(model.horizon_months),
                "alive": bool(st.alive[PARTNERSHIP]),
                "months_per_round": self.months_per_round,
                "seconds_left": self.seconds_left(),
                "queued": list(self.queued_moments),
                "seats": [self._seat_row(s, language) for s in self.seats()],
                "series": self.driver_series(),
                "network": self.network(language),
                "timeline": self.timeline(language),
                "rounds": [round_record(r, language) for r in self.rounds],
            }

    def _seat_row(self, seat, language: str) -> dict[str, Any]:
        team = self.teams.get(seat.slot)
        st = self.model.state
        row = {
            "slot": seat.slot,
            "name": org_name(seat.name, language),
            "kind": seat.type,
            "member": bool(st.member[PARTNERSHIP, seat.slot]),
            "engagement": round(float(st.engagement[PARTNERSHIP, seat.slot]), 3),
            "team": None,
        }
        if team is not None:
            row.update(
                team=team.name,
                decided=team.decided_round == len(self.rounds),
                decision=team.decision_dict(),
            )
        return row

    def driver_series(self) -> dict[str, list[float]]:
        """The drivers and engagement of the partnership, month by month so far."""
        rows = self.model.datacollector.model_vars["partnerships"]
        return {
            name: [round(float(r[PARTNERSHIP, getattr(COLUMN, name)]), 4) for r in rows]
            for name in (*DRIVER_SERIES, "public_value")
        }

    def network(self, language: str) -> dict[str, Any]:
        """The members and the trust between them, as the network view draws it."""
        st, prm = self.model.state, self.model.prm
        trust = effective_trust(st, prm)[PARTNERSHIP]
        nodes = [
            {
                "slot": s.slot,
                "name": org_name(s.name, language),
                "member": bool(st.member[PARTNERSHIP, s.slot]),
                "engagement": round(float(st.engagement[PARTNERSHIP, s.slot]), 3),
                "played": s.slot in self.teams,
            }
            for s in self.seats()
        ]
        slots = [n["slot"] for n in nodes]
        links = [
            {"a": i, "b": j, "trust": round(0.5 * float(trust[i, j] + trust[j, i]), 3)}
            for k, i in enumerate(slots)
            for j in slots[k + 1 :]
            if st.member[PARTNERSHIP, i] and st.member[PARTNERSHIP, j]
        ]
        return {"nodes": nodes, "links": links}

    def timeline(self, language: str, last: int = 60) -> list[dict[str, Any]]:
        """The partnership's events so far, newest last, each as a sentence."""
        name = self.model.state.names[PARTNERSHIP]
        events = [e for e in self.model.events if e.partnership in (name, "", None)]
        return [
            {
                "month": e.step,
                "kind": e.kind,
                "severity": SEVERITY.get(e.kind, "minor"),
                "text": narrate(e, language),
            }
            for e in events[-last:]
        ]


def team_view(view: dict[str, Any], language: str) -> dict[str, Any]:
    """The seat's view (collabsim.model.seats.seat_view) as the team page draws it: names in
    the language, themes and partners as lists."""
    _ = translator(language)
    return {
        "name": org_name(view["organisation"], language),
        "at_table": view["at_table"],
        "engagement": view["engagement"],
        "urgency": view["urgency"],
        "incentives": view["incentives"],
        "shared_interest": view["shared_interest"],
        "worth_it": view["worth_it"] if view["worth_it"] is not None else 0.0,
        "themes": [
            {
                "name": _(THEME_LABEL.get(theme, theme)),
                "interest": view["interests"][theme],
                "agenda": view["agenda"][theme],
            }
            for theme in view["interests"]
        ],
        "trust": [
            {"name": org_name(who, language), "trust": t} for who, t in view["trust"].items()
        ],
        "tensions": [
            {"with": org_name(t["with"], language), "age_months": t["age_months"]}
            for t in view["open_tensions"]
        ],
    }


def round_record(played: Round, language: str) -> dict[str, Any]:
    """A round as the console's decision log shows it."""
    return {
        "round": played.number,
        "months": [played.first_month, played.last_month],
        "decisions": {str(k): v for k, v in played.decisions.items()},
        "events": [
            {"month": e.step, "kind": e.kind, "text": narrate(e, language)} for e in played.events
        ],
    }
