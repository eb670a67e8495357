"""Policy instruments: funding, paid coordinators, mandates and relaxed rules, month by month.

What each scheme pays in each month is worked out once, before the run (`PolicySchedule.plan`);
in its first month a challenge fund's jury picks whom it reaches (`jury_kernel`), and every
start and end is logged (`switch_schemes_kernel`). Both are compiled, so that a whole run in one
compiled call (collabsim.model.batch) decides as the month-by-month model does.
"""

from __future__ import annotations

import numpy as np

from collabsim.model.event_buffer import FUNDING_ENDED, FUNDING_STARTED, EventBuffer, emit
from collabsim.model.events import EventLog
from collabsim.model.kernel_cache import njit
from collabsim.model.scenario import FUNDING_SCHEMES, Funding, Scenario
from collabsim.model.state import (
    MEMBER_FLAGS,
    MEMBER_FLOATS,
    PARTNERSHIP_FLAGS,
    PARTNERSHIP_FLOATS,
    SCHEME_AWARDS,
    SCHEME_CALENDAR,
    SCHEME_CODES,
    SCHEME_COUNTS,
    PartnershipState,
    PolicyEffects,
    SchemePlan,
    Schemes,
    call,
)


def in_force(f: Funding, month):
    """Whether a scheme is in force in a month, or in each of an array of months (months count
    from 1; start=0 is from the first)."""
    return (f.start < month) & (month <= f.end)


def monthly_euros(f: Funding, month: int) -> float:
    """Euros a scheme pays a funded partnership in a month (0 when it is not in force)."""
    return euros_in_force(f, month) if in_force(f, month) else 0.0


def euros_in_force(f: Funding, month):
    """Euros a scheme pays a funded partnership in a month it is in force, or in each of an
    array of such months (tapering falls linearly to zero)."""
    if f.scheme == "tapering":
        remaining = f.end - month + 0.5
        return f.amount * 2.0 * remaining / f.duration**2
    if f.scheme == "challenge_fund":
        return f.amount / f.awards / f.duration
    return f.amount / f.duration


SCHEME_CODE = {name: k for k, name in enumerate(FUNDING_SCHEMES)}
CHALLENGE_FUND = SCHEME_CODE["challenge_fund"]


def scheme_plan(funding: list[Funding], months: int) -> SchemePlan:
    """Each scheme's months and, for months 0..months + 1, its payment (−1 when not in force)
    and euros a month (0 when not in force)."""
    calendar = np.arange(months + 2)
    live = np.zeros((len(calendar), len(funding)), dtype=bool)
    euros = np.zeros(live.shape)
    for k, f in enumerate(funding):
        live[:, k] = in_force(f, calendar)
        euros[:, k] = np.where(live[:, k], euros_in_force(f, calendar), 0.0)
    return SchemePlan(
        first_month=np.array([f.start + 1 for f in funding], dtype=np.int64),
        month_after=np.array([f.end + 1 for f in funding], dtype=np.int64),
        awards=np.array([f.awards for f in funding], dtype=np.int64),
        pay=np.where(live, euros, -1.0),
        euros=euros,
    )


