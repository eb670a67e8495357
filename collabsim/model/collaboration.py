"""The region as a Mesa model: one step is one month through every mechanism, in a fixed order."""

from __future__ import annotations

import mesa
import numpy as np

from collabsim.mechanisms import month as mech
from collabsim.mechanisms.month import (
    COLUMN as COLUMN,  # the series' columns by name, for importers
)
from collabsim.mechanisms.month import SERIES
from collabsim.model.agents import AGENT_CLASS, Partnership
from collabsim.model.event_buffer import EventBuffer
from collabsim.model.events import EventLog
from collabsim.model.parameters import as_tuple
from collabsim.model.policy import PolicySchedule
from collabsim.model.region import (
    PHASES,
    assign_to_partnerships,
    build_organisations,
    build_partnerships,
    shared_beyond_chance,
)
from collabsim.model.scenario import Scenario

_NO_DRAWS = np.empty(0)  # what the month kernel gets when it needs no draws from Python

# SERIES: the columns of one partnership-month in the collected series (mechanisms.COLUMN).
# The four drivers' levels and engagement: the series the trajectory charts draw (app, plots).
DRIVER_SERIES = ("trust", "engagement", "urgency", "incentives", "shared_interest")


class Scratch:
    """Work arrays reused every month (so a step allocates almost nothing)."""

    def __init__(self, st, n_orgs: int) -> None:
        p, s = st.member.shape
        self.trust = np.zeros((p, s, s))
        self.trust_seen = np.zeros((p, s))
        self.pair_trust = np.zeros(p)
        self.engaged = np.zeros((p, s), dtype=bool)
        self.leaving = np.zeros((p, s), dtype=bool)
        self.success = np.zeros(p, dtype=bool)
        self.acts = np.zeros(p, dtype=bool)
        self.ready = np.zeros(p, dtype=bool)
        self.gone = np.zeros(p, dtype=bool)
        self.misfit = np.zeros(p)
        self.agility = np.zeros(p)
        self.rates = np.zeros(p)
        self.counts = np.zeros(p, dtype=np.int64)
        self.joins = np.zeros((p, s), dtype=bool)
        self.memberships = np.zeros(n_orgs, dtype=np.int64)


class MonthlyDraws:
    """This month's regular random numbers, drawn from the model's generator in one call.

    One refill of one buffer per month (fixed layout) instead of five separate draws; rarer draws
    (which theme a shock hits, which pair a tension falls on) come from the generator directly.
    """

    def __init__(self, p: int, s: int, k: int) -> None:
        self.uniform = np.empty(2 * p * s + 3 * p)
        self.normal = np.empty((p, k))
        u, cut = self.uniform, np.cumsum([p, p * s, p, p, p * s])
        self.shock = u[: cut[0]]
        self.turnover = u[cut[0] : cut[1]].reshape(p, s)
        self.success = u[cut[1] : cut[2]]
        self.tension = u[cut[2] : cut[3]]
        self.join = u[cut[3] : cut[4]].reshape(p, s)

    def refill(self, rng) -> None:
        """Draw this month's numbers in place."""
        rng.random(out=self.uniform)
        rng.standard_normal(out=self.normal)


