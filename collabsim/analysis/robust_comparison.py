"""Robust comparison: every scheme in many futures, on common random numbers within each future.

`compare --across EXPERIMENT` runs each compared scheme in every *future*: one row of a table of
scenario keys and values set on top of the scheme's own file (`Futures`). The futures come from
(`load_across`):

- an experiment file's design over the region's conditions and drivers (`load_futures`);
- N parameter sets drawn from a calibrated posterior (`--parameters posterior.parquet
  --across-posterior N`, `posterior_futures`): weights respected, seeded as `--parameters` draws
  (`collabsim.runs.posterior.Posterior.draws`), each draw a row of `parameters.NAME` values;
- both: `--across EXPERIMENT --parameters posterior.parquet` gives each of the experiment's
  futures its own draw (`with_draws`), so the boxes can name conditions and parameters together.

The posterior is named by `--parameters`, not by `--across`, because `--parameters` already means
"this posterior" in run, compare, scan and sweep (read and checked in one place), `--across` stays
one kind of file, and the number of draws needs an option of its own anyway. `--across-posterior`
with `--across` is refused: with both files each future already carries its own draw.

Within future f, replicate r of every scheme runs on the same model seed
(`collabsim.runs.design.run_seed(root, f, r, seeds)`): the schemes meet the same random history
and their difference in that future is the policy's. Per scheme it reports (`robust_table`):

- the share of futures in which it beats the reference (the first scheme: a higher mean outcome
  over the future's replicates), with a Wilson interval over futures, and the share in which it
  beats it clearly (the paired 95% interval of the difference above zero);
- its regret in each future: the best scheme's outcome there minus its own (median and 90th
  percentile over futures);
- through `collabsim.analysis.discovery.discover`, the conditions under which it loses its clear
  edge (or, when it beats the reference clearly in fewer than half the futures, the conditions
  under which it clearly helps). A clear win, not a higher mean, marks the futures: with a few
  runs per future a small difference goes either way by chance, which PRIM would chase.

Runs take the batch path (no monthly series, ~1-2 ms a run) on one process or on a local process
pool (`--workers`, as `collabsim compare`); there is no Dask engine here.

Reference: Lempert, R.J., Popper, S.W. and Bankes, S.C. (2003), Shaping the Next One Hundred
Years, RAND MR-1626 (regret and robustness over many futures); Savage, L.J. (1951), The theory of
statistical decision, JASA 46, 55-67 (regret).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from collabsim.analysis.stats import Z95, wilson_interval
from collabsim.errors import CollabsimInputError
from collabsim.locale import N_
from collabsim.model.scenario import Scenario, load_scenario, read_toml, validate_scenario
from collabsim.runs.design import point_scenario_data, run_seed
from collabsim.runs.pools import process_pool
from collabsim.runs.posterior import PREFIX, Posterior, check_factors, read_posterior

if TYPE_CHECKING:
    from collabsim.analysis.comparison import Arm
    from collabsim.analysis.discovery import DiscoveryResult

MEASURE = "survival_10y"
MEASURE_WORDS = N_("share of partnerships still going after ten years")
MEASURE_MONTH = 120  # or the horizon, when a future's horizon is shorter
MAX_BOXES = 2
KEPT_PER_RUN = 600  # bytes held per run until the end: one record of a few numbers


# --------------------------------------------------------------------------- the futures


@dataclass(frozen=True)
class Futures:
    """The futures to run every scheme in: one row per future, one column per scenario key."""

    table: pd.DataFrame
    replicates: int  # runs per future and scheme
    root_seed: int
    seeds: str = "per_point"  # per_point: each future its own seeds; common: the same in all
    source: str = "futures"  # the experiment file, or the posterior when the futures are draws
    description: str = ""
    posterior: str = ""  # the posterior file the futures' parameter values were drawn from
    particles: tuple[int, ...] = ()  # the particle drawn for each future (with a posterior)
    drawn: tuple[str, ...] = ()  # the keys whose values were drawn from the posterior

    @property
    def draws_only(self) -> bool:
        """The futures are posterior draws and nothing else."""
        return bool(self.posterior) and self.source == self.posterior

    @property
    def design_keys(self) -> list[str]:
        """The keys an experiment's design sets (not drawn from a posterior)."""
        return [k for k in self.keys if k not in self.drawn]

    @property
    def keys(self) -> list[str]:
        """The scenario keys a future sets."""
        return list(self.table.columns)

    def seeds_of(self, future: int) -> list[int]:
        """The model seeds of a future's replicates: the same for every scheme (CRN)."""
        return [run_seed(self.root_seed, future, r, self.seeds) for r in range(self.replicates)]


