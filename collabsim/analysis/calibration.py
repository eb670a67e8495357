"""Calibration with uncertainty: ABC-SMC (pyABC) of the free parameters against the targets.

What is fitted: the free mechanism parameters of a CalibrationSpec (collabsim.analysis.
calibration_targets), each with a uniform prior, to the targets whose role is `calibration`.
A *particle* is one set of values of the free parameters; its *simulation* runs every scenario
that a calibration target names, `replicates` times each on the batch path
(`run_replicates(..., series=False)`), and measures each target's statistic over those runs.

The distance between a particle's statistics s and the targets is

    d(s) = sqrt( mean over calibration targets k of ((s_k - c_k) / h_k)^2 )

with c_k the target's value (or its interval's middle) and h_k its interval's half-width. Each
target is measured in units of its own interval, so the evidence's own precision weighs it: a
tight number from a large study counts more than a loose reading of a small one, whatever the
statistic's scale (a share, a yearly rate, months), and d <= 1 means the statistics lie, on
average, inside their intervals. pyABC's adaptive distances scale by the model's variability
across particles instead, which would let a statistic the parameters barely move dominate.
The acceptance threshold follows pyABC's default (the median distance of the last generation).

The replicate noise of each statistic is part of the simulation: ABC then accepts parameter
values whose *runs* fall near the targets, so the posterior carries that noise too (more
replicates make it smaller and the fit slower).

`ParticleModel` is the picklable model pyABC calls (in this process, in forked processes or on
Dask workers); `simulate` is what it does, also used for the posterior predictive check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collabsim.analysis.calibration_statistics import compute
from collabsim.analysis.calibration_targets import ROLES, CalibrationSpec, Target
from collabsim.model.parameters import MechanismParameters
from collabsim.model.scenario import Scenario
from collabsim.runs.runner import replicate_seeds, run_replicates

POSTERIOR_FILE = "posterior.parquet"
HISTORY_FILE = "history.db"


def with_parameters(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with some mechanism parameters set by name (checked against their ranges)."""
    params = MechanismParameters.model_validate({**scenario.parameters.model_dump(), **values})
    return scenario.model_copy(update={"parameters": params})


def simulate(
    scenarios: dict[str, Scenario],
    targets: list[Target],
    values: dict[str, float],
    replicates: int,
    seed: int,
) -> dict[str, float]:
    """Each target's statistic over `replicates` runs of its scenario(s) with the parameter
    values; every scenario is run once, on the same seeds (common random numbers)."""
    seeds = replicate_seeds(seed, replicates)
    names = {t.scenario for t in targets} | {t.against for t in targets if t.against}
    runs = {
        name: run_replicates(
            with_parameters(scenarios[name], values), replicates, seeds=seeds, series=False
        )
        for name in sorted(names)
    }
    out = {}
    for t in targets:
        value = compute(t.statistic, runs[t.scenario], t.arguments)
        if t.against is not None:
            value -= compute(t.statistic, runs[t.against], t.arguments)
        out[t.name] = float(value)
    return out


class ParticleModel:
    """The model pyABC calls: a particle's parameters -> the calibration targets' statistics.

    Each call draws its root seed from numpy's global generator, which pyABC seeds (one worker:
    the fit's seed, so a one-worker fit repeats exactly; more workers: each its own stream)."""

    def __init__(self, spec: CalibrationSpec) -> None:
        self.targets = spec.of_role("calibration")
        names = {t.scenario for t in self.targets} | {t.against for t in self.targets if t.against}
        self.scenarios = {n: spec.scenarios[n] for n in names}
        self.replicates = spec.replicates
        self.free = [p.name for p in spec.free]

    def __call__(self, parameter) -> dict[str, float]:
        values = {name: float(parameter[name]) for name in self.free}
        seed = int(np.random.randint(0, 2**62))
        return simulate(self.scenarios, self.targets, values, self.replicates, seed)


