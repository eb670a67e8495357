"""Global sensitivity analysis: Sobol indices and Morris screening of the model (or any function).

One code path for every model::

    spec  = load_spec("experiments/sobol_drivers.toml")        # or a SensitivitySpec by hand
    unit  = sample_unit(spec)                                   # SALib sample on the unit cube
    runs  = model.evaluate(spec, factor_values(spec, unit), out) # engine (run_design) or a function
    Y     = point_means(runs, ...)                              # mean over the R replicates
    indices, second_order = analyse_sobol(spec, Y)              # SALib with bootstrap intervals

`run_analysis(spec, model, out)` does all of it and writes indices.csv, second_order.csv (Sobol) or
morris.csv (Morris), convergence.csv, replicates_effect.csv, noise.csv, the figures and report.md.
`ScenarioModel` runs the collaboration model through `collabsim.runs.sweep.run_design` (chunked,
resumable, process pool or Dask, failures recorded); `FunctionModel` evaluates a Python function
(the Ishigami test function in the tests) and goes through exactly the same sampling, averaging,
analysis and writing.

Sampling. Every factor is sampled on [0, 1] and mapped onto its values by its inverse CDF
(`Factor.from_unit`): a range is uniform between its bounds; a factor with values = [false, true]
(e.g. partnership.coordinator) is False below 0.5 and True from 0.5 on. Sobol: Saltelli's scheme
(`SALib.sample.sobol`, scrambled, seeded), N a power of two, N (2D + 2) points with second order;
the design for N contains the designs for N/2, N/4, ... as its first rows, so the convergence of
the indices against N costs no extra runs. Morris: `SALib.sample.morris` with N trajectories.

Stochastic model. Each point runs R replicates with independent seeds; the output of a point is
the mean over its replicates (and partnerships) of each metric (survived -> share surviving). The
replicate noise left in such a mean inflates the variance: first-order indices are not biased by
it but shrink by the noise share eta = (mean within-point variance / R) / Var(Y); total indices
(Jansen's estimator) each gain about eta. noise.csv states eta for R/4, R/2 and R replicates, and
report.md gives the interaction share net of it: 1 - sum(S1) - eta.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from collabsim.errors import CollabsimInputError
from collabsim.model.scenario import read_toml
from collabsim.model.validation import StrictTable, validated
from collabsim.runs.experiment import Factor, check_metrics

METHODS = ("sobol", "morris")
DEFAULT_OUTPUTS = ("survived", "lifetime_months", "public_value")


def numeric_outputs() -> tuple[str, ...]:
    """Summary metrics that are numbers (the others are identifiers or a phase name). Imported
    when needed: the model takes seconds to load, and a file is checked before that."""
    from collabsim.runs.runner import SUMMARY_COLUMNS

    return tuple(c for c in SUMMARY_COLUMNS if c not in ("replicate", "seed", "partnership"))


def __getattr__(name: str):
    if name == "NUMERIC_OUTPUTS":
        return numeric_outputs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


OUTPUT_LABELS = {
    "survived": "survival (share of runs)",
    "lifetime_months": "lifetime (months)",
    "public_value": "public value",
}


# --------------------------------------------------------------------------- the spec


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


# --------------------------------------------------------------------------- sampling


def sample_unit(spec: SensitivitySpec, samples: int | None = None) -> np.ndarray:
    """The SALib sample on the unit cube (points x factors), seeded by the spec's seed."""
    n = spec.samples if samples is None else samples
    if spec.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(
            spec.problem, n, calc_second_order=spec.second_order, scramble=True, seed=spec.seed
        )
    from SALib.sample import morris

    return morris.sample(spec.problem, n, num_levels=spec.levels, seed=spec.seed)


def factor_values(spec: SensitivitySpec, unit: np.ndarray) -> np.ndarray:
    """Unit-cube samples mapped onto the factors' values (object array, points x factors)."""
    cols = [f.from_unit(unit[:, j]) for j, f in enumerate(spec.factors)]
    out = np.empty(unit.shape, dtype=object)
    for j, c in enumerate(cols):
        out[:, j] = [v.item() if isinstance(v, np.generic) else v for v in c]
    return out


# --------------------------------------------------------------------------- models


