"""Building an experiment's design: its points, their size before they exist, their seeds.

`design_points` makes the points of a full-factorial grid or a sampled design (Latin hypercube,
Sobol, Morris with SALib, each factor mapped from the unit cube); `check_design_size` and
`DesignPlan` give the design's size (and its costliest run) before it is generated, so a design
too large is refused first; `point_scenario_data` is one point's scenario; `run_seed` is the seed
of one run, which depends only on the root seed, the point and the replicate.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from collabsim.errors import CollabsimInputError
from collabsim.limits import MAX_DESIGN_POINTS, RunSize, run_size
from collabsim.model.scenario import validate_scenario
from collabsim.runs.experiment_file import DesignSpec
from collabsim.runs.factors import Factor


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
    return [tuple(plain_value(c[i]) for c in columns) for i in range(unit.shape[0])]


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


def plain_value(v: Any) -> Any:
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
        set_key(data, k, plain_value(v))
    return data


def points_digest(points: list[tuple]) -> str:
    """A SHA-256 of the design points (what --resume compares)."""
    return hashlib.sha256(json.dumps(points, default=str).encode()).hexdigest()


def run_seed(root_seed: int, point: int, replicate: int, seeds: str = "per_point") -> int:
    """The model seed of one run: SeedSequence(root) child at (point, replicate), as int63.

    With seeds = "common" replicate r gets the same seed at every point, equal to
    collabsim.runs.runner.replicate_seeds(root, R)[r].
    """
    key = (replicate,) if seeds == "common" else (point, replicate)
    ss = np.random.SeedSequence(root_seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