class IntervalDistance:
    """d(s) = sqrt(mean_k ((s_k - c_k) / h_k)^2) over the calibration targets (module docstring)."""

    def __init__(self, targets: list[Target]) -> None:
        self.half_widths = {t.name: t.half_width for t in targets}

    def __call__(self, x: dict, x0: dict) -> float:
        terms = [((x[k] - x0[k]) / h) ** 2 for k, h in self.half_widths.items()]
        return math.sqrt(sum(terms) / len(terms))


def observed(spec: CalibrationSpec) -> dict[str, float]:
    """What the fit aims at: each calibration target's value or interval middle."""
    return {t.name: t.centre for t in spec.of_role("calibration")}


def prior(spec: CalibrationSpec):
    """pyABC's prior: independent uniforms over each free parameter's prior interval."""
    from pyabc import RV, Distribution

    return Distribution(**{p.name: RV("uniform", p.low, p.high - p.low) for p in spec.free})


def sampler(workers: int | str, client=None):
    """pyABC's sampler: one process, a local pool of forked processes, or a Dask cluster."""
    from pyabc.sampler import (
        DaskDistributedSampler,
        MulticoreEvalParallelSampler,
        SingleCoreSampler,
    )

    if client is not None:
        return DaskDistributedSampler(dask_client=client)
    if workers == 1:
        return SingleCoreSampler()
    return MulticoreEvalParallelSampler(n_procs=int(workers))