@njit(cache=True)
def row_sum(values):
    """A row's sum in numpy's order (pairwise, eight running sums from eight values on), so the
    jury's strengths are those `ndarray.sum` gave to the bit."""
    n = values.shape[0]
    if n < 8:
        total = -0.0
        for i in range(n):
            total += values[i]
        return total
    if n > 128:
        half = n // 2
        half -= half % 8
        return row_sum(values[:half]) + row_sum(values[half:])
    r = values[:8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += values[i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(n - n % 8, n):
        total += values[i]
    return total


@njit(cache=True)
def jury_kernel(
    luck, awards, member_flags, member_floats, partnership_floats, partnership_flags, chosen
):
    """A challenge fund's jury picks the `awards` strongest proposals, strength = mean engagement
    · relevance · success rate + 0.05 · a uniform draw (`luck`, one per partnership), among
    living partnerships of two or more members; `chosen` (one flag per partnership) marks them."""
    member = member_flags[MEMBER_FLAGS.member]
    engagement = member_floats[MEMBER_FLOATS.engagement]
    relevance = partnership_floats[PARTNERSHIP_FLOATS.relevance]
    success_rate = partnership_floats[PARTNERSHIP_FLOATS.success_rate]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    n = member.shape[0]
    strength = np.empty(n)
    for p in range(n):
        members = 0
        for s in range(member.shape[1]):
            members += member[p, s]
        if alive[p] and members >= 2:
            mean = row_sum(engagement[p]) / max(members, 1)
            strength[p] = mean * relevance[p] * success_rate[p] + 0.05 * luck[p]
        else:
            strength[p] = -np.inf
    order = np.argsort(-strength, kind="mergesort")  # stable: ties keep partnership order
    chosen[:] = False
    for rank in range(min(awards, n)):
        if np.isfinite(strength[order[rank]]):
            chosen[order[rank]] = True


@njit(cache=True)
def juries_due(month, scheme_codes, scheme_counts):
    """How many challenge funds start this month: their juries draw, in scheme order, one
    uniform number per partnership each (the draws `switch_schemes_kernel` takes)."""
    codes = scheme_codes[SCHEME_CODES.codes]
    first = scheme_counts[SCHEME_COUNTS.first_month]
    due = 0
    for k in range(codes.shape[0]):
        if month == first[k] and codes[k] == CHALLENGE_FUND:
            due += 1
    return due


@njit(cache=True)
def switch_schemes_kernel(
    month,
    jury_draws,
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
):
    """Each scheme that starts this month (after a challenge fund's jury, with its row of
    `jury_draws`) or ends: one event row for every living partnership it reaches, with its euros
    a month before and after."""
    codes = scheme_codes[SCHEME_CODES.codes]
    first = scheme_counts[SCHEME_COUNTS.first_month]
    after = scheme_counts[SCHEME_COUNTS.month_after]
    awards = scheme_counts[SCHEME_COUNTS.awards]
    euros = scheme_calendar[SCHEME_CALENDAR.euros]
    awarded = scheme_awards[SCHEME_AWARDS.awarded]
    alive = partnership_flags[PARTNERSHIP_FLAGS.alive]
    juries = 0
    for k in range(codes.shape[0]):
        if month == first[k] and codes[k] == CHALLENGE_FUND:
            jury_kernel(
                jury_draws[juries],
                awards[k],
                member_flags,
                member_floats,
                partnership_floats,
                partnership_flags,
                awarded[k],
            )
            juries += 1
        if month == first[k] or month == after[k]:
            kind = FUNDING_STARTED if month == first[k] else FUNDING_ENDED
            before = 0.0 if month == first[k] else euros[month - 1, k]
            for p in range(alive.shape[0]):
                if awarded[k, p] and alive[p]:
                    emit(rows, count, kind, p, k, -1, before, euros[month, k])


class PolicySchedule:
    """The scenario's instruments; decides each month which partnerships they reach and how."""

    def __init__(self, scenario: Scenario, st: PartnershipState) -> None:
        n = len(st.alive)
        self.funding = [f.model_copy() for f in scenario.policy.funding]
        self.rigidity = scenario.conditions.regulation_rigidity
        self.effects = PolicyEffects(
            funding_incentive=np.zeros(n),
            mandate_incentive=np.zeros(n),
            rigidity=np.full(n, self.rigidity),
            coordinator=st.coordinator.copy(),
            binding=st.binding.copy(),
            structural=np.zeros(n, dtype=bool),
        )
        # per scheme, for mechanisms.policy_instruments (in the month kernel): code, this
        # month's payment (−1 when not in force), rigidity reduction, match share, who it reaches
        self.schemes = Schemes(
            codes=np.array([SCHEME_CODE[f.scheme] for f in self.funding], dtype=np.int64),
            pays=np.zeros(len(self.funding)),
            reductions=np.array([f.rigidity_reduction for f in self.funding], dtype=float),
            match_shares=np.array([f.match_share for f in self.funding], dtype=float),
            awarded=np.ones((len(self.funding), n), dtype=bool),
        )
        self.months = scenario.scenario.steps
        self.plan()

    def plan(self, months: int | None = None) -> None:
        """Work out the schemes' months (again after a teacher moment changed a scheme)."""
        self.months = self.months if months is None else months
        self.calendar = scheme_plan(self.funding, self.months)
        self.switch_months = {f.start + 1 for f in self.funding} | {f.end + 1 for f in self.funding}

    def decide(self, st: PartnershipState, month: int, rng, log: EventLog) -> None:
        """This month's payment per scheme (−1 when not in force), a challenge fund's jury in
        its first month, and starts and ends logged; the month kernel (mechanisms.month.run_month)
        then applies them (mechanisms.policy_instruments)."""
        if month >= len(self.calendar.pay):  # stepped past the horizon
            self.plan(month)
        if month in self.switch_months:
            buffer = EventBuffer(len(self.funding) * len(st.alive), funding=self.funding)
            juries = call(juries_due, (self.schemes, self.calendar), month=month)
            call(
                switch_schemes_kernel,
                (st, self.schemes, self.calendar),
                month=month,
                jury_draws=rng.random((juries, len(st.alive))),
                rows=buffer.rows,
                count=buffer.count,
            )
            buffer.flush(log, st, None, month)
        self.schemes.pays[:] = self.calendar.pay[month]
