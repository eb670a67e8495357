"""Experiment files: a base scenario, the factors to vary, the design, replicates, outputs, seed.

An experiment TOML (see experiments/demo_sweep.toml) looks like::

    [experiment]
    name = "demo_sweep"
    scenario = "../scenarios/baseline.toml"   # relative to this file
    replicates = 5
    seed = 20260101                           # root seed of every run's seed

    [design]
    kind = "full_factorial"                   # | latin_hypercube | sobol | morris
    # samples = 64                            # N: latin_hypercube, sobol (power of two), morris

    [set]                                     # fixed changes to the base scenario
    scenario.steps = 60

    [[factors]]
    key = "drivers.urgency"
    values = [0.2, 0.5, 0.8]                  # or range = [0.1, 0.9] (levels = 3 for a grid)

    [outputs]
    summary = ["survived", "lifetime_months"] # default: every summary metric
    timeseries_every = 12                     # keep the monthly series every 12 months (0: none)

Everything is checked before a single run starts; a mistake is one clear line
(`CollabsimInputError`) naming the file, the key and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from collabsim.errors import CollabsimInputError
from collabsim.limits import (
    MAX_DESIGN_POINTS,
    MAX_REPLICATES,
    MAX_SEED,
    RunSize,
    check_count,
    check_seed,
    run_size,
)
from collabsim.model.scenario import (
    Funding,
    OrganisationGroup,
    Scenario,
    apply_overrides,
    read_toml,
    validate_scenario,
)
from collabsim.model.validation import StrictTable, validated

DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris")
DISTRIBUTIONS = ("uniform", "triangular", "normal", "truncnormal", "lognormal")
# Columns every result row has besides the factor values and the kept summary metrics.
ID_COLUMNS = ("point", "replicate", "seed", "partnership")


class ExperimentMeta(StrictTable):
    """[experiment]: what to run and how often."""

    name: str = "sweep"
    description: str = ""
    scenario: str = Field(description="base scenario TOML, relative to the experiment file")
    replicates: int = Field(1, ge=1, le=MAX_REPLICATES, description="runs per design point")
    seed: int = Field(1, ge=0, le=MAX_SEED, description="root seed")
    seeds: Literal["per_point", "common"] = Field(
        "per_point",
        description="per_point: every (point, replicate) its own seed; common: replicate r has the "
        "same seed at every point (common random numbers)",
    )
    chunk_runs: int | None = Field(
        None, ge=1, le=100_000, description="runs per task and per Parquet chunk (default: auto)"
    )


class DesignSpec(StrictTable):
    """[design]: how design points are chosen."""

    kind: Literal["full_factorial", "latin_hypercube", "sobol", "morris"] = "full_factorial"
    samples: int | None = Field(
        None, ge=1, le=10_000_000, description="N: LHS points, Sobol base sample, Morris paths"
    )
    second_order: bool = Field(False, description="sobol: also sample for second-order indices")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels")


class FactorSpec(StrictTable):
    """[[factors]]: one scenario key to vary."""

    key: str
    values: list[float | int | bool | str] | None = None
    range: list[float] | None = None
    levels: int | None = Field(None, ge=2, le=100_000, description="full_factorial grid levels")
    distribution: Literal["uniform", "triangular", "normal", "truncnormal", "lognormal"] = "uniform"
    mode: float | None = Field(None, description="triangular: the peak (a value in the range)")
    mean: float | None = None
    sd: float | None = Field(None, gt=0)


class OutputSpec(StrictTable):
    """[outputs]: what each run keeps."""

    summary: list[str] | None = Field(None, description="summary metrics (default: all)")
    timeseries_every: int = Field(0, ge=0, le=1200, description="keep series every k months")
    timeseries: list[str] | None = Field(None, description="series variables (default: all)")


class ExperimentFile(StrictTable):
    """The whole experiment file."""

    experiment: ExperimentMeta
    design: DesignSpec = Field(default_factory=DesignSpec)
    set: dict[str, Any] = Field(default_factory=dict)
    factors: list[FactorSpec] = Field(default_factory=list)
    outputs: OutputSpec = Field(default_factory=OutputSpec)

    @model_validator(mode="after")
    def _distinct(self) -> ExperimentFile:
        seen: set[str] = set()
        for f in self.factors:
            if f.key in seen:
                raise ValueError(f"factor '{f.key}' is listed twice")
            seen.add(f.key)
        return self


def summary_metrics() -> tuple[str, ...]:
    """The summary metrics a run gives (imported when needed: the model takes seconds to load,
    and a file's mistakes and sizes are checked before that)."""
    from collabsim.runs.runner import SUMMARY_COLUMNS

    return tuple(c for c in SUMMARY_COLUMNS if c not in ID_COLUMNS)


def _all_summary_columns() -> list[str]:
    from collabsim.runs.runner import SUMMARY_COLUMNS

    return list(SUMMARY_COLUMNS)


def series_variables() -> tuple[str, ...]:
    """The monthly series variables a run can keep."""
    from collabsim.model.collaboration import SERIES

    return tuple(SERIES)


# --------------------------------------------------------------------------- resolved factors


@dataclass(frozen=True)
class Factor:
    """A checked factor: its key, kind of value and how a unit number maps onto a value."""

    key: str
    kind: Literal["float", "int", "bool", "str"]
    values: tuple | None = None  # discrete choices
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    distribution: str = "uniform"
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None

    @property
    def bounded(self) -> bool:
        return self.values is not None or self.distribution not in ("normal", "lognormal")

    def grid(self) -> list:
        """The factor's levels for a full-factorial design."""
        if self.values is not None:
            return list(self.values)
        if self.levels is None:
            raise CollabsimInputError(
                f"factor '{self.key}': a full_factorial design needs values = [...] or "
                "range = [low, high] with levels = N"
            )
        grid = np.linspace(self.low, self.high, self.levels)
        if self.kind == "int":
            return sorted({int(round(v)) for v in grid})
        return [float(v) for v in grid]

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map unit-cube samples (0..1) onto the factor's values (inverse CDF)."""
        from scipy import stats

        u = np.asarray(u, dtype=float)
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return np.array(self.values, dtype=object)[idx]
        eps = 1e-12
        if self.distribution == "uniform":
            x = self.low + u * (self.high - self.low)
        elif self.distribution == "triangular":
            c = (self.mode - self.low) / (self.high - self.low)
            x = stats.triang.ppf(u, c, loc=self.low, scale=self.high - self.low)
        elif self.distribution == "truncnormal":
            a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            x = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        elif self.distribution == "normal":
            x = stats.norm.ppf(np.clip(u, eps, 1 - eps), loc=self.mean, scale=self.sd)
        else:  # lognormal, mean and sd of ln(x)
            x = stats.lognorm.ppf(np.clip(u, eps, 1 - eps), s=self.sd, scale=math.exp(self.mean))
        if self.kind == "int":
            return np.rint(x).astype(np.int64)
        return x.astype(float)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _field_info(key: str):
    """The pydantic field a dotted scenario key names (None if the key is not a field)."""
    parts = [p for p in key.split(".") if not p.isdigit()]
    if len(parts) < 2 or parts[0] not in Scenario.model_fields:
        return None
    section = parts[0]
    if section == "policy" and parts[1] == "funding":
        model, leaf = Funding, parts[2:]
    elif section == "organisations":
        model, leaf = OrganisationGroup, parts[1:]
    else:
        ann = Scenario.model_fields[section].annotation
        model, leaf = ann, parts[1:]
    if len(leaf) != 1 or not isinstance(model, type) or leaf[0] not in model.model_fields:
        return None
    return model.model_fields[leaf[0]]


def _bounds(info) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in info.metadata if info is not None else ():
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        lo = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
        hi = getattr(m, "lt", None) if getattr(m, "lt", None) is not None else hi
    return lo, hi


def _kind_of(info, values: list | None) -> Literal["float", "int", "bool", "str"]:
    ann = getattr(info, "annotation", None)
    if ann is bool:
        return "bool"
    if ann is int:
        return "int"
    if ann is float:
        return "float"
    if values:
        if all(isinstance(v, bool) for v in values):
            return "bool"
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "int"
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return "float"
        return "str"
    return "float"


def resolve_factor(spec: FactorSpec, design: str, source: str) -> Factor:
    """Check one factor against the scenario schema and the design; one line if wrong."""
    where = f"{source}: factor '{spec.key}'"
    info = _field_info(spec.key)
    lo_ok, hi_ok = _bounds(info)
    allowed = f"allowed range {lo_ok}..{hi_ok}" if lo_ok is not None and hi_ok is not None else ""
    has_dist_params = spec.mean is not None or spec.sd is not None
    given = [n for n, v in (("values", spec.values), ("range", spec.range)) if v is not None]
    if spec.distribution in ("normal", "lognormal"):
        if given:
            raise CollabsimInputError(
                f"{where}: a {spec.distribution} distribution takes mean and sd, not {given[0]}"
            )
        if spec.mean is None or spec.sd is None:
            raise CollabsimInputError(f"{where}: a {spec.distribution} distribution needs mean, sd")
        if lo_ok is not None or hi_ok is not None:
            raise CollabsimInputError(
                f"{where}: a {spec.distribution} distribution is unbounded but this key has "
                f"{allowed or 'bounds'}; use distribution = 'truncnormal' with range = [low, high]"
            )
        if design == "full_factorial":
            raise CollabsimInputError(
                f"{where}: a full_factorial design needs values or a range with levels, "
                f"not a {spec.distribution} distribution"
            )
        if design == "morris":
            raise CollabsimInputError(
                f"{where}: a morris design needs bounded factors (values or a range)"
            )
        kind = _kind_of(info, None)
        return Factor(spec.key, kind, distribution=spec.distribution, mean=spec.mean, sd=spec.sd)
    if len(given) != 1:
        raise CollabsimInputError(
            f"{where}: give exactly one of values = [...] or range = [low, high]"
            + (" (got both)" if len(given) == 2 else "")
        )
    for name in ("mode", "mean", "sd"):
        v = getattr(spec, name)
        if v is not None and not math.isfinite(v):
            raise CollabsimInputError(f"{where}: {name} = {v}: give a finite number")
    if spec.values is not None:
        if not spec.values:
            raise CollabsimInputError(f"{where}: values is empty; list at least one value")
        for v in spec.values:
            if isinstance(v, float) and not math.isfinite(v):
                raise CollabsimInputError(
                    f"{where}: values has {v}; every value must be a finite number"
                )
        if spec.levels is not None or spec.distribution != "uniform" or has_dist_params:
            raise CollabsimInputError(
                f"{where}: values = [...] takes no levels, distribution, mean or sd"
            )
        if len(set(map(repr, spec.values))) != len(spec.values):
            raise CollabsimInputError(f"{where}: values has duplicates")
        kind = _kind_of(info, spec.values)
        for v in spec.values:
            if isinstance(v, int | float) and not isinstance(v, bool):
                if (lo_ok is not None and v < lo_ok) or (hi_ok is not None and v > hi_ok):
                    raise CollabsimInputError(f"{where}: value {v} is out of range; {allowed}")
        values = tuple(spec.values)
        if kind in ("float", "int") and any(isinstance(v, bool | str) for v in values):
            raise CollabsimInputError(f"{where}: this key takes numbers; values has {values}")
        if kind == "float":
            values = tuple(float(v) for v in values)
        elif kind == "int":
            if any(not float(v).is_integer() for v in values):
                raise CollabsimInputError(f"{where}: this key takes whole numbers")
            values = tuple(int(v) for v in values)
        return Factor(spec.key, kind, values=values)
    # a range
    if len(spec.range) != 2:
        raise CollabsimInputError(f"{where}: range needs two numbers, [low, high]")
    low, high = float(spec.range[0]), float(spec.range[1])
    if not (math.isfinite(low) and math.isfinite(high)):
        raise CollabsimInputError(
            f"{where}: range = [{spec.range[0]}, {spec.range[1]}]: both ends must be finite numbers"
        )
    if not low < high:
        raise CollabsimInputError(
            f"{where}: range [{spec.range[0]}, {spec.range[1]}] is empty; low must be below high"
        )
    if (lo_ok is not None and low < lo_ok) or (hi_ok is not None and high > hi_ok):
        raise CollabsimInputError(
            f"{where}: range [{spec.range[0]}, {spec.range[1]}] leaves the {allowed or 'bounds'}"
        )
    kind = _kind_of(info, None)
    if kind in ("bool", "str"):
        raise CollabsimInputError(f"{where}: this key takes {kind} values; list them in values")
    if spec.distribution == "uniform" and has_dist_params:
        raise CollabsimInputError(f"{where}: a uniform range takes no mean or sd")
    if spec.distribution == "triangular":
        if spec.mode is None or not low <= spec.mode <= high:
            raise CollabsimInputError(f"{where}: a triangular distribution needs mode in the range")
    if spec.distribution == "truncnormal" and (spec.mean is None or spec.sd is None):
        raise CollabsimInputError(f"{where}: a truncnormal distribution needs mean and sd")
    if design == "full_factorial":
        if spec.levels is None:
            raise CollabsimInputError(
                f"{where}: a full_factorial design needs levels = N with a range (or values)"
            )
        if spec.distribution != "uniform":
            raise CollabsimInputError(
                f"{where}: a full_factorial grid is evenly spaced; drop distribution"
            )
    elif spec.levels is not None:
        raise CollabsimInputError(f"{where}: levels is only for full_factorial designs")
    return Factor(
        spec.key,
        kind,
        low=low,
        high=high,
        levels=spec.levels,
        distribution=spec.distribution,
        mode=spec.mode,
        mean=spec.mean,
        sd=spec.sd,
    )


# --------------------------------------------------------------------------- designs


def design_points(
    factors: list[Factor], design: DesignSpec, seed: int, source: str = "experiment"
) -> list[tuple]:
    """The design's points: one tuple of factor values per point, in a fixed order."""
    check_design_size(factors, design, source)
    if not factors:
        return [()]
    if design.kind == "full_factorial":
        return list(itertools.product(*[f.grid() for f in factors]))
    n = design.samples
    d = len(factors)
    problem = {"num_vars": d, "names": [f.key for f in factors], "bounds": [[0.0, 1.0]] * d}
    if design.kind == "latin_hypercube":
        from SALib.sample import latin

        unit = latin.sample(problem, n, seed=seed)
    elif design.kind == "sobol":
        if n & (n - 1):
            lower = 1 << (n.bit_length() - 1)
            raise CollabsimInputError(
                f"{source}: a sobol design needs design.samples to be a power of two "
                f"(got {n}; try {lower} or {lower * 2})"
            )
        from SALib.sample import sobol

        unit = sobol.sample(problem, n, calc_second_order=design.second_order, seed=seed)
    else:
        from SALib.sample import morris

        if d < 1:
            raise CollabsimInputError(f"{source}: a morris design needs at least one factor")
        unit = morris.sample(problem, n, num_levels=design.levels, seed=seed)
    columns = [f.from_unit(unit[:, j]) for j, f in enumerate(factors)]
    return [tuple(_plain(c[i]) for c in columns) for i in range(unit.shape[0])]


def design_size(factors: list[Factor], design: DesignSpec, source: str = "experiment") -> int:
    """How many points the design will have, computed from the spec without generating it."""
    if not factors:
        return 1
    if design.kind == "full_factorial":
        if design.samples is not None:
            raise CollabsimInputError(
                f"{source}: design.samples is not used by a full_factorial design; remove it"
            )
        return math.prod(len(f.grid()) for f in factors)  # a grid has at most 100,000 levels
    n = design.samples
    if n is None:
        raise CollabsimInputError(f"{source}: a {design.kind} design needs design.samples = N")
    d = len(factors)
    if design.kind == "latin_hypercube":
        return n
    if design.kind == "sobol":
        return n * (2 * d + 2 if design.second_order else d + 2)
    return n * (d + 1)  # morris: N trajectories of D + 1 points


def check_design_size(factors: list[Factor], design: DesignSpec, source: str = "experiment") -> int:
    """The number of design points, or one line if it is above MAX_DESIGN_POINTS."""
    n = design_size(factors, design, source)
    if n <= MAX_DESIGN_POINTS:
        return n
    d = len(factors)
    if design.kind == "full_factorial":
        how = " x ".join(str(len(f.grid())) for f in factors) + " levels"
        change = "use fewer values or levels"
    elif design.kind == "latin_hypercube":
        how, change = "one per sample", "lower design.samples"
    elif design.kind == "sobol":
        k = 2 * d + 2 if design.second_order else d + 2
        how = f"N = {design.samples:,} x {k} for {d} factors"
        change = "lower design.samples" + (" or drop second_order" if design.second_order else "")
    else:
        how = f"N = {design.samples:,} trajectories x {d + 1} points"
        change = "lower design.samples"
    raise CollabsimInputError(
        f"{source}: the {design.kind} design would have {n:,} points ({how}); the limit is "
        f"{MAX_DESIGN_POINTS:,}: {change}"
    )


def largest_run_size(base: dict[str, Any], factors: list[Factor]) -> RunSize:
    """The size of the costliest run of the design: the base scenario with every size factor
    (scenario.steps, scenario.partnerships, organisations.N.count) at its lowest or highest value,
    whichever corner costs most (the design's points lie between them)."""
    import re

    best = run_size(validate_scenario(base, source="base scenario"))
    corners: list[list[tuple[str, int]]] = []
    for f in factors:
        if f.key not in ("scenario.steps", "scenario.partnerships") and not re.fullmatch(
            r"organisations\.\d+\.count", f.key
        ):
            continue
        if f.values is not None:
            nums = [v for v in f.values if isinstance(v, int | float) and not isinstance(v, bool)]
            ends = {min(nums), max(nums)} if nums else set()
        else:
            ends = {f.low, f.high} if f.low is not None else set()
        if ends:
            corners.append([(f.key, int(round(v))) for v in sorted(ends)])
    for combo in itertools.product(*corners[:8]):
        data = point_scenario_data(base, [k for k, _ in combo], tuple(v for _, v in combo))
        try:
            size = run_size(validate_scenario(data))
        except CollabsimInputError:  # that corner is not a valid scenario: no point lies there
            continue
        if size.seconds > best.seconds:
            best = size
    return best


@dataclass(frozen=True)
class DesignPlan:
    """What an experiment asks for, known before its design is generated (for size checks)."""

    name: str
    source: str
    kind: str
    points: int
    replicates: int
    factors: list[Factor]
    base: dict[str, Any]
    timeseries_every: int
    extra_runs: int = 0  # runs beyond points x replicates (e.g. sensitivity surfaces)

    @property
    def runs(self) -> int:
        return self.points * self.replicates + self.extra_runs

    def run_size(self) -> RunSize:
        return largest_run_size(self.base, self.factors)


def _plain(v: Any) -> Any:
    """numpy scalars to plain Python values (for TOML-like scenario data and JSON)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def salib_problem(factors: list[Factor]) -> dict[str, Any]:
    """The SALib problem dict of the factors (as sampled: unit cube, then each factor's ppf)."""
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
        "transform": [f.to_dict() for f in factors],
    }


# --------------------------------------------------------------------------- scenario data


def set_key(data: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted scenario key (already checked) in plain scenario data, in place."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in key.split(".")]
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(part, int):
            node = node[part]
            continue
        if part not in node:
            node[part] = [] if isinstance(parts[i + 1], int) else {}
        node = node[part]
    node[parts[-1]] = value


def point_scenario_data(base: dict[str, Any], keys: list[str], values: tuple) -> dict[str, Any]:
    """The base scenario data with one design point's factor values set."""
    data = copy.deepcopy(base)
    for k, v in zip(keys, values, strict=True):
        set_key(data, k, _plain(v))
    return data


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def _toml_literal(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(v)


# --------------------------------------------------------------------------- the experiment


@dataclass
class Experiment:
    """A checked experiment: base scenario data, factors, points, seeds and outputs."""

    name: str
    source: str
    base: dict[str, Any]  # the base scenario with [set] applied, as plain data
    factors: list[Factor]
    points: list[tuple]
    replicates: int
    root_seed: int
    seeds: str = "per_point"
    design: dict[str, Any] = field(default_factory=dict)
    summary_columns: list[str] = field(default_factory=lambda: _all_summary_columns())
    timeseries_every: int = 0
    timeseries_columns: list[str] = field(default_factory=lambda: list(series_variables()))
    chunk_runs: int | None = None
    description: str = ""

    @property
    def factor_names(self) -> list[str]:
        return [f.key for f in self.factors]

    @property
    def total_runs(self) -> int:
        return len(self.points) * self.replicates

    def spec(self) -> dict[str, Any]:
        """Everything that determines the results (what --resume compares)."""
        return {
            "base_scenario": self.base,
            "factors": [f.to_dict() for f in self.factors],
            "design": self.design,
            "points_sha256": points_digest(self.points),
            "replicates": self.replicates,
            "root_seed": self.root_seed,
            "seeds": self.seeds,
            "summary_columns": self.summary_columns,
            "timeseries_every": self.timeseries_every,
            "timeseries_columns": self.timeseries_columns,
        }

    def fingerprint(self) -> str:
        blob = json.dumps(self.spec(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def points_digest(points: list[tuple]) -> str:
    return hashlib.sha256(json.dumps(points, default=str).encode()).hexdigest()


def run_seed(root_seed: int, point: int, replicate: int, seeds: str = "per_point") -> int:
    """The model seed of one run: SeedSequence(root) child at (point, replicate), as int63.

    With seeds = "common" replicate r gets the same seed at every point, equal to
    collabsim.runs.runner.replicate_seeds(root, R)[r].
    """
    key = (replicate,) if seeds == "common" else (point, replicate)
    ss = np.random.SeedSequence(root_seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def check_metrics(
    wanted: list[str], allowed: tuple[str, ...], where: str, kind: str = "summary"
) -> None:
    """Refuse an empty list or an unknown metric name with one clear line (nearest name offered)."""
    if not wanted:
        raise CollabsimInputError(f"{where} is empty; name at least one metric or remove it")
    for w in wanted:
        if w not in allowed:
            guess = difflib.get_close_matches(w, allowed, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            raise CollabsimInputError(
                f"{where}: output '{w}' is not a {kind} metric{hint} "
                f"(allowed: {', '.join(allowed)})"
            )


def _choose_columns(
    wanted: list[str] | None, allowed: tuple[str, ...], what: str, source: str
) -> list[str]:
    """The columns of outputs.<what> to keep, in table order (all of them if not given)."""
    if wanted is None:
        return list(allowed)
    check_metrics(wanted, allowed, f"{source}: outputs.{what}", what)
    return [c for c in allowed if c in wanted]


def experiment_from_dict(
    data: dict[str, Any],
    source: str = "experiment",
    base_dir: Path | None = None,
    validate_points: bool = True,
    budget: Callable[[DesignPlan], None] | None = None,
    generate: bool = True,
) -> Experiment:
    """Check experiment data (as read from TOML) and resolve it into an Experiment.

    budget(plan) is called once the design's size is known and before it is generated (it may
    refuse with CollabsimInputError); generate=False skips the design (points stay empty).
    """
    spec = validated(ExperimentFile, data, source)
    meta = spec.experiment
    scen_path = Path(meta.scenario)
    if not scen_path.is_absolute() and base_dir is not None:
        scen_path = base_dir / scen_path
    if not scen_path.exists():
        raise CollabsimInputError(
            f"{source}: experiment.scenario '{meta.scenario}' not found "
            f"(looked for {scen_path}; paths are relative to the experiment file)"
        )
    base = read_toml(scen_path)
    fixed: dict[str, Any] = {}
    _flatten("", spec.set, fixed)
    overrides = [f"{k}={_toml_literal(v)}" for k, v in fixed.items()]
    try:
        base = apply_overrides(base, overrides, source=str(scen_path))
    except CollabsimInputError as exc:
        msg = str(exc).removeprefix("--set ").replace("SECTION.KEY=VALUE", "SECTION.KEY = VALUE")
        raise CollabsimInputError(f"{source}: [set] {msg}") from None
    for f in spec.factors:  # the key must exist in the scenario schema
        try:
            apply_overrides(base, [f"{f.key}=0"], source=str(scen_path))
        except CollabsimInputError as exc:
            msg = str(exc).removeprefix(f"--set {f.key}: ")
            msg = msg.replace(
                "use SECTION.KEY=VALUE, e.g. drivers.urgency=0.3",
                "use SECTION.KEY, e.g. drivers.urgency",
            )
            raise CollabsimInputError(f"{source}: factor '{f.key}': {msg}") from None
    for f in spec.factors:
        if _field_info(f.key) is None:
            raise CollabsimInputError(
                f"{source}: factor '{f.key}' does not name one scenario value "
                "(use SECTION.KEY, or policy.funding.N.KEY / organisations.N.KEY)"
            )
    scenario = validate_scenario(base, source=f"{source} (base scenario with [set])")
    if scenario.scenario.name == "unnamed":
        base.setdefault("scenario", {})["name"] = scen_path.stem
    factors = [resolve_factor(f, spec.design.kind, source) for f in spec.factors]
    if spec.design.kind != "full_factorial" and not factors:
        raise CollabsimInputError(f"{source}: a {spec.design.kind} design needs factors")
    n_points = check_design_size(factors, spec.design, source)
    if budget is not None:  # the size checks of the caller, before any design is generated
        budget(
            DesignPlan(
                name=meta.name,
                source=source,
                kind=spec.design.kind,
                points=n_points,
                replicates=meta.replicates,
                factors=factors,
                base=base,
                timeseries_every=spec.outputs.timeseries_every,
            )
        )
    summary_cols = _choose_columns(spec.outputs.summary, summary_metrics(), "summary", source)
    ts_cols = _choose_columns(spec.outputs.timeseries, series_variables(), "timeseries", source)
    points = design_points(factors, spec.design, meta.seed, source) if generate else []
    keys = [f.key for f in factors]
    if validate_points and generate:
        for i, values in enumerate(points):
            data_i = point_scenario_data(base, keys, values)
            try:
                validate_scenario(data_i, source=f"{source}: design point {i}")
            except CollabsimInputError as exc:
                raise CollabsimInputError(
                    f"{exc} (factor values {dict(zip(keys, values, strict=True))})"
                ) from None
    design = spec.design.model_dump()
    return Experiment(
        name=meta.name,
        source=source,
        base=base,
        factors=factors,
        points=points,
        replicates=meta.replicates,
        root_seed=meta.seed,
        seeds=meta.seeds,
        design=design,
        summary_columns=summary_cols,
        timeseries_every=spec.outputs.timeseries_every,
        timeseries_columns=ts_cols,
        chunk_runs=meta.chunk_runs,
        description=meta.description,
    )


def load_experiment(
    path: str | Path,
    validate_points: bool = True,
    budget: Callable[[DesignPlan], None] | None = None,
) -> Experiment:
    """Read and check an experiment TOML file; raise one clear CollabsimInputError if wrong.

    budget(plan): see experiment_from_dict (e.g. refuse a sweep too large for this machine).
    """
    p = Path(path)
    data = read_toml(p, "experiment", "experiments/")
    if "experiment" in data and isinstance(data["experiment"], dict):
        data["experiment"].setdefault("name", p.stem)
    return experiment_from_dict(
        data, source=str(p), base_dir=p.parent, validate_points=validate_points, budget=budget
    )


def experiment_from_matrix(
    base_scenario: Scenario | dict[str, Any],
    factor_names: list[str],
    matrix: np.ndarray | list[list],
    replicates: int,
    root_seed: int,
    name: str = "design",
    summary_columns: list[str] | None = None,
    seeds: str = "per_point",
    chunk_runs: int | None = None,
    timeseries_every: int = 0,
) -> Experiment:
    """An Experiment from a ready design matrix (points x factors), e.g. a SALib sample."""
    source = name
    base = (
        base_scenario.to_dict()
        if isinstance(base_scenario, Scenario)
        else copy.deepcopy(base_scenario)
    )
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer):
        raise CollabsimInputError(f"{source}: replicates = {replicates!r}; give a whole number")
    if replicates < 1:
        raise CollabsimInputError(f"{source}: replicates = {replicates}; must be at least 1")
    check_count(f"{source}: replicates", int(replicates), 1, MAX_REPLICATES)
    if isinstance(root_seed, bool) or not isinstance(root_seed, int | np.integer):
        raise CollabsimInputError(f"{source}: root_seed = {root_seed!r}; give a whole number")
    check_seed(f"{source}: root_seed", int(root_seed))
    replicates, root_seed = int(replicates), int(root_seed)
    arr = np.asarray(matrix, dtype=object)
    if arr.ndim != 2 or arr.shape[1] != len(factor_names):
        raise CollabsimInputError(
            f"{source}: the design matrix must be points x {len(factor_names)} factors"
        )
    if arr.shape[0] == 0:
        raise CollabsimInputError(f"{source}: the design matrix has no points")
    if arr.shape[0] > MAX_DESIGN_POINTS:
        raise CollabsimInputError(
            f"{source}: the design matrix has {arr.shape[0]:,} points; the limit is "
            f"{MAX_DESIGN_POINTS:,}: use fewer rows"
        )
    for v in arr.flat:
        if isinstance(v, float | np.floating) and not math.isfinite(v):
            raise CollabsimInputError(
                f"{source}: the design matrix holds {v}; every value must be a finite number"
            )
    factors = []
    for j, key in enumerate(factor_names):
        if _field_info(key) is None:
            raise CollabsimInputError(f"{source}: factor '{key}' is not a scenario key")
        col = [_plain(v) for v in arr[:, j]]
        kind = _kind_of(_field_info(key), col)
        if kind == "int":
            arr[:, j] = [int(round(float(v))) for v in col]
        elif kind == "float":
            arr[:, j] = [float(v) for v in col]
        factors.append(Factor(key, kind))
    points = [tuple(_plain(v) for v in row) for row in arr]
    for i, values in enumerate(points):
        validate_scenario(
            point_scenario_data(base, factor_names, values), source=f"{source}: design point {i}"
        )
    return Experiment(
        name=name,
        source=source,
        base=base,
        factors=factors,
        points=points,
        replicates=replicates,
        root_seed=root_seed,
        seeds=seeds,
        design={"kind": "matrix"},
        summary_columns=_choose_columns(summary_columns, summary_metrics(), "summary", source),
        timeseries_every=timeseries_every,
        chunk_runs=chunk_runs,
    )
