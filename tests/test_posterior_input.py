"""A calibrated posterior as a scenario input (`--parameters posterior.parquet`): run, compare,
scan and sweep draw each run's parameter set from it, weights respected, seeded, on common random
numbers across schemes, say so in their reports, and refuse a bad posterior with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from collabsim.runs.posterior import read_posterior, write_posterior

from .conftest import ROOT, SCENARIOS

ONE_OFF = SCENARIOS / "policies" / "one_off_subsidy.toml"
SUSTAINED = SCENARIOS / "policies" / "sustained_funding.toml"
ANSWERS = SCENARIOS / "scan" / "examples" / "healthy.csv"


def collabsim(*args):
    """Run the CLI in a subprocess as a user would."""
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "collabsim", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def posterior_file(path, weights=(0.3, 0.0, 0.7), cost_base=(0.2, 0.5, 1.5), **extra):
    """A hand-made posterior in calibrate's format (its own writer): parameters, weight,
    generation, and the model version in the metadata."""
    frame = pd.DataFrame(
        {
            "cost_base": list(cost_base),
            "weight_trust": [0.4, 0.5, 0.6][: len(weights)],
            **extra,
            "weight": list(weights),
            "generation": 4,
        }
    )
    write_posterior(frame, path, calibration="by hand", fingerprint="test")
    return path


@pytest.fixture
def posterior(tmp_path):
    return posterior_file(tmp_path / "posterior.parquet")


# --------------------------------------------------------------------------- drawing


def test_a_particle_of_weight_zero_is_never_drawn_and_draws_follow_the_weights(posterior):
    p = read_posterior(posterior)
    counts = Counter(p.draws(root_seed=11, replicates=4000))
    assert counts[1] == 0
    assert abs(counts[0] / 4000 - 0.3) < 0.03
    assert abs(counts[2] / 4000 - 0.7) < 0.03


def test_a_draw_depends_on_the_root_seed_and_replicate_only(posterior):
    p = read_posterior(posterior)
    assert p.draws(7, 40)[:10] == p.draws(7, 10)
    assert p.draws(7, 40) != p.draws(8, 40)
    assert p.run_particle(7, 3, 5, "common") == p.draws(7, 6)[5]
    assert [p.run_particle(7, k, 5, "per_point") for k in range(20)] != [p.draws(7, 6)[5]] * 20


# --------------------------------------------------------------------------- run


def test_run_draws_from_the_posterior_and_repeats_to_the_byte(tmp_path, posterior):
    args = ["run", SCENARIOS / "baseline.toml", "-n", 6, "--steps", 24, "--no-series"]
    a = collabsim(*args, "--out", tmp_path / "a", "--parameters", posterior)
    b = collabsim(*args, "--out", tmp_path / "b", "--parameters", posterior)
    assert a.returncode == b.returncode == 0, a.stderr
    assert (tmp_path / "a" / "summary.csv").read_bytes() == (
        tmp_path / "b" / "summary.csv"
    ).read_bytes()
    s = pd.read_csv(tmp_path / "a" / "summary.csv")
    assert set(s["particle"]) <= {0, 2}
    assert (s["parameters.cost_base"] == s["particle"].map({0: 0.2, 2: 1.5})).all()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["posterior"]["particles"] == 3
    assert "calibrated parameters' uncertainty" in manifest["intervals_include"]
    assert "calibrated parameters' uncertainty" in " ".join(a.stdout.split())


def test_a_drawn_parameter_set_runs_as_its_set_overrides(tmp_path):
    """One particle of weight 1 gives exactly the runs of --set with its values: the draw is
    applied, as overrides, and nothing else changes."""
    one = posterior_file(tmp_path / "one.parquet", weights=(1.0,), cost_base=(0.9,))
    args = ["run", SCENARIOS / "baseline.toml", "-n", 4, "--steps", 36, "--no-series"]
    drawn = collabsim(*args, "--out", tmp_path / "drawn", "--parameters", one)
    fixed = collabsim(
        *args,
        "--out",
        tmp_path / "set",
        "--set",
        "parameters.cost_base=0.9",
        "--set",
        "parameters.weight_trust=0.4",
    )
    default = collabsim(*args, "--out", tmp_path / "default")
    assert drawn.returncode == fixed.returncode == default.returncode == 0
    d = pd.read_csv(tmp_path / "drawn" / "summary.csv")
    f = pd.read_csv(tmp_path / "set" / "summary.csv")
    pd.testing.assert_frame_equal(d[f.columns], f)
    assert not d[f.columns].equals(pd.read_csv(tmp_path / "default" / "summary.csv"))
    manifest = json.loads((tmp_path / "default" / "manifest.json").read_text())
    assert manifest["intervals_include"] == "the model's randomness only"


# --------------------------------------------------------------------------- compare


def test_compare_gives_every_scheme_the_same_draws_and_says_so(tmp_path, posterior):
    out = tmp_path / "cmp"
    r = collabsim("compare", ONE_OFF, SUSTAINED, "-n", 6, "--out", out, "--parameters", posterior)
    assert r.returncode == 0, r.stderr
    runs = pd.read_csv(out / "runs.csv")
    per_scheme = [
        g.groupby("replicate")[["seed", "particle"]].first() for _, g in runs.groupby("scenario")
    ]
    pd.testing.assert_frame_equal(per_scheme[0], per_scheme[1])
    assert set(runs["particle"]) <= {0, 2}
    text = (out / "report.md").read_text()
    assert f"uncertainty (posterior: {posterior}, 3 particles)" in text
    assert "the model's randomness only" not in text
    assert "calibrated parameters&#x27; uncertainty" in (out / "report.html").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicate_particles"] == per_scheme[0]["particle"].tolist()


def test_compare_without_a_posterior_says_its_intervals_are_the_models_randomness_only(tmp_path):
    out = tmp_path / "cmp"
    assert collabsim("compare", ONE_OFF, SUSTAINED, "-n", 2, "--out", out).returncode == 0
    assert "Intervals include the model's randomness only." in (out / "report.md").read_text()


# --------------------------------------------------------------------------- scan and sweep


def test_scan_draws_the_same_particles_for_the_projection_and_says_so(tmp_path, posterior):
    out = tmp_path / "scan"
    r = collabsim("scan", ANSWERS, "-n", 3, "--out", out, "--parameters", posterior)
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "scan.json").read_text())
    assert report["replicate_particles"] == read_posterior(posterior).draws(1, 3)
    assert "calibrated parameters' uncertainty" in report["intervals_include"]
    assert "calibrated parameters&#x27; uncertainty" in (out / "scan.html").read_text()


def sweep_file(tmp_path, seeds="per_point"):
    path = tmp_path / "tiny.toml"
    path.write_text(
        f"""[experiment]
