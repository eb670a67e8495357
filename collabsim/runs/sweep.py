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

This module is the driver: it opens the folder, plans the chunks, feeds an executor and records
each session in sweep.json. The parts it drives live beside it: `chunks` (a chunk of runs, in a
worker), `executors` (process pool, Dask), `sweep_folder` (the files, resume), `sweep_size`
(time and memory before it starts).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collabsim.runs.chunks import (
    ChunkTask,
    chunk_tasks,
    covered_ranges,
    failed_chunk,
    missing_chunks,
)
from collabsim.runs.executors import make_executor
from collabsim.runs.experiment import Experiment
from collabsim.runs.sweep_folder import (
    SweepError,
    check_out_folder,
    check_parts,
    count_on_disk,
    design_table,
    done_ranges,
    failures_schema,
    folder_lock,
    prepare_folder,
    summary_schema,
    timeseries_schema,
    utc_now,
    write_atomic,
    write_chunk,
    write_failures,
    write_json_atomic,
)
from collabsim.runs.sweep_size import auto_chunk_runs

# Test-only fault injection, read by the driver and passed to every task, e.g.
# "raise=3,7" (runs of points 3 and 7 raise), "sleep=0.02" (seconds before each run),
# "exit=5@/tmp/marker" (the worker process dies hard at point 5, once: when marker is absent).
TEST_HOOK_ENV = "COLLABSIM_SWEEP_TEST_HOOK"


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


@dataclass
class Tally:
    """What this session has run so far: runs, failed runs, model and worker seconds."""

    runs: int = 0
    failed: int = 0
    model_seconds: float = 0.0
    worker_seconds: float = 0.0

    def add(self, runs: int, failed: int, model_seconds: float, worker_seconds: float) -> None:
        self.runs += runs
        self.failed += failed
        self.model_seconds += model_seconds
        self.worker_seconds += worker_seconds


@dataclass
class Session:
    """One sweep session: its folder's sweep.json content, its record in it and its executor."""

    exp: Experiment
    out: Path
    meta: dict[str, Any]
    record: dict[str, Any]
    executor: Any
    done_parts: list[tuple[int, int]]
    already: int
    tally: Tally = field(default_factory=Tally)
    status: str = "interrupted"
    startup_seconds: float = 0.0
    loop_cpu_seconds: float = 0.0

    def write_meta(self) -> None:
        write_json_atomic(self.meta, self.out / "sweep.json")


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
    with folder_lock(out):
        s = open_session(
            exp,
            out,
            resume=resume,
            limit=limit,
            workers=workers,
            scheduler=scheduler,
            notes=notes,
            on_executor=on_executor,
            created=created,
            lock_made=lock_made,
        )
        error: BaseException | None = None
        try:
            todo = plan_chunks(s, limit)
            s.startup_seconds = time.perf_counter() - t_start
            s.write_meta()
            if on_start:
                on_start(exp.total_runs, s.already, s.record["label"], s.record["workers"])
            loop_cpu0 = time.process_time()
            run_chunks(s, chunk_tasks(exp, todo, hooks), on_progress)
            s.loop_cpu_seconds = time.process_time() - loop_cpu0
            s.status = "complete" if s.already + s.tally.runs == exp.total_runs else "partial"
        except BaseException as exc:
            error = exc
            raise
        finally:
            outcome = close_session(s, time.perf_counter() - t_start, error)
    return outcome


def open_session(
    exp: Experiment,
    out: Path,
    *,
    resume: bool,
    limit: int | None,
    workers: int | str | None,
    scheduler: str | None,
    notes: Callable[[str], None] | None,
    on_executor: Callable[[int, str], None] | None,
    created: bool,
    lock_made: bool,
) -> Session:
    """Check the folder, start the executor and record a new session in sweep.json.

    A failure here leaves the folder as it was (a folder this start-up created is removed)."""
    executor = None
    made: list[Path] = []  # what this start-up creates: removed again if it fails
    try:
        meta, msgs = prepare_folder(exp, out, resume)
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
            write_atomic(design_table(exp), out / "design.parquet")
        record = {"started_utc": utc_now(), "limit": limit}
        meta["status"] = "running"
        meta["sessions"].append(record)
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
    return Session(exp, out, meta, record, executor, done_parts, already)