def make_abc(spec: CalibrationSpec, particles: int, workers: int | str, client=None):
    """The ABCSMC object (not yet bound to a history database)."""
    import logging

    from pyabc import ABCSMC

    for name in ("ABC", "Sampler", "Epsilon", "Distance", "Acceptor", "Transitions", "History"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    return ABCSMC(
        ParticleModel(spec),
        prior(spec),
        IntervalDistance(spec.of_role("calibration")),
        population_size=particles,
        sampler=sampler(workers, client),
    )


def history_url(folder) -> str:
    """The SQLAlchemy address of the fit's history database in `folder`."""
    return "sqlite:///" + str((folder / HISTORY_FILE).resolve())


def fit(spec, particles, folder, done, remaining, workers=1, client=None, on_generation=None):
    """Run `remaining` more generations of the fit whose history is in `folder` (`done` already
    there); call on_generation(Generation) after each; return the History (None if none ran).

    Every generation is a fresh ABCSMC loaded from the database, as --resume does: pyABC keeps
    the first run's prior sample for calibrating the threshold, so a second run() of the same
    object would not lower it. numpy's global generator is seeded from the fit's seed and the
    generation, so a one-worker fit repeats exactly, resumed or not."""
    url = history_url(folder)
    history = None
    started = (folder / HISTORY_FILE).exists()  # (also after a stop before generation 0 ended)
    for t in range(done, done + remaining):
        np.random.seed((spec.seed + t) % 2**32)
        abc = make_abc(spec, particles, workers, client)
        abc.load(url, 1) if started else abc.new(url, observed(spec))
        started = True
        history = abc.run(max_nr_populations=1)
        if on_generation is not None:
            on_generation(generations(history)[-1])
    return history


def load_history(folder):
    """The pyABC History of the fit in `folder` (its first and only run)."""
    from pyabc import History

    history = History(history_url(folder))
    history.id = 1
    return history


@dataclass
class Generation:
    """One generation's diagnostics."""

    t: int
    epsilon: float
    particles: int
    samples: int
    ess: float
    seconds: float

    @property
    def acceptance(self) -> float:
        return self.particles / self.samples if self.samples else float("nan")


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised importance weights: 1 / sum(w^2)."""
    w = np.asarray(weights, float)
    w = w / w.sum()
    return float(1.0 / np.sum(w**2))


def generations(history) -> list[Generation]:
    """Diagnostics of every generation in a pyABC History (t = -1, the prior sample that
    calibrates the first threshold, is left out; `samples_used` counts it)."""
    pops = history.get_all_populations()
    pops = pops[(pops["t"] >= 0) & pops["particles"].notna()].sort_values("t")
    out = []
    for row in pops.itertuples():
        _, w = history.get_distribution(m=0, t=int(row.t))
        out.append(
            Generation(
                int(row.t),
                float(row.epsilon),
                int(row.particles),
                int(row.samples),
                effective_sample_size(w),
                float(row.wall_time),
            )
        )
    return out


def wall_seconds(history) -> float:
    """Wall time of every generation so far (the prior sample included), over all sessions."""
    return float(history.get_all_populations()["wall_time"].sum())


def samples_used(history) -> int:
    """Every particle simulated, the prior sample before the first generation included."""
    return int(history.get_all_populations()["samples"].sum())


def posterior_frame(history, spec: CalibrationSpec) -> pd.DataFrame:
    """The last generation's particles: one row per parameter set, its weight and generation."""
    t = history.max_t
    df, w = history.get_distribution(m=0, t=t)
    frame = df[[p.name for p in spec.free]].reset_index(drop=True)
    frame["weight"] = np.asarray(w, float) / np.sum(w)
    frame["generation"] = int(t)
    return frame


def draw(posterior: pd.DataFrame, spec: CalibrationSpec, n: int, seed: int) -> pd.DataFrame:
    """n parameter sets drawn from the posterior, weights respected (seeded)."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(posterior), size=n, replace=True, p=posterior["weight"].to_numpy())
    return posterior.iloc[rows][[p.name for p in spec.free]].reset_index(drop=True)


def predictive(
    spec: CalibrationSpec, parameter_sets: pd.DataFrame, seed: int, progress=None
) -> pd.DataFrame:
    """Every target's statistic (calibration and validation) for each parameter set: a long
    table of draw, target, value. Draw -1 is the defaults of parameters.py."""
    seeds = replicate_seeds(seed, len(parameter_sets) + 1)
    rows = []
    defaults = {p.name: p.default for p in spec.free}
    sets = [(-1, defaults)] + [
        (k, {c: float(v) for c, v in r.items()})
        for k, r in enumerate(parameter_sets.to_dict("records"))
    ]
    for (k, values), s in zip(sets, seeds, strict=True):
        stats = simulate(spec.scenarios, spec.targets, values, spec.replicates, s)
        rows.extend({"draw": k, "target": name, "value": v} for name, v in stats.items())
        if progress is not None:
            progress(1)
    return pd.DataFrame(rows)


def predictive_summary(spec: CalibrationSpec, pred: pd.DataFrame) -> pd.DataFrame:
    """Per target: its interval, the defaults' value, and the posterior predictive median and
    90% interval, and the share of draws inside the target's interval."""
    rows = []
    for t in sorted(spec.targets, key=lambda t: ROLES.index(t.role)):
        v = pred[(pred.target == t.name) & (pred.draw >= 0)]["value"].to_numpy()
        default = pred[(pred.target == t.name) & (pred.draw == -1)]["value"]
        rows.append(
            {
                "target": t.name,
                "role": t.role,
                "low": t.low,
                "high": t.high,
                "defaults": float(default.iloc[0]) if len(default) else float("nan"),
                "median": float(np.median(v)),
                "q05": float(np.quantile(v, 0.05)),
                "q95": float(np.quantile(v, 0.95)),
                "inside": float(np.mean((v >= t.low) & (v <= t.high))),
            }
        )
    return pd.DataFrame(rows)


def credible_intervals(posterior: pd.DataFrame, spec: CalibrationSpec, level=0.9) -> pd.DataFrame:
    """Per free parameter: prior, weighted posterior mean and equal-tailed credible interval."""
    rows = []
    w = posterior["weight"].to_numpy()
    for p in spec.free:
        x = posterior[p.name].to_numpy()
        order = np.argsort(x)
        cum = np.cumsum(w[order]) / w.sum()
        lo = x[order][np.searchsorted(cum, (1 - level) / 2)]
        hi = x[order][min(np.searchsorted(cum, 1 - (1 - level) / 2), len(x) - 1)]
        rows.append(
            {
                "parameter": p.name,
                "prior_low": p.low,
                "prior_high": p.high,
                "default": p.default,
                "mean": float(np.sum(w * x) / w.sum()),
                "low": float(lo),
                "high": float(hi),
            }
        )
    return pd.DataFrame(rows)