def load_futures(path: Path) -> Futures:
    """An experiment file's design as futures; one line (CollabsimInputError) if it cannot be."""
    from collabsim.runs.experiment import load_experiment

    where = f"--across {path}"
    raw = read_toml(path, "experiment", "experiments/")
    if raw.get("set"):
        raise CollabsimInputError(
            f"{where}: [set] changes the experiment's base scenario, but across futures the "
            "schemes are the compared files; make it a factor or put it in the scheme files"
        )
    exp = load_experiment(path)
    if not exp.factors:
        raise CollabsimInputError(
            f"{where}: no [[factors]], so there is only one future; vary "
            "at least one condition or driver"
        )
    policy = [k for k in exp.factor_names if k.startswith("policy.")]
    if policy:
        raise CollabsimInputError(
            f"{where}: factor '{policy[0]}' is part of a scheme, not of a future; futures vary "
            "the region's conditions and drivers"
        )
    if len(exp.points) < 2:
        raise CollabsimInputError(
            f"{where}: the design has {len(exp.points)} point; give at least 2 futures"
        )
    table = pd.DataFrame(exp.points, columns=exp.factor_names)
    return Futures(table, exp.replicates, exp.root_seed, exp.seeds, str(path), exp.description)


def drawn_keys(posterior: Posterior) -> tuple[str, ...]:
    """The scenario keys a posterior draw sets: parameters.NAME."""
    return tuple(PREFIX + n for n in posterior.names)


def draw_table(posterior: Posterior, particles: list[int]) -> pd.DataFrame:
    """The drawn particles' values: one row per draw, one column `parameters.NAME` each."""
    return pd.DataFrame(posterior.values[particles], columns=list(drawn_keys(posterior)))


def check_draws(draws: int) -> None:
    """At least two draws: one draw is one future, nothing to compare across."""
    if draws < 2:
        raise CollabsimInputError(
            f"--across-posterior {draws}: give at least 2 draws (each draw is a future)"
        )


def posterior_futures(posterior: Posterior, draws: int, replicates: int, root: int) -> Futures:
    """N parameter sets drawn from the posterior (weights respected, seeded) as the futures."""
    check_draws(draws)
    particles = posterior.draws(root, draws)
    return Futures(
        draw_table(posterior, particles),
        replicates,
        root,
        source=posterior.path,
        description=f"{draws} parameter sets drawn from {posterior.describe()}",
        posterior=posterior.path,
        particles=tuple(particles),
        drawn=drawn_keys(posterior),
    )


def with_draws(futures: Futures, posterior: Posterior) -> Futures:
    """An experiment's futures, each with its own parameter set drawn from the posterior."""
    check_factors(posterior, futures.keys, f"--across {futures.source}")
    particles = posterior.draws(futures.root_seed, len(futures.table))
    table = pd.concat(
        [futures.table.reset_index(drop=True), draw_table(posterior, particles)], axis=1
    )
    return replace(
        futures,
        table=table,
        posterior=posterior.path,
        particles=tuple(particles),
        drawn=drawn_keys(posterior),
    )


BOTH = (
    "--across-posterior: the futures are posterior draws or an experiment's design, not both; "
    "for both, drop --across-posterior (--across EXPERIMENT --parameters gives each future a draw)"
)


def load_across(
    across: Path | None, draws: int | None, parameters: Path | None, replicates: int, root: int
) -> Futures | None:
    """The futures compare's options ask for (None: none); one line if they cannot be."""
    if draws is None:
        if across is None:
            return None
        futures = load_futures(Path(across))
        return futures if parameters is None else with_draws(futures, read_posterior(parameters))
    if across is not None:
        raise CollabsimInputError(BOTH)
    if parameters is None:
        raise CollabsimInputError(
            f"--across-posterior {draws}: draws from a posterior; give it with "
            "--parameters posterior.parquet (from collabsim calibrate)"
        )
    check_draws(draws)
    return posterior_futures(read_posterior(parameters), draws, replicates, root)


def future_scenario(scheme: Scenario, futures: Futures, future: int, source: str) -> Scenario:
    """The scheme's scenario in one future: its file with the future's values set."""
    values = next(futures.table.iloc[[future]].itertuples(index=False, name=None))  # own types
    data = point_scenario_data(scheme.to_dict(), futures.keys, values)
    return validate_scenario(data, source=f"{source} in future {future} of {futures.source}")


def check_count(paths: list[Path]) -> None:
    """Across futures there must be at least two schemes."""
    if len(paths) < 2:
        raise CollabsimInputError(
            "--across, --across-posterior: name at least two scenario files to compare"
        )


def check_futures(paths: list[Path], futures: Futures) -> None:
    """Every scheme file must make a valid scenario in every future (before anything runs)."""
    check_count(paths)
    for p in paths:
        scheme = load_scenario(p)
        for f in range(len(futures.table)):
            future_scenario(scheme, futures, f, str(p))


