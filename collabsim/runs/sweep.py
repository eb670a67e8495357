"""The sweep engine: many replicated runs on a process pool or a Dask cluster, streamed to disk.

Runs are numbered in design order (point-major, replicate-minor). They are cut into chunks of a
fixed number of runs (a property of the experiment, not of the workers) and each chunk is one task.
The driver (this process) writes every finished chunk as Parquet files under the output folder,
each to a hidden temporary name first and then renamed, so a chunk file is either complete or
absent. A chunk's summary file, named after its run range, is renamed last and marks it done:
`--resume` runs exactly the missing ranges again, and because each run's seed depends only on the
root seed, its design point and its replicate, the result equals an uninterrupted sweep.

Output folder::

    sweep.json                      experiment, design, versions, root seed, counts, timings
    design.parquet                  one row per design point: point, factor values
    summary/part-<start>-<stop>.parquet    one row per run and partnership
    timeseries/part-<start>-<stop>.parquet (if outputs.timeseries_every > 0)
    failures/part-<start>-<stop>.parquet   runs that raised (only chunks that had some)
    failures.parquet                all failures (point, replicate, seed, error, factor values)

Read it back with `collabsim.runs.results.load_sweep(DIR)`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import math
import os
import re
import shutil
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from collabsim import limits
from collabsim.errors import CollabsimInputError
from collabsim.limits import RunSize, check_work, human_time
from collabsim.runs.experiment import (
    DesignPlan,
    Experiment,
    point_scenario_data,
    run_seed,
    salib_problem,
)

FORMAT = "collabsim-sweep/1"
SCHEDULER_ENV = "COLLABSIM_SCHEDULER"
# Test-only fault injection, read by the driver and passed to every task, e.g.
# "raise=3,7" (runs of points 3 and 7 raise), "sleep=0.02" (seconds before each run),
# "exit=5@/tmp/marker" (the worker process dies hard at point 5, once: when marker is absent).
TEST_HOOK_ENV = "COLLABSIM_SWEEP_TEST_HOOK"
CONNECT_TIMEOUT_S = 10.0
PART_RE = re.compile(r"^part-(\d{10})-(\d{10})\.parquet$")

SUMMARY_TYPES: dict[str, pa.DataType] = {
    "point": pa.int64(),
    "replicate": pa.int64(),
    "seed": pa.int64(),
    "partnership": pa.string(),
    "step": pa.int64(),
    "survived": pa.bool_(),
    "lifetime_months": pa.int64(),
    "public_value": pa.float64(),
    "mean_trust": pa.float64(),
    "final_trust": pa.float64(),
    "final_engagement": pa.float64(),
    "final_members": pa.int64(),
    "tensions": pa.int64(),
    "tensions_resolved": pa.int64(),
    "tensions_escalated": pa.int64(),
    "liaisons_left": pa.int64(),
    "joint_successes": pa.int64(),
    "formalised_month": pa.float64(),
    "funding_total_eur": pa.float64(),
    "phase": pa.string(),
    "active_members": pa.int64(),
}
KIND_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}


class SweepError(CollabsimInputError):
    """A sweep cannot start or continue (bad folder, unreachable scheduler...): one line, exit 2."""


# --------------------------------------------------------------------------- worker side


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


def parse_hooks(text: str | None) -> dict[str, Any] | None:
    """Parse the test-only fault-injection setting (see TEST_HOOK_ENV)."""
    if not text:
        return None
    hooks: dict[str, Any] = {}
    for item in text.split(";"):
        name, _, value = item.strip().partition("=")
        if name == "raise":
            hooks["raise"] = {int(v) for v in value.split(",") if v.strip()}
        elif name == "sleep":
            hooks["sleep"] = float(value)
        elif name == "exit":
            point, _, marker = value.partition("@")
            hooks["exit"] = (int(point), marker)
        elif name:
            raise SweepError(f"{TEST_HOOK_ENV}: unknown hook '{name}' (raise, sleep, exit)")
    return hooks


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
    from collabsim.model.collaboration import SERIES
    from collabsim.model.region import PHASES
    from collabsim.model.scenario import Scenario
    from collabsim.runs.runner import run_single

    t0 = time.perf_counter()
    model_seconds = 0.0
    ids = ["point", *task.keys, "replicate", "seed", "partnership"]
    summary: dict[str, list] = {c: [] for c in [*ids, *task.summary_columns]}
    ts_ids = ["point", *task.keys, "replicate", "seed", "partnership", "step"]
    ts_cols = [*ts_ids, *task.timeseries_columns]
    series_out: dict[str, list] | None = (
        {c: [] for c in ts_cols} if task.timeseries_every > 0 else None
    )
    series_index = [SERIES.index(c) for c in task.timeseries_columns]
    failures: list[dict[str, Any]] = []
    scenarios: dict[int, Any] = {}
    for run in range(task.start, task.stop):
        point, rep = divmod(run, task.replicates)
        values = task.points[point]
        seed = run_seed(task.root_seed, point, rep, task.seeds)
        try:
            if task.hooks:
                _apply_hooks(task.hooks, point)
            scenario = scenarios.get(point)
            if scenario is None:
                data = point_scenario_data(task.base, task.keys, values)
                scenario = scenarios[point] = Scenario.model_validate(data)
            t_run = time.perf_counter()
            tables = run_single(scenario, seed, rep, series=series_out is not None)
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


def worker_versions() -> dict[str, str]:
    """collabsim and mesa versions on a worker (checked against the driver's)."""
    from importlib import metadata

    import collabsim

    return {"collabsim": collabsim.__version__, "mesa": metadata.version("mesa")}


def _warm_up() -> int:
    """Import the model and load its compiled kernels in a worker before the first task."""
    from collabsim.runs.worker_start import warm_up

    warm_up()
    return os.getpid()


# --------------------------------------------------------------------------- tables on disk


def _schema(exp: Experiment, columns: list[str]) -> pa.Schema:
    kinds = {f.key: KIND_TYPES[f.kind] for f in exp.factors}
    fields = []
    for c in columns:
        t = kinds.get(c) or SUMMARY_TYPES.get(c) or pa.float64()
        fields.append(pa.field(c, t))
    return pa.schema(fields)


def summary_schema(exp: Experiment) -> pa.Schema:
    return _schema(
        exp, ["point", *exp.factor_names, "replicate", "seed", "partnership", *exp.summary_columns]
    )


def timeseries_schema(exp: Experiment) -> pa.Schema:
    return _schema(
        exp,
        [
            "point",
            *exp.factor_names,
            "replicate",
            "seed",
            "partnership",
            "step",
            *exp.timeseries_columns,
        ],
    )


def failures_schema(exp: Experiment) -> pa.Schema:
    base = _schema(exp, ["point", "replicate", "seed", *exp.factor_names])
    return base.insert(3, pa.field("error", pa.string()))


def _table(columns: dict[str, list] | list[dict], schema: pa.Schema) -> pa.Table:
    if isinstance(columns, list):
        columns = {f.name: [row.get(f.name) for row in columns] for f in schema}
    return pa.Table.from_pydict({f.name: columns[f.name] for f in schema}, schema=schema)


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


TMP_RE = re.compile(r"^\..+\.\d+\.tmp$")


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A hidden temporary name beside `path`, renamed into place if the block succeeds and
    removed if it fails (a full disk leaves no half-written file behind)."""
    tmp = _tmp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None and exc.errno is not None:
            # pyarrow's errors name no file: say which one could not be written
            raise OSError(exc.errno, os.strerror(exc.errno), str(path)) from None
        raise


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file to a hidden temporary name beside it, then rename it into place."""
    with _replacing(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_json_atomic(data: dict[str, Any], path: Path) -> None:
    """Write JSON to a hidden temporary name beside `path`, then rename it into place."""
    with _replacing(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str))


def part_name(start: int, stop: int) -> str:
    return f"part-{start:010d}-{stop:010d}.parquet"


def done_ranges(out: Path) -> list[tuple[int, int]]:
    """Run ranges whose summary chunk is complete on disk (unreadable files are removed)."""
    folder = out / "summary"
    ranges = []
    if not folder.is_dir():
        return ranges
    for p in sorted(folder.iterdir()):
        m = PART_RE.match(p.name)
        if not m:
            continue
        try:
            pq.read_metadata(p)
        except Exception:  # a damaged file (e.g. the disk filled up): run it again
            p.unlink(missing_ok=True)
            continue
        ranges.append((int(m.group(1)), int(m.group(2))))
    return ranges


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


TARGET_CHUNK_SECONDS = 1.0
MIN_CHUNKS_PER_WORKER = 16


def auto_chunk_runs(exp: Experiment, workers: int) -> tuple[int, float]:
    """Runs per chunk: about TARGET_CHUNK_SECONDS of work, and at least 16 chunks per worker.

    The run time is measured by running the first design point once here (after loading the
    compiled kernels). Chunking does not change any result, only the files and the balance.
    """
    from collabsim.model.scenario import Scenario
    from collabsim.runs.runner import run_single
    from collabsim.runs.worker_start import warm_up

    warm_up()
    try:
        data = point_scenario_data(exp.base, exp.factor_names, exp.points[0])
        scenario = Scenario.model_validate(data)
        t0 = time.perf_counter()
        run_single(scenario, run_seed(exp.root_seed, 0, 0, exp.seeds), 0)
        per_run = time.perf_counter() - t0
    except Exception:  # the sweep will record it; size chunks as for a 10 ms model
        per_run = 0.01
    by_time = math.ceil(TARGET_CHUNK_SECONDS / max(per_run, 1e-4))
    by_balance = math.ceil(exp.total_runs / (MIN_CHUNKS_PER_WORKER * max(1, workers)))
    return max(1, min(by_time, by_balance, 2000)), per_run


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


# --------------------------------------------------------------------------- executors


class _Serial:
    """Runs chunks in this process, one at a time."""

    workers = 1
    backend = "serial"
    label = "1 worker (this process)"

    def submit(self, task: ChunkTask):
        return task

    def wait_any(self, pending: list) -> tuple[list, list]:
        task = pending[0]
        return [(task, _call(task))], pending[1:]

    def close(self, interrupted: bool = False) -> None:
        pass


def _call(task: ChunkTask) -> ChunkResult | BaseException:
    try:
        return run_chunk(task)
    except Exception as exc:
        return exc


class _Pool:
    """A local process pool whose workers start with the model loaded; renewed if one dies."""

    backend = "processes"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.label = f"{workers} worker processes"
        self.pool = self._new_pool()
        self.tasks: dict[Any, ChunkTask] = {}
        list(self.pool.map(_warm_up_slow, range(workers)))

    def _new_pool(self):
        from collabsim.runs.pools import process_pool

        return process_pool(self.workers, ("collabsim.runs.sweep",), leave_ctrl_c_to_driver=True)

    def submit(self, task: ChunkTask):
        from concurrent.futures.process import BrokenProcessPool

        try:
            fut = self.pool.submit(run_chunk, task)
        except BrokenProcessPool:  # a worker died: its chunks fail and are retried; new pool
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            fut = self.pool.submit(run_chunk, task)
        self.tasks[fut] = task
        return fut

    def wait_any(self, pending: list) -> tuple[list, list]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        out = []
        for fut in done:
            task = self.tasks.pop(fut)
            exc = fut.exception()
            out.append((task, exc if exc is not None else fut.result()))
        return out, list(rest)

    def close(self, interrupted: bool = False) -> None:
        if interrupted:  # Ctrl-C: stop the workers now (their chunks are redone on --resume)
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _warm_up_slow(_: int) -> int:
    time.sleep(0.05)  # so each worker process gets one (all start before the first chunk)
    return _warm_up()


class _Dask:
    """A dask.distributed client: an existing scheduler, or a LocalCluster with 1 thread/worker."""

    backend = "dask"

    def __init__(self, scheduler: str | None, local_workers: int | None) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler is None:
            import logging

            try:
                self.cluster = LocalCluster(
                    n_workers=local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    host="127.0.0.1",
                )
            except Exception as exc:
                raise SweepError(f"could not start a Dask LocalCluster: {exc}") from None
            self.client = Client(self.cluster)
            self.client.wait_for_workers(local_workers, timeout=120)
            self.address = self.cluster.scheduler_address
        else:
            self.address = scheduler
            self.client = connect_scheduler(scheduler)
        self.workers = max(1, sum(self.client.nthreads().values()))
        where = "a local Dask cluster" if self.cluster is not None else self.address
        self.label = f"{self.workers} Dask worker{'s' if self.workers != 1 else ''} ({where})"
        self.client.run(_warm_up)
        mine = worker_versions()
        for addr, theirs in self.client.run(worker_versions).items():
            if theirs != mine:
                self.close()
                raise SweepError(
                    f"Dask worker {addr} runs collabsim {theirs['collabsim']} / mesa "
                    f"{theirs['mesa']}, this machine {mine['collabsim']} / {mine['mesa']}; "
                    "install the same versions on every worker"
                )
        self.tasks: dict[Any, ChunkTask] = {}

    def submit(self, task: ChunkTask):
        fut = self.client.submit(run_chunk, task, pure=False)
        self.tasks[fut] = task
        return fut

    def wait_any(self, pending: list) -> tuple[list, list]:
        from distributed import wait

        done, rest = wait(pending, return_when="FIRST_COMPLETED")
        out = []
        for fut in done:
            task = self.tasks.pop(fut)
            if fut.status == "finished":
                out.append((task, fut.result()))
            else:
                out.append((task, fut.exception() or RuntimeError(f"task {fut.status}")))
            fut.release()
        return out, list(rest)

    def close(self, interrupted: bool = False) -> None:
        with contextlib.suppress(Exception):
            self.client.close(timeout=5)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=10)


