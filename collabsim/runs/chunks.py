"""One chunk of a sweep: a contiguous range of runs, run by a worker, and the ranges still to do.

Runs are numbered in design order (point-major, replicate-minor) and cut into chunks of a fixed
number of runs; each chunk is one task. `run_chunk` runs a chunk in a worker process and returns
its rows (a run that raises is recorded as a failure, never raised); `chunk_tasks` makes the tasks
of the ranges still to do (`missing_chunks`), and `failed_chunk` stands for a chunk whose worker
kept dying. The worker is started with `warm_up_worker` and checked with `worker_versions`.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from collabsim.runs.design import point_scenario_data, run_seed
from collabsim.runs.experiment import Experiment
from collabsim.runs.posterior import Posterior


@dataclass
class ChunkTask:
    """Everything a worker needs to run runs [start, stop) of an experiment."""

    start: int
    stop: int
    base: dict[str, Any]
    keys: list[str]
    points: dict[int, tuple]
    replicates: int
    root_seed: int
    seeds: str
    summary_columns: list[str]
    timeseries_every: int
    timeseries_columns: list[str]
    hooks: dict[str, Any] | None = None
    posterior: Posterior | None = None  # each run draws its parameters from it


@dataclass
class ChunkResult:
    """What a worker sends back: summary rows, failures, series rows and its timings."""

    start: int
    stop: int
    summary: dict[str, list]
    failures: list[dict[str, Any]]
    timeseries: dict[str, list] | None
    model_seconds: float
    worker_seconds: float


def _apply_hooks(hooks: dict[str, Any], point: int) -> None:
    if "sleep" in hooks:
        time.sleep(hooks["sleep"])
    if "exit" in hooks and hooks["exit"][0] == point:
        marker = Path(hooks["exit"][1])
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(13)
    if point in hooks.get("raise", ()):
        raise RuntimeError(f"injected test fault at point {point}")


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk (in a worker): every run's summary rows, or its error; never raises."""
    from collabsim.model.batch import BatchRuns
    from collabsim.model.collaboration import SERIES
    from collabsim.model.region import PHASES
    from collabsim.model.scenario import Scenario
    from collabsim.runs.runner import run_single

    t0 = time.perf_counter()
    model_seconds = 0.0
    ids = ["point", *task.keys, "replicate", "seed", "partnership"]
    draw_columns = task.posterior.columns if task.posterior is not None else []
    summary: dict[str, list] = {c: [] for c in [*ids, *task.summary_columns, *draw_columns]}
    ts_ids = ["point", *task.keys, "replicate", "seed", "partnership", "step"]
    ts_cols = [*ts_ids, *task.timeseries_columns]
    series_out: dict[str, list] | None = (
        {c: [] for c in ts_cols} if task.timeseries_every > 0 else None
    )
    series_index = [SERIES.index(c) for c in task.timeseries_columns]
    failures: list[dict[str, Any]] = []
    scenarios: dict[tuple, Any] = {}
    # without series: each point (and particle) built once for the batch path
    batches: dict[tuple, BatchRuns] = {}
    for run in range(task.start, task.stop):
        point, rep = divmod(run, task.replicates)
        values = task.points[point]
        seed = run_seed(task.root_seed, point, rep, task.seeds)
        particle = run_particle(task, point, rep)
        try:
            if task.hooks:
                _apply_hooks(task.hooks, point)
            key = (point, particle)
            scenario = scenarios.get(key)
            if scenario is None:
                data = point_scenario_data(task.base, task.keys, values)
                scenario = scenarios[key] = drawn(Scenario.model_validate(data), task, particle)
            t_run = time.perf_counter()
            if series_out is None and key not in batches:
                batches[key] = BatchRuns(scenario)
            tables = run_single(
                scenario, seed, rep, series_out is not None, batches.get(key), events=False
            )
            model_seconds += time.perf_counter() - t_run
        except Exception as exc:  # a run that raises is recorded, the chunk goes on
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
            failures.append(
                {
                    "point": point,
                    "replicate": rep,
                    "seed": seed,
                    "error": f"{type(exc).__name__}: {exc}{where}",
                    **dict(zip(task.keys, values, strict=True)),
                }
            )
            continue
        fixed = (point, *values, rep, seed)
        for row in tables.summary:
            for c, v in zip(ids, (*fixed, row["partnership"]), strict=True):
                summary[c].append(v)
            for c in task.summary_columns:
                summary[c].append(row[c])
            if particle is not None:
                for c, v in task.posterior.record(particle).items():
                    summary[c].append(v)
        if series_out is not None:
            names = [row["partnership"] for row in tables.summary]
            arr = tables.series
            for step in range(0, arr.shape[0], task.timeseries_every):
                for p, name in enumerate(names):
                    for c, v in zip(ts_ids, (*fixed, name, step), strict=True):
                        series_out[c].append(v)
                    for c, k in zip(task.timeseries_columns, series_index, strict=True):
                        x = float(arr[step, p, k])
                        if c == "phase":
                            series_out[c].append(PHASES[int(x)])
                        elif c == "active_members":
                            series_out[c].append(int(x))
                        else:
                            series_out[c].append(x)
    return ChunkResult(
        task.start,
        task.stop,
        summary,
        failures,
        series_out,
        model_seconds,
        time.perf_counter() - t0,
    )


