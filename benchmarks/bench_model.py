"""Model speed and memory benchmarks (issue: the collaboration model), on one core.

Run: .venv/bin/python benchmarks/bench_model.py [--quick] [--speed-only]

1. Baseline scenario, 120 months, data collection on: median wall time of 200 runs (target
   at most 10 ms), µs per organisation-month, and Mesa's own BoltzmannWealth µs per agent-step
   measured in the same process for scale. Then the two paths side by side on the baseline,
   summary only (what the sweeps keep): the month-by-month model (`CollaborationModel(...,
   collect=False)`) and the batch path (`run_single(..., series=False, events=False)`: the
   whole run in one compiled call, the scenario built once, no events decoded), and the batch
   path with its events decoded too (what run_replicates keeps), in runs per second per core
   (runs back to back, in six blocks rotating which path goes first) and as BoltzmannWealth
   agent-steps per run (target: batch at least 4 times the month-by-month path), and what
   constructing a run costs on each.
2. Memory: peak RSS growth over 10,000 models created, run and dropped (target < 50 MB).
3. Scale: scenarios/national.toml (4,040 organisations in 340 partnerships) for 120 months
   (target < 30 s), and run time against the number of organisations (the curve is written to
   benchmarks/scaling.png and benchmarks/scaling.csv).
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from collabsim import CollaborationModel, load_scenario  # noqa: E402
from collabsim.model.batch import BatchRuns  # noqa: E402
from collabsim.runs.runner import RunTables, run_single, summarise  # noqa: E402

REFERENCE_BOLTZMANN_US = 3.5  # MODEL.md §7: BoltzmannWealth, Mesa 3.5.1, this kind of machine


def pin_one_core() -> None:
    """Run on one core, as the target says."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_baseline(runs: int) -> list[float]:
    """Wall time of `runs` full baseline runs (model creation, 120 months, collection on)."""
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    CollaborationModel(scenario, rng=0).run()  # load compiled kernels
    times = []
    for seed in range(runs):  # the same seeds in every block
        gc.collect()
        start = time.perf_counter()
        CollaborationModel(scenario, rng=seed).run()
        times.append(time.perf_counter() - start)
    return times


def month_by_month(scenario, seed: int) -> RunTables:
    """One run on the month-by-month path, keeping what the batch path keeps: the summary."""
    model = CollaborationModel(scenario, rng=seed, collect=False).run()
    return RunTables(summarise(model, 0, seed), None, [])


PATHS = ("month by month", "batch", "batch with events")


def time_paths(runs: int, first: int) -> dict[str, float]:
    """Seconds per run on each path: `runs` baseline runs back to back, as a sweep's worker
    runs them (throughput, not one run's latency), one path's block after the other's, from
    PATHS[first] on; the same seeds in all."""
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    batch = BatchRuns(scenario)  # built once, as run_replicates and the sweeps build it
    paths = {
        "month by month": lambda seed: month_by_month(scenario, seed),
        "batch": lambda seed: run_single(scenario, seed, series=False, batch=batch, events=False),
        "batch with events": lambda seed: run_single(scenario, seed, series=False, batch=batch),
    }
    per_run = {}
    for name in PATHS[first:] + PATHS[:first]:
        run = paths[name]
        run(0)  # load compiled kernels
        gc.collect()
        start = time.perf_counter()
        for seed in range(runs):
            run(seed)
        per_run[name] = (time.perf_counter() - start) / runs
    return per_run


def time_construction(runs: int) -> dict[str, float]:
    """Median µs to construct a baseline run: a month-by-month model (without and with its data
    collector), the batch path's seed-free parts (once per scenario), and a batch run's start
    (its region drawn, month 0 opened, its arguments found)."""
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    batch = BatchRuns(scenario)
    steps = {
        "model, no collection": lambda s: CollaborationModel(scenario, rng=s, collect=False),
        "model, collection on": lambda s: CollaborationModel(scenario, rng=s),
        "batch, once per scenario": lambda s: BatchRuns(scenario).start(s),
        "batch, each run": batch.start,
    }
    out = {}
    for name, step in steps.items():
        step(0)
        times = []
        for seed in range(runs):
            start = time.perf_counter()
            step(seed)
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times) * 1e6
    out["batch, once per scenario"] -= out["batch, each run"]  # the first start builds it
    return out