def check_size(paths: list[Path], futures: Futures, workers: int, yes: bool) -> None:
    """Refuse work that cannot fit in memory; ask --yes for work that takes hours."""
    from collabsim.limits import check_work, run_size

    sizes = [run_size(load_scenario(p)) for p in paths]
    runs = len(futures.table) * futures.replicates * len(paths)
    check_work(
        f"{runs:,} runs ({len(paths)} schemes x {len(futures.table)} futures x "
        f"{futures.replicates} replicates)",
        runs,
        max(sizes, key=lambda size: size.seconds),
        kept_per_run=KEPT_PER_RUN,
        workers=workers,
        yes=yes,
        advice="use fewer --across-posterior draws or --replicates, or fewer schemes"
        if futures.draws_only
        else "use fewer futures or replicates in the experiment file, or fewer schemes",
    )


# --------------------------------------------------------------------------- running


def measure_of(summary: pd.DataFrame, horizon: int) -> np.ndarray:
    """Per replicate: the share of its partnerships still going at month 120 (or the horizon)."""
    month = min(MEASURE_MONTH, horizon)
    alive = summary["survived"] | (summary["lifetime_months"] > month)
    return alive.groupby(summary["replicate"]).mean().sort_index().to_numpy(dtype=float)


def run_future(schemes: list[Scenario], labels: list[str], futures: Futures, f: int) -> list[dict]:
    """Every scheme in future f on the same seeds: one record per scheme and replicate."""
    from collabsim.model.batch import BatchRuns
    from collabsim.runs.runner import run_single

    seeds = futures.seeds_of(f)
    out = []
    for scheme, label in zip(schemes, labels, strict=True):
        sc = future_scenario(scheme, futures, f, label)
        batch = BatchRuns(sc)
        rows = [
            row
            for r, seed in enumerate(seeds)
            for row in run_single(sc, seed, r, series=False, batch=batch, events=False).summary
        ]
        summary = pd.DataFrame(rows)
        values = measure_of(summary, sc.scenario.steps)
        pv = summary.groupby("replicate")["public_value"].mean().sort_index().to_numpy()
        out += [
            {"future": f, "scheme": label, "replicate": r, "seed": s, MEASURE: v, "public_value": p}
            for r, (s, v, p) in enumerate(zip(seeds, values, pv, strict=True))
        ]
    return out


def run_futures(schemes, labels, futures: Futures, chunk: list[int]) -> list[dict]:
    """run_future for a chunk of futures (one task on a worker)."""
    return [row for f in chunk for row in run_future(schemes, labels, futures, f)]


