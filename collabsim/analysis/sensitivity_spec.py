"""What a sensitivity analysis is asked: its factors, outputs, method, sample and settings.

`load_spec` reads an ordinary experiment file (collabsim.runs.experiment) with a sobol or morris
design and an optional [sensitivity] table (`SensitivitySection`) into a checked
`SensitivitySpec`, which is all the rest of the analysis reads, whatever the model. The outputs it
may name are the summary metrics that are numbers (`numeric_outputs`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from collabsim.errors import CollabsimInputError
from collabsim.model.scenario import read_toml
from collabsim.model.validation import StrictTable, validated
from collabsim.runs.experiment_file import check_metrics
from collabsim.runs.factors import Factor

METHODS = ("sobol", "morris")
DEFAULT_OUTPUTS = ("survived", "lifetime_months", "public_value")


def numeric_outputs() -> tuple[str, ...]:
    """Summary metrics that are numbers (the others are identifiers or a phase name). Imported
    when needed: the model takes seconds to load, and a file is checked before that."""
    from collabsim.runs.runner import SUMMARY_COLUMNS

    return tuple(c for c in SUMMARY_COLUMNS if c not in ("replicate", "seed", "partnership"))


OUTPUT_LABELS = {
    "survived": "survival (share of runs)",
    "lifetime_months": "lifetime (months)",
    "public_value": "public value",
}


def short_key(key: str) -> str:
    """A factor's key without its section, for labels: drivers.urgency -> urgency."""
    return key.split(".", 1)[-1]


class SensitivitySection(StrictTable):
    """[sensitivity] in an experiment file: analysis settings (all optional)."""

    num_resamples: int = Field(1000, ge=10, le=100_000, description="bootstrap resamples")
    conf_level: float = Field(0.95, gt=0.5, lt=1.0, description="confidence level of intervals")
    convergence: list[int] | None = Field(
        None, description="sobol: base sample sizes N for the convergence plot (default N/8..N)"
    )
    replicate_subsets: list[int] | None = Field(
        None, description="replicates to recompute the indices with (default R/4, R/2, R)"
    )
    surface_factors: list[str] = Field(
        default_factory=list, description="a response surface of survival over each pair of these"
    )
    surface_levels: int = Field(9, ge=2, le=101, description="grid levels per surface axis")
    surface_replicates: int = Field(16, ge=1, le=10_000, description="replicates per grid cell")
    surface_output: str = Field("survived", description="the metric the surfaces show")


