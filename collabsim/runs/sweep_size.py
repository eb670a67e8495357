"""How big a sweep is before it starts: its time, the driver's memory, and the chunk size.

`check_sweep_work` refuses a sweep this machine cannot hold and asks --yes for one of hours (with
collabsim.limits, from the costliest run of the design); `driver_bytes` is what the driver keeps in
memory; `auto_chunk_runs` times one run to size the chunks; `eta_text` writes a time left.
"""

from __future__ import annotations

import datetime as dt
import math
import time

from collabsim import limits
from collabsim.errors import CollabsimInputError
from collabsim.limits import RunSize, check_work, human_time
from collabsim.runs.design import DesignPlan, point_scenario_data, run_seed
from collabsim.runs.experiment import Experiment

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
        seed = run_seed(exp.root_seed, 0, 0, exp.seeds)
        run_single(scenario, seed, 0, series=exp.timeseries_every > 0, events=False)
        per_run = time.perf_counter() - t0
    except Exception:  # the sweep will record it; size chunks as for a 10 ms model
        per_run = 0.01
    by_time = math.ceil(TARGET_CHUNK_SECONDS / max(per_run, 1e-4))
    by_balance = math.ceil(exp.total_runs / (MIN_CHUNKS_PER_WORKER * max(1, workers)))
    return max(1, min(by_time, by_balance, MAX_AUTO_CHUNK)), per_run


def eta_text(seconds: float) -> str:
    """A time left as H:MM:SS ("?" if it cannot be known)."""
    if not math.isfinite(seconds):
        return "?"
    return str(dt.timedelta(seconds=round(seconds)))
