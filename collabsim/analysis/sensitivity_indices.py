"""The statistics of a sensitivity analysis: the sample, the point means, and the indices.

`sample_unit` draws the SALib sample on the unit cube and `factor_values` maps it onto the
factors; `point_means` averages each point's replicates and `noise_share` says how much replicate
noise is left in those means; `analyse_sobol` and `analyse_morris` compute the indices with
bootstrap intervals (`significant`: read as zero where the interval includes zero);
`nonadditive` is what an additive model of two factors misses on a response surface.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collabsim.analysis.sensitivity_spec import SensitivitySpec
from collabsim.errors import CollabsimInputError


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


def nonadditive(g: pd.DataFrame) -> np.ndarray:
    """A surface minus its best additive fit (row means + column means - grand mean)."""
    table = g.pivot(index="a", columns="b", values="mean").to_numpy()
    fit = table.mean(axis=1, keepdims=True) + table.mean(axis=0, keepdims=True) - table.mean()
    return table - fit
