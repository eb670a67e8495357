"""Which rows of a sweep are cases of interest: the table `collabsim discover` searches, and the
outcome expression that marks its cases.

`case_table(SWEEP, per)` reads a sweep's runs: one row per run and partnership (`per="run"`) or one
row per design point with each metric's mean over its runs (`per="point"`), its varied factors as
the inputs. `select_cases(table, expression, threshold)` evaluates an outcome expression over it
(pandas `eval` after an `ast` check that lets through names, numbers, strings, comparisons and
arithmetic only) and returns the bool array of cases. Every refusal is one CollabsimInputError
line that says what, where and how to fix it.

Names an expression may use, besides the sweep's summary metrics and factors:
- `collapsed`: not survived (per point: the share of runs that collapsed);
- `survived_<N>y`: still going at the end of year N (as `collabsim compare` counts it; per point:
  the share);
- per run, `point_<metric>`: the metric's mean over the run's design point.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.comparison import alive_at
from collabsim.errors import CollabsimInputError
from collabsim.runs.posterior import PREFIX
from collabsim.runs.results import load_sweep, sweep_meta

PER = ("run", "point")
SURVIVED_NY = re.compile(r"^survived_(\d+)y$")
BACKTICKED = re.compile(r"`[^`]*`")
THRESHOLD = re.compile(r"^\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*$")
NOT_METRICS = {"point", "replicate", "seed", "partnership"}
ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.Invert,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.BitAnd,
    ast.BitOr,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
)


@dataclass
class CaseTable:
    """A sweep's rows as discovery reads them: the table, its inputs and what a row is."""

    sweep: Path
    frame: pd.DataFrame  # inputs, metrics and derived names, one row per `unit`
    factors: list[str]  # the varied factors: PRIM's and CART's inputs
    unit: str  # "run" or "point"
    runs: int
    meta: dict
    run_frame: pd.DataFrame | None = field(default=None, repr=False)  # one row per run
    horizon: np.ndarray | None = field(default=None, repr=False)  # months each run lasts
    notes: list[str] = field(default_factory=list)

    @property
    def x(self) -> pd.DataFrame:
        return self.frame[self.factors]

    @property
    def noun(self) -> str:
        """What a row is, in words: 'run', 'point', or 'partnership' when the runs hold several
        partnerships (a row per run and partnership)."""
        return "partnership" if self.unit == "run" and len(self.frame) > self.runs else self.unit

    @property
    def names(self) -> list[str]:
        """The names an outcome expression may use."""
        return list(self.frame.columns)


def case_table(sweep: str | Path, per: str = "run") -> CaseTable:
    """A sweep's runs (or design points) with their varied factors; refuses a folder with no runs
    or no varied factors."""
    sweep = Path(sweep)
    if per not in PER:
        raise CollabsimInputError(f"--per {per}: must be 'run' or 'point'")
    meta = sweep_meta(sweep)
    runs = load_sweep(sweep)
    if runs.empty:
        raise CollabsimInputError(
            f"{sweep}: holds no finished runs; run or complete it first "
            f"(`collabsim sweep EXPERIMENT --out {sweep} --resume`)"
        )
    declared = [f for f in meta.get("design", {}).get("factors", []) if f in runs.columns]
    declared += drawn_parameters(runs, declared, per)
    factors = [f for f in declared if runs[f].nunique(dropna=False) > 1]
    if not factors:
        what = "varies no factor" if not declared else f"holds one value of {', '.join(declared)}"
        raise CollabsimInputError(
            f"{sweep}: the sweep {what}, so there are no conditions to discover; sweep an "
            "experiment with [[factors]] that take two values or more"
        )
    notes = []
    counts = meta.get("counts", {})
    if meta.get("status") != "complete":
        notes.append(
            f"note: the sweep is not complete ({counts.get('runs_done', '?')} of "
            f"{counts.get('runs_total', '?')} runs); discovering on the runs done so far"
        )
    if counts.get("runs_failed"):
        notes.append(f"note: {counts['runs_failed']} runs failed and are left out")
    run_frame = _with_derived(runs, factors)
    n_runs = len(run_frame.drop_duplicates(["point", "replicate"]))
    frame = _point_means(run_frame, factors) if per == "point" else run_frame
    horizon = _horizon(meta, run_frame)
    return CaseTable(sweep, frame, factors, per, n_runs, meta, run_frame, horizon, notes)


