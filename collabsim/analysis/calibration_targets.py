"""Calibration targets: what is known about real partnerships, read from `experiments/targets/`.

A targets file names the **scenarios** the model is compared against (a scenario file plus
`--set`-style changes, and in words what that scenario assumes about the real programme), the
**targets** (an observable pattern, a number or interval, its source with its caveats, the
scenario and the named statistic of collabsim.analysis.calibration_statistics that measures it
in runs, and its role: `calibration` targets are fitted, `validation` targets only checked), the
**free** parameters with their uniform priors, and the `[calibration]` settings. `load_targets`
reads one or more files into one checked `CalibrationSpec`; every mistake is one line naming the
file and the key (an unknown statistic, scenario or parameter, an empty or inverted interval, a
prior outside the parameter's range in collabsim/model/parameters.py, a missing source), and
nothing runs before the whole of it is checked.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field

from collabsim.analysis.calibration_statistics import STATISTICS, check_arguments
from collabsim.errors import CollabsimInputError
from collabsim.model.parameters import MechanismParameters, parameter_range
from collabsim.model.scenario import Scenario, load_scenario, read_toml
from collabsim.model.validation import StrictTable, validated

# The Morris screening's most influential mechanism constants on survival and lifetime
# (docs/results/morris_screening/report.md): free when a targets file has no [free] list.
DEFAULT_FREE = ("cost_base", "weight_incentives", "resolve_base", "leave_per_month")
ROLES = ("calibration", "validation")
# the arguments a target may give its statistic (each statistic says which it needs)
ARGUMENTS = ("month", "from_month", "to_month", "months", "group", "reference")


class CalibrationSection(StrictTable):
    """[calibration]: the name of the fit, and the runs behind each particle."""

    name: str = Field("calibration", min_length=1)
    description: str = ""
    replicates: int = Field(40, ge=1, le=10_000, description="runs per particle and scenario")
    seed: int = Field(2026, ge=0, le=2**63 - 1, description="root seed of the fit")


class FreeSection(StrictTable):
    """[free]: the parameters fitted, and uniform priors for any not over its whole range."""

    parameters: list[str] = Field(default_factory=lambda: list(DEFAULT_FREE), min_length=1)
    priors: dict[str, list[float]] = Field(default_factory=dict)


class ScenarioEntry(StrictTable):
    """[scenarios.NAME]: a scenario file, changes to it, and what it assumes."""

    base: str = Field(min_length=1, description="scenario TOML, relative to the targets file")
    set: list[str] = Field(default_factory=list, description="KEY=VALUE changes, as --set")
    assumes: str = Field(min_length=1, description="what the scenario assumes about the programme")


class TargetEntry(StrictTable):
    """[[targets]]: one observable pattern, its number, its source and how runs measure it."""

    name: str = Field(min_length=1)
    pattern: str = Field(min_length=1, description="the observed pattern in words")
    statistic: str
    scenario: str
    against: str | None = None  # the value is statistic(scenario) - statistic(against)
    month: int | None = None
    from_month: int | None = None
    to_month: int | None = None
    months: int | None = None
    group: str | None = None
    reference: str | None = None
    value: float | None = None
    interval: list[float] = Field(min_length=2, max_length=2)
    role: Literal[ROLES]
    source: str = Field(min_length=1, description="full reference")
    caveats: str = ""


class TargetsFile(StrictTable):
    """A whole targets file."""

    calibration: CalibrationSection | None = None
    free: FreeSection | None = None
    scenarios: dict[str, ScenarioEntry] = Field(min_length=1)
    targets: list[TargetEntry] = Field(min_length=1)


@dataclass(frozen=True)
class Prior:
    """A free parameter: its uniform prior [low, high] and its default in parameters.py."""

    name: str
    low: float
    high: float
    default: float


@dataclass(frozen=True)
class Target:
    """One checked target."""

    name: str
    pattern: str
    statistic: str
    scenario: str
    arguments: dict
    low: float
    high: float
    value: float | None
    role: str
    source: str
    caveats: str
    against: str | None
    file: str

    @property
    def centre(self) -> float:
        """The number the fit aims at: the value given, else the middle of the interval."""
        return (self.low + self.high) / 2 if self.value is None else self.value

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


@dataclass
class CalibrationSpec:
    """Everything a calibration needs, checked."""

    name: str
    description: str
    replicates: int
    seed: int
    free: list[Prior]
    scenarios: dict[str, Scenario]
    assumes: dict[str, str]
    targets: list[Target]
    files: list[str] = field(default_factory=list)

    def of_role(self, role: str) -> list[Target]:
        return [t for t in self.targets if t.role == role]


def unknown(kind: str, name: str, valid, where: str) -> CollabsimInputError:
    """One line for an unknown name, with the closest valid one."""
    valid = list(valid)
    guess = difflib.get_close_matches(name, valid, n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    shown = ", ".join(valid) if len(valid) <= 12 else ", ".join(valid[:12]) + ", ..."
    return CollabsimInputError(f"{where}: unknown {kind} '{name}'{hint} (known: {shown})")


def checked_priors(free: FreeSection, where: str) -> list[Prior]:
    """The free parameters with their priors, each inside its range in parameters.py."""
    known = MechanismParameters.model_fields
    priors = []
    if len(set(free.parameters)) != len(free.parameters):
        raise CollabsimInputError(f"{where}: free.parameters names a parameter twice")
    for name in free.parameters:
        if name not in known:
            raise unknown("parameter", name, known, f"{where}: free.parameters")
    for name in free.priors:
        if name not in known:
            raise unknown("parameter", name, known, f"{where}: free.priors")
        if name not in free.parameters:
            raise CollabsimInputError(
                f"{where}: free.priors.{name}: not in free.parameters (add it there or drop it)"
            )
    for name in free.parameters:
        lo, hi = parameter_range(name)
        low, high = free.priors.get(name, [lo, hi])
        if not low < high:
            raise CollabsimInputError(
                f"{where}: free.priors.{name} = [{low}, {high}] is empty or inverted; give "
                "[low, high] with low < high"
            )
        if low < lo or high > hi:
            raise CollabsimInputError(
                f"{where}: free.priors.{name} = [{low}, {high}] is outside the parameter's "
                f"range {lo}..{hi} (collabsim/model/parameters.py)"
            )
        priors.append(Prior(name, float(low), float(high), float(known[name].default)))
    return priors


def build_scenarios(entries: dict[str, ScenarioEntry], folder: Path) -> dict[str, Scenario]:
    """Each named scenario: its base file (relative to the targets file) with its changes."""
    return {
        name: load_scenario(folder / e.base, overrides=e.set or None) for name, e in entries.items()
    }


def checked_target(entry: TargetEntry, k: int, scenarios: dict[str, Scenario], path: str) -> Target:
    """One target, its statistic, scenario, arguments and interval checked."""
    where = f"{path}: targets[{k}] ({entry.name})"
    if entry.statistic not in STATISTICS:
        raise unknown("statistic", entry.statistic, STATISTICS, where)
    for name in (entry.scenario, entry.against):
        if name is not None and name not in scenarios:
            raise unknown("scenario", name, scenarios, where)
    needs = STATISTICS[entry.statistic].arguments
    given = {a: getattr(entry, a) for a in ARGUMENTS if getattr(entry, a) is not None}
    missing = [a for a in needs if a not in given]
    extra = [a for a in given if a not in needs]
    if missing or extra:
        needed = ", ".join(needs) or "no arguments"
        raise CollabsimInputError(
            f"{where}: statistic '{entry.statistic}' takes {needed}; "
            + (f"missing {', '.join(missing)}" if missing else f"{', '.join(extra)} is not one")
        )
    for name in (entry.scenario, entry.against):
        if name is not None:
            check_arguments(entry.statistic, given, scenarios[name], where)
    low, high = entry.interval
    if not low < high:
        raise CollabsimInputError(
            f"{where}: interval = [{low}, {high}] is empty or inverted; give [low, high] with "
            "low < high"
        )
    if entry.value is not None and not low <= entry.value <= high:
        raise CollabsimInputError(f"{where}: value = {entry.value} is outside its interval")
    return Target(
        entry.name,
        entry.pattern,
        entry.statistic,
        entry.scenario,
        given,
        float(low),
        float(high),
        entry.value,
        entry.role,
        entry.source,
        entry.caveats,
        entry.against,
        path,
    )


def load_targets(paths: list[Path]) -> CalibrationSpec:
    """Read and check one or more targets files into one CalibrationSpec.

    Scenario and target names must be unique over all files; [calibration] and [free] may be
    given in one file only (else the defaults: DEFAULT_FREE over their whole ranges)."""
    if not paths:
        raise CollabsimInputError("no targets file given; e.g. experiments/targets/*.toml")
    scenarios: dict[str, Scenario] = {}
    assumes: dict[str, str] = {}
    targets: list[Target] = []
    settings: list[tuple[str, CalibrationSection]] = []
    frees: list[tuple[str, FreeSection]] = []
    for p in paths:
        where = str(p)
        data = read_toml(p, kind="targets", folder="experiments/targets/")
        parsed = validated(TargetsFile, data, where)
        for name, entry in parsed.scenarios.items():
            if name in scenarios:
                raise CollabsimInputError(f"{where}: scenario '{name}' is defined in two files")
            assumes[name] = entry.assumes
        scenarios |= build_scenarios(parsed.scenarios, Path(p).parent)
        for k, entry in enumerate(parsed.targets):
            if any(t.name == entry.name for t in targets):
                raise CollabsimInputError(f"{where}: target '{entry.name}' is named twice")
            targets.append(checked_target(entry, k, scenarios, where))
        if parsed.calibration is not None:
            settings.append((where, parsed.calibration))
        if parsed.free is not None:
            frees.append((where, parsed.free))
    for kind, found in (("[calibration]", settings), ("[free]", frees)):
        if len(found) > 1:
            raise CollabsimInputError(
                f"{found[1][0]}: {kind} is also in {found[0][0]}; give it in one file only"
            )
    where, section = settings[0] if settings else (str(paths[0]), CalibrationSection())
    free_where, free = frees[0] if frees else (where, FreeSection())
    if not any(t.role == "calibration" for t in targets):
        raise CollabsimInputError(
            f'{paths[0]}: no target has role = "calibration"; there is nothing to fit'
        )
    return CalibrationSpec(
        name=section.name,
        description=section.description,
        replicates=section.replicates,
        seed=section.seed,
        free=checked_priors(free, free_where),
        scenarios=scenarios,
        assumes=assumes,
        targets=targets,
        files=[str(p) for p in paths],
    )
