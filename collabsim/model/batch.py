"""The batch path: a whole run in one compiled call, what every run of runs.runner takes.

Every month of the run, the policy's decisions and all the draws happen in `run_whole`, with no
Python between months. It calls the compiled month the month-by-month model calls
(mechanisms.month.run_month) and, where that model's step pauses for draws, the same compiled
kernels it calls there (the demand shocks, the jury and the funding switches); numba draws from
the numpy Generator itself, the same numbers in the same order, so a run gives the same summary,
events and monthly series (kept only when asked for) to the last bit (tests/test_batch_path.py).
It has no teacher moments: those need the month-by-month model (collabsim.model.collaboration).

`BatchRuns` builds what does not depend on the seed once per scenario (parameters, the region's
layout and its undrawn state, the policy's calendar, work arrays) and each run copies the
undrawn state, draws its region into it and goes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collabsim.mechanisms.demand import demand_shocks_kernel
from collabsim.mechanisms.month import PER_CALL, SHOCKS, TENSIONS, month_arguments, run_month
from collabsim.mechanisms.observation import SERIES
from collabsim.model.collaboration import MONTH_ZERO, MonthlyDraws, open_month_zero
from collabsim.model.event_buffer import LIAISON_LEFT, EventBuffer, count_of_kind, room_per_month
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.parameters import as_tuple
from collabsim.model.policy import PolicySchedule, juries_due, switch_schemes_kernel
from collabsim.model.region import (
    OrganisationsLayout,
    PartnershipsLayout,
    assign_to_partnerships,
    build_organisations,
    build_partnerships,
    with_room_kernel,
)
from collabsim.model.scenario import Scenario
from collabsim.model.state import (
    SCHEME_CALENDAR,
    SCHEME_FLOATS,
    Organisations,
    PartnershipState,
    Scratch,
    by_name,
    parameters,
)
from collabsim.model.structure import effective_conditions, effective_parameters


@njit(cache=True)
def draw_month(rng, uniform, normals):
    """This month's regular draws into their buffers, as MonthlyDraws.refill draws them: one
    number at a time, in place (numpy fills an array one number at a time, in order, from the
    same generator functions), so a month allocates nothing for them."""
    for i in range(uniform.shape[0]):
        uniform[i] = rng.random()
    for i in range(normals.shape[0]):
        for j in range(normals.shape[1]):
            normals[i, j] = rng.standard_normal()


@njit(cache=True)
def run_whole(
    rng,
    horizon,
    room,
    uniform,
    normals,
    shock_draws,
    tensions,
    n_tensions,
    rows,
    count,
    month_ends,
    demand_volatility,
    params,
    scheme_codes,
    scheme_counts,
    scheme_calendar,
    scheme_floats,
    scheme_awards,
    member_flags,
    member_floats,
    theme_levels,
    partnership_floats,
    partnership_flags,
    latest,
    monthly,
    month_args,
):
    """Every month of a run, as CollaborationModel.step does it: the month's draws, the schemes
    starting or ending and this month's payments, the month kernel, and at its pauses the demand
    shocks and the tensions' draws; until the horizon or until no partnership is left.

    `month_args`: run_month's arguments after month.PER_CALL. Events go to `rows`, the end of
    month m's at month_ends[m]; `room`: rows a month may write besides its tensions. Returns
    (months run, the tension table, the event rows), the tables grown where they had to.
    `monthly`: (horizon + 1, partnerships, len(SERIES)) to keep each month's end (`latest`), the
    months after an early end padded with the last, as CollaborationModel.series gives them; an
    empty first dimension keeps none.
    """
    keep = monthly.shape[0] > 0
    if keep:
        monthly[0] = latest
    no_draws = np.empty(0)
    no_juries = np.empty((0, partnership_flags.shape[1]))  # most months: no jury draws
    months = 0
    for month in range(1, horizon + 1):
        rows = with_room_kernel(rows, count[0] + room)
        draw_month(rng, uniform, normals)
        juries = juries_due(month, scheme_codes, scheme_counts)
        switch_schemes_kernel(
            month,
            rng.random((juries, partnership_flags.shape[1])) if juries else no_juries,
            scheme_codes,
            scheme_counts,
            scheme_calendar,
            scheme_awards,
            member_flags,
            member_floats,
            partnership_floats,
            partnership_flags,
            rows,
            count,
        )
        scheme_floats[SCHEME_FLOATS.pays] = scheme_calendar[SCHEME_CALENDAR.pay][month]
        stage, value = run_month(0, no_draws, tensions, n_tensions, rows, count, month, *month_args)
        if stage == SHOCKS:
            demand_shocks_kernel(
                rng,
                theme_levels,
                partnership_flags,
                shock_draws,
                demand_volatility,
                params,
                rows,
                count,
            )
            stage, value = run_month(
                stage, no_draws, tensions, n_tensions, rows, count, month, *month_args
            )
        if stage == TENSIONS:  # value: the uniform draws the tensions need
            draws = rng.random(value)
            tensions = with_room_kernel(tensions, n_tensions[0] + value)
            rows = with_room_kernel(rows, count[0] + 2 * value)
            stage, value = run_month(
                stage, draws, tensions, n_tensions, rows, count, month, *month_args
            )
        month_ends[month] = count[0]
        months = month
        if keep:
            monthly[month] = latest
        if value == 0:  # no partnership left
            break
    if keep:
        for month in range(months + 1, horizon + 1):
            monthly[month] = latest
    return months, tensions, rows


@dataclass
class FinishedRun:
    """What a batch run leaves: the final state, the last month's end (as in SERIES), the
    events (None unless asked for), the months run, the generator, each partnership's
    liaisons who left (what runs.runner.summarise reads) and the monthly series (None unless
    asked for; as CollaborationModel.series)."""

    state: PartnershipState
    orgs: Organisations
    latest: np.ndarray
    events: EventLog | None
    steps: int
    rng: np.random.Generator
    liaisons_left: np.ndarray
    monthly: np.ndarray | None = None

    def series(self) -> np.ndarray:
        """The monthly series (horizon + 1, partnerships, len(SERIES)), if the run kept it."""
        if self.monthly is None:
            raise ValueError("this batch run kept no monthly series (run it with series=True)")
        return self.monthly


class BatchRuns:
    """Runs of one scenario through the batch path: built once, each run reset and drawn anew."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.prm = as_tuple(effective_parameters(scenario))
        self.conditions = effective_conditions(scenario)
        self.members, self.slots = assign_to_partnerships(scenario)
        self.organisations = OrganisationsLayout(self.members, scenario)
        self.partnerships = PartnershipsLayout(scenario, self.members, self.slots)
        self._built = None  # the seed-free parts, made at the first run (they need its shapes)

    def run(self, seed: int, events: bool = True, series: bool = False) -> FinishedRun:
        """One run with an exact model seed, the same run as CollaborationModel(scenario,
        rng=seed).run() to the last bit. With events=False the event rows are not decoded into
        a log (the run's `events` is None): only the liaisons who left are counted from them,
        for the summary. With series=True it keeps each month's end (`monthly`), the same
        array as the model's series()."""
        st, orgs, rng, latest, arguments = self.start(seed, series)
        built = self._built
        months, st.tensions, built.buffer.rows = run_whole(*arguments)
        buffer = built.buffer
        left = count_of_kind(buffer.rows, int(buffer.count[0]), LIAISON_LEFT, len(st.names))
        log = built.events(st, orgs, months) if events else None
        monthly = built.monthly if series else None
        return FinishedRun(st, orgs, latest, log, months, rng, left, monthly)

    def start(self, seed: int, series: bool = False) -> tuple:
        """A run's construction: its region drawn from its seed and month 0 opened, the work
        arrays put back to their start, a fresh array for the monthly series if asked for;
        (state, organisations, generator, the month-end snapshot, run_whole's arguments)."""
        sc, rng = self.scenario, np.random.default_rng(seed)
        orgs = build_organisations(self.members, sc, rng, self.organisations)
        st = build_partnerships(sc, self.members, self.slots, orgs, rng, self.partnerships)
        if self._built is None:
            self._built = _SeedFree(self, st, orgs)
        built = self._built
        built.restart()
        latest = np.empty((len(st.names), len(SERIES)))
        built.monthly = np.empty((sc.scenario.steps + 1, *latest.shape)) if series else built.none
        per_run = {**st.blocks(), **orgs.blocks(), "latest": latest, "monthly": built.monthly}
        open_month_zero(st, built.scratch, self.prm, latest, built.month_zero(per_run))
        return st, orgs, rng, latest, built.arguments(st, orgs, rng, latest, per_run)