def chunks_of(n: int, workers: int) -> list[list[int]]:
    """The futures split into tasks: one per future serially, a few per worker otherwise."""
    size = 1 if workers <= 1 else max(1, -(-n // (workers * 8)))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def run_across(arms: list[Arm], futures: Futures, workers: int = 1, progress=None) -> pd.DataFrame:
    """Every arm in every future (serially or on a process pool): one row per run."""
    schemes = [a.scenario for a in arms]
    labels = [a.label for a in arms]
    tasks = chunks_of(len(futures.table), workers)
    rows: list[dict] = []
    tick = progress or (lambda _: None)
    if workers > 1:
        with process_pool(workers, ("collabsim.analysis.robust_comparison",)) as pool:
            running = [(c, pool.submit(run_futures, schemes, labels, futures, c)) for c in tasks]
            for c, fut in running:
                rows += fut.result()
                tick(len(c))
    else:
        for c in tasks:
            rows += run_futures(schemes, labels, futures, c)
            tick(len(c))
    return pd.DataFrame(rows).sort_values(["future", "scheme", "replicate"], ignore_index=True)


# --------------------------------------------------------------------------- the arithmetic


def per_future(runs: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """One row per future and scheme: its mean outcome, the paired difference to the reference
    (the first label) with its 95% interval, whether it beats it (clearly), the best outcome
    there and its regret (best minus its own)."""
    wide = runs.pivot_table(index=["future", "replicate"], columns="scheme", values=MEASURE)
    wide = wide[labels]
    diff = wide.sub(wide[labels[0]], axis=0).groupby(level="future")
    d, sd, n = diff.mean(), diff.std(ddof=1), diff.count()
    half = Z95 * sd / np.sqrt(n)
    mean = wide.groupby(level="future").mean()
    best = mean.max(axis=1)
    out = pd.DataFrame(
        {
            MEASURE: mean.stack(),
            "diff": d.stack(),
            "diff_low": (d - half).mask(sd == 0, d).stack(),
            "diff_high": (d + half).mask(sd == 0, d).stack(),
            "regret": mean.rsub(best, axis=0).stack(),
        }
    )
    out.index.names = ["future", "scheme"]
    out = out.reset_index()
    out["beats"] = out["diff"] > 0
    out["beats_clearly"] = out["diff_low"] > 0
    out["best"] = out["future"].map(best)
    out["scheme"] = pd.Categorical(out["scheme"], categories=labels)
    out = out.sort_values(["future", "scheme"], ignore_index=True)
    return out.assign(scheme=out["scheme"].astype(str))


def scheme_row(label: str, table: pd.DataFrame, reference: bool) -> dict:
    """One row of robust.csv: how a scheme does over all futures."""
    n = len(table)
    row = {"scheme": label, "futures": n, f"mean_{MEASURE}": table[MEASURE].mean()}
    if reference:
        row.update(beats=np.nan, beats_low=np.nan, beats_high=np.nan, beats_clearly=np.nan)
    else:
        k = int(table["beats"].sum())
        lo, hi = wilson_interval(k, n)
        row.update(beats=k / n, beats_low=lo, beats_high=hi)
        row["beats_clearly"] = table["beats_clearly"].mean()
    row["best_share"] = float((table["regret"] <= 0).mean())
    row["regret_median"] = float(table["regret"].median())
    row["regret_p90"] = float(table["regret"].quantile(0.9))
    return row


def robust_table(futures_table: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """robust.csv: per scheme, the share of futures it beats the reference in and its regret."""
    return pd.DataFrame(
        [
            scheme_row(label, futures_table[futures_table.scheme == label], k == 0)
            for k, label in enumerate(labels)
        ]
    )


# --------------------------------------------------------------------------- where it works


@dataclass
class Edge:
    """Where a scheme keeps or loses its edge over the reference: PRIM boxes over the futures."""

    scheme: str
    cases_are: str  # "loses" (futures where it does not clearly beat the reference) or "wins"
    cases: int
    futures: int
    result: DiscoveryResult | None  # None when every future goes the same way


def edge_of(label: str, x: pd.DataFrame, beats: np.ndarray) -> Edge:
    """PRIM on the futures: the rarer of 'clearly beats the reference' and 'does not' are the
    cases."""
    from collabsim.analysis.discovery import discover

    wins = int(beats.sum())
    cases_are = "wins" if wins < len(beats) / 2 else "loses"
    y = beats if cases_are == "wins" else ~beats
    if y.all() or not y.any():
        return Edge(label, cases_are, int(y.sum()), len(y), None)
    return Edge(label, cases_are, int(y.sum()), len(y), discover(x, y, max_boxes=MAX_BOXES))


def edges(futures: Futures, table: pd.DataFrame, labels: list[str]) -> list[Edge]:
    """Edge per scheme other than the reference."""
    x = futures.table.reset_index(drop=True)
    out = []
    for label in labels[1:]:
        own = table[table.scheme == label].sort_values("future")
        beats = own["beats_clearly"].to_numpy(dtype=bool)
        out.append(edge_of(label, x, beats))
    return out


# --------------------------------------------------------------------------- the whole


@dataclass
class RobustComparison:
    """Everything `compare --across` computed."""

    futures: Futures
    labels: list[str]
    runs: pd.DataFrame  # one row per future, scheme and replicate
    table: pd.DataFrame  # one row per future and scheme (futures.csv, with the future's values)
    summary: pd.DataFrame  # one row per scheme (robust.csv)
    edges: list[Edge] = field(default_factory=list)
    workers: int = 1

    @property
    def reference(self) -> str:
        return self.labels[0]


def compare_across(arms: list[Arm], futures: Futures, workers: int = 1, progress=None):
    """Run every arm in every future on common random numbers and compute the robust answers."""
    labels = [a.label for a in arms]
    runs = run_across(arms, futures, workers, progress)
    table = per_future(runs, labels)
    values = futures.table.reset_index(drop=True).rename_axis("future").reset_index()
    if futures.particles:
        values.insert(1, "particle", list(futures.particles))
    table = table.merge(values, on="future", how="left")
    return RobustComparison(
        futures,
        labels,
        runs,
        table,
        robust_table(table, labels),
        edges(futures, table, labels),
        workers,
    )


def manifest_part(robust: RobustComparison) -> dict:
    """What the manifest records of the futures."""
    f = robust.futures
    return {
        "experiment": None if f.draws_only else f.source,
        "posterior": f.posterior or None,
        "particles": list(f.particles),
        "futures": len(f.table),
        "factors": f.keys,
        "replicates_per_future": f.replicates,
        "root_seed": f.root_seed,
        "seeds": f.seeds,
        "measure": MEASURE,
        "workers": robust.workers,
    }


__all__ = [
    "MEASURE",
    "Edge",
    "Futures",
    "RobustComparison",
    "check_futures",
    "compare_across",
    "load_across",
    "load_futures",
    "per_future",
    "posterior_futures",
    "robust_table",
    "with_draws",
]