class ScenarioModel:
    """The collaboration model, run through the sweep engine (collabsim.runs.sweep.run_design)."""

    def __init__(
        self,
        workers: int | str | None = None,
        scheduler: str | None = None,
        resume: bool = False,
        runs_dir: str | Path | None = None,
        notes: Callable[[str], None] | None = None,
        on_executor: Callable[[int, str], None] | None = None,
    ) -> None:
        self.on_executor = on_executor  # called with the workers of each sub-sweep (run_sweep)
        self.workers = workers
        self.scheduler = scheduler
        self.resume = resume
        self.runs_dir = runs_dir
        self.notes = notes or (lambda _m: None)

    def evaluate(
        self,
        spec: SensitivitySpec,
        values: np.ndarray,
        out: Path,
        name: str = "sample",
        factor_names: list[str] | None = None,
        replicates: int | None = None,
    ) -> pd.DataFrame:
        """Run every point R times; one row per run and partnership (point, replicate, metrics)."""
        from collabsim.runs.sweep import run_design

        if spec.base is None:
            raise CollabsimInputError(f"{spec.source}: a scenario model needs a base scenario")
        reps = replicates or spec.replicates
        folder = (Path(self.runs_dir) if self.runs_dir is not None else out / "runs") / name
        keys = factor_names or spec.names
        self.notes(
            f"{spec.name}/{name}: {len(values)} points x {reps} replicates = "
            f"{len(values) * reps} runs -> {folder}"
        )
        t0 = time.perf_counter()
        frame = run_design(
            spec.base,
            keys,
            values,
            reps,
            spec.seed,
            folder,
            workers=self.workers,
            scheduler=self.scheduler,
            resume=self.resume,
            summary_columns=sorted(
                {*spec.outputs, spec.surface_output}, key=numeric_outputs().index
            ),
            chunk_runs=spec.chunk_runs,
            seeds=spec.seeds,
            name=f"{spec.name}-{name}",
            on_executor=self.on_executor,
        )
        self.last_seconds = time.perf_counter() - t0
        failures = _failures(folder)
        if failures:
            self.notes(f"{failures} runs failed (see {folder / 'failures.parquet'})")
        return frame


def _failures(folder: Path) -> int:
    from collabsim.runs.results import load_sweep

    try:
        return len(load_sweep(folder, "failures"))
    except CollabsimInputError:
        return 0


class FunctionModel:
    """A Python function as the model: fn(x: float array points x factors, rng) -> {output: y}.

    Replicate r of the whole sample gets its own generator from SeedSequence(seed, spawn_key=(r,)),
    so a stochastic function is averaged over replicates like the scenario model.
    """

    def __init__(self, fn: Callable[[np.ndarray, np.random.Generator], dict[str, np.ndarray]]):
        self.fn = fn

    def evaluate(
        self,
        spec: SensitivitySpec,
        values: np.ndarray,
        out: Path,
        name: str = "sample",
        factor_names: list[str] | None = None,
        replicates: int | None = None,
    ) -> pd.DataFrame:
        x = np.asarray(values, dtype=float)
        frames = []
        for r in range(replicates or spec.replicates):
            rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(r,)))
            ys = self.fn(x, rng)
            frame = pd.DataFrame({"point": np.arange(len(x)), "replicate": r})
            for o in spec.outputs:
                if o not in ys:
                    raise CollabsimInputError(f"{spec.source}: the model gives no output '{o}'")
                frame[o] = np.asarray(ys[o], dtype=float)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def ishigami(x: np.ndarray, rng: np.random.Generator | None = None, a=7.0, b=0.1) -> dict:
    """The Ishigami test function on [-pi, pi]^3 (S1 = .314, .442, 0; ST = .558, .442, .244)."""
    y = np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
    return {"y": y}


def ishigami_spec(samples: int = 1024, seed: int = 1, **kw) -> SensitivitySpec:
    """A Sobol spec of the Ishigami function (three factors on [-pi, pi], output 'y')."""
    factors = [Factor(f"x{i}", "float", low=-math.pi, high=math.pi) for i in (1, 2, 3)]
    kw.setdefault("method", "sobol")
    return SensitivitySpec(
        name="ishigami",
        factors=factors,
        outputs=["y"],
        samples=samples,
        replicates=kw.pop("replicates", 1),
        seed=seed,
        source="ishigami",
        **kw,
    ).finish()


