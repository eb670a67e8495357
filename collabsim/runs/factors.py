"""A factor of an experiment: one scenario key to vary, checked against the scenario's schema.

`resolve_factor` turns a [[factors]] entry into a `Factor`: its kind of value (from the scenario
field, else from the values given), its values or range within the field's bounds, and its
distribution. `Factor.grid` gives its levels for a full-factorial design; `Factor.from_unit` maps
unit-cube samples onto its values by the inverse CDF (how sampled designs use it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from collabsim.errors import CollabsimInputError
from collabsim.model.scenario import Funding, OrganisationGroup, Scenario
from collabsim.runs.experiment_file import FactorSpec


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


def scenario_field(key: str):
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
    """The bounds (ge/gt, le/lt) a scenario field declares, None where it has none."""
    lo = hi = None
    for m in info.metadata if info is not None else ():
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        lo = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
        hi = getattr(m, "lt", None) if getattr(m, "lt", None) is not None else hi
    return lo, hi


def _limits(info) -> tuple[float | None, float | None, str]:
    """A field's bounds and, if it has both, the words "allowed range LOW..HIGH" for messages."""
    lo, hi = _bounds(info)
    return lo, hi, (f"allowed range {lo}..{hi}" if lo is not None and hi is not None else "")


def kind_of(info, values: list | None) -> Literal["float", "int", "bool", "str"]:
    """A factor's kind of value: the scenario field's type, else what the values given are."""
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
    info = scenario_field(spec.key)
    given = [n for n, v in (("values", spec.values), ("range", spec.range)) if v is not None]
    if spec.distribution in ("normal", "lognormal"):
        return _unbounded_factor(spec, design, where, info)
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
        return _factor_of_values(spec, where, info)
    return _factor_of_range(spec, design, where, info)


def _unbounded_factor(spec: FactorSpec, design: str, where: str, info) -> Factor:
    """A factor with a normal or lognormal distribution (mean and sd, no bounds)."""
    lo_ok, hi_ok, allowed = _limits(info)
    given = [n for n, v in (("values", spec.values), ("range", spec.range)) if v is not None]
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
    kind = kind_of(info, None)
    return Factor(spec.key, kind, distribution=spec.distribution, mean=spec.mean, sd=spec.sd)


def _factor_of_values(spec: FactorSpec, where: str, info) -> Factor:
    """A factor that takes the values listed (each within the key's bounds and of its kind)."""
    lo_ok, hi_ok, allowed = _limits(info)
    has_dist_params = spec.mean is not None or spec.sd is not None
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
    kind = kind_of(info, spec.values)
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


def _factor_of_range(spec: FactorSpec, design: str, where: str, info) -> Factor:
    """A factor over a range [low, high] within the key's bounds, with its distribution."""
    lo_ok, hi_ok, allowed = _limits(info)
    has_dist_params = spec.mean is not None or spec.sd is not None
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
    kind = kind_of(info, None)
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