class CollaborationModel(mesa.Model):
    """Horizontal collaboration in a region: organisations, partnerships, policy; monthly steps."""

    def __init__(self, scenario: Scenario | None = None, *, rng=None, collect: bool = True):
        scenario = (
            scenario
            if scenario is not None
            else Scenario.model_validate(
                {"organisations": [{"type": "school", "level": "mbo"}, {"type": "firm"}]}
            )
        )
        super().__init__(rng=scenario.scenario.seed if rng is None else rng)
        self.config = scenario
        self.horizon_months = scenario.scenario.steps
        self.prm = as_tuple(scenario.parameters)
        orgs, slots = assign_to_partnerships(scenario)
        self.orgs = build_organisations(orgs, scenario, self.rng)
        self.state = build_partnerships(scenario, orgs, slots, self.orgs, self.rng)
        self.organisations = [AGENT_CLASS[lab](self, i) for i, lab in enumerate(self.orgs.labels)]
        self.partnerships = [Partnership(self, p) for p in range(len(self.state.names))]
        self.events = EventLog()
        self.policy = PolicySchedule(scenario, self.state)
        self.scratch = Scratch(self.state, len(self.orgs.names))
        self.draws = MonthlyDraws(*self.state.member.shape, self.state.demand.shape[1])
        # events one month can write outside tensions: turnover, leaving, joining (a row per
        # member slot each), formalisation and dissolution (one per partnership each); the
        # buffer is emptied every month, so this room is always there
        self.buffer = EventBuffer(3 * self.state.member.size + 2 * len(self.state.alive))
        self.latest = np.empty((len(self.state.names), len(SERIES)))  # the last month's end
        self._month_arrays = mech.pack_for_month(
            self.state, self.orgs, self.scratch, self.draws, self.policy, self.latest
        )
        st = self.state
        st.shared_interest[:] = shared_beyond_chance(st.interests, st.agenda) * st.has_org
        mech.trust_views(self.state, self.prm, self.scratch)
        self.collecting = collect
        mech.snapshot(st, self.scratch.pair_trust, self.latest)
        mech.observe_lived(self.latest, st.trust_lived, st.months_lived)  # month 0
        self.datacollector = mesa.DataCollector(
            model_reporters={"partnerships": CollaborationModel.month_end}
        )
        self.running = True
        self._moments_pending: list[tuple[str, dict]] = []
        if collect:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ the monthly step

    def step(self) -> None:
        """One month, in causal order (docs/ODD.md §3): policy, demand, the drivers, turnover,
        engagement, joint action, trust, tensions, formalisation, membership, dissolution.

        The mechanisms run in one compiled call (mechanisms.run_month), which pauses where the
        month needs draws from the model's generator that only it knows the number of."""
        st, prm, rng, log = self.state, self.prm, self.rng, self.events
        month, cond = self.steps, self.config.conditions
        if self._moments_pending:
            self._apply_teacher_moments(month)
        self.draws.refill(rng)
        self.policy.decide(st, month, rng, log)
        stage, value = self._run_month(0, _NO_DRAWS)
        if stage == mech.SHOCKS:
            mech.demand_shocks(st, cond.demand_volatility, prm, rng, month, log, self.draws.shock)
            stage, value = self._run_month(stage, _NO_DRAWS)
        if stage == mech.TENSIONS:  # value: the uniform draws the tensions need
            draws = rng.random(value)
            mech.grow_tensions(st, value)
            self.buffer.ensure(2 * value)
            stage, value = self._run_month(stage, draws)
        self.buffer.flush(log, st, self.orgs, month)
        if self.collecting:
            self.datacollector.collect(self)
        if month >= self.horizon_months or value == 0:  # value: partnerships still alive
            self.running = False

    def _run_month(self, stage: int, draws: np.ndarray) -> tuple[int, int]:
        """The month kernel from `stage` on: (the stage it stopped at, draws needed or alive)."""
        st, buffer, cond = self.state, self.buffer, self.config.conditions
        return mech.run_month(
            stage,
            draws,
            st.tensions,
            st.n_tensions,
            buffer.rows,
            buffer.count,
            cond.demand_volatility,
            cond.agility,
            cond.staff_turnover,
            self.policy.rigidity,
            self.steps,
            self.prm.record,
            *self._month_arrays,
        )

    def run(self, months: int | None = None) -> CollaborationModel:
        """Step until the horizon (or for `months` more months); returns the model."""
        target = self.horizon_months if months is None else self.steps + months
        while self.steps < target and self.running:
            self.step()
        return self

    # ------------------------------------------------------------------ observation

    def month_end(self) -> np.ndarray:
        """The state of every partnership at the end of the last month (as in SERIES), which
        the month kernel writes; the data collector stores a copy of it each month."""
        return self.latest

    def snapshot(self) -> np.ndarray:
        """This month's state of every partnership, one row each, columns as in SERIES."""
        return mech.snapshot(self.state, self.scratch.pair_trust, np.empty_like(self.latest))

    def series(self) -> np.ndarray:
        """All collected months as an array (horizon + 1, partnerships, len(SERIES)).

        A run that ended early (every partnership dissolved) is padded with its last month.
        """
        rows = self.datacollector.model_vars["partnerships"]
        out = np.stack(rows)
        missing = self.horizon_months + 1 - len(rows)
        if missing > 0 and not self.running:
            out = np.concatenate([out, np.repeat(out[-1:], missing, axis=0)])
        return out

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Names of the phase codes in the series."""
        return PHASES

    # ------------------------------------------------------------------ teacher moments

    def inject(self, kind: str, **options) -> None:
        """Queue a teacher moment for the next month: funding_ends, key_person_leaves, ..."""
        self._moments_pending.append((kind, options))

    def _apply_teacher_moments(self, month: int) -> None:
        from collabsim.model.teacher_moments import apply_moment

        while self._moments_pending:
            kind, options = self._moments_pending.pop(0)
            apply_moment(self, kind, month, **options)