# --------------------------------------------------------------------------- averaging


def point_means(
    runs: pd.DataFrame, outputs: list[str], n_points: int, replicates: int | None = None
) -> dict[str, np.ndarray]:
    """Each point's mean over its first `replicates` replicates (and all partnerships)."""
    df = runs if replicates is None else runs[runs["replicate"] < replicates]
    per_run = df.groupby(["point", "replicate"], sort=True)[outputs].mean()
    means = per_run.groupby(level="point").mean().reindex(range(n_points))
    missing = means.index[means[outputs].isna().any(axis=1)]
    if len(missing):
        raise CollabsimInputError(
            f"{len(missing)} design points have no finished run (first: point {missing[0]}); "
            "see failures.parquet in the runs folder, fix the cause and run again with --resume"
        )
    return {o: means[o].to_numpy(dtype=float) for o in outputs}


def noise_share(
    runs: pd.DataFrame, outputs: list[str], n_points: int, replicates: int
) -> dict[str, tuple[float, float, float]]:
    """Per output: (variance of the point means, its replicate-noise part, noise share eta)."""
    df = runs[runs["replicate"] < replicates]
    per_run = df.groupby(["point", "replicate"], sort=True)[outputs].mean()
    result = {}
    for o in outputs:
        means = per_run[o].groupby(level="point").mean()
        total = float(np.var(means.to_numpy()))
        if replicates < 2:
            result[o] = (total, float("nan"), float("nan"))
            continue
        within = float(per_run[o].groupby(level="point").var(ddof=1).mean())
        noise = within / replicates
        result[o] = (total, noise, noise / total if total > 0 else float("nan"))
    return result


# --------------------------------------------------------------------------- analysis


