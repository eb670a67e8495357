"""The region as a Mesa model: one step is one month through every mechanism, in a fixed order."""

from __future__ import annotations

import mesa
import numpy as np

from collabsim.mechanisms.demand import demand_shocks
from collabsim.mechanisms.month import SHOCKS, TENSIONS, month_arguments, run_month
from collabsim.mechanisms.observation import (
    COLUMN as COLUMN,  # the series' columns by name, for importers
)
from collabsim.mechanisms.observation import (
    SERIES,
    observe_lived_kernel,
    snapshot,
    snapshot_kernel,
)
from collabsim.mechanisms.tensions import grow_tensions
from collabsim.mechanisms.trust_views import trust_views_kernel
from collabsim.model.agents import AGENT_CLASS, Partnership
from collabsim.model.event_buffer import EventBuffer, room_per_month
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
from collabsim.model.state import Scratch, by_name
from collabsim.model.structure import effective_conditions, effective_parameters

_NO_DRAWS = np.empty(0)  # what the month kernel gets when it needs no draws from Python

# SERIES: the columns of one partnership-month in the collected series (mechanisms.COLUMN).
# The four drivers' levels and engagement: the series the trajectory charts draw (app, plots).
DRIVER_SERIES = ("trust", "engagement", "urgency", "incentives", "shared_interest")


class MonthlyDraws:
    """This month's regular random numbers, drawn from the model's generator in one call.

    One refill of one buffer per month (fixed layout) instead of five separate draws; rarer draws
    (which theme a shock hits, which pair a tension falls on) come from the generator directly.
    """

    def __init__(self, p: int, s: int, k: int) -> None:
        self.uniform = np.empty(2 * p * s + 3 * p)
        self.normals = np.empty((p, k))
        u, cut = self.uniform, np.cumsum([p, p * s, p, p, p * s])
        self.shock_draws = u[: cut[0]]
        self.turnover_draws = u[cut[0] : cut[1]].reshape(p, s)
        self.success_draws = u[cut[1] : cut[2]]
        self.tension_counts_draws = u[cut[2] : cut[3]]
        self.membership_draws = u[cut[3] : cut[4]].reshape(p, s)

    def refill(self, rng) -> None:
        """Draw this month's numbers in place."""
        rng.random(out=self.uniform)
        rng.standard_normal(out=self.normals)

    def blocks(self) -> dict[str, np.ndarray]:
        """This month's draws by the names kernels take them under."""
        names = ("normals", "shock_draws", "turnover_draws", "success_draws")
        names += ("tension_counts_draws", "membership_draws")
        return {name: getattr(self, name) for name in names}


# month 0's kernels, in order, once shared interest is seen: trust as seen, the first snapshot
# and the running sums of lived trust
MONTH_ZERO = (trust_views_kernel, snapshot_kernel, observe_lived_kernel)


def open_month_zero(st, scratch: Scratch, prm, latest: np.ndarray, arguments=None) -> None:
    """Month 0 of a region just built: shared interest and trust as seen, and the first
    snapshot, into `latest` and the running sums of lived trust.

    `arguments(kernel)`: each of MONTH_ZERO's arguments, found by name already (the batch path,
    collabsim.model.batch); else found here."""
    st.shared_interest[:] = shared_beyond_chance(st.interests, st.agenda) * st.has_org
    values = {"params": prm.record, "latest": latest}
    for kernel in MONTH_ZERO:
        kernel(
            *(by_name(kernel, (st, scratch), values) if arguments is None else arguments(kernel))
        )


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
        self.prm = as_tuple(effective_parameters(scenario))
        orgs, slots = assign_to_partnerships(scenario)
        self.orgs = build_organisations(orgs, scenario, self.rng)
        self.state = build_partnerships(scenario, orgs, slots, self.orgs, self.rng)
        self.organisations = [AGENT_CLASS[lab](self, i) for i, lab in enumerate(self.orgs.labels)]
        self.partnerships = [Partnership(self, p) for p in range(len(self.state.names))]
        self.events = EventLog()
        self.policy = PolicySchedule(scenario, self.state)
        p, s = self.state.member.shape
        self.scratch = Scratch.zeros({"P": p, "S": s, "N": len(self.orgs.names)})
        self.draws = MonthlyDraws(p, s, self.state.demand.shape[1])
        # room for the events one month can write outside tensions; the buffer is emptied every
        # month, so this room is always there
        self.buffer = EventBuffer(room_per_month(self.state, len(self.policy.funding)))
        self.latest = np.empty((len(self.state.names), len(SERIES)))  # the last month's end
        cond = effective_conditions(scenario)
        self._month_arguments = month_arguments(
            (
                self.state,
                self.orgs,
                self.policy.effects,
                self.policy.schemes,
                self.draws,
                self.scratch,
            ),
            {
                "demand_volatility": cond.demand_volatility,
                "agility": cond.agility,
                "staff_turnover": cond.staff_turnover,
                "base_rigidity": self.policy.rigidity,
                "params": self.prm.record,
                "latest": self.latest,
            },
        )
        self.collecting = collect
        open_month_zero(self.state, self.scratch, self.prm, self.latest)
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

        The mechanisms run in one compiled call (mechanisms.month.run_month), which pauses where the
        month needs draws from the model's generator that only it knows the number of."""
        st, prm, rng, log = self.state, self.prm, self.rng, self.events
        month, cond = self.steps, self.config.conditions
        if self._moments_pending:
            self._apply_teacher_moments(month)
        self.draws.refill(rng)
        self.policy.decide(st, month, rng, log)
        stage, value = self._run_month(0, _NO_DRAWS)
        if stage == SHOCKS:
            demand_shocks(st, cond.demand_volatility, prm, rng, month, log, self.draws.shock_draws)
            stage, value = self._run_month(stage, _NO_DRAWS)
        if stage == TENSIONS:  # value: the uniform draws the tensions need
            draws = rng.random(value)
            grow_tensions(st, value)
            self.buffer.ensure(2 * value)
            stage, value = self._run_month(stage, draws)
        self.buffer.flush(log, st, self.orgs, month)
        if self.collecting:
            self.datacollector.collect(self)
        if month >= self.horizon_months or value == 0:  # value: partnerships still alive
            self.running = False

    def _run_month(self, stage: int, tension_draws_now: np.ndarray) -> tuple[int, int]:
        """The month kernel from `stage` on: (the stage it stopped at, draws needed or alive).

        Its arguments after those that change between calls (month.PER_CALL, in that order)
        were found by name when the model was made."""
        tensions, n_tensions = self.state.tensions, self.state.n_tensions
        rows, count, month = self.buffer.rows, self.buffer.count, self.steps
        return run_month(
            stage,
            tension_draws_now,
            tensions,
            n_tensions,
            rows,
            count,
            month,
            *self._month_arguments,
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
        return snapshot(self.state, self.scratch, np.empty_like(self.latest))

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