def run_particle(task: ChunkTask, point: int, rep: int) -> int | None:
    """The particle a run draws from the sweep's posterior (None without one)."""
    if task.posterior is None:
        return None
    return task.posterior.run_particle(task.root_seed, point, rep, task.seeds)


def drawn(scenario, task: ChunkTask, particle: int | None):
    """A point's scenario with the run's particle applied (as it is without a posterior)."""
    return scenario if particle is None else task.posterior.applied(scenario, particle)


def failed_chunk(task: ChunkTask, exc: BaseException) -> ChunkResult:
    """A chunk whose task itself failed (e.g. its worker kept dying): every run is a failure."""
    failures = []
    for run in range(task.start, task.stop):
        point, rep = divmod(run, task.replicates)
        failures.append(
            {
                "point": point,
                "replicate": rep,
                "seed": run_seed(task.root_seed, point, rep, task.seeds),
                "error": f"task failed: {type(exc).__name__}: {exc}",
                **dict(zip(task.keys, task.points[point], strict=True)),
            }
        )
    draw_columns = task.posterior.columns if task.posterior is not None else []
    ids = ["point", *task.keys, "replicate", "seed", "partnership"]
    empty = {c: [] for c in [*ids, *task.summary_columns, *draw_columns]}
    ts = None
    if task.timeseries_every:
        ts = {
            c: []
            for c in [
                "point",
                *task.keys,
                "replicate",
                "seed",
                "partnership",
                "step",
                *task.timeseries_columns,
            ]
        }
    return ChunkResult(task.start, task.stop, empty, failures, ts, 0.0, 0.0)


def chunk_tasks(exp: Experiment, todo: list[tuple[int, int]], hooks) -> Iterator[ChunkTask]:
    """The task of each run range in `todo` (with the design points its runs need)."""
    keys = exp.factor_names
    for a, b in todo:
        first, last = a // exp.replicates, (b - 1) // exp.replicates
        yield ChunkTask(
            start=a,
            stop=b,
            base=exp.base,
            keys=keys,
            points={p: exp.points[p] for p in range(first, last + 1)},
            replicates=exp.replicates,
            root_seed=exp.root_seed,
            seeds=exp.seeds,
            summary_columns=exp.summary_columns,
            timeseries_every=exp.timeseries_every,
            timeseries_columns=exp.timeseries_columns,
            hooks=hooks,
            posterior=exp.posterior,
        )


def worker_versions() -> dict[str, str]:
    """collabsim and mesa versions on a worker (checked against the driver's)."""
    from importlib import metadata

    import collabsim

    return {"collabsim": collabsim.__version__, "mesa": metadata.version("mesa")}


def warm_up_worker() -> int:
    """Import the model and load its compiled kernels in a worker before the first task."""
    from collabsim.runs.worker_start import warm_up

    warm_up()
    return os.getpid()


def covered_ranges(total: int, done: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The run ranges that the done parts cover, merged."""
    covered = np.zeros(total, dtype=bool)
    for a, b in done:
        covered[a:b] = True
    idx = np.flatnonzero(covered)
    if not len(idx):
        return []
    runs = np.split(idx, np.flatnonzero(np.diff(idx) != 1) + 1)
    return [(int(r[0]), int(r[-1]) + 1) for r in runs]


def missing_chunks(total: int, chunk: int, done: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Run ranges still to do, cut at multiples of the chunk size."""
    covered = np.zeros(total, dtype=bool)
    for a, b in done:
        covered[a:b] = True
    todo = []
    for start in range(0, total, chunk):
        stop = min(start + chunk, total)
        block = covered[start:stop]
        if block.all():
            continue
        # the uncovered sub-ranges of this chunk (several only after a --limit cut)
        idx = np.flatnonzero(~block)
        runs = np.split(idx, np.flatnonzero(np.diff(idx) != 1) + 1)
        todo.extend((start + int(r[0]), start + int(r[-1]) + 1) for r in runs)
    return todo