def analyse_sobol(
    spec: SensitivitySpec, ys: dict[str, np.ndarray], samples: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sobol indices with bootstrap intervals for each output (the first samples*(2D+2) rows)."""
    from SALib.analyze import sobol

    n = spec.samples if samples is None else samples
    rows, pairs = [], []
    names = spec.names
    for k, (o, y) in enumerate(ys.items()):
        y = np.asarray(y, dtype=float)[: n * spec.points_per_sample]
        if np.var(y) == 0:
            raise CollabsimInputError(
                f"{spec.source}: output '{o}' does not vary over the design; "
                "Sobol indices are undefined (choose wider ranges or another output)"
            )
        res = sobol.analyze(
            spec.problem,
            y,
            calc_second_order=spec.second_order,
            num_resamples=spec.num_resamples,
            conf_level=spec.conf_level,
            seed=spec.seed + k,
        )
        for j, f in enumerate(names):
            rows.append(
                {
                    "output": o,
                    "factor": f,
                    "S1": res["S1"][j],
                    "S1_conf": res["S1_conf"][j],
                    "ST": res["ST"][j],
                    "ST_conf": res["ST_conf"][j],
                }
            )
        if spec.second_order:
            for a in range(len(names)):
                for b in range(a + 1, len(names)):
                    pairs.append(
                        {
                            "output": o,
                            "factor_a": names[a],
                            "factor_b": names[b],
                            "S2": res["S2"][a, b],
                            "S2_conf": res["S2_conf"][a, b],
                        }
                    )
    s2 = pd.DataFrame(pairs, columns=["output", "factor_a", "factor_b", "S2", "S2_conf"])
    return pd.DataFrame(rows), s2


def analyse_morris(
    spec: SensitivitySpec, unit: np.ndarray, ys: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Morris elementary effects per output, on the unit scale (mu* is per whole factor range)."""
    from SALib.analyze import morris

    rows = []
    for k, (o, y) in enumerate(ys.items()):
        res = morris.analyze(
            spec.problem,
            unit,
            np.asarray(y, dtype=float),
            num_resamples=spec.num_resamples,
            conf_level=spec.conf_level,
            num_levels=spec.levels,
            seed=spec.seed + k,
        )
        for j, f in enumerate(spec.names):
            rows.append(
                {
                    "output": o,
                    "factor": f,
                    "mu_star": res["mu_star"][j],
                    "mu_star_conf": res["mu_star_conf"][j],
                    "sigma": res["sigma"][j],
                    "mu": res["mu"][j],
                }
            )
    return pd.DataFrame(rows)


def significant(value, conf) -> np.ndarray:
    """The index, or 0 where its interval includes zero (value - conf <= 0)."""
    v = np.asarray(value, dtype=float)
    return np.where(v - np.asarray(conf, dtype=float) > 0, v, 0.0)


# --------------------------------------------------------------------------- the whole analysis


@dataclass
class AnalysisResult:
    """What run_analysis wrote and the main tables."""

    out: Path
    spec: SensitivitySpec
    indices: pd.DataFrame | None = None
    second_order: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    convergence: pd.DataFrame | None = None
    replicates_effect: pd.DataFrame | None = None
    noise: pd.DataFrame | None = None
    surfaces: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def analysis_files(out: Path) -> Iterator[Path]:
    """A hidden folder inside `out` for the analysis's tables, figures and report, moved into
    `out` only when all are written: a failure half-way (a full disk) leaves the runs, which
    --resume reuses, and no half-written results beside them."""
    dest = Path(tempfile.mkdtemp(prefix=".analysis.", dir=out))
    try:
        yield dest
        for item in sorted(dest.iterdir()):
            os.replace(item, out / item.name)
        dest.rmdir()
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def run_analysis(
    spec: SensitivitySpec,
    model: ScenarioModel | FunctionModel,
    out: str | Path,
    plots: bool = True,
    surfaces: bool = True,
    notes: Callable[[str], None] | None = None,
) -> AnalysisResult:
    """Sample, evaluate (engine or function), average replicates, analyse, write everything."""
    say = notes or (lambda _m: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    res = AnalysisResult(out=out, spec=spec)
    t0 = time.perf_counter()
    unit = sample_unit(spec)
    values = factor_values(spec, unit)
    runs = model.evaluate(spec, values, out)
    res.timings["runs_seconds"] = time.perf_counter() - t0
    n_points = len(unit)
    with analysis_files(out) as dest:
        res.out = dest
        t1 = time.perf_counter()
        noise_rows = []
        for k in spec.replicate_subsets:
            for o, (total, noise, eta) in noise_share(runs, spec.outputs, n_points, k).items():
                noise_rows.append(
                    {
                        "output": o,
                        "replicates": k,
                        "variance": total,
                        "noise_variance": noise,
                        "noise_share": eta,
                    }
                )
        res.noise = pd.DataFrame(noise_rows)
        res.noise.to_csv(dest / "noise.csv", index=False, float_format="%.6g")
        ys = point_means(runs, spec.outputs, n_points)
        effect = []
        if spec.method == "sobol":
            res.indices, res.second_order = analyse_sobol(spec, ys)
            res.indices.to_csv(dest / "indices.csv", index=False, float_format="%.6g")
            if spec.second_order:
                res.second_order.to_csv(dest / "second_order.csv", index=False, float_format="%.6g")
            conv = []
            for n in spec.convergence:
                ind = res.indices if n == spec.samples else analyse_sobol(spec, ys, n)[0]
                conv.append(ind.assign(N=n, runs=n * spec.points_per_sample * spec.replicates))
            res.convergence = pd.concat(conv, ignore_index=True)
            res.convergence.to_csv(dest / "convergence.csv", index=False, float_format="%.6g")
            for k in spec.replicate_subsets:
                if k == spec.replicates:
                    ind = res.indices
                else:
                    ind = analyse_sobol(spec, point_means(runs, spec.outputs, n_points, k))[0]
                effect.append(ind.assign(replicates=k))
        else:
            res.morris = analyse_morris(spec, unit, ys)
            res.morris.to_csv(dest / "morris.csv", index=False, float_format="%.6g")
            for k in spec.replicate_subsets:
                if k == spec.replicates:
                    ind = res.morris
                else:
                    ind = analyse_morris(spec, unit, point_means(runs, spec.outputs, n_points, k))
                effect.append(ind.assign(replicates=k))
        res.replicates_effect = pd.concat(effect, ignore_index=True)
        res.replicates_effect.to_csv(
            dest / "replicates_effect.csv", index=False, float_format="%.6g"
        )
        res.timings["analysis_seconds"] = time.perf_counter() - t1
        if surfaces and spec.surface_factors and isinstance(model, ScenarioModel):
            t2 = time.perf_counter()
            res.surfaces = response_surfaces(spec, model, out)
            res.surfaces.to_csv(dest / "surfaces.csv", index=False, float_format="%.6g")
            res.timings["surface_seconds"] = time.perf_counter() - t2
        if plots:
            from collabsim.analysis import sensitivity_figures as sp

            sp.write_figures(res)
        write_report(res)
    res.out = out
    say(f"wrote {out}")
    return res


def load_result(spec: SensitivitySpec, out: str | Path) -> AnalysisResult:
    """An analysis folder's tables read back (e.g. to redraw its figures with write_figures)."""
    out = Path(out)
    res = AnalysisResult(out=out, spec=spec)
    for name in (
        "indices",
        "second_order",
        "morris",
        "convergence",
        "replicates_effect",
        "noise",
        "surfaces",
    ):
        path = out / f"{name}.csv"
        if path.exists():
            setattr(res, name, pd.read_csv(path))
    return res


# --------------------------------------------------------------------------- response surfaces


def response_surfaces(spec: SensitivitySpec, model: ScenarioModel, out: Path) -> pd.DataFrame:
    """Mean of spec.surface_output over a grid of each pair of surface factors, others at base.

    One run_design call over all pairs (the grid levels span each factor's range); returns one
    row per pair and cell: factor_a, factor_b, a, b, mean, sd of the run values, runs.
    """
    keys = list(spec.surface_factors)
    by_key = {f.key: f for f in spec.factors}
    base_values = []
    for k in keys:
        section, leaf = k.split(".", 1)
        v = spec.base.get(section, {}).get(leaf) if spec.base else None
        if v is None:
            from collabsim.model.scenario import Scenario

            v = getattr(getattr(Scenario(), section), leaf)
        base_values.append(float(v))
    grids = {k: np.linspace(by_key[k].low, by_key[k].high, spec.surface_levels) for k in keys}
    rows, cells = [], []
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            for va in grids[keys[a]]:
                for vb in grids[keys[b]]:
                    point = list(base_values)
                    point[a], point[b] = float(va), float(vb)
                    rows.append(point)
                    cells.append((keys[a], keys[b], float(va), float(vb)))
    runs = model.evaluate(
        spec,
        np.array(rows, dtype=object),
        out,
        name="surfaces",
        factor_names=keys,
        replicates=spec.surface_replicates,
    )
    o = spec.surface_output
    per_run = runs.groupby(["point", "replicate"])[o].mean()
    g = per_run.groupby(level="point")
    stats = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "runs": g.size()})
    stats = stats.reindex(range(len(rows)))
    frame = pd.DataFrame(cells, columns=["factor_a", "factor_b", "a", "b"])
    frame.insert(0, "output", o)
    return pd.concat([frame, stats.reset_index(drop=True)], axis=1)