name = "tiny"
scenario = "{SCENARIOS / "baseline.toml"}"
replicates = 3
seed = 5
seeds = "{seeds}"

[design]
kind = "full_factorial"

[set]
scenario.steps = 24

[[factors]]
key = "drivers.urgency"
values = [0.2, 0.8]
"""
    )
    return path


def test_sweep_records_each_runs_draw_at_its_point_and_replicate(tmp_path, posterior):
    from collabsim.runs.results import load_sweep

    exp = sweep_file(tmp_path)
    for name in ("a", "b"):
        r = collabsim(
            "sweep", exp, "--out", tmp_path / name, "--workers", 1, "--parameters", posterior
        )
        assert r.returncode == 0, r.stderr
    a, b = load_sweep(tmp_path / "a"), load_sweep(tmp_path / "b")
    pd.testing.assert_frame_equal(a, b)
    p = read_posterior(posterior)
    expected = [
        p.run_particle(5, k, r, "per_point") for k, r in zip(a.point, a.replicate, strict=True)
    ]
    assert a["particle"].tolist() == expected
    assert (a["parameters.cost_base"] == a["particle"].map({0: 0.2, 2: 1.5})).all()
    meta = json.loads((tmp_path / "a" / "sweep.json").read_text())
    assert "calibrated parameters' uncertainty" in meta["intervals_include"]


def test_a_sweep_factor_that_the_posterior_sets_is_refused(tmp_path, posterior):
    exp = sweep_file(tmp_path)
    exp.write_text(exp.read_text().replace("drivers.urgency", "parameters.cost_base"))
    r = collabsim("sweep", exp, "--out", tmp_path / "w", "--parameters", posterior)
    assert r.returncode == 2
    assert "vary it or draw it" in r.stderr
    assert not (tmp_path / "w").exists()


# --------------------------------------------------------------------------- bad input


def other_version(path):
    """A posterior whose metadata names another collabsim version."""
    posterior_file(path)
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"collabsim"])
    meta["model"]["collabsim"] = "0.0.1"
    pq.write_table(table.replace_schema_metadata({b"collabsim": json.dumps(meta).encode()}), path)
    return path


def text_file(path):
    """A CSV file under a .parquet name."""
    path.write_text("cost_base,weight\n0.5,1\n")
    return path


def plain_parquet(path):
    """A Parquet file with a weight column but without collabsim's metadata."""
    pq.write_table(pa.table({"cost_base": [0.5], "weight": [1.0]}), path)
    return path


BAD = {
    "missing": (lambda p: p, "no such file"),
    "not Parquet": (text_file, "not a Parquet"),
    "no metadata": (plain_parquet, "not a posterior (no collabsim model version"),
    "other version": (other_version, "fitted with another model version"),
    "unknown parameter": (
        lambda p: posterior_file(p, no_such_parameter=[1.0, 2.0, 3.0]),
        "a parameter the model does not have: 'no_such_parameter'",
    ),
    "no weights": (
        lambda p: write_posterior(pd.DataFrame({"cost_base": [0.5]}), p) or p,
        "no 'weight' column",
    ),
}


def check_refused(result, words, out):
    """Exit 2, one line naming the problem, nothing written."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in " ".join(lines), result.stderr
    assert not out.exists()


@pytest.mark.parametrize("case", list(BAD))
def test_run_refuses_a_bad_posterior_with_one_line(tmp_path, case):
    make, words = BAD[case]
    bad = make(tmp_path / "bad.parquet")
    out = tmp_path / "out"
    r = collabsim("run", SCENARIOS / "baseline.toml", "-n", 2, "--out", out, "--parameters", bad)
    check_refused(r, words, out)


@pytest.mark.parametrize("command", ["compare", "scan", "sweep"])
def test_every_command_refuses_a_posterior_of_another_model_version(tmp_path, command):
    bad = other_version(tmp_path / "bad.parquet")
    out = tmp_path / "out"
    inputs = {"compare": [ONE_OFF, SUSTAINED], "scan": [ANSWERS], "sweep": [sweep_file(tmp_path)]}
    r = collabsim(command, *inputs[command], "--out", out, "--parameters", bad)
    check_refused(r, "fitted with another model version", out)


def test_a_set_of_a_parameter_the_posterior_draws_is_refused(tmp_path, posterior):
    out = tmp_path / "out"
    r = collabsim(
        "run", SCENARIOS / "baseline.toml", "--set", "parameters.cost_base=0.3",
        "--out", out, "--parameters", posterior,
    )  # fmt: skip
    check_refused(r, "sets this parameter in every run", out)