def drawn_parameters(runs: pd.DataFrame, declared: list[str], per: str) -> list[str]:
    """A sweep run with --parameters posterior.parquet records each run's drawn parameter values
    (parameters.NAME): with --per run they are inputs too, so the boxes can name the calibrated
    parameters beside the design's factors (a point's runs drew different values, so a point's
    mean of them would mean nothing)."""
    if per != "run":
        return []
    return [c for c in runs.columns if c.startswith(PREFIX) and c not in declared]


def _with_derived(runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """The run table with `collapsed` and every metric's point mean (`point_<metric>`)."""
    frame = runs.reset_index(drop=True)
    if "survived" in frame.columns:
        frame["collapsed"] = ~frame["survived"].astype(bool)
    metrics = _metrics(frame, factors)
    means = frame[metrics].astype(float).groupby(frame["point"]).transform("mean")
    return pd.concat([frame, means.add_prefix("point_")], axis=1)


def _metrics(frame: pd.DataFrame, factors: list[str]) -> list[str]:
    """The numeric and bool columns that are outcomes (not ids, not factors, not point means)."""
    return [
        c
        for c in frame.columns
        if c not in NOT_METRICS
        and c not in factors
        and not c.startswith("point_")
        and (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]


def _point_means(frame: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """One row per design point: its factors, each metric's mean over its runs, and `runs`."""
    metrics = _metrics(frame, factors)
    grouped = frame.groupby("point", sort=True)
    out = grouped[factors].first()
    out[metrics] = frame[metrics].astype(float).groupby(frame["point"], sort=True).mean()
    out["runs"] = grouped.size()
    return out.reset_index()


def _horizon(meta: dict, frame: pd.DataFrame) -> np.ndarray | None:
    """How many months each run lasted (its scenario.steps), if the sweep says so."""
    if "scenario.steps" in frame.columns:
        return frame["scenario.steps"].to_numpy()
    steps = meta.get("spec", {}).get("base_scenario", {}).get("scenario", {}).get("steps")
    return np.full(len(frame), steps) if isinstance(steps, int) else None


# --------------------------------------------------------------------------- the expression


def expression_names(expression: str) -> set[str]:
    """The column names an outcome expression uses, after checking it is only names, numbers,
    strings, comparisons and arithmetic (no calls, attributes, subscripts or assignments)."""
    quoted: dict[str, str] = {}

    def hide(m: re.Match) -> str:
        key = f"_q{len(quoted)}_"
        quoted[key] = m.group(0)[1:-1]
        return key

    where = f"--outcome '{expression}'"
    if not expression.strip():
        raise CollabsimInputError(f"{where}: empty; give a condition, e.g. 'public_value < 20'")
    try:
        tree = ast.parse(BACKTICKED.sub(hide, expression), mode="eval")
    except SyntaxError as exc:
        raise CollabsimInputError(
            f"{where}: not a valid expression ({exc.msg}); write e.g. 'survived_10y < 0.5' and "
            "put names with dots in backticks: `drivers.urgency` < 0.3"
        ) from None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            raise CollabsimInputError(
                f"{where}: put names with dots in backticks: `{node.value.id}.{node.attr}`"
            )
        if not isinstance(node, ALLOWED_NODES):
            raise CollabsimInputError(
                f"{where}: only names, numbers, comparisons (< <= == != >= >), and/or/not and "
                f"arithmetic are allowed, not {type(node).__name__}"
            )
        if isinstance(node, ast.Name):
            names.add(quoted.get(node.id, node.id))
    return names


def select_cases(table: CaseTable, expression: str, threshold: str | None = None) -> np.ndarray:
    """The cases of interest: the rows where `expression` holds, or, with a threshold such as
    '< 20' or '<10%' (a quantile), where the numeric `expression` lies beyond it."""
    names = expression_names(expression)
    frame = _with_survival(table, names)
    unknown = sorted(names - set(frame.columns) - {"True", "False"})
    if unknown:
        raise CollabsimInputError(
            f"--outcome '{expression}': unknown name {', '.join(repr(u) for u in unknown)}; known "
            f"per {table.unit}: {', '.join(_listed(table))}, survived_<N>y"
        )
    try:
        result = frame.eval(expression, engine="python")
    except Exception as exc:  # noqa: BLE001 - a type mismatch in the user's expression
        raise CollabsimInputError(
            f"--outcome '{expression}': cannot be evaluated ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(result, pd.Series) or len(result) != len(frame):
        raise CollabsimInputError(
            f"--outcome '{expression}': gives one value for the whole sweep, not one per "
            f"{table.noun}; name a column, e.g. 'public_value < 20'"
        )
    if threshold is None:
        cases = _booleans(result, expression)
        what = f"--outcome '{expression}'"
    else:
        cases, what = _beyond(result, expression, threshold)
    _check_some_not_all(cases, what, table.noun)
    return cases


def _listed(table: CaseTable) -> list[str]:
    return [f"`{n}`" if "." in n else n for n in table.names if n not in ("point", "seed")]


def _with_survival(table: CaseTable, names: set[str]) -> pd.DataFrame:
    """The table with every `survived_<N>y` the expression names (still going after 12 N months)."""
    frame = table.frame
    wanted = [(n, int(m.group(1))) for n in sorted(names) if (m := SURVIVED_NY.match(n))]
    if not wanted:
        return frame
    runs = table.run_frame
    frame = frame.copy()
    for name, years in wanted:
        if not {"survived", "lifetime_months"} <= set(runs.columns):
            raise CollabsimInputError(
                f"--outcome: {name} needs survived and lifetime_months, which this sweep did not "
                "keep; add them to the experiment's outputs.summary"
            )
        if years < 1 or (table.horizon is not None and (table.horizon < 12 * years).any()):
            longest = int(table.horizon.min()) // 12 if table.horizon is not None else 0
            raise CollabsimInputError(
                f"--outcome: {name}: the runs last {int(table.horizon.min())} months, so ask for "
                f"survived_1y to survived_{longest}y"
            )
        alive = alive_at(runs, 12 * years).to_numpy(dtype=bool)
        if table.unit == "point":
            frame[name] = (
                pd.Series(alive, dtype=float)
                .groupby(runs["point"].to_numpy())
                .mean()[frame["point"]]
                .to_numpy()
            )
        else:
            frame[name] = alive
    return frame


def _booleans(result: pd.Series, expression: str) -> np.ndarray:
    if not pd.api.types.is_bool_dtype(result):
        raise CollabsimInputError(
            f"--outcome '{expression}': gives {result.dtype} values, not true/false; compare "
            f"it ('{expression} < 20') or give --threshold '<20'"
        )
    if result.isna().any():
        raise CollabsimInputError(
            f"--outcome '{expression}': has no answer for {int(result.isna().sum())} rows "
            "(missing values); leave those columns out"
        )
    return result.to_numpy(dtype=bool)


def _beyond(result: pd.Series, expression: str, threshold: str) -> tuple[np.ndarray, str]:
    """Cases where a numeric outcome lies beyond a threshold such as '<20' or '>=90%'."""
    m = THRESHOLD.match(threshold)
    if not m:
        raise CollabsimInputError(
            f"--threshold '{threshold}': write a comparison and a number, e.g. '<20', '>=0.5', "
            "or a share of the rows, e.g. '<10%' (the lowest tenth)"
        )
    if pd.api.types.is_bool_dtype(result) or not pd.api.types.is_numeric_dtype(result):
        raise CollabsimInputError(
            f"--threshold '{threshold}': --outcome '{expression}' must then be a number (e.g. "
            "public_value), not true/false; drop --threshold or the comparison"
        )
    op, number, percent = m.groups()
    value = float(number)
    values = result.to_numpy(dtype=float)
    if percent:
        if not 0 < value < 100:
            raise CollabsimInputError(f"--threshold '{threshold}': a share between 0% and 100%")
        value = float(np.nanquantile(values, value / 100))
    with np.errstate(invalid="ignore"):
        cases = {"<": values < value, "<=": values <= value, ">": values > value}.get(
            op, values >= value
        )
    what = f"--outcome '{expression}' --threshold '{threshold}' ({op} {value:.4g}"
    what += f"; the outcome ranges from {np.nanmin(values):.4g} to {np.nanmax(values):.4g})"
    return cases, what


def _check_some_not_all(cases: np.ndarray, what: str, unit: str) -> None:
    n, k = len(cases), int(cases.sum())
    if k == 0:
        raise CollabsimInputError(
            f"{what}: selects no case among the {n:,} {unit}s; loosen the condition"
        )
    if k == n:
        raise CollabsimInputError(
            f"{what}: selects every one of the {n:,} {unit}s, so nothing sets them apart; "
            "tighten the condition"
        )


__all__ = ["PER", "CaseTable", "case_table", "expression_names", "select_cases"]