# --------------------------------------------------------------------------- report


def _short(key: str) -> str:
    return key.split(".", 1)[-1]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def write_report(res: AnalysisResult) -> Path:
    """report.md: which factors matter, how much is interaction, which pairs interact."""
    spec = res.spec
    lines = [f"# Sensitivity analysis: {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    d = len(spec.factors)
    lines += [
        f"Method: **{spec.method}**, {d} factors, "
        + (
            f"base sample N = {spec.samples} (Saltelli, second order "
            f"{'on' if spec.second_order else 'off'}), "
            if spec.method == "sobol"
            else f"{spec.samples} trajectories on a {spec.levels}-level grid, "
        )
        + f"{spec.total_points} design points x {spec.replicates} replicates = "
        f"{spec.total_runs} runs; intervals are {_pct(spec.conf_level)} bootstrap intervals "
        f"({spec.num_resamples} resamples). An index whose interval includes zero is read as zero.",
        "",
        "Each point's output is the mean over its replicates: `survived` is the share of runs "
        "whose partnership lasted the whole horizon. Boolean factors are sampled on [0, 1] and "
        "are true from 0.5 on.",
        "",
    ]
    noise_r = (
        res.noise[res.noise.replicates == spec.replicates].set_index("output")
        if res.noise is not None
        else None
    )
    if spec.method == "sobol":
        for o in spec.outputs:
            ind = res.indices[res.indices.output == o].copy()
            s1 = significant(ind.S1, ind.S1_conf)
            st = significant(ind.ST, ind.ST_conf)
            ind["s1"], ind["st"] = s1, st
            ind = ind.sort_values("ST", ascending=False)
            sum_s1 = float(ind.S1.sum())
            sum_s1_sig = float(s1.sum())
            eta = float(noise_r.loc[o, "noise_share"]) if noise_r is not None else float("nan")
            label = OUTPUT_LABELS.get(o, o)
            lines += [f"## {label}", ""]
            matter = ind[ind.st > 0]
            lines.append(
                "Factors that matter (total index above zero), largest first: "
                + (
                    ", ".join(
                        f"{_short(r.factor)} (ST {r.ST:.2f} ± {r.ST_conf:.2f}, "
                        f"S1 {r.S1:.2f} ± {r.S1_conf:.2f})"
                        for r in matter.itertuples()
                    )
                    or "none"
                )
                + "."
            )
            none = ind[ind.st == 0]
            if len(none):
                lines.append(
                    "No measurable effect: " + ", ".join(_short(f) for f in none.factor) + "."
                )
            lines.append("")
            lines.append(
                f"The first-order indices add up to ΣS1 = {sum_s1:.2f} ({sum_s1_sig:.2f} counting "
                f"only those whose interval excludes zero): factors acting alone explain "
                f"{_pct(sum_s1)} of the variance, so **{_pct(1 - sum_s1)} is interaction "
                f"or noise** (1 − ΣS1)."
            )
            if math.isfinite(eta):
                net = 1 - sum_s1 - eta
                lines.append(
                    f"Replicate noise (the spread of a mean of {spec.replicates} runs) is "
                    f"{_pct(eta)} of the variance, so interaction alone is about "
                    f"**{_pct(max(net, 0.0))}** (1 − ΣS1 − noise). Noise also adds about "
                    f"{eta:.2f} to every total index; ST − S1 above that is interaction."
                )
            gap = ind[(ind.ST - ind.S1 - ind.ST_conf > (eta if math.isfinite(eta) else 0))]
            if len(gap):
                lines.append(
                    "Factors whose total effect clearly exceeds their effect alone (ST − S1 "
                    "beyond the interval and the noise): "
                    + ", ".join(
                        f"{_short(r.factor)} ({r.ST - r.S1:+.2f})" for r in gap.itertuples()
                    )
                    + "."
                )
            if spec.second_order and res.second_order is not None and len(res.second_order):
                s2 = res.second_order[res.second_order.output == o].copy()
                s2["sig"] = significant(s2.S2, s2.S2_conf)
                hits = s2[s2.sig > 0].sort_values("S2", ascending=False)
                lines.append("")
                if len(hits):
                    lines.append(
                        "Pairs that interact (S2 interval above zero): "
                        + ", ".join(
                            f"{_short(r.factor_a)} × {_short(r.factor_b)} "
                            f"(S2 {r.S2:.3f} ± {r.S2_conf:.3f})"
                            for r in hits.itertuples()
                        )
                        + f"; together {hits.S2.sum():.2f} of the variance. The rest of the "
                        "interaction is spread over many pairs too small to separate from zero "
                        "at this N, and over triples and more."
                    )
                else:
                    lines.append(
                        "No single pair's S2 interval excludes zero: the interaction is spread "
                        "over many small pairwise and higher-order terms."
                    )
            lines.append("")
        if res.replicates_effect is not None and len(spec.replicate_subsets) > 1:
            lines += ["## Replicates", ""]
            eff = res.replicates_effect
            for o in spec.outputs:
                parts = []
                for k in spec.replicate_subsets:
                    e = eff[(eff.output == o) & (eff.replicates == k)]
                    eta_k = res.noise[(res.noise.output == o) & (res.noise.replicates == k)]
                    eta_v = float(eta_k.noise_share.iloc[0])
                    parts.append(
                        f"R = {k}: ΣS1 {e.S1.sum():.2f}, ΣST {e.ST.sum():.2f}, noise "
                        + (_pct(eta_v) if math.isfinite(eta_v) else "not estimable from 1 run")
                    )
                lines.append(f"- {OUTPUT_LABELS.get(o, o)}: " + "; ".join(parts) + ".")
            lines += [
                "",
                "More replicates shrink the noise share; total indices fall with it, first-order "
                "indices rise a little (replicates_effect.csv, replicates_effect.png).",
                "",
            ]
        if res.convergence is not None and len(spec.convergence) > 1:
            lines += [
                "## Convergence",
                "",
                "convergence.csv / convergence.png: the indices recomputed from the first "
                f"N = {', '.join(map(str, spec.convergence))} base samples of the same design.",
                "",
            ]
    else:
        for o in spec.outputs:
            m = res.morris[res.morris.output == o].sort_values("mu_star", ascending=False)
            top = m.head(10)
            small = m[m.mu_star < 0.1 * m.mu_star.max()]
            label = OUTPUT_LABELS.get(o, o)
            lines += [
                f"## {label}",
                "",
                f"{len(m) - len(small)} of {len(m)} factors have μ* of at least a tenth of the "
                f"largest ({_short(m.factor.iloc[0])}); {len(small)} are below that: "
                "candidates to keep at their defaults for this output. (μ* is never below "
                "zero and replicate noise gives every factor some μ*, so its interval "
                "excluding zero says little.) "
                "The ten largest (μ* is the change of the output over the whole sampled range of "
                "the factor; σ large against μ* means the effect depends on the other factors: "
                "interaction or non-linearity):",
                "",
                "| factor | μ* | ± | σ | σ/μ* |",
                "|---|---|---|---|---|",
            ]
            for r in top.itertuples():
                ratio = r.sigma / r.mu_star if r.mu_star > 0 else float("nan")
                lines.append(
                    f"| {r.factor} | {r.mu_star:.3g} | {r.mu_star_conf:.2g} | {r.sigma:.3g} "
                    f"| {ratio:.2f} |"
                )
            lines.append("")
            if noise_r is not None and math.isfinite(float(noise_r.loc[o, "noise_share"])):
                lines += [
                    f"Replicate noise is {_pct(float(noise_r.loc[o, 'noise_share']))} of the "
                    "variance of the point means; it inflates σ and μ* of factors with no effect.",
                    "",
                ]
    if res.surfaces is not None and len(res.surfaces):
        s = res.surfaces
        lines += [
            "## Response surfaces",
            "",
            f"{spec.surface_output} over a {spec.surface_levels} x {spec.surface_levels} grid of "
            f"each pair of {', '.join(_short(k) for k in spec.surface_factors)}, the other "
            f"factors at the base scenario, {spec.surface_replicates} replicates a cell "
            "(surfaces.csv, surfaces.png; surface_interaction.png shows what an additive model "
            "of the two factors misses). A cell's mean carries replicate noise of about "
            f"±{float((s['sd'] / np.sqrt(s['runs'])).mean()):.2f} (one standard error, averaged "
            "over cells), so only the larger non-additive parts are interaction.",
            "",
        ]
        for (a, b), g in s.groupby(["factor_a", "factor_b"], sort=False):
            resid = _nonadditive(g)
            lines.append(
                f"- {_short(a)} × {_short(b)}: from {g['mean'].min():.2f} to "
                f"{g['mean'].max():.2f}; the non-additive part spans {resid.min():+.2f} to "
                f"{resid.max():+.2f}."
            )
        lines.append("")
    if res.timings:
        t = res.timings
        lines += [
            "## Time",
            "",
            f"Runs {t.get('runs_seconds', 0):.0f} s, analysis {t.get('analysis_seconds', 0):.0f} s"
            + (f", surfaces {t['surface_seconds']:.0f} s" if "surface_seconds" in t else "")
            + ".",
            "",
        ]
    path = res.out / "report.md"
    path.write_text("\n".join(lines))
    return path


def _nonadditive(g: pd.DataFrame) -> np.ndarray:
    """A surface minus its best additive fit (row means + column means - grand mean)."""
    table = g.pivot(index="a", columns="b", values="mean").to_numpy()
    fit = table.mean(axis=1, keepdims=True) + table.mean(axis=0, keepdims=True) - table.mean()
    return table - fit