def plan_chunks(s: Session, limit: int | None) -> list[tuple[int, int]]:
    """The run ranges this session will run: the missing chunks (auto-sized on first start), cut
    at --limit runs; recorded in the session."""
    exp, executor = s.exp, s.executor
    n_workers = executor.workers if executor else 0
    chunk = exp.chunk_runs or s.meta["design"].get("chunk_runs")
    if chunk is None and executor is not None:
        chunk, per_run = auto_chunk_runs(exp, n_workers)
        s.meta["design"].update(
            chunk_runs=chunk, chunk_runs_auto=True, estimated_run_seconds=round(per_run, 5)
        )
    s.meta["design"]["chunk_runs"] = chunk
    todo = missing_chunks(exp.total_runs, chunk or 1, s.done_parts)
    if limit is not None:
        todo = first_runs(todo, limit)
    s.record.update(
        label=executor.label if executor else "nothing left to run",
        backend=executor.backend if executor else "none",
        workers=n_workers,
        chunk_runs=chunk,
        runs_planned=sum(b - a for a, b in todo),
    )
    return todo


def first_runs(todo: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """The first `limit` runs of the ranges in `todo` (the last range cut short if need be)."""
    cut, left = [], limit
    for a, b in todo:
        if left <= 0:
            break
        cut.append((a, min(b, a + left)))
        left -= cut[-1][1] - a
    return cut


def run_chunks(s: Session, tasks, on_progress: Callable[[int, int, int], None] | None) -> None:
    """Keep the executor busy (two tasks per worker in flight) and write each finished chunk.

    run_chunk records a run's own error in its result, so an exception from the executor is the
    machinery's (a worker that died, a lost connection): that chunk is tried again, alone, up to
    three times on any backend, so that only the chunk that kills a worker can fail.
    """
    executor = s.executor
    schemas = chunk_schemas(s.exp)
    tasks = iter(tasks)
    window = max(2, 2 * (executor.workers if executor else 0))
    pending: list = []
    attempts: dict[tuple[int, int], int] = {}
    retry: list[ChunkTask] = []
    while True:
        if retry:  # after a worker died: retry its chunks one at a time, alone
            if not pending:
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
                key = (task.start, task.stop)
                attempts[key] = attempts.get(key, 0) + 1
                if attempts[key] < 3:
                    retry.append(task)
                    continue
                result = failed_chunk(task, result)
            write_chunk(s.out, result, schemas)
            n = result.stop - result.start
            s.tally.add(n, len(result.failures), result.model_seconds, result.worker_seconds)
            if on_progress:
                on_progress(n, len(result.failures), s.already + s.tally.runs)


def chunk_schemas(exp: Experiment) -> dict[str, Any]:
    """The Parquet schema of each kind of chunk part (summary, failures, timeseries)."""
    return {
        "summary": summary_schema(exp),
        "failures": failures_schema(exp),
        "timeseries": timeseries_schema(exp),
    }


def close_session(s: Session, wall: float, error: BaseException | None) -> SweepOutcome:
    """Stop the executor, write failures.parquet and the session's record in sweep.json.

    After an error (e.g. a full disk) a failure to write these is not raised over it: the last
    sweep.json stays (status running) and --resume completes the sweep."""
    if s.executor is not None:
        s.executor.close(interrupted=s.status == "interrupted")
    done, failed_all, rows = count_on_disk(s.out)
    if done == s.exp.total_runs:
        s.status = "complete"
    try:
        write_failures(s.out, failures_schema(s.exp))
    except OSError:  # e.g. the disk is still full: sweep.json below says what is done
        if error is None:
            raise
    t = s.tally
    s.record.update(
        finished_utc=utc_now(),
        status=s.status,
        runs=t.runs,
        runs_failed=t.failed,
        wall_seconds=round(wall, 3),
        startup_seconds=round(s.startup_seconds, 3),
        model_seconds=round(t.model_seconds, 3),
        worker_seconds=round(t.worker_seconds, 3),
        driver_loop_cpu_seconds=round(s.loop_cpu_seconds, 3),
        runs_per_second=round(t.runs / wall, 2) if wall > 0 else None,
    )
    s.meta["status"] = s.status
    s.meta["counts"] = {
        "runs_total": s.exp.total_runs,
        "runs_done": done,
        "runs_failed": failed_all,
        "rows": rows,
    }
    s.meta["updated_utc"] = utc_now()
    try:
        s.write_meta()
    except OSError:  # the last sweep.json stays (status running): --resume completes it
        if error is None:
            raise
    return SweepOutcome(
        out=s.out,
        total_runs=s.exp.total_runs,
        runs_done=done,
        runs_failed=failed_all,
        runs_this_session=t.runs,
        wall_seconds=wall,
        startup_seconds=s.startup_seconds,
        model_seconds=t.model_seconds,
        worker_seconds=t.worker_seconds,
        driver_loop_cpu_seconds=s.loop_cpu_seconds,
        workers=s.record.get("workers", 0),
        backend=s.record.get("backend", "none"),
        label=s.record.get("label", ""),
        status=s.status,
        meta=s.meta,
    )


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
