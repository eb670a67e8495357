"""The experiment file's schema: its tables and keys, checked by pydantic, and its output names.

[experiment], [design], [set], [[factors]] and [outputs] (see collabsim/runs/experiment.py for an
example file). What a key means and allows is declared once here; a mistake is one clear line
naming the file and the key. `check_metrics` checks the names in outputs.summary and
outputs.timeseries against what a run gives (`summary_metrics`, `series_variables`).
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import Field, model_validator

from collabsim.errors import CollabsimInputError
from collabsim.limits import MAX_REPLICATES, MAX_SEED
from collabsim.model.validation import StrictTable

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


def all_summary_columns() -> list[str]:
    """Every column of a run's summary table, identifiers included."""
    from collabsim.runs.runner import SUMMARY_COLUMNS

    return list(SUMMARY_COLUMNS)


def series_variables() -> tuple[str, ...]:
    """The monthly series variables a run can keep."""
    from collabsim.model.collaboration import SERIES

    return tuple(SERIES)


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


def choose_columns(
    wanted: list[str] | None, allowed: tuple[str, ...], what: str, source: str
) -> list[str]:
    """The columns of outputs.<what> to keep, in table order (all of them if not given)."""
    if wanted is None:
        return list(allowed)
    check_metrics(wanted, allowed, f"{source}: outputs.{what}", what)
    return [c for c in allowed if c in wanted]