SCHEDULER_SCHEMES = ("tcp", "tls")
PICKLE_WARNING = (
    "warning: tasks are pickled: connect only to a scheduler you control; use tls:// with "
    "certificates across machines"
)


def check_scheduler_address(address: str) -> str | None:
    """Refuse a scheduler address that is not tcp://HOST:PORT or tls://HOST:PORT (a bare
    HOST:PORT means tcp://); return a warning line for plain tcp:// to another machine.

    The scheduler is a trust boundary: tasks and results are pickled, so whoever runs the
    scheduler (or sits between it and this machine) can run code here and on the workers.
    """
    text = address.strip()
    try:
        url = urlparse(text if "://" in text else f"tcp://{text}")
        port = url.port
    except ValueError:
        port = None
        url = None
    if url is None or url.scheme not in SCHEDULER_SCHEMES or not url.hostname or not port:
        raise SweepError(
            f"--scheduler {address}: use tcp://HOST:PORT or tls://HOST:PORT, "
            f"e.g. tcp://127.0.0.1:8786 (or unset {SCHEDULER_ENV})"
        )
    if url.scheme == "tcp" and not _is_loopback(url.hostname):
        return PICKLE_WARNING
    return None


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def scheduler_address(workers: int | str | None, scheduler: str | None) -> str | None:
    """The scheduler a sweep will use: --scheduler, else COLLABSIM_SCHEDULER if no --workers."""
    if scheduler is None and workers is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
    return scheduler


