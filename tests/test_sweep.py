"""The sweep engine: same results on every backend, resume after SIGKILL, failures, bad input."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from collabsim.cli import main
from collabsim.errors import CollabsimInputError
from collabsim.runs.chunks import missing_chunks
from collabsim.runs.design import run_seed
from collabsim.runs.experiment import load_experiment
from collabsim.runs.results import load_sweep, sweep_meta
from collabsim.runs.runner import replicate_seeds
from collabsim.runs.sweep import TEST_HOOK_ENV, run_design, run_sweep

from .conftest import invoke as invoke_cli

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
DASK = Path(sys.executable).parent / "dask"

TINY = f"""
[experiment]
name = "tiny"
scenario = "{BASELINE}"
replicates = 3
seed = 7
chunk_runs = 2

[set]
scenario.steps = 12
scenario.partnerships = 2

[[factors]]
key = "drivers.urgency"
values = [0.2, 0.8]

[[factors]]
key = "drivers.trust"
range = [0.3, 0.7]
levels = 2

[outputs]
timeseries_every = 6
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def cli(*args: str, env: dict | None = None, timeout: float = 120, **kw):
    """Run `collabsim` in a fresh process (as a user would)."""
    return subprocess.run(
        [sys.executable, "-m", "collabsim", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        **kw,
    )


@dataclass
class Invoked:
    exit_code: int
    output: str  # stdout and stderr


def invoke(*args: str) -> Invoked:
    """Run `collabsim` in this process through its one error path, `collabsim.cli.main`."""
    return Invoked(*invoke_cli(*args))


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tiny_exp(tmp_path_factory):
    return load_experiment(write(tmp_path_factory.mktemp("exp"), TINY))


@pytest.fixture(scope="module")
def reference(tiny_exp, tmp_path_factory):
    """The tiny experiment run serially in this process: the results every backend must equal."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    outcome = run_sweep(tiny_exp, out, workers=1)
    assert outcome.complete and outcome.runs_failed == 0
    return out


# --------------------------------------------------------------------------- design and seeds


def test_tiny_results_have_one_row_per_run_and_partnership(tiny_exp, reference):
    df = load_sweep(reference)
    assert len(df) == 4 * 3 * 2
    assert list(df.columns[:6]) == [
        "point",
        "drivers.urgency",
        "drivers.trust",
        "replicate",
        "seed",
        "partnership",
    ]
    assert df["point"].tolist() == sorted(df["point"].tolist())
    assert set(df["drivers.urgency"]) == {0.2, 0.8} and set(df["drivers.trust"]) == {0.3, 0.7}
    expected = [run_seed(7, p, r) for p in range(4) for r in range(3) for _ in range(2)]
    assert df["seed"].tolist() == expected
    assert len(set(expected)) == 12
    ts = load_sweep(reference, "timeseries")
    assert sorted(ts["step"].unique()) == [0, 6, 12]
    assert len(ts) == 12 * 2 * 3
    meta = sweep_meta(reference)
    assert meta["status"] == "complete" and meta["counts"]["runs_done"] == 12
    assert meta["root_seed"] == 7 and meta["design"]["total_runs"] == 12
    assert meta["salib_problem"]["names"] == ["drivers.urgency", "drivers.trust"]
    assert load_sweep(reference, "failures").empty
    assert len(load_sweep(reference, "design")) == 4


def test_a_row_is_reproduced_by_collabsim_run_with_its_seed(reference, tmp_path):
    row = load_sweep(reference).iloc[9]  # point 1, replicate 1, second partnership
    out = tmp_path / "one"
    res = invoke(
        "run",
        BASELINE,
        "--run-seed",
        int(row["seed"]),
        "--steps",
        12,
        "--no-plots",
        "--set",
        "scenario.partnerships=2",
        "--set",
        f"drivers.urgency={row['drivers.urgency']}",
        "--set",
        f"drivers.trust={row['drivers.trust']}",
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    single = pd.read_csv(out / "summary.csv")
    again = single[single["partnership"] == row["partnership"]].iloc[0]
    for col in ("seed", "survived", "lifetime_months", "tensions", "joint_successes"):
        assert again[col] == row[col], col
    for col in ("public_value", "mean_trust", "final_trust", "final_engagement"):
        assert again[col] == pytest.approx(row[col], rel=1e-12), col


def test_designs_have_the_expected_points(tmp_path):
    head = f'[experiment]\nscenario = "{BASELINE}"\nseed = 3\n'
    factors = """
[[factors]]
key = "drivers.urgency"
range = [0.1, 0.9]
[[factors]]
key = "conditions.agility"
range = [0.2, 0.4]
[[factors]]
key = "partnership.governance"
values = ["informal", "covenant", "legal_entity"]
[[factors]]
key = "scenario.partnerships"
range = [1, 3]
"""
    sobol = load_experiment(write(tmp_path, head + '[design]\nkind="sobol"\nsamples=8\n' + factors))
    assert len(sobol.points) == 8 * (4 + 2)
    lhs = load_experiment(
        write(tmp_path, head + '[design]\nkind="latin_hypercube"\nsamples=20\n' + factors)
    )
    arr = np.array([p[:2] for p in lhs.points], dtype=float)
    assert len(lhs.points) == 20
    assert arr[:, 0].min() >= 0.1 and arr[:, 0].max() <= 0.9
    assert arr[:, 1].min() >= 0.2 and arr[:, 1].max() <= 0.4
    # Latin: one point in each of the 20 strata of every continuous factor
    assert sorted(((arr[:, 0] - 0.1) / 0.8 * 20).astype(int)) == list(range(20))
    assert {p[2] for p in lhs.points} <= {"informal", "covenant", "legal_entity"}
    assert all(isinstance(p[3], int) and 1 <= p[3] <= 3 for p in lhs.points)
    again = load_experiment(tmp_path / "exp.toml")
    assert again.points == lhs.points  # the root seed fixes the sample
    morris = load_experiment(
        write(tmp_path, head + '[design]\nkind="morris"\nsamples=5\nlevels=4\n' + factors)
    )
    assert len(morris.points) == 5 * (4 + 1)
    grid = (
        head
        + """
[[factors]]
key = "drivers.urgency"
range = [0.0, 1.0]
levels = 5
[[factors]]
key = "drivers.trust"
values = [0.2, 0.4]
"""
    )
    fact = load_experiment(write(tmp_path, grid))
    assert fact.points[:3] == [(0.0, 0.2), (0.0, 0.4), (0.25, 0.2)] and len(fact.points) == 10


def test_the_demo_experiment_is_the_four_drivers_on_a_grid():
    exp = load_experiment(ROOT / "experiments" / "demo_sweep.toml")
    assert exp.factor_names == [
        "drivers.incentives",
        "drivers.urgency",
        "drivers.shared_interest",
        "drivers.trust",
    ]
    assert 200 <= exp.total_runs <= 500 and exp.replicates >= 3


def test_common_seeds_equal_the_replicate_seeds_of_collabsim_run(tmp_path):
    text = TINY.replace("chunk_runs = 2", 'chunk_runs = 2\nseeds = "common"')
    exp = load_experiment(write(tmp_path, text))
    assert [run_seed(exp.root_seed, p, r, "common") for r in range(3) for p in (0, 3)] == [
        s for s in replicate_seeds(7, 3) for _ in (0, 3)
    ]


def test_missing_chunks_cut_at_chunk_boundaries():
    assert missing_chunks(10, 4, []) == [(0, 4), (4, 8), (8, 10)]
    assert missing_chunks(10, 4, [(0, 4), (4, 6)]) == [(6, 8), (8, 10)]
    assert missing_chunks(10, 4, [(0, 10)]) == []


# --------------------------------------------------------------------------- backends


def test_same_results_with_two_processes_and_a_dask_local_cluster(tiny_exp, reference, tmp_path):
    ref = load_sweep(reference)
    ref_ts = load_sweep(reference, "timeseries")
    for workers in (2, "dask"):
        out = tmp_path / f"w{workers}"
        outcome = run_sweep(tiny_exp, out, workers=workers)
        assert outcome.workers == 2 and outcome.backend == (
            "dask" if workers == "dask" else "processes"
        )
        assert_frame_equal(load_sweep(out), ref)
        assert_frame_equal(load_sweep(out, "timeseries"), ref_ts)


def test_same_results_on_a_separate_dask_scheduler_and_worker(tiny_exp, reference, tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    DASK,
                    "worker",
                    address,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:  # the scheduler is up when its port answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "dask scheduler did not start"
                time.sleep(0.2)
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        out = tmp_path / "cluster"
        outcome = run_sweep(tiny_exp, out, scheduler=address)
        assert outcome.backend == "dask" and outcome.workers == 2
        assert_frame_equal(load_sweep(out), load_sweep(reference))
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


# --------------------------------------------------------------------------- resume


def test_sigkill_part_way_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    text = TINY.replace("replicates = 3", "replicates = 10")  # 40 runs in 20 chunks
    exp_path = write(tmp_path, text)
    ref = tmp_path / "ref"
    run_sweep(load_experiment(exp_path), ref, workers=1)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "collabsim",
            "sweep",
            str(exp_path),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=ROOT,
        env={**os.environ, TEST_HOOK_ENV: "sleep=0.05"},  # slower runs, same results
    )
    deadline = time.monotonic() + 120
    parts = out / "summary"
    while not (parts.is_dir() and len(list(parts.glob("part-*.parquet"))) >= 3):
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(parts.glob("part-*.parquet")))
    assert 3 <= finished < 20, "the sweep was not killed part-way"
    assert sweep_meta(out)["status"] == "running"  # it never got to finish
    res = cli("sweep", exp_path, "--out", out, "--resume", "--workers", "2")
    assert res.returncode == 0, res.stderr
    meta = sweep_meta(out)
    assert meta["status"] == "complete"
    assert meta["sessions"][-1]["runs"] == 40 - 2 * finished  # the finished chunks were skipped
    assert_frame_equal(load_sweep(out), load_sweep(ref))
    assert_frame_equal(load_sweep(out, "timeseries"), load_sweep(ref, "timeseries"))
    assert not list(out.rglob("*.tmp")) or all(p.name.startswith(".") for p in out.rglob("*.tmp"))


def test_limit_then_resume_and_refusals(tmp_path, tiny_exp, reference):
    exp_path = write(tmp_path, TINY)
    out = tmp_path / "limited"
    first = invoke("sweep", exp_path, "--out", out, "--workers", 1, "--limit", 5)
    assert first.exit_code == 0, first.output
    assert "7 runs left" in first.output
    assert sweep_meta(out)["status"] == "partial" and len(load_sweep(out)) == 5 * 2
    again = invoke("sweep", exp_path, "--out", out)
    assert again.exit_code == 2 and "already holds a sweep" in again.output
    other = write(tmp_path, TINY.replace("seed = 7", "seed = 8"), "other.toml")
    res = invoke("sweep", other, "--out", out, "--resume")
    assert res.exit_code == 2
    assert len(error_lines(res.output)) == 1
    assert "holds a different experiment" in res.output
    done = invoke("sweep", exp_path, "--out", out, "--resume", "--workers", 2)
    assert done.exit_code == 0, done.output
    assert_frame_equal(load_sweep(out), load_sweep(reference))
    assert_frame_equal(load_sweep(out, "timeseries"), load_sweep(reference, "timeseries"))


# --------------------------------------------------------------------------- failures


def test_model_errors_are_recorded_and_the_sweep_continues(tmp_path, reference, monkeypatch):
    exp_path = write(tmp_path, TINY)
    out = tmp_path / "faulty"
    monkeypatch.setenv(TEST_HOOK_ENV, "raise=1,3")
    res = invoke("sweep", exp_path, "--out", out, "--workers", 2)
    assert res.exit_code == 1
    assert error_lines(res.output)[-1].startswith("6 of 12 runs failed")
    fails = load_sweep(out, "failures")
    assert sorted(zip(fails["point"], fails["replicate"], strict=True)) == [
        (p, r) for p in (1, 3) for r in range(3)
    ]
    assert fails["seed"].tolist() == [
        run_seed(7, p, r) for p, r in zip(fails["point"], fails["replicate"], strict=True)
    ]
    assert fails["error"].str.contains("RuntimeError: injected test fault at point").all()
    df = load_sweep(out)
    ref = load_sweep(reference)
    kept = ref[ref["point"].isin([0, 2])].reset_index(drop=True)
    assert_frame_equal(df, kept)  # the other points ran, unchanged
    meta = sweep_meta(out)
    assert meta["counts"]["runs_failed"] == 6 and meta["status"] == "complete"


@pytest.mark.parametrize("workers", [2, "dask"])
def test_a_dying_worker_is_replaced_and_its_runs_redone(tmp_path, tiny_exp, reference, workers):
    marker = tmp_path / "died-once"
    out = tmp_path / "dies"
    outcome = run_sweep(tiny_exp, out, workers=workers, hooks={"exit": (2, str(marker))})
    assert marker.exists()  # a worker process really exited mid-sweep
    assert outcome.runs_failed == 0 and outcome.complete
    assert_frame_equal(load_sweep(out), load_sweep(reference))


# --------------------------------------------------------------------------- bad input


BAD = [
    ('key = "drivers.urgency"', 'key = "drivers.urgncy"', "did you mean 'drivers.urgency'"),
    ("range = [0.3, 0.7]", "range = [0.5, 0.5]", "is empty"),
    ("range = [0.3, 0.7]", "range = [0.3, 1.7]", "leaves the allowed range 0..1"),
    ("replicates = 3", "replicates = 0", "experiment.replicates = 0"),
    ("scenario.steps = 12", "scenario.stepz = 12", "stepz"),
    ("chunk_runs = 2", "chunk_runs = 2\nreplicate = 2", "unknown key 'experiment.replicate'"),
    ("levels = 2\n", '[design]\nkind = "sobol"\nsamples = 6\n', "power of two (got 6; try 4 or 8)"),
    ("values = [0.2, 0.8]", "values = []", "values is empty"),
]


# No silent coercion and no infinite numbers.
BAD_TYPES = [
    ("replicates = 3", "replicates = true", "experiment.replicates = true has the wrong type"),
    (
        "replicates = 3",
        "replicates = 100001",
        "experiment.replicates = 100001 is out of range; allowed range 1..100000",
    ),
    ("replicates = 3", "replicates = 3.0", "experiment.replicates = 3.0 has the wrong type"),
    ("seed = 7", 'seed = "7"', 'experiment.seed = "7" has the wrong type'),
    ("levels = 2\n", '[design]\nkind = "latin_hypercube"\nsamples = "100"\n', 'samples = "100"'),
    ("range = [0.3, 0.7]", "range = [0.3, inf]", "factors[1].range[1] = inf is not a finite"),
    ("range = [0.3, 0.7]", "range = [nan, 0.7]", "factors[1].range[0] = nan is not a finite"),
    ("values = [0.2, 0.8]", "values = [0.2, nan]", "factors[0].values[1] = nan is not a finite"),
    ("values = [0.2, 0.8]", "values = [0.2, -inf]", "factors[0].values[1] = -inf is not a finite"),
    ("chunk_runs = 2", "chunk_runs = 2.0", "experiment.chunk_runs = 2.0 has the wrong type"),
]


@pytest.mark.parametrize("old,new,message", BAD + BAD_TYPES)
def test_bad_experiments_give_one_line_and_exit_2(tmp_path, old, new, message):
    assert old in TINY
    path = write(tmp_path, TINY.replace(old, new, 1))
    res = invoke("sweep", path, "--out", tmp_path / "out")
    assert res.exit_code == 2, res.output
    lines = error_lines(res.output)
    assert len(lines) == 1 and lines[0].startswith("error:"), res.output
    assert message in lines[0]
    assert not (tmp_path / "out").exists()


def test_bad_command_line_values(tmp_path):
    path = write(tmp_path, TINY)
    for args, message in (
        (("--workers", "many"), "--workers many"),
        (("--workers", "0"), "must be at least 1"),
        (("--limit", "0"), "--limit 0"),
    ):
        res = invoke("sweep", path, "--out", tmp_path / "o", *args)
        assert res.exit_code == 2 and message in res.output, res.output
        assert len(error_lines(res.output)) == 1


def test_unreachable_scheduler_fails_fast_with_a_clear_line(tmp_path):
    path = write(tmp_path, TINY)
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    t0 = time.monotonic()
    res = invoke("sweep", path, "--out", tmp_path / "o", "--scheduler", address)
    assert time.monotonic() - t0 < 10
    assert res.exit_code == 2
    lines = error_lines(res.output)
    assert len(lines) == 1 and f"cannot reach the Dask scheduler at {address}" in lines[0]
    assert not (tmp_path / "o").exists()  # nothing written
    # the same through the environment variable, in a fresh process
    res = cli(
        "sweep", path, "--out", tmp_path / "o2", env={"COLLABSIM_SCHEDULER": address}, timeout=30
    )
    assert res.returncode == 2
    assert f"cannot reach the Dask scheduler at {address}" in res.stderr
    assert len(error_lines(res.stderr)) == 1


def test_workers_on_the_command_line_win_over_the_scheduler_variable(
    tmp_path, reference, monkeypatch
):
    monkeypatch.setenv("COLLABSIM_SCHEDULER", f"tcp://127.0.0.1:{free_port()}")
    res = invoke("sweep", write(tmp_path, TINY), "--out", tmp_path / "o", "--workers", 1)
    assert res.exit_code == 0, res.output
    assert_frame_equal(load_sweep(tmp_path / "o"), load_sweep(reference))


def test_load_sweep_of_a_folder_that_is_no_sweep(tmp_path):
    with pytest.raises(CollabsimInputError, match="not a sweep folder"):
        load_sweep(tmp_path)


# --------------------------------------------------------------------------- Python API


def test_run_design_runs_a_ready_matrix(tmp_path, baseline):
    from SALib.sample import latin

    problem = {
        "num_vars": 2,
        "names": ["drivers.urgency", "scenario.partnerships"],
        "bounds": [[0.1, 0.9], [1, 2]],
    }
    matrix = latin.sample(problem, 4, seed=1)
    base = baseline.to_dict()
    base["scenario"]["steps"] = 6
    df = run_design(
        base, problem["names"], matrix, replicates=2, root_seed=5, out_dir=tmp_path / "m", workers=1
    )
    assert df["point"].unique().tolist() == [0, 1, 2, 3]
    first = df.drop_duplicates("point")
    assert np.allclose(first["drivers.urgency"], matrix[:, 0])
    assert first["scenario.partnerships"].tolist() == [int(round(v)) for v in matrix[:, 1]]
    assert len(df) == 2 * sum(int(round(v)) for v in matrix[:, 1])
    with pytest.raises(CollabsimInputError, match="points x 2 factors"):
        run_design(base, problem["names"], matrix[:, :1], 1, 5, tmp_path / "n", workers=1)
    meta = json.loads((tmp_path / "m" / "sweep.json").read_text())
    assert meta["design"]["kind"] == "matrix"
    assert pq.read_table(tmp_path / "m" / "design.parquet").num_rows == 4


def test_the_readme_experiment_example_is_valid(tmp_path):
    text = (ROOT / "docs" / "sweep_readme_section.md").read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    block = block.replace('"../scenarios/baseline.toml"', f'"{BASELINE}"')
    exp = load_experiment(write(tmp_path, block))
    assert exp.factor_names == ["drivers.urgency", "drivers.trust", "conditions.agility"]
    assert len(exp.points) == 64 and exp.replicates == 4 and exp.timeseries_every == 12
    assert {p[0] for p in exp.points} == {0.2, 0.5, 0.8}


def test_distributions_map_the_unit_cube_onto_the_factor(tmp_path):
    head = f'[experiment]\nscenario = "{BASELINE}"\n[design]\nkind = "latin_hypercube"\n'
    text = (
        head
        + """samples = 400
[[factors]]
key = "conditions.agility"
range = [0.1, 0.9]
distribution = "truncnormal"
mean = 0.5
sd = 0.1
[[factors]]
key = "drivers.trust"
range = [0.0, 1.0]
distribution = "triangular"
mode = 0.8
[[factors]]
key = "parameters.success_base"
range = [-4.0, -1.0]
"""
    )
    exp = load_experiment(write(tmp_path, text))
    arr = np.array(exp.points)
    assert 0.1 <= arr[:, 0].min() and arr[:, 0].max() <= 0.9
    assert abs(arr[:, 0].mean() - 0.5) < 0.02 and abs(arr[:, 0].std() - 0.1) < 0.02
    assert abs(arr[:, 1].mean() - 0.6) < 0.02  # triangular(0, 0.8, 1) has mean 0.6
    assert -4 <= arr[:, 2].min() and arr[:, 2].max() <= -1
    bad = text.replace(
        'range = [0.1, 0.9]\ndistribution = "truncnormal"', 'distribution = "normal"'
    )
    with pytest.raises(CollabsimInputError, match="unbounded.*truncnormal"):
        load_experiment(write(tmp_path, bad))
    with pytest.raises(CollabsimInputError, match="whole numbers"):
        load_experiment(
            write(
                tmp_path,
                TINY.replace(
                    'key = "drivers.urgency"\nvalues = [0.2, 0.8]',
                    'key = "scenario.partnerships"\nvalues = [1, 1.5]',
                ),
            )
        )


# --------------------------------------------------------------------------- issue 11: limits


def test_a_design_too_large_is_refused_in_a_second_before_it_is_generated(tmp_path):
    head = f'[experiment]\nscenario = "{BASELINE}"\nreplicates = 2\n'
    one = '[[factors]]\nkey = "drivers.urgency"\nrange = [0.0, 1.0]\n'
    two = one + '[[factors]]\nkey = "drivers.trust"\nrange = [0.0, 1.0]\n'
    for design, factors, message in (
        ('kind = "latin_hypercube"\nsamples = 10000000', one, "10,000,000 points (one per"),
        ('kind = "sobol"\nsamples = 262144', two, "1,048,576 points (N = 262,144 x 4"),
        ('kind = "morris"\nsamples = 400000', two, "1,200,000 points"),
        ("", two.replace("0]\n", "0]\nlevels = 1001\n"), "1,002,001 points (1001 x 1001 levels)"),
    ):
        path = write(tmp_path, head + f"[design]\n{design}\n" + factors)
        t0 = time.perf_counter()
        res = invoke("sweep", path, "--out", tmp_path / "out")
        assert time.perf_counter() - t0 < 2, "the design was generated before it was refused"
        assert res.exit_code == 2, res.output
        lines = error_lines(res.output)
        assert len(lines) == 1 and message in lines[0], lines
        assert "the limit is 1,000,000" in lines[0]
        assert not (tmp_path / "out").exists()


def test_a_sweep_of_hours_needs_yes(tmp_path, reference, monkeypatch):
    import collabsim.limits

    path = write(tmp_path, TINY)
    monkeypatch.setattr(collabsim.limits, "CONFIRM_ABOVE_HOURS", 1e-9)
    res = invoke("sweep", path, "--out", tmp_path / "o", "--workers", 1)
    assert res.exit_code == 2, res.output
    lines = error_lines(res.output)
    assert len(lines) == 1 and "tiny: 4 points x 3 replicates = 12 runs would take" in lines[0]
    assert "add --yes to go ahead" in lines[0] and not (tmp_path / "o").exists()
    res = invoke("sweep", path, "--out", tmp_path / "o", "--workers", 1, "--yes")
    assert res.exit_code == 0, res.output
    assert_frame_equal(load_sweep(tmp_path / "o"), load_sweep(reference))
    # memory: a sweep the driver cannot hold is refused with what it would need
    monkeypatch.setattr(collabsim.limits, "available_memory_bytes", lambda: 10_000)
    res = invoke("sweep", path, "--out", tmp_path / "o2", "--workers", 1, "--yes")
    assert res.exit_code == 2 and "of memory and this machine has" in res.output, res.output


def test_numpy_design_values_validate_as_plain_numbers(tmp_path, baseline):
    base = baseline.to_dict()
    base["scenario"]["steps"] = 6
    matrix = np.array([[np.float64(0.3), np.int64(2)], [np.float64(0.6), np.int64(1)]], object)
    df = run_design(
        base, ["drivers.urgency", "scenario.partnerships"], matrix, 1, 5, tmp_path / "m", workers=1
    )
    assert df.groupby("point").size().tolist() == [2, 1]
    with pytest.raises(CollabsimInputError, match="finite number"):
        run_design(base, ["drivers.urgency"], [[float("nan")]], 1, 5, tmp_path / "n", workers=1)
    with pytest.raises(CollabsimInputError, match="root_seed -1"):
        run_design(base, ["drivers.urgency"], [[0.5]], 1, -1, tmp_path / "n", workers=1)


@pytest.mark.parametrize(
    "name,folder",
    [
        ("../../escaped", "escaped"),
        ("/tmp/abs", "tmp-abs"),
        ("", "unnamed"),
        ("a;b|c/d $(x) [/]", "a-b-c-d-x"),
    ],
)
def test_the_default_folder_is_one_safe_folder_under_results(tmp_path, monkeypatch, name, folder):
    monkeypatch.chdir(tmp_path)
    text = TINY.replace('name = "tiny"', f"name = {json.dumps(name)}")
    path = write(tmp_path, text)
    res = invoke("sweep", path, "--workers", 1, "--limit", 1)
    assert res.exit_code == 0, res.output
    assert [p.name for p in (tmp_path / "results").iterdir()] == [folder]
    assert sweep_meta(tmp_path / "results" / folder)["counts"]["runs_done"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml", "results"]
    again = invoke("sweep", path, "--workers", 1, "--resume")  # no timestamp: --resume finds it
    assert again.exit_code == 0, again.output
    assert sweep_meta(tmp_path / "results" / folder)["status"] == "complete"


def test_sensitivity_default_folder_is_safe(tmp_path, monkeypatch):
    import collabsim.analysis.sensitivity

    seen = {}

    def fake_run_analysis(spec, model, out, **kw):
        seen["out"] = out
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(collabsim.analysis.sensitivity, "run_analysis", fake_run_analysis)
    path = write(
        tmp_path,
        f'[experiment]\nname = "../../up"\nscenario = "{BASELINE}"\n'
        '[design]\nkind = "morris"\nsamples = 2\n'
        '[[factors]]\nkey = "drivers.urgency"\nrange = [0.0, 1.0]\n',
    )
    res = invoke("sensitivity", path, "--workers", 1)
    assert res.exit_code == 130, res.output
    assert seen["out"] == Path("results") / "up-morris"
    assert "continue with --resume --out results/up-morris" in res.output


# --------------------------------------------------------------------------- issue 11: disk


def _disk_fills_after(monkeypatch, calls: int) -> None:
    """pyarrow writes `calls` files, then the disk is full: a half-written file and ENOSPC."""
    real = pq.write_table
    count = {"n": 0}

    def write_table(table, where, **kw):
        count["n"] += 1
        if count["n"] > calls:
            Path(where).write_bytes(b"PAR1 half a file")
            raise OSError(errno.ENOSPC, "Error writing bytes to file. [errno 28] No space left")
        return real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", write_table)


def test_disk_full_mid_sweep_is_one_line_and_resume_completes(
    tmp_path, reference, monkeypatch, capsys
):
    path = write(tmp_path, TINY)
    out = tmp_path / "full"
    _disk_fills_after(monkeypatch, 5)  # the design, two chunks (series, summary), a series part
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(path), "--out", str(out), "--workers", "1"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    lines = [ln for ln in error_lines(err) if ln.startswith("error:")]
    assert lines == [
        f"error: {out}/timeseries/part-0000000004-0000000006.parquet: the disk is full; "
        "free some space or choose another --out"
    ]
    assert "Traceback" not in err
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert sweep_meta(out)["status"] == "interrupted"
    assert len(list((out / "summary").glob("part-*"))) == 2
    monkeypatch.undo()
    res = invoke("sweep", path, "--out", out, "--resume", "--workers", 1)
    assert res.exit_code == 0, res.output
    assert_frame_equal(load_sweep(out), load_sweep(reference))
    assert_frame_equal(load_sweep(out, "timeseries"), load_sweep(reference, "timeseries"))


@pytest.mark.parametrize("existing", [False, True])
def test_disk_full_at_start_leaves_nothing_behind(tmp_path, reference, monkeypatch, existing):
    path = write(tmp_path, TINY)
    out = tmp_path / "start"
    if existing:
        out.mkdir()
    _disk_fills_after(monkeypatch, 0)
    res = invoke("sweep", path, "--out", out, "--workers", 1)
    assert res.exit_code == 1 and "design.parquet: the disk is full" in res.output, res.output
    assert len(error_lines(res.output)) == 1
    if existing:  # a folder the user made stays, with nothing of the failed start in it
        assert [p.name for p in out.iterdir()] in ([], [".lock"])
    else:
        assert not out.exists()
    monkeypatch.undo()
    res = invoke("sweep", path, "--out", out, "--workers", 1)
    assert res.exit_code == 0, res.output
    assert_frame_equal(load_sweep(out), load_sweep(reference))


def test_the_leftovers_of_a_failed_start_are_started_afresh(tmp_path, reference):
    path = write(tmp_path, TINY)
    for resume in ((), ("--resume",)):
        out = tmp_path / f"left{len(resume)}"
        (out / "summary").mkdir(parents=True)
        (out / "failures").mkdir()
        pq.write_table(pq.read_table(reference / "design.parquet"), out / "design.parquet")
        (out / f".sweep.json.{os.getpid()}.tmp").write_text('{"format": "collabsim-sw')
        res = invoke("sweep", path, "--out", out, "--workers", 1, *resume)
        assert res.exit_code == 0, res.output
        assert "held only what a sweep that failed to start left behind" in res.output
        assert_frame_equal(load_sweep(out), load_sweep(reference))
    other = tmp_path / "other"  # a folder with anything else in it is still refused
    other.mkdir()
    (other / "design.parquet").write_text("x")
    (other / "notes.txt").write_text("mine")
    res = invoke("sweep", path, "--out", other, "--workers", 1)
    assert res.exit_code == 2 and "is not a sweep" in res.output


def test_a_damaged_part_is_one_line_in_load_sweep_and_redone_on_resume(tmp_path, reference):
    import shutil

    path = write(tmp_path, TINY)
    out = tmp_path / "damaged"
    shutil.copytree(reference, out)
    ts = out / "timeseries" / "part-0000000002-0000000004.parquet"
    ts.write_bytes(ts.read_bytes()[:100])  # truncated by something outside collabsim
    with pytest.raises(CollabsimInputError) as exc:
        load_sweep(out, "timeseries")
    assert str(exc.value).startswith(f"{ts}: damaged") and "--resume" in str(exc.value)
    (out / "timeseries" / "part-0000000006-0000000008.parquet").unlink()
    fail = out / "failures" / "part-0000000008-0000000010.parquet"
    fail.write_bytes(b"not parquet")
    res = invoke("sweep", path, "--out", out, "--resume", "--workers", 1)
    assert res.exit_code == 0, res.output
    assert "timeseries/part-0000000002-0000000004.parquet is damaged: runs 2..3 will" in res.output
    assert "timeseries/part-0000000006-0000000008.parquet is missing: runs 6..7" in res.output
    assert "failures/part-0000000008-0000000010.parquet is damaged: runs 8..9" in res.output
    assert sweep_meta(out)["sessions"][-1]["runs"] == 6
    assert not fail.exists()  # the runs were redone and had no failures
    assert_frame_equal(load_sweep(out), load_sweep(reference))
    assert_frame_equal(load_sweep(out, "timeseries"), load_sweep(reference, "timeseries"))


def test_ctrl_c_keeps_finished_chunks_and_exits_130(tmp_path, reference, monkeypatch):
    import collabsim.runs.executors

    real = collabsim.runs.executors.run_chunk
    calls = {"n": 0}

    def run_chunk(task):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(collabsim.runs.executors, "run_chunk", run_chunk)
    path = write(tmp_path, TINY)
    out = tmp_path / "ctrlc"
    res = invoke("sweep", path, "--out", out, "--workers", 1)
    assert res.exit_code == 130
    assert error_lines(res.output)[-1] == (
        f"interrupted; finished chunks are kept: continue with --resume --out {out}"
    )
    assert "Traceback" not in res.output
    monkeypatch.undo()
    assert invoke("sweep", path, "--out", out, "--workers", 1, "--resume").exit_code == 0
    assert_frame_equal(load_sweep(out), load_sweep(reference))


# --------------------------------------------------------------------------- issue 11: Dask


@pytest.mark.parametrize("address", ["ws://127.0.0.1:8786", "inproc://x", "tcp://host:port"])
def test_only_tcp_and_tls_schedulers_are_accepted(tmp_path, monkeypatch, address):
    path = write(tmp_path, TINY)
    res = invoke("sweep", path, "--out", tmp_path / "o", "--scheduler", address)
    assert res.exit_code == 2
    lines = error_lines(res.output)
    assert len(lines) == 1 and "use tcp://HOST:PORT or tls://HOST:PORT" in lines[0], lines
    monkeypatch.setenv("COLLABSIM_SCHEDULER", address)
    res = invoke("sweep", path, "--out", tmp_path / "o")
    assert res.exit_code == 2 and f"--scheduler {address}: use tcp://" in res.output
    assert not (tmp_path / "o").exists()


def test_a_scheduler_on_another_machine_without_tls_is_warned_about(tmp_path, monkeypatch):
    import collabsim.runs.executors
    from collabsim.runs.executors import PICKLE_WARNING, check_scheduler_address
    from collabsim.runs.sweep_folder import SweepError

    for quiet in ("tcp://127.0.0.1:8786", "localhost:8786", "tcp://[::1]:8786", "tls://10.0.0.5:1"):
        assert check_scheduler_address(quiet) is None, quiet
    for loud in ("tcp://10.0.0.5:8786", "10.0.0.5:8786", "tcp://scheduler.example.org:8786"):
        assert check_scheduler_address(loud) == PICKLE_WARNING, loud

    def refuse(address, timeout=10.0):
        raise SweepError(f"cannot reach the Dask scheduler at {address}: test")

    monkeypatch.setattr(collabsim.runs.executors, "connect_scheduler", refuse)
    res = invoke(
        "sweep",
        write(tmp_path, TINY),
        "--out",
        tmp_path / "o",
        "--scheduler",
        "tcp://10.0.0.5:8786",
    )
    lines = error_lines(res.output)
    assert lines == [
        PICKLE_WARNING,
        "error: cannot reach the Dask scheduler at tcp://10.0.0.5:8786: test",
    ]
    assert PICKLE_WARNING.startswith("warning: tasks are pickled: connect only to a scheduler you")


@pytest.mark.parametrize(
    "content,message",
    [
        (b"[1, 2]", "sweep.json is damaged"),
        (b'{"format": "caf\xe9"}', "sweep.json is unreadable"),
        (b'{"format": "collabsim-sweep/1", "sessions": null}', "sweep.json is damaged"),
    ],
)
def test_a_refused_folder_is_left_as_it_was(tmp_path, content, message):
    path = write(tmp_path, TINY)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.json").write_bytes(content)
    for resume in ((), ("--resume",)):
        res = invoke("sweep", path, "--out", out, "--workers", 1, *resume)
        assert res.exit_code == 2 and message in res.output, res.output
        assert len(error_lines(res.output)) == 1
        assert [p.name for p in out.iterdir()] == ["sweep.json"]
    res = invoke("sweep", path, "--out", path / "x", "--workers", 1)
    assert res.exit_code == 2 and f"is under {path}, which is a file" in res.output


def test_a_cluster_sweep_of_hours_needs_yes_once_its_workers_are_known(tiny_exp, monkeypatch):
    import collabsim.limits
    from collabsim.runs.design import DesignPlan
    from collabsim.runs.sweep_size import check_sweep_work

    plan = DesignPlan(
        "tiny", "exp.toml", "full_factorial", 4, 3, tiny_exp.factors, tiny_exp.base, 6
    )
    assert check_sweep_work(plan, 12, 64, remote=True) < 1
    monkeypatch.setattr(collabsim.limits, "CONFIRM_ABOVE_HOURS", 1e-9)
    with pytest.raises(CollabsimInputError, match="on 64 Dask worker thread.*add --yes"):
        check_sweep_work(plan, 12, 64, remote=True)
    assert check_sweep_work(plan, 12, 64, remote=True, yes=True) > 0
