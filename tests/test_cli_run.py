"""`collabsim run`: outputs and their columns, reproducible bytes, one clear line on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from collabsim.model.organisation_types import SCENARIO_TYPES

from .conftest import ROOT, SCENARIOS

SUMMARY = [
    "replicate",
    "seed",
    "partnership",
    "survived",
    "lifetime_months",
    "public_value",
    "mean_trust",
    "final_engagement",
    "tensions",
    "tensions_resolved",
    "formalised_month",
]
TIMESERIES = [
    "replicate",
    "partnership",
    "step",
    "trust",
    "engagement",
    "urgency",
    "incentives",
    "shared_interest",
    "public_value",
    "active_members",
    "phase",
]
EVENTS = ["replicate", "step", "kind", "who", "detail"]


def collabsim(*args, cwd=ROOT):
    """Run the CLI in a subprocess as a user would."""
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "collabsim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "baseline"
    res = collabsim(
        "run",
        SCENARIOS / "baseline.toml",
        "--replicates",
        4,
        "--seed",
        7,
        "--steps",
        60,
        "--out",
        out,
    )
    assert res.returncode == 0, res.stderr
    assert "survival" in res.stdout and str(out) in res.stdout.replace("\n", "")
    return out


def test_outputs_exist_with_columns(run_dir):
    names = {p.name for p in run_dir.iterdir()}
    assert {
        "summary.csv",
        "timeseries.parquet",
        "events.csv",
        "manifest.json",
        "trajectories.png",
        "timeline.png",
    } <= names
    summary = pd.read_csv(run_dir / "summary.csv")
    assert set(SUMMARY) <= set(summary.columns) and len(summary) == 4
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    assert set(TIMESERIES) <= set(ts.columns)
    assert len(ts) == 4 * 61
    events = pd.read_csv(run_dir / "events.csv")
    assert set(EVENTS) <= set(events.columns) and len(events) > 0
    for png in ("trajectories.png", "timeline.png"):
        assert (run_dir / png).read_bytes()[:4] == b"\x89PNG"


def test_manifest_records_seeds_and_versions(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["root_seed"] == 7
    assert len(manifest["replicate_seeds"]) == 4
    assert manifest["versions"]["mesa"].startswith("3.5")
    assert manifest["scenario"]["scenario"]["steps"] == 60
    assert manifest["wall_time_seconds"] > 0
    summary = pd.read_csv(run_dir / "summary.csv")
    assert list(summary["seed"]) == manifest["replicate_seeds"]


def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    outs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        res = collabsim(
            "run",
            SCENARIOS / "baseline.toml",
            "-n",
            3,
            "--seed",
            seed,
            "--steps",
            48,
            "--no-plots",
            "--out",
            tmp_path / name,
        )
        assert res.returncode == 0, res.stderr
        outs.append(tmp_path / name)
    for f in ("summary.csv", "timeseries.parquet", "events.csv"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    assert (outs[0] / "summary.csv").read_bytes() != (outs[2] / "summary.csv").read_bytes()
    assert (outs[0] / "timeseries.parquet").read_bytes() != (
        outs[2] / "timeseries.parquet"
    ).read_bytes()


def test_run_seed_reproduces_one_replicate(run_dir, tmp_path):
    summary = pd.read_csv(run_dir / "summary.csv")
    row = summary.iloc[2]
    res = collabsim(
        "run",
        SCENARIOS / "baseline.toml",
        "--run-seed",
        int(row["seed"]),
        "--steps",
        60,
        "--no-plots",
        "--out",
        tmp_path / "one",
    )
    assert res.returncode == 0, res.stderr
    again = pd.read_csv(tmp_path / "one" / "summary.csv").iloc[0]
    for col in ("seed", "survived", "lifetime_months", "public_value", "tensions"):
        assert again[col] == row[col], col


BAD = [
    (["--set", "drivers.urgncy=0.3"], "did you mean 'drivers.urgency'"),
    (["--set", "drivers.urgency=3"], "allowed range 0..1"),
    (["--set", "drivers.urgency=high"], "wrong type"),
    (["--set", "organisations.0.type=bank"], ", ".join(SCENARIO_TYPES)),
    (["--replicates", "0"], "--replicates 0"),
    (["--steps", "-5"], "--steps -5"),
    (["--run-seed", "-5"], "--run-seed -5: must be 0 or more"),
    (["--seed", "-1"], "--seed -1: must be 0 or more"),
]


@pytest.mark.parametrize(("args", "expected"), BAD, ids=[b[1][:20] for b in BAD])
def test_bad_input_one_line_exit_2_no_output(tmp_path, args, expected):
    out = tmp_path / "out"
    res = collabsim("run", SCENARIOS / "baseline.toml", *args, "--out", out)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert expected in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".out*"))


def test_missing_and_unparsable_files(tmp_path):
    res = collabsim("run", tmp_path / "missing.toml")
    assert res.returncode == 2 and "no such scenario file" in res.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\n")
    res = collabsim("run", broken)
    assert res.returncode == 2 and "not valid TOML" in res.stderr
    assert "Traceback" not in res.stderr