def connect_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S):
    """Connect to a Dask scheduler, or raise one clear line within `timeout` seconds."""
    from distributed import Client

    check_scheduler_address(address)
    url = urlparse(address if "://" in address else f"tcp://{address}")
    hint = f"is `dask scheduler` running there? (check the address, or unset {SCHEDULER_ENV})"
    try:
        with socket.create_connection((url.hostname, url.port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, TimeoutError | socket.timeout):
            reason = f"no answer within {timeout:.0f} s"
        raise SweepError(
            f"cannot reach the Dask scheduler at {address}: {reason}; {hint}"
        ) from None
    try:
        client = Client(f"{url.scheme}://{url.hostname}:{url.port}", timeout=f"{timeout}s")
    except Exception as exc:
        raise SweepError(
            f"cannot connect to the Dask scheduler at {address}: {exc or type(exc).__name__}; "
            f"{hint}"
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        client.close()
        raise SweepError(
            f"the Dask scheduler at {address} has no workers (waited {timeout:.0f} s); "
            f"start some with `dask worker {address} --nthreads 1`"
        ) from None
    return client


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def make_executor(workers: int | str | None, scheduler: str | None):
    """The executor for --workers / --scheduler (COLLABSIM_SCHEDULER if neither is given)."""
    scheduler = scheduler_address(workers, scheduler)
    if scheduler is not None:
        return _Dask(scheduler, None)
    if workers == "dask":
        return _Dask(None, default_workers())
    n = default_workers() if workers is None else int(workers)
    if n < 1:
        raise SweepError(f"--workers {workers}: must be at least 1, or 'dask'")
    return _Serial() if n == 1 else _Pool(n)


def parse_workers(text: str | None) -> int | str | None:
    """--workers: a number of processes, or 'dask' (a LocalCluster)."""
    if text is None:
        return None
    if text.strip().lower() == "dask":
        return "dask"
    try:
        n = int(text)
    except ValueError:
        raise SweepError(
            f"--workers {text}: give a number of processes (e.g. 4) or 'dask'"
        ) from None
    if n < 1:
        raise SweepError(f"--workers {text}: must be at least 1, or 'dask'")
    return n


# --------------------------------------------------------------------------- size of a sweep

# What the driver holds in memory (results stream to Parquet chunk by chunk): the design points
# (a tuple of Python values each, its JSON digest and design table while starting), and the chunk
# results in flight (up to 2 per worker), as Python lists: a summary row per partnership and run,
# and, if the experiment keeps time series, a row per partnership and kept month.
POINT_BYTES = 200
POINT_BYTES_PER_FACTOR = 100
SUMMARY_ROW_BYTES = 1_500
SERIES_ROW_BYTES = 8 * 14 * 4
MAX_AUTO_CHUNK = 2000


def driver_bytes(
    plan: DesignPlan,
    size: RunSize,
    runs: int,
    workers: int,
    chunk_runs: int | None = None,
    keep_results: bool = False,
) -> int:
    """Memory the driver of a sweep needs: its design, the chunks in flight and (keep_results,
    as run_design returns them) every summary row."""
    design = plan.points * (POINT_BYTES + POINT_BYTES_PER_FACTOR * len(plan.factors))
    per_run = size.partnerships * SUMMARY_ROW_BYTES
    if plan.timeseries_every > 0:
        kept_months = size.months // plan.timeseries_every + 1
        per_run += size.partnerships * kept_months * SERIES_ROW_BYTES
    window = max(2, 2 * workers) * (chunk_runs or MAX_AUTO_CHUNK)
    kept = runs * size.partnerships * SUMMARY_ROW_BYTES if keep_results else 0
    return design + min(runs, window) * per_run + kept


def check_sweep_work(
    plan: DesignPlan,
    runs: int,
    workers: int,
    *,
    yes: bool = False,
    remote: bool = False,
    keep_results: bool = False,
    chunk_runs: int | None = None,
    advice: str = "",
) -> float:
    """Refuse a sweep this machine cannot hold, ask --yes for one that takes hours.

    runs: the runs this session will do; workers: local processes, or (remote) the threads of a
    Dask cluster, whose memory is not this machine's. Returns the estimated seconds.
    """
    if runs <= 0:
        return 0.0
    size = plan.run_size()
    what = (
        f"{plan.name}: {plan.points:,} points x {plan.replicates:,} replicates"
        + (f" + {plan.extra_runs:,} surface runs" if plan.extra_runs else "")
        + (f" ({runs:,} runs to do)" if runs != plan.runs else f" = {runs:,} runs")
    )
    advice = advice or "lower design.samples, levels or experiment.replicates"
    need = driver_bytes(plan, size, runs, workers, chunk_runs, keep_results)
    local_workers = 1 if remote else workers  # the driver runs one model itself (chunk sizing)
    seconds = check_work(
        what,
        runs,
        size,
        kept_per_run=math.ceil(need / runs),
        workers=local_workers,
        yes=yes or remote,
        advice=advice,
    )
    if remote:
        seconds = runs * size.seconds / max(1, workers)
        if seconds > limits.CONFIRM_ABOVE_HOURS * 3600 and not yes:
            raise CollabsimInputError(
                f"{what} would take about {human_time(seconds)} on {workers} Dask worker "
                f"thread(s); add --yes to go ahead, or {advice}"
            )
    return seconds


def runs_done_in(out: Path, total: int) -> int:
    """Runs whose summary chunk is in `out` (from the file names only: fast, for estimates)."""
    folder = out / "summary"
    if not folder.is_dir():
        return 0
    done = []
    for p in folder.iterdir():
        m = PART_RE.match(p.name)
        if m:
            done.append((min(int(m.group(1)), total), min(int(m.group(2)), total)))
    return sum(b - a for a, b in covered_ranges(total, done))


# --------------------------------------------------------------------------- the driver


@dataclass
class SweepOutcome:
    """What a sweep did: where, how many runs in all, done, failed, and this session's timings."""

    out: Path
    total_runs: int
    runs_done: int
    runs_failed: int
    runs_this_session: int
    wall_seconds: float
    startup_seconds: float
    model_seconds: float
    worker_seconds: float
    driver_loop_cpu_seconds: float
    workers: int
    backend: str
    label: str
    status: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.runs_done == self.total_runs


def check_out_folder(out: Path, flag: str = "--out") -> None:
    """Refuse an output folder that is a file or lies under one (one line, nothing written)."""
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p == out else f"is under {p}, which is a file"
                raise SweepError(f"{flag} {out}: {what}, not a folder; choose another {flag}")
            return


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[None]:
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepError(f"{out}: another sweep is writing to this folder right now") from None
        yield
    finally:
        os.close(fd)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _meta_ok(meta: Any) -> bool:
    """Whether a sweep.json has the shape collabsim writes (what --resume reads of it)."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        return False
    chunk = meta.get("design", {}).get("chunk_runs") if isinstance(meta.get("design"), dict) else 0
    return (
        isinstance(meta.get("fingerprint"), str)
        and isinstance(meta.get("sessions"), list)
        and isinstance(meta.get("experiment", {}), dict)
        and isinstance(meta.get("counts", {}), dict)
        and isinstance(meta.get("design"), dict)
        and (chunk is None or (type(chunk) is int and chunk >= 1))
    )


def _prepare(exp: Experiment, out: Path, resume: bool) -> tuple[dict[str, Any], list[str]]:
    """Check the output folder against the experiment; return sweep.json content and notes."""
    from collabsim.runs.outputs import git_revision, versions

    notes: list[str] = []
    meta_path = out / "sweep.json"
    fingerprint = exp.fingerprint()
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # not JSON, not UTF-8, not a file
            raise SweepError(f"{out}: sweep.json is unreadable; choose another --out") from None
        if not _meta_ok(meta):
            raise SweepError(
                f"{out}: sweep.json is damaged (not what collabsim writes); choose another --out"
            )
        if not resume:
            raise SweepError(
                f"{out}: already holds a sweep ({meta.get('status', '?')}, "
                f"{meta.get('counts', {}).get('runs_done', '?')} of "
                f"{meta.get('counts', {}).get('runs_total', '?')} runs); "
                "add --resume to complete it, or choose another --out"
            )
        if meta.get("fingerprint") != fingerprint:
            old = meta.get("experiment", {})
            raise SweepError(
                f"{out}: holds a different experiment ('{old.get('name', '?')}' from "
                f"{old.get('source', '?')}, fingerprint {meta.get('fingerprint')}; this one is "
                f"{fingerprint}); --resume only completes the same experiment: choose another --out"
            )
        rev = git_revision()
        if meta.get("git_revision") != rev:
            notes.append(
                f"note: resuming a sweep started at git revision {meta.get('git_revision')}, "
                f"now {rev}"
            )
        meta["git_revision_resumed"] = rev
        return meta, notes
    if out.exists():
        leftovers = _startup_leftovers(out)
        if leftovers is None:
            raise SweepError(
                f"{out}: output folder exists and is not a sweep; choose another --out"
            )
        if leftovers:
            for p in leftovers:
                if p.is_dir():
                    for q in p.iterdir():
                        q.unlink()
                    p.rmdir()
                else:
                    p.unlink()
            notes.append(
                f"note: {out} held only what a sweep that failed to start left behind "
                f"(no sweep.json: {', '.join(sorted(p.name for p in leftovers))}); starting afresh"
            )
    meta = {
        "format": FORMAT,
        "experiment": {"name": exp.name, "source": exp.source, "description": exp.description},
        "fingerprint": fingerprint,
        "design": {
            **exp.design,
            "factors": exp.factor_names,
            "points": len(exp.points),
            "replicates": exp.replicates,
            "total_runs": exp.total_runs,
            "chunk_runs": exp.chunk_runs,
        },
        "root_seed": exp.root_seed,
        "seeds": exp.seeds,
        "seed_rule": "SeedSequence(root_seed, spawn_key=(point, replicate)) -> uint64 >> 1"
        if exp.seeds == "per_point"
        else "SeedSequence(root_seed, spawn_key=(replicate,)) -> uint64 >> 1",
        "salib_problem": salib_problem(exp.factors) if exp.factors else None,
        "spec": exp.spec(),
        "versions": versions(),
        "git_revision": git_revision(),
        "created_utc": _now(),
        "status": "running",
        "counts": {"runs_total": exp.total_runs, "runs_done": 0, "runs_failed": 0, "rows": 0},
        "sessions": [],
    }
    return meta, notes


STARTUP_FILES = ("design.parquet",)
CHUNK_FOLDERS = ("summary", "failures", "timeseries")


def _startup_leftovers(out: Path) -> list[Path] | None:
    """What a sweep that failed before writing sweep.json leaves in `out` (design.parquet, empty
    chunk folders, hidden temporary files), or None if `out` holds anything else."""
    found = []
    for p in out.iterdir():
        if p.name == ".lock":
            continue
        if p.is_file() and (p.name in STARTUP_FILES or TMP_RE.match(p.name)):
            found.append(p)
        elif (
            p.is_dir()
            and p.name in CHUNK_FOLDERS
            and all(q.is_file() and TMP_RE.match(q.name) for q in p.iterdir())
        ):
            found.append(p)
        else:
            return None
    return found


def _readable(path: Path) -> bool:
    try:
        pq.read_metadata(path)
    except Exception:  # truncated, not Parquet, unreadable
        return False
    return True


def check_parts(exp: Experiment, out: Path) -> list[str]:
    """Make every chunk on disk trustworthy before --resume relies on it; return notes.

    A chunk counts as done when its summary part is complete; its time-series part (if the
    experiment keeps series) and its failures part (if it has one) must be complete too. A chunk
    with a damaged or missing part loses all its parts, so its runs are done again. Parts of
    chunks that never finished (no summary part) are removed; a damaged design is rewritten.
    """
    notes = []
    folders = {sub: out / sub for sub in CHUNK_FOLDERS}
    names = {
        sub: {p.name for p in folder.iterdir() if PART_RE.match(p.name)}
        if folder.is_dir()
        else set()
        for sub, folder in folders.items()
    }
    for name in sorted(names["summary"]):
        parts = {sub: folders[sub] / name for sub in CHUNK_FOLDERS if name in names[sub]}
        problems = [f"{p.relative_to(out)} is damaged" for p in parts.values() if not _readable(p)]
        if exp.timeseries_every > 0 and "timeseries" not in parts:
            problems.append(f"{Path('timeseries', name)} is missing")
        if problems:
            for p in parts.values():
                p.unlink(missing_ok=True)
            m = PART_RE.match(name)
            notes.append(
                f"note: {'; '.join(problems)}: runs {int(m.group(1))}..{int(m.group(2)) - 1} "
                "will be run again"
            )
    for sub in ("failures", "timeseries"):  # parts of chunks that never finished
        for name in names[sub] - names["summary"]:
            (folders[sub] / name).unlink(missing_ok=True)
    design = out / "design.parquet"
    if design.exists() and not _readable(design):
        design.unlink()
        notes.append(f"note: {design} was damaged; it is written again")
    return notes


def _design_table(exp: Experiment) -> pa.Table:
    schema = _schema(exp, ["point", *exp.factor_names])
    cols: dict[str, list] = {"point": list(range(len(exp.points)))}
    for j, k in enumerate(exp.factor_names):
        cols[k] = [p[j] for p in exp.points]
    return pa.Table.from_pydict(cols, schema=schema)


def _count_on_disk(out: Path) -> tuple[int, int, int]:
    """Runs done, runs failed and summary rows, from the chunk files."""
    done = sum(b - a for a, b in done_ranges(out))
    failed = rows = 0
    if (out / "failures").is_dir():
        failed = sum(
            pq.read_metadata(p).num_rows
            for p in (out / "failures").glob("part-*")
            if (out / "summary" / p.name).exists()
        )
    rows = sum(pq.read_metadata(p).num_rows for p in (out / "summary").glob("part-*"))
    return done, failed, rows


def run_sweep(
    exp: Experiment,
    out: str | Path,
    workers: int | str | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    limit: int | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    on_start: Callable[[int, int, str, int], None] | None = None,
    notes: Callable[[str], None] | None = None,
    hooks: dict[str, Any] | None = None,
    on_executor: Callable[[int, str], None] | None = None,
) -> SweepOutcome:
    """Run (or complete, with resume) an experiment into `out`; results stream to disk.

    on_executor(workers, backend) is called once the workers are known and before anything is
    written (it may refuse the sweep, e.g. too long for a cluster, and leaves no folder behind);
    on_start(total_runs, already_done, label, workers) once the executor is ready,
    on_progress(runs, failed, total_done) after every chunk written.
    """
    t_start = time.perf_counter()
    out = Path(out)
    if limit is not None and limit < 1:
        raise SweepError(f"--limit {limit}: must be at least 1 run")
    if hooks is None:
        hooks = parse_hooks(os.environ.get(TEST_HOOK_ENV))
    check_out_folder(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    lock_made = not (out / ".lock").exists()
    with _lock(out):
        executor = None
        made: list[Path] = []  # what this start-up creates: removed again if it fails
        try:
            meta, msgs = _prepare(exp, out, resume)
            if meta["sessions"]:  # an existing sweep: check every part --resume relies on
                msgs += check_parts(exp, out)
            for m in msgs:
                if notes:
                    notes(m)
            done_parts = done_ranges(out)
            already = sum(b - a for a, b in covered_ranges(exp.total_runs, done_parts))
            # connect before writing anything: a bad scheduler leaves no folder behind
            if already < exp.total_runs:
                executor = make_executor(workers, scheduler)
                if on_executor:
                    on_executor(executor.workers, executor.backend)
            for sub in ("summary", "failures") + (("timeseries",) if exp.timeseries_every else ()):
                if not (out / sub).exists():
                    (out / sub).mkdir()
                    made.append(out / sub)
            if not (out / "design.parquet").exists():
                made.append(out / "design.parquet")
                write_atomic(_design_table(exp), out / "design.parquet")
            session = {"started_utc": _now(), "limit": limit}
            meta["status"] = "running"
            meta["sessions"].append(session)
            write_json_atomic(meta, out / "sweep.json")
        except BaseException:
            if executor is not None:
                executor.close(interrupted=True)
            if created:
                shutil.rmtree(out, ignore_errors=True)
            else:  # a folder that was there: leave it as it was
                for p in reversed(made + ([out / ".lock"] if lock_made else [])):
                    with contextlib.suppress(OSError):
                        p.rmdir() if p.is_dir() else p.unlink(missing_ok=True)
            raise

        schemas = {
            "summary": summary_schema(exp),
            "failures": failures_schema(exp),
            "timeseries": timeseries_schema(exp),
        }
        runs = failed = 0
        model_s = worker_s = 0.0
        status = "interrupted"
        error: BaseException | None = None
        startup = loop_cpu = 0.0
        try:
            n_workers = executor.workers if executor else 0
            chunk = exp.chunk_runs or meta["design"].get("chunk_runs")
            if chunk is None and executor is not None:
                chunk, per_run = auto_chunk_runs(exp, n_workers)
                meta["design"].update(
                    chunk_runs=chunk, chunk_runs_auto=True, estimated_run_seconds=round(per_run, 5)
                )
            meta["design"]["chunk_runs"] = chunk
            todo = missing_chunks(exp.total_runs, chunk or 1, done_parts)
            if limit is not None:
                cut, left = [], limit
                for a, b in todo:
                    if left <= 0:
                        break
                    cut.append((a, min(b, a + left)))
                    left -= cut[-1][1] - a
                todo = cut
            startup = time.perf_counter() - t_start
            backend = executor.backend if executor else "none"
            label = executor.label if executor else "nothing left to run"
            session.update(
                label=label,
                backend=backend,
                workers=n_workers,
                chunk_runs=chunk,
                runs_planned=sum(b - a for a, b in todo),
            )
            write_json_atomic(meta, out / "sweep.json")
            if on_start:
                on_start(exp.total_runs, already, label, n_workers)
            loop_cpu0 = time.process_time()
            tasks = iter(_tasks(exp, todo, hooks))
            window = max(2, 2 * n_workers)
            pending: list = []
            attempts: dict[tuple[int, int], int] = {}
            retry: list[ChunkTask] = []
            while True:
                if retry:  # after a worker died: retry its chunks one at a time, alone, so
                    if not pending:  # that only the chunk that kills a worker can fail
                        pending.append(executor.submit(retry.pop(0)))
                else:
                    while len(pending) < window:
                        task = next(tasks, None)
                        if task is None:
                            break
                        pending.append(executor.submit(task))
                if not pending:
                    break
                finished, pending = executor.wait_any(pending)
                for task, result in finished:
                    if isinstance(result, BaseException):
                        # run_chunk records a run's own error in its result, so an exception
                        # here is the machinery's (a worker that died, a lost connection): the
                        # chunk is tried again, alone, up to three times on any backend
                        key = (task.start, task.stop)
                        attempts[key] = attempts.get(key, 0) + 1
                        if attempts[key] < 3:
                            retry.append(task)
                            continue
                        result = _chunk_failed(task, result)
                    _write_chunk(out, result, schemas)
                    n = result.stop - result.start
                    runs += n
                    failed += len(result.failures)
                    model_s += result.model_seconds
                    worker_s += result.worker_seconds
                    if on_progress:
                        on_progress(n, len(result.failures), already + runs)
            loop_cpu = time.process_time() - loop_cpu0
            status = "complete" if already + runs == exp.total_runs else "partial"
        except BaseException as exc:
            error = exc
            raise
        finally:
            if executor is not None:
                executor.close(interrupted=status == "interrupted")
            wall = time.perf_counter() - t_start
            done, failed_all, rows = _count_on_disk(out)
            if done == exp.total_runs:
                status = "complete"
            try:
                _write_failures(out, schemas["failures"])
            except OSError:  # e.g. the disk is still full: sweep.json below says what is done
                if error is None:
                    raise
            session.update(
                finished_utc=_now(),
                status=status,
                runs=runs,
                runs_failed=failed,
                wall_seconds=round(wall, 3),
                startup_seconds=round(startup, 3),
                model_seconds=round(model_s, 3),
                worker_seconds=round(worker_s, 3),
                driver_loop_cpu_seconds=round(loop_cpu, 3),
                runs_per_second=round(runs / wall, 2) if wall > 0 else None,
            )
            meta["status"] = status
            meta["counts"] = {
                "runs_total": exp.total_runs,
                "runs_done": done,
                "runs_failed": failed_all,
                "rows": rows,
            }
            meta["updated_utc"] = _now()
            try:
                write_json_atomic(meta, out / "sweep.json")
            except OSError:  # the last sweep.json stays (status running): --resume completes it
                if error is None:
                    raise
    return SweepOutcome(
        out=out,
        total_runs=exp.total_runs,
        runs_done=done,
        runs_failed=failed_all,
        runs_this_session=runs,
        wall_seconds=wall,
        startup_seconds=startup,
        model_seconds=model_s,
        worker_seconds=worker_s,
        driver_loop_cpu_seconds=loop_cpu,
        workers=session.get("workers", 0),
        backend=session.get("backend", "none"),
        label=session.get("label", ""),
        status=status,
        meta=meta,
    )


def _tasks(exp: Experiment, todo: list[tuple[int, int]], hooks) -> Iterator[ChunkTask]:
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
        )


def _chunk_failed(task: ChunkTask, exc: BaseException) -> ChunkResult:
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
    empty = {
        c: []
        for c in ["point", *task.keys, "replicate", "seed", "partnership", *task.summary_columns]
    }
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


def _write_chunk(out: Path, result: ChunkResult, schemas: dict[str, pa.Schema]) -> None:
    name = part_name(result.start, result.stop)
    if result.timeseries is not None:
        write_atomic(_table(result.timeseries, schemas["timeseries"]), out / "timeseries" / name)
    if result.failures:
        write_atomic(_table(result.failures, schemas["failures"]), out / "failures" / name)
    # the summary part is renamed last: its presence marks the chunk done
    write_atomic(_table(result.summary, schemas["summary"]), out / "summary" / name)


def _write_failures(out: Path, schema: pa.Schema) -> None:
    """failures.parquet: the failures of every done chunk (its summary part is on disk)."""
    parts = sorted(
        p for p in (out / "failures").glob("part-*.parquet") if (out / "summary" / p.name).exists()
    )
    tables = [pq.read_table(p, schema=schema) for p in parts]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    write_atomic(table, out / "failures.parquet")


def eta_text(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    return str(dt.timedelta(seconds=round(seconds)))


def run_design(
    base_scenario,
    factor_names: list[str],
    matrix,
    replicates: int,
    root_seed: int,
    out_dir: str | Path,
    workers: int | str | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    summary_columns: list[str] | None = None,
    seeds: str = "per_point",
    chunk_runs: int | None = None,
    name: str = "design",
    on_executor: Callable[[int, str], None] | None = None,
):
    """Run a ready design matrix (points x factors, e.g. a SALib sample) and return the rows.

    The returned DataFrame has one row per run and partnership: point (the matrix row), the
    factor values, replicate, seed, partnership and the summary metrics. Raises
    CollabsimInputError for bad input; failed runs are in out_dir/failures.parquet.
    """
    from collabsim.runs.experiment import experiment_from_matrix
    from collabsim.runs.results import load_sweep

    exp = experiment_from_matrix(
        base_scenario,
        factor_names,
        matrix,
        replicates,
        root_seed,
        name=name,
        summary_columns=summary_columns,
        seeds=seeds,
        chunk_runs=chunk_runs,
    )
    run_sweep(
        exp, out_dir, workers=workers, scheduler=scheduler, resume=resume, on_executor=on_executor
    )
    return load_sweep(out_dir)
