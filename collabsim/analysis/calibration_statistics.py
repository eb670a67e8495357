"""The summary statistics a calibration target may name, computed from a scenario's runs.

Each statistic is one function of the runs of one scenario (`run_replicates(..., series=False)`:
the summary table, one row per run and partnership, and the events table) and the arguments a
target gives it, and returns one number. `STATISTICS` lists them by name with the arguments each
needs; a target file naming another statistic, or giving the wrong arguments, is refused before
anything runs (collabsim.analysis.calibration_targets). `check_arguments` checks the arguments
against the scenario the statistic is computed on (a month past the horizon, a funding end that
does not exist, an organisation type that is not at the table).

A partnership is *alive at month m* if it had not dissolved by the end of month m: it survived
the whole run, or its lifetime (the month it dissolved) is later than m.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collabsim.errors import CollabsimInputError
from collabsim.model.organisation_types import ORGANISATION_TYPES, SCHOOL
from collabsim.model.scenario import Scenario

# what a leaving ratio may compare: an organisation type's label, or every school level at once
GROUPS = (SCHOOL, *ORGANISATION_TYPES)
RATIO_CAP = 10.0  # a ratio with no leaver in the reference group (and some in the other)


@dataclass(frozen=True)
class Statistic:
    """One named statistic: what it measures, the arguments it needs, and its function."""

    name: str
    meaning: str
    arguments: tuple[str, ...]
    compute: Callable[..., float]


def alive_at(summary: pd.DataFrame, month: int) -> np.ndarray:
    """Per run and partnership: alive at the end of `month`."""
    return (summary["survived"] | (summary["lifetime_months"] > month)).to_numpy(bool)


def share_alive(summary: pd.DataFrame, events: pd.DataFrame, scenario: Scenario, month: int):
    """Share of partnerships alive at the end of `month`."""
    return float(alive_at(summary, month).mean())


def yearly_stop_rate(
    summary: pd.DataFrame, events: pd.DataFrame, scenario: Scenario, from_month, to_month
) -> float:
    """Constant yearly hazard that takes the partnerships alive at `from_month` to those alive at
    `to_month`: 1 − (S(to) / S(from))^(12 / (to − from)); 1 if none is alive at `from_month`."""
    start = alive_at(summary, from_month).sum()
    if start == 0:
        return 1.0
    kept = alive_at(summary, to_month).sum() / start
    return float(1.0 - kept ** (12.0 / (to_month - from_month)))


def funding_end(scenario: Scenario) -> int:
    """The month the scenario's last funding ends (0 if it has none)."""
    return max((f.end for f in scenario.policy.funding), default=0)


def share_alive_after_funding(
    summary: pd.DataFrame, events: pd.DataFrame, scenario: Scenario, months: int
) -> float:
    """Of the partnerships alive when the last funding ends, the share still alive `months`
    later (0 if none is alive when it ends)."""
    end = funding_end(scenario)
    start = alive_at(summary, end)
    if not start.any():
        return 0.0
    return float(alive_at(summary, end + months)[start].mean())


def group_of(organisation: str) -> str:
    """The organisation type's label of an organisation named '<label>-<k>'."""
    return organisation.rsplit("-", 1)[0]


def members_at_start(scenario: Scenario, group: str) -> int:
    """Organisations of a group (a label, or 'school' for every school level) at the table at
    the start, in each run."""
    return sum(
        g.count
        for g in scenario.organisations
        if g.member and (g.label == group or (group == SCHOOL and g.type == SCHOOL))
    )


def leaving_ratio(
    summary: pd.DataFrame, events: pd.DataFrame, scenario: Scenario, group: str, reference: str
) -> float:
    """How much more often an organisation of `group` leaves than one of `reference`: leaving
    events per organisation at the table at the start, over all runs, in `group` divided by the
    same in `reference`. 1 if neither leaves; RATIO_CAP if only `group`'s do."""
    left = events.loc[events["kind"] == "member_left", "who"].map(group_of)
    is_school = left.map(lambda label: ORGANISATION_TYPES[label].is_school)

    def rate(g: str) -> float:
        n = (is_school if g == SCHOOL else left == g).sum()
        return n / members_at_start(scenario, g)

    a, b = rate(group), rate(reference)
    if b == 0:
        return 1.0 if a == 0 else RATIO_CAP
    return float(min(a / b, RATIO_CAP))


def median_formalised_month(summary: pd.DataFrame, events: pd.DataFrame, scenario: Scenario):
    """Median month in which partnerships formalised; one that never did counts as formalising
    after the horizon (steps + 1), so the median says 'later' rather than dropping it."""
    month = summary["formalised_month"].fillna(scenario.scenario.steps + 1)
    return float(month.median())


STATISTICS: dict[str, Statistic] = {
    s.name: s
    for s in (
        Statistic("share_alive", "share of partnerships alive at month M", ("month",), share_alive),
        Statistic(
            "yearly_stop_rate",
            "yearly share stopping between two months (a constant hazard)",
            ("from_month", "to_month"),
            yearly_stop_rate,
        ),
        Statistic(
            "share_alive_after_funding",
            "of those alive when funding ends, the share alive M months later",
            ("months",),
            share_alive_after_funding,
        ),
        Statistic(
            "leaving_ratio",
            "leaving per organisation of one type over that of another",
            ("group", "reference"),
            leaving_ratio,
        ),
        Statistic(
            "median_formalised_month",
            "median month of formalisation (never: after the horizon)",
            (),
            median_formalised_month,
        ),
    )
}


def compute(name: str, runs, arguments: dict) -> float:
    """Statistic `name` of one scenario's runs (a ReplicateResults) with its arguments."""
    return STATISTICS[name].compute(runs.summary, runs.events, runs.scenario, **arguments)


def check_arguments(name: str, arguments: dict, scenario: Scenario, where: str) -> None:
    """Refuse arguments that do not fit the scenario, as one line naming `where`."""
    steps = scenario.scenario.steps

    def month_within(key: str, month: int) -> None:
        if not 0 <= month <= steps:
            raise CollabsimInputError(
                f"{where}: {key} = {month} is outside the scenario's horizon 0..{steps} months"
            )

    if name == "share_alive":
        month_within("month", arguments["month"])
    elif name == "yearly_stop_rate":
        month_within("from_month", arguments["from_month"])
        month_within("to_month", arguments["to_month"])
        if arguments["to_month"] <= arguments["from_month"]:
            raise CollabsimInputError(f"{where}: to_month must be later than from_month")
    elif name == "share_alive_after_funding":
        if not scenario.policy.funding:
            raise CollabsimInputError(f"{where}: the scenario has no [[policy.funding]] to end")
        month_within("funding end + months", funding_end(scenario) + arguments["months"])
    elif name == "leaving_ratio":
        for key in ("group", "reference"):
            group = arguments[key]
            if group not in GROUPS:
                raise CollabsimInputError(
                    f"{where}: {key} = '{group}' is not an organisation type; one of "
                    + ", ".join(GROUPS)
                )
            if members_at_start(scenario, group) == 0:
                raise CollabsimInputError(
                    f"{where}: {key} = '{group}': the scenario has none at the table at the start"
                )