class _Places:
    """A kernel's arguments, found by name once; each run puts its own arrays in their places."""

    def __init__(self, names: tuple[str, ...], arguments: tuple, per_run) -> None:
        self.arguments = list(arguments)
        self.places = [(i, name) for i, name in enumerate(names) if name in per_run]

    def fill(self, values: dict) -> tuple:
        """The arguments with this run's values (by name) in their places."""
        for i, name in self.places:
            self.arguments[i] = values[name]
        return tuple(self.arguments)


class _SeedFree:
    """A scenario's work arrays, policy and run_whole's arguments, the same for every seed, put
    back to their start before each run."""

    def __init__(self, runs: BatchRuns, st: PartnershipState, orgs: Organisations) -> None:
        p, s = st.member.shape
        self.runs = runs
        self.policy = PolicySchedule(runs.scenario, st)
        self.scratch = Scratch.zeros({"P": p, "S": s, "N": len(orgs.names)})
        self.draws = MonthlyDraws(p, s, st.demand.shape[1])
        self.room = room_per_month(st, len(self.policy.funding))
        self.buffer = EventBuffer(self.room * 4, funding=self.policy.funding)
        self.month_ends = np.zeros(runs.scenario.scenario.steps + 1, dtype=np.int64)
        self.none = np.empty((0, p, len(SERIES)))  # no monthly series kept
        self.monthly = self.none
        holders = (self.policy.effects, self.policy.schemes, self.scratch)
        self._start = [(b, b.copy()) for h in holders for b in h.blocks().values()]
        self._places = None
        values = {"params": runs.prm.record, "latest": None}
        self._month_zero = {
            kernel: _Places(
                parameters(kernel),
                by_name(kernel, (st, self.scratch), values),
                {"latest", *st.blocks()},  # the scratch and parameters stay
            )
            for kernel in MONTH_ZERO
        }

    def month_zero(self, per_run: dict):
        """The arguments of month 0's kernels (collaboration.MONTH_ZERO) for this run's region."""
        return lambda kernel: self._month_zero[kernel].fill(per_run)

    def restart(self) -> None:
        """The policy's effects and awards and the work arrays as they were before any run."""
        for block, start in self._start:
            np.copyto(block, start)
        self.buffer.count[0] = 0
        self.month_ends[:] = 0

    def arguments(self, st, orgs, rng, latest, per_run: dict) -> tuple:
        """run_whole's arguments for this run's region (matched by name at the first run);
        `per_run`: its blocks and `latest` by name."""
        if self._places is None:
            self._places = self._find(st, orgs, rng, latest, per_run)
        month, whole = self._places
        per_run["month_args"] = month.fill(per_run)
        per_run.update(rng=rng, tensions=st.tensions, n_tensions=st.n_tensions)
        per_run["rows"] = self.buffer.rows
        return whole.fill(per_run)

    def _find(self, st, orgs, rng, latest, per_run: dict) -> tuple[_Places, _Places]:
        """The places of run_month's and run_whole's arguments, found by name."""
        cond, prm = self.runs.conditions, self.runs.prm
        holders = (self.policy.effects, self.policy.schemes, self.draws, self.scratch)
        month_args = month_arguments(
            (st, orgs, *holders),
            {
                "demand_volatility": cond.demand_volatility,
                "agility": cond.agility,
                "staff_turnover": cond.staff_turnover,
                "base_rigidity": self.policy.rigidity,
                "params": prm.record,
                "latest": latest,
            },
        )
        values = {
            "rng": rng,
            "horizon": self.runs.scenario.scenario.steps,
            "room": self.room,
            "uniform": self.draws.uniform,
            "tensions": st.tensions,
            "n_tensions": st.n_tensions,
            "rows": self.buffer.rows,
            "count": self.buffer.count,
            "month_ends": self.month_ends,
            "demand_volatility": cond.demand_volatility,
            "params": prm.record,
            "month_args": month_args,
            "latest": latest,
            "monthly": per_run["monthly"],
        }
        holders = (st, self.policy.schemes, self.policy.calendar, self.draws)
        arguments = by_name(run_whole, holders, values)
        changing = {*per_run, "month_args", "rng", "tensions", "n_tensions", "rows"}
        month_names = parameters(run_month)[len(PER_CALL) :]
        return _Places(month_names, month_args, per_run), _Places(
            parameters(run_whole), arguments, changing
        )

    def events(self, st, orgs, months: int) -> EventLog:
        """The run's event rows decoded into a log, each in the month that wrote it."""
        log, ends = EventLog(), self.month_ends[: months + 1]
        self.buffer.decode(
            log, st, orgs, np.repeat(np.arange(months + 1), np.diff(ends, prepend=0)).tolist()
        )
        return log