def boltzmann_us_per_agent_step(agents: int = 100, steps: int = 100, reps: int = 20) -> float:
    """Mesa's own BoltzmannWealth example with data collection: µs per agent-step."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    times = []
    for rep in range(reps):
        model = BoltzmannWealth(BoltzmannScenario(n=agents, width=10, height=10, rng=rep))
        start = time.perf_counter()
        for _ in range(steps):
            model.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / (agents * steps) * 1e6


def memory_growth(models: int) -> float:
    """MB of peak RSS growth while creating, running and dropping `models` baseline models."""
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    for seed in range(200):  # warm up: caches, allocator pools
        CollaborationModel(scenario, rng=seed).run()
    gc.collect()
    before = peak_rss_mb()
    for seed in range(models):
        CollaborationModel(scenario, rng=seed).run()
    gc.collect()
    return peak_rss_mb() - before


def scaling(points: list[int]) -> list[tuple[int, int, float]]:
    """(partnerships, organisations, seconds for 120 months) for national-like regions."""
    out = []
    for partnerships in points:
        factor = partnerships / 340
        overrides = [
            f"scenario.partnerships={partnerships}",
            f"organisations.0.count={max(1, round(60 * factor))}",
            f"organisations.1.count={max(1, round(600 * factor))}",
            f"organisations.2.count={max(1, round(40 * factor))}",
            f"organisations.3.count={max(1, round(3000 * factor))}",
            f"organisations.4.count={max(1, round(340 * factor))}",
        ]
        scenario = load_scenario(ROOT / "scenarios" / "national.toml", overrides)
        n_orgs = sum(g.count for g in scenario.organisations)
        start = time.perf_counter()
        CollaborationModel(scenario, rng=1).run()
        out.append((partnerships, n_orgs, time.perf_counter() - start))
    return out


def plot_scaling(rows, path: Path) -> None:
    """Seconds against organisations, with the line through the origin and the largest point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    orgs = np.array([r[1] for r in rows])
    secs = np.array([r[2] for r in rows])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    ax.plot(orgs, secs, "o-", label="measured")
    ax.plot([0, orgs[-1]], [0, secs[-1]], "--", color="grey", label="linear through largest")
    ax.set_xlabel("organisations")
    ax.set_ylabel("seconds for 120 months")
    ax.set_title("collabsim: run time against region size")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def report_paths(paths: dict[str, list[float]], boltzmann_us: float) -> None:
    """Runs per second per core on each path (median over the blocks), a run's cost in
    BoltzmannWealth agent-steps, and the ratio of the paths (median of the blocks' ratios)."""
    print(
        "the two paths, baseline 120 months, summary only (and the batch path with events), "
        "one core:"
    )
    for name in PATHS:
        ms = statistics.median(paths[name]) * 1e3
        print(
            f"  {name:>17}: {1e3 / ms:7.1f} runs/s per core ({ms:.2f} ms a run, median of "
            f"{len(paths[name])} blocks) = {ms * 1e3 / boltzmann_us:6.0f} BoltzmannWealth "
            f"agent-steps a run, {ms * 1e3 / 1440 / boltzmann_us:.3f} per organisation-month"
        )
    for name, target in (("batch", "target >= 4; "), ("batch with events", "")):
        ratios = [m / b for m, b in zip(paths["month by month"], paths[name], strict=True)]
        print(
            f"  {name} ÷ month by month: {statistics.median(ratios):.2f}× runs per second"
            f" ({target}blocks {min(ratios):.2f}–{max(ratios):.2f})"
        )


def main() -> None:
    quick = "--quick" in sys.argv
    speed_only = "--speed-only" in sys.argv  # part 1 only: the baseline's median run time
    pin_one_core()
    print(f"machine: {os.cpu_count()} cores, pinned to one; python {sys.version.split()[0]}")
    # This is a shared virtual machine whose speed drifts from minute to minute: measure the
    # model and Mesa's own example in alternating blocks, so that their ratio is fair.
    times, boltzmann = [], []
    paths: dict[str, list[float]] = {}
    for block in range(6):  # the paths' order alternates from block to block
        times += time_baseline(10 if quick else 40)
        boltzmann.append(boltzmann_us_per_agent_step(reps=4))
        for name, per_run in time_paths(25 if quick else 100, block % len(PATHS)).items():
            paths.setdefault(name, []).append(per_run)
    median_ms = statistics.median(times) * 1e3
    boltzmann_us = statistics.median(boltzmann)
    org_months = 12 * 120
    print(
        f"baseline 120 months, collection on: median {median_ms:.2f} ms per run "
        f"(target <= 10 ms; {len(times)} runs; p10 {np.percentile(times, 10) * 1e3:.2f}, "
        f"p90 {np.percentile(times, 90) * 1e3:.2f})"
    )
    print(f"  = {median_ms * 1e3 / org_months:.2f} µs per organisation-month")
    print(
        f"Mesa BoltzmannWealth (100 agents, collection on), in the same blocks: "
        f"{boltzmann_us:.2f} µs per agent-step"
    )
    print(
        f"  ratio: one organisation-month costs {median_ms * 1e3 / org_months / boltzmann_us:.2f}"
        f" Mesa agent-steps; at the {REFERENCE_BOLTZMANN_US} µs per agent-step of an idle machine"
        f" of this kind (MODEL.md §7) a run takes "
        f"{median_ms * REFERENCE_BOLTZMANN_US / boltzmann_us:.2f} ms"
    )
    report_paths(paths, boltzmann_us)
    for name, us in time_construction(100 if quick else 500).items():
        print(f"  construction, {name}: {us:.0f} µs")
    if speed_only:
        return
    growth = memory_growth(1000 if quick else 10_000)
    print(
        f"memory: peak RSS grew {growth:.1f} MB over {1000 if quick else 10_000} models "
        f"(target < 50 MB)"
    )
    rows = scaling([20, 85, 170, 340] if not quick else [20, 85])
    for partnerships, n_orgs, secs in rows:
        print(f"scale: {partnerships:4d} partnerships, {n_orgs:5d} organisations: {secs:6.2f} s")
    per_org = [secs / n for _, n, secs in rows]
    print(
        f"  seconds per organisation: {', '.join(f'{x * 1e3:.3f} ms' for x in per_org)} "
        f"(linear if flat or falling)"
    )
    with open(HERE / "scaling.csv", "w") as fh:
        fh.write("partnerships,organisations,seconds\n")
        for row in rows:
            fh.write(f"{row[0]},{row[1]},{row[2]:.4f}\n")
    plot_scaling(rows, HERE / "scaling.png")
    print(f"curve written to {HERE / 'scaling.png'}")


if __name__ == "__main__":
    main()
