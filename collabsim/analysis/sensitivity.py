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

Where the parts live: the spec in `sensitivity_spec`, the sample, averaging and indices in
`sensitivity_indices`, the two models in `sensitivity_models`, the result, its folder and report.md
in `sensitivity_outputs`, the figures in `sensitivity_figures`; this module runs them in order
(`run_analysis`) and adds the response surfaces.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.sensitivity_indices import (
    analyse_morris,
    analyse_sobol,
    factor_values,
    noise_share,
    point_means,
    sample_unit,
)
from collabsim.analysis.sensitivity_models import FunctionModel, ScenarioModel
from collabsim.analysis.sensitivity_outputs import AnalysisResult, analysis_files, write_report
from collabsim.analysis.sensitivity_spec import SensitivitySpec, numeric_outputs


def __getattr__(name: str):
    """NUMERIC_OUTPUTS: the numeric summary metrics, looked up only when asked for."""
    if name == "NUMERIC_OUTPUTS":
        return numeric_outputs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    runs = model.evaluate(spec, factor_values(spec, unit), out)
    res.timings["runs_seconds"] = time.perf_counter() - t0
    with analysis_files(out) as dest:
        res.out = dest
        t1 = time.perf_counter()
        res.noise = noise_table(spec, runs, len(unit))
        save_table(res.noise, dest, "noise")
        if spec.method == "sobol":
            sobol_tables(res, runs, len(unit))
        else:
            morris_tables(res, runs, unit)
        save_table(res.replicates_effect, dest, "replicates_effect")
        res.timings["analysis_seconds"] = time.perf_counter() - t1
        if surfaces and spec.surface_factors and isinstance(model, ScenarioModel):
            t2 = time.perf_counter()
            res.surfaces = response_surfaces(spec, model, out)
            save_table(res.surfaces, dest, "surfaces")
            res.timings["surface_seconds"] = time.perf_counter() - t2
        if plots:
            from collabsim.analysis import sensitivity_figures as sp

            sp.write_figures(res)
        write_report(res)
    res.out = out
    say(f"wrote {out}")
    return res


def save_table(table: pd.DataFrame, folder: Path, name: str) -> None:
    """Write one of the analysis's tables as folder/name.csv (6 significant digits)."""
    table.to_csv(folder / f"{name}.csv", index=False, float_format="%.6g")


def noise_table(spec: SensitivitySpec, runs: pd.DataFrame, n_points: int) -> pd.DataFrame:
    """noise.csv: per output and number of replicates averaged, the variance of the point means
    and its replicate-noise part (the noise share eta)."""
    rows = []
    for k in spec.replicate_subsets:
        for o, (total, noise, eta) in noise_share(runs, spec.outputs, n_points, k).items():
            rows.append(
                {
                    "output": o,
                    "replicates": k,
                    "variance": total,
                    "noise_variance": noise,
                    "noise_share": eta,
                }
            )
    return pd.DataFrame(rows)


def sobol_tables(res: AnalysisResult, runs: pd.DataFrame, n_points: int) -> None:
    """Sobol indices (and second order), their convergence against N and against replicates;
    each written as it is computed."""
    spec, dest = res.spec, res.out
    ys = point_means(runs, spec.outputs, n_points)
    res.indices, res.second_order = analyse_sobol(spec, ys)
    save_table(res.indices, dest, "indices")
    if spec.second_order:
        save_table(res.second_order, dest, "second_order")
    conv = []
    for n in spec.convergence:
        ind = res.indices if n == spec.samples else analyse_sobol(spec, ys, n)[0]
        conv.append(ind.assign(N=n, runs=n * spec.points_per_sample * spec.replicates))
    res.convergence = pd.concat(conv, ignore_index=True)
    save_table(res.convergence, dest, "convergence")
    effect = []
    for k in spec.replicate_subsets:
        if k == spec.replicates:
            ind = res.indices
        else:
            ind = analyse_sobol(spec, point_means(runs, spec.outputs, n_points, k))[0]
        effect.append(ind.assign(replicates=k))
    res.replicates_effect = pd.concat(effect, ignore_index=True)


def morris_tables(res: AnalysisResult, runs: pd.DataFrame, unit: np.ndarray) -> None:
    """Morris screening, and again with fewer replicates averaged (written as computed)."""
    spec = res.spec
    n_points = len(unit)
    res.morris = analyse_morris(spec, unit, point_means(runs, spec.outputs, n_points))
    save_table(res.morris, res.out, "morris")
    effect = []
    for k in spec.replicate_subsets:
        if k == spec.replicates:
            ind = res.morris
        else:
            ind = analyse_morris(spec, unit, point_means(runs, spec.outputs, n_points, k))
        effect.append(ind.assign(replicates=k))
    res.replicates_effect = pd.concat(effect, ignore_index=True)


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
