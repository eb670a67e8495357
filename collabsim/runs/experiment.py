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
(`CollabsimInputError`) naming the file, the key and what is allowed. This module resolves a file
(or a ready design matrix) into an `Experiment`; the file's schema is in `experiment_file`, the
factors in `factors`, the design and the seeds in `design`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from collabsim.errors import CollabsimInputError
from collabsim.limits import MAX_DESIGN_POINTS, MAX_REPLICATES, check_count, check_seed
from collabsim.model.scenario import Scenario, apply_overrides, read_toml, validate_scenario
from collabsim.model.validation import validated
from collabsim.runs.design import (
    DesignPlan,
    check_design_size,
    design_points,
    plain_value,
    point_scenario_data,
    points_digest,
)
from collabsim.runs.experiment_file import (
    ExperimentFile,
    all_summary_columns,
    choose_columns,
    series_variables,
    summary_metrics,
)
from collabsim.runs.factors import Factor, kind_of, resolve_factor, scenario_field
from collabsim.runs.posterior import Posterior


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
    summary_columns: list[str] = field(default_factory=all_summary_columns)
    timeseries_every: int = 0
    timeseries_columns: list[str] = field(default_factory=lambda: list(series_variables()))
    chunk_runs: int | None = None
    description: str = ""
    posterior: Posterior | None = None  # each run draws its parameters from it (--parameters)

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
        } | self.posterior_spec()

    def posterior_spec(self) -> dict[str, Any]:
        """The posterior's part of the spec: its particles' digest, not its path (none without
        one, so older sweeps resume)."""
        if self.posterior is None:
            return {}
        return {"posterior_sha256": self.posterior.digest()}

    @property
    def draw_columns(self) -> list[str]:
        """The summary columns that record each run's draw from the posterior (if any)."""
        return self.posterior.columns if self.posterior is not None else []

    def fingerprint(self) -> str:
        blob = json.dumps(self.spec(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


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
        if scenario_field(f.key) is None:
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
    summary_cols = choose_columns(spec.outputs.summary, summary_metrics(), "summary", source)
    ts_cols = choose_columns(spec.outputs.timeseries, series_variables(), "timeseries", source)
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
        if scenario_field(key) is None:
            raise CollabsimInputError(f"{source}: factor '{key}' is not a scenario key")
        col = [plain_value(v) for v in arr[:, j]]
        kind = kind_of(scenario_field(key), col)
        if kind == "int":
            arr[:, j] = [int(round(float(v))) for v in col]
        elif kind == "float":
            arr[:, j] = [float(v) for v in col]
        factors.append(Factor(key, kind))
    points = [tuple(plain_value(v) for v in row) for row in arr]
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
        summary_columns=choose_columns(summary_columns, summary_metrics(), "summary", source),
        timeseries_every=timeseries_every,
        chunk_runs=chunk_runs,
    )