@dataclass
class SensitivitySpec:
    """Everything an analysis needs, whatever the model."""

    name: str
    method: Literal["sobol", "morris"]
    factors: list[Factor]
    outputs: list[str]
    samples: int  # sobol: base sample N; morris: trajectories
    replicates: int
    seed: int
    second_order: bool = True
    levels: int = 4  # morris grid levels
    num_resamples: int = 1000
    conf_level: float = 0.95
    convergence: list[int] = field(default_factory=list)
    replicate_subsets: list[int] = field(default_factory=list)
    base: dict[str, Any] | None = None  # the base scenario data (scenario models)
    source: str = "analysis"
    description: str = ""
    surface_factors: list[str] = field(default_factory=list)
    surface_levels: int = 9
    surface_replicates: int = 16
    surface_output: str = "survived"
    chunk_runs: int | None = None
    seeds: str = "per_point"  # or "common": replicate r has the same seed at every point

    @property
    def names(self) -> list[str]:
        return [f.key for f in self.factors]

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem: every factor on the unit interval (mapped by its inverse CDF)."""
        d = len(self.factors)
        return {"num_vars": d, "names": self.names, "bounds": [[0.0, 1.0]] * d}

    @property
    def points_per_sample(self) -> int:
        d = len(self.factors)
        if self.method == "sobol":
            return 2 * d + 2 if self.second_order else d + 2
        return d + 1

    @property
    def total_points(self) -> int:
        return self.samples * self.points_per_sample

    @property
    def total_runs(self) -> int:
        return self.total_points * self.replicates

    def finish(self) -> SensitivitySpec:
        """Check the settings and fill the defaults that depend on N and R."""
        src = self.source
        if not self.factors:
            raise CollabsimInputError(f"{src}: a sensitivity analysis needs at least one factor")
        if self.method == "sobol":
            if len(self.factors) < 2:
                raise CollabsimInputError(f"{src}: Sobol indices need at least two factors")
            n = self.samples
            if n < 2 or n & (n - 1):
                lower = 1 << max(1, n.bit_length() - 1)
                raise CollabsimInputError(
                    f"{src}: Sobol needs design.samples to be a power of two (got {n}; try "
                    f"{lower} or {lower * 2})"
                )
            conv = self.convergence or [n >> k for k in (3, 2, 1, 0) if n >> k >= 16] or [n]
            for c in conv:
                if c < 2 or c & (c - 1) or c > n:
                    raise CollabsimInputError(
                        f"{src}: sensitivity.convergence = {c}: each N must be a power of two "
                        f"no larger than design.samples = {n}"
                    )
            self.convergence = sorted(set(conv) | {n})
        for f in self.factors:
            if not f.bounded:
                raise CollabsimInputError(
                    f"{src}: factor '{f.key}' has no bounds ({f.distribution}); give "
                    "range = [low, high] (or values = [...]) so it can be sampled on [0, 1]"
                )
        r = self.replicates
        subs = self.replicate_subsets or sorted({max(1, r // 4), max(1, r // 2), r})
        for k in subs:
            if not 1 <= k <= r:
                raise CollabsimInputError(
                    f"{src}: sensitivity.replicate_subsets = {k}: must be between 1 and "
                    f"replicates = {r}"
                )
        self.replicate_subsets = sorted(set(subs) | {r})
        return self


def load_spec(
    path: str | Path,
    method: str | None = None,
    budget: Callable[[Any], None] | None = None,
    surfaces: bool = True,
) -> SensitivitySpec:
    """Read and check an experiment file for a sensitivity analysis (one clear line if wrong).

    The file is an ordinary experiment file (collabsim.runs.experiment) with a sobol or morris
    design, plus an optional [sensitivity] table (SensitivitySection). `method` overrides
    design.kind.
    budget(plan) is called with the analysis's size (the sample, plus the response surfaces if
    `surfaces`) before anything is sampled; it may refuse with CollabsimInputError.
    """
    from collabsim.runs.experiment import experiment_from_dict

    p = Path(path)
    data = read_toml(p, "experiment", "experiments/")
    if method is not None and method not in METHODS:
        raise CollabsimInputError(f"--method {method}: must be one of {', '.join(METHODS)}")
    section_data = data.pop("sensitivity", {})
    section = validated(SensitivitySection, section_data, str(p), prefix=("sensitivity",))
    design = data.setdefault("design", {})
    if not isinstance(design, dict):
        raise CollabsimInputError(f"{p}: [design] must be a table")
    kind = method or design.get("kind")
    if kind not in METHODS:
        raise CollabsimInputError(
            f"{p}: design.kind = {kind!r}; a sensitivity analysis needs 'sobol' or 'morris' "
            "(or --method sobol|morris)"
        )
    design["kind"] = kind
    outputs_table = data.get("outputs") if isinstance(data.get("outputs"), dict) else {}
    outputs = outputs_table.get("summary")
    outputs = list(DEFAULT_OUTPUTS) if outputs is None else list(outputs)
    check_metrics(outputs, numeric_outputs(), f"{p}: outputs.summary")
    data.setdefault("outputs", {})["summary"] = outputs
    for i, f in enumerate(data.get("factors", []) or []):
        if isinstance(f, dict) and "values" not in f and "range" not in f and "mean" not in f:
            key = f.get("key", f"factors[{i}]")
            raise CollabsimInputError(
                f"{p}: factor '{key}' has no bounds; give range = [low, high] (or values = [...])"
            )
    if "experiment" in data and isinstance(data["experiment"], dict):
        data["experiment"].setdefault("name", p.stem)
    k = len(section.surface_factors)
    surface_runs = (
        k * (k - 1) // 2 * section.surface_levels**2 * section.surface_replicates if surfaces else 0
    )

    def plan_budget(plan) -> None:
        if budget is not None:
            budget(dataclasses.replace(plan, extra_runs=surface_runs))

    exp = experiment_from_dict(
        data,
        source=str(p),
        base_dir=p.parent,
        validate_points=False,
        budget=plan_budget,
        generate=False,  # the analysis draws its own sample (sample_unit)
    )
    if section.surface_output not in numeric_outputs():
        check_metrics(
            [section.surface_output], numeric_outputs(), f"{p}: sensitivity.surface_output"
        )
    if len(section.surface_factors) == 1:
        raise CollabsimInputError(
            f"{p}: sensitivity.surface_factors: a response surface is over a pair of factors; "
            "list at least two (or none)"
        )
    for key in section.surface_factors:
        if key not in exp.factor_names:
            raise CollabsimInputError(
                f"{p}: sensitivity.surface_factors: '{key}' is not one of the factors"
            )
        if next(f for f in exp.factors if f.key == key).values is not None:
            raise CollabsimInputError(
                f"{p}: sensitivity.surface_factors: '{key}' takes values, not a range"
            )
    spec = SensitivitySpec(
        name=exp.name,
        method=kind,
        factors=exp.factors,
        outputs=outputs,
        samples=int(exp.design.get("samples") or 0),
        replicates=exp.replicates,
        seed=exp.root_seed,
        second_order=bool(exp.design.get("second_order")) if kind == "sobol" else False,
        levels=int(exp.design.get("levels", 4)),
        num_resamples=section.num_resamples,
        conf_level=section.conf_level,
        convergence=list(section.convergence or []),
        replicate_subsets=list(section.replicate_subsets or []),
        base=exp.base,
        source=str(p),
        description=exp.description,
        surface_factors=list(section.surface_factors),
        surface_levels=section.surface_levels,
        surface_replicates=section.surface_replicates,
        surface_output=section.surface_output,
        chunk_runs=exp.chunk_runs,
        seeds=exp.seeds,
    )
    return spec.finish()
