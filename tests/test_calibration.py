"""Calibration: the targets files, the named statistics, the distance, and `collabsim calibrate`
end to end at a tiny size, with every kind of bad input refused in one line with nothing written.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collabsim.analysis import calibration_statistics as cs
from collabsim.analysis.calibration import (
    IntervalDistance,
    credible_intervals,
    effective_sample_size,
    simulate,
)
from collabsim.analysis.calibration_targets import DEFAULT_FREE, load_targets
from collabsim.errors import CollabsimInputError
from collabsim.model.parameters import MechanismParameters
from collabsim.model.scenario import load_scenario

from .conftest import ROOT, SCENARIOS, invoke

TARGET_FILES = sorted((ROOT / "experiments" / "targets").glob("*.toml"))
BASELINE = (SCENARIOS / "baseline.toml").as_posix()

TINY = f"""
[calibration]
name = "tiny"
replicates = 4
seed = 5

[free]
parameters = ["cost_base", "leave_per_month"]
[free.priors]
cost_base = [0.3, 0.7]

[scenarios.short]
base = "{BASELINE}"
set = ["scenario.steps=48"]
assumes = "the baseline chain for four years"

[[targets]]
name = "alive_at_three_years"
pattern = "most last three years"
statistic = "share_alive"
month = 36
scenario = "short"
interval = [0.6, 0.9]
role = "calibration"
source = "A test, not a study."

[[targets]]
name = "firms_against_schools"
pattern = "firms leave as often as schools"
statistic = "leaving_ratio"
group = "firm"
reference = "school"
scenario = "short"
interval = [0.2, 3.0]
role = "validation"
source = "A test, not a study."
"""


def write(tmp_path: Path, text: str, name: str = "targets.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(tmp_path: Path, text: str) -> str:
    """The one line with which a targets file is refused."""
    with pytest.raises(CollabsimInputError) as err:
        load_targets([write(tmp_path, text)])
    message = str(err.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- the files


def test_the_shipped_targets_load_with_both_roles_and_a_source_each():
    spec = load_targets(TARGET_FILES)
    roles = {t.role for t in spec.targets}
    assert roles == {"calibration", "validation"}
    assert all(t.source and t.pattern for t in spec.targets)
    names = {t.name for t in spec.targets}
    assert {"ctc_alive_at_grant_end", "hcap_sustained_after_funding"} <= names
    assert {"alliances_half_fail_in_five_years", "rif_firms_leave_more_than_schools"} <= names
    assert all(spec.assumes[name] for name in spec.scenarios)


def test_free_parameters_default_to_the_morris_leaders_over_their_whole_range(tmp_path):
    text = TINY.replace('[free]\nparameters = ["cost_base", "leave_per_month"]\n', "").replace(
        "[free.priors]\ncost_base = [0.3, 0.7]\n", ""
    )
    spec = load_targets([write(tmp_path, text)])
    assert [p.name for p in spec.free] == list(DEFAULT_FREE)
    field = MechanismParameters.model_fields["cost_base"]
    cost = spec.free[0]
    assert (cost.low, cost.high) == (0.0, 3.0)  # its range in parameters.py
    assert cost.default == field.default


def test_a_prior_not_given_is_the_parameters_range(tmp_path):
    spec = load_targets([write(tmp_path, TINY)])
    leave = spec.free[1]
    assert leave.name == "leave_per_month" and leave.low == 0.0 and leave.high == 1.0


@pytest.mark.parametrize(
    "old, new, says",
    [
        ('statistic = "share_alive"', 'statistic = "share_alive_at"', "unknown statistic"),
        ('scenario = "short"\ninterval = [0.6', 'scenario = "long"\ninterval = [0.6', "unknown"),
        ('"cost_base", "leave', '"cost_bass", "leave', "unknown parameter 'cost_bass'"),
        ("interval = [0.6, 0.9]", "interval = [0.6, 0.6]", "empty or inverted"),
        ("interval = [0.6, 0.9]", "interval = [0.9, 0.6]", "empty or inverted"),
        ('source = "A test, not a study."\n\n[[targets]]', "\n[[targets]]", "missing key"),
        ('source = "A test, not a study."\n\n[[targets]]', 'source = ""\n[[targets]]', "source"),
        ("cost_base = [0.3, 0.7]", "cost_base = [0.3, 3.5]", "outside the parameter's range"),
        ("cost_base = [0.3, 0.7]", "cost_base = [0.7, 0.3]", "empty or inverted"),
        ("month = 36", "month = 60", "outside the scenario's horizon"),
        ("month = 36\n", "", "missing month"),
        ('group = "firm"', 'group = "bank"', "not an organisation type"),
        ('role = "calibration"', 'role = "fitted"', "role"),
        ("month = 36", "month = 36\nmonths = 12", "months is not one"),
    ],
)
def test_bad_targets_are_refused_in_one_line(tmp_path, old, new, says):
    assert old in TINY
    message = refused(tmp_path, TINY.replace(old, new, 1))
    assert says in message
    assert "targets.toml" in message


def test_a_prior_for_a_parameter_that_is_not_free_is_refused(tmp_path):
    text = TINY.replace("cost_base = [0.3, 0.7]", "cost_base = [0.3, 0.7]\nweight_trust = [0, 1]")
    assert "not in free.parameters" in refused(tmp_path, text)


def test_targets_with_nothing_to_fit_are_refused(tmp_path):
    text = TINY.replace('role = "calibration"', 'role = "validation"')
    assert "nothing to fit" in refused(tmp_path, text)


# --------------------------------------------------------------------------- the statistics


def runs(lifetimes, survived, steps=84):
    summary = pd.DataFrame(
        {
            "survived": survived,
            "lifetime_months": lifetimes,
            "formalised_month": [12.0, np.nan, 20.0, 16.0][: len(lifetimes)],
        }
    )
    return summary, pd.DataFrame(columns=["kind", "who"])


@pytest.fixture(scope="module")
def three_year_grant():
    return load_scenario(SCENARIOS / "baseline.toml", ["policy.funding.0.duration=36"])


def test_share_alive_counts_a_partnership_that_dissolves_in_the_month_as_gone(three_year_grant):
    summary, events = runs([84, 30, 36, 50], [True, False, False, False])
    # dissolved in month 36 is not alive at 36; a later '>=' would count it
    assert cs.share_alive(summary, events, three_year_grant, 36) == 0.5
    assert cs.share_alive(summary, events, three_year_grant, 29) == 1.0


def test_yearly_stop_rate_is_the_constant_hazard_between_two_months(three_year_grant):
    summary, events = runs([84, 84, 84, 50], [True, True, True, False])
    # 4 alive at 36, 3 at 84 (four years): 1 - (3/4)^(1/4)
    rate = cs.yearly_stop_rate(summary, events, three_year_grant, 36, 84)
    assert rate == pytest.approx(1 - 0.75**0.25)
    none_alive, _ = runs([10, 20], [False, False])
    assert cs.yearly_stop_rate(none_alive, events, three_year_grant, 36, 84) == 1.0


def test_share_alive_after_funding_is_conditional_on_being_alive_when_it_ends(three_year_grant):
    summary, events = runs([84, 30, 40, 70], [True, False, False, False])
    # funding ends at 36: three alive then (84, 40, 70); 24 months later (60): two of them
    assert cs.funding_end(three_year_grant) == 36
    value = cs.share_alive_after_funding(summary, events, three_year_grant, 24)
    assert value == pytest.approx(2 / 3)


def test_leaving_ratio_is_per_organisation_at_the_table(three_year_grant):
    # the baseline has 6 firms and 5 schools (1 mbo, 4 vmbo)
    events = pd.DataFrame(
        {
            "kind": ["member_left"] * 4 + ["member_joined", "liaison_left"],
            "who": ["firm-1", "firm-2", "firm-3", "vmbo-1", "firm-4", "firm-5"],
        }
    )
    ratio = cs.leaving_ratio(pd.DataFrame(), events, three_year_grant, "firm", "school")
    assert ratio == pytest.approx((3 / 6) / (1 / 5))
    only_firms = events[events.who != "vmbo-1"]
    assert cs.leaving_ratio(None, only_firms, three_year_grant, "firm", "school") == cs.RATIO_CAP
    nobody = events.iloc[0:0]
    assert cs.leaving_ratio(None, nobody, three_year_grant, "firm", "mbo") == 1.0


def test_median_formalised_month_counts_never_as_after_the_horizon(three_year_grant):
    summary, events = runs([84, 84, 84, 84], [True] * 4)
    # 12, never (-> 121), 20, 16: median of 12, 16, 20, 121 is 18
    assert cs.median_formalised_month(summary, events, three_year_grant) == 18.0


def test_simulate_measures_every_target_on_common_seeds(tmp_path):
    spec = load_targets([write(tmp_path, TINY)])
    a = simulate(spec.scenarios, spec.targets, {"cost_base": 0.4}, 4, seed=3)
    b = simulate(spec.scenarios, spec.targets, {"cost_base": 0.4}, 4, seed=3)
    assert a == b and set(a) == {"alive_at_three_years", "firms_against_schools"}
    # a much higher cost of collaborating: fewer partnerships alive at 36 months
    c = simulate(spec.scenarios, spec.targets, {"cost_base": 2.5}, 4, seed=3)
    assert c["alive_at_three_years"] < a["alive_at_three_years"]


# --------------------------------------------------------------------------- the distance


def test_the_distance_measures_each_miss_in_its_intervals_half_width(tmp_path):
    spec = load_targets(TARGET_FILES)
    targets = spec.of_role("calibration")
    d = IntervalDistance(targets)
    centre = {t.name: t.centre for t in targets}
    assert d(centre, centre) == 0.0
    edge = dict(centre)
    first = targets[0]
    edge[first.name] = first.centre + first.half_width  # one target at its interval's edge
    assert d(edge, centre) == pytest.approx(np.sqrt(1 / len(targets)))


def test_effective_sample_size_and_credible_interval():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 0, 0])) == pytest.approx(1)
    spec = load_targets(TARGET_FILES)
    name = spec.free[0].name
    x = np.linspace(0.3, 0.6, 101)
    post = pd.DataFrame({p.name: x for p in spec.free} | {"weight": np.full(101, 1 / 101)})
    ci = credible_intervals(post, spec).set_index("parameter").loc[name]
    assert ci["low"] == pytest.approx(0.3 + 0.05 * 0.3, abs=0.004)
    assert ci["high"] == pytest.approx(0.6 - 0.05 * 0.3, abs=0.004)


# --------------------------------------------------------------------------- the command


@pytest.mark.parametrize(
    "args, says",
    [
        (["--particles", "2"], "--particles 2"),
        (["--generations", "0"], "--generations 0"),
        (["--workers", "two"], "--workers two"),
        (["--resume"], "holds no calibration"),
    ],
)
def test_bad_options_are_refused_with_nothing_written(tmp_path, args, says):
    targets = write(tmp_path, TINY)
    out = tmp_path / "fit"
    code, text = invoke("calibrate", targets, "--out", out, "--workers", "1", *args)
    assert code == 2 and says in text
    assert not out.exists()


def test_a_bad_targets_file_writes_nothing(tmp_path):
    targets = write(tmp_path, TINY.replace("interval = [0.6, 0.9]", "interval = [0.9, 0.6]"))
    out = tmp_path / "fit"
    code, text = invoke("calibrate", targets, "--out", out, "--workers", "1")
    assert code == 2 and "empty or inverted" in text and len(text.strip().splitlines()) == 1
    assert not out.exists()


def test_calibrate_end_to_end_and_resume(tmp_path):
    import pyabc  # noqa: F401  (a dependency: its absence is a failure, not a skip)

    targets = write(tmp_path, TINY)
    out = tmp_path / "fit"
    base = ["calibrate", targets, "--particles", 8, "--workers", 1, "--draws", 3, "--out", out]
    code, text = invoke(*base, "--generations", 1)
    assert code == 0, text
    for name in ("posterior.parquet", "history.db", "manifest.json", "report.md"):
        assert (out / name).exists(), name
    for name in ("marginals.png", "pairs.png", "generations.png", "predictive.png"):
        assert (out / name).stat().st_size > 0, name
    post = pd.read_parquet(out / "posterior.parquet")
    assert list(post.columns) == ["cost_base", "leave_per_month", "weight", "generation"]
    assert len(post) == 8 and post.weight.sum() == pytest.approx(1)
    assert post.cost_base.between(0.3, 0.7).all()  # inside its prior
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["generations_done"] == 1
    report = (out / "report.md").read_text()
    assert "alive_at_three_years" in report and "firms_against_schools" in report

    code, text = invoke(*base, "--generations", 1)  # a second fit into the same folder
    assert code == 2 and "--resume" in text

    code, text = invoke(*base, "--generations", 2, "--resume")
    assert code == 0, text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generations_done"] == 2
    assert pd.read_parquet(out / "posterior.parquet").generation.eq(1).all()

    other = write(tmp_path, TINY.replace("replicates = 4", "replicates = 5"), "other.toml")
    code, text = invoke("calibrate", other, "--out", out, "--workers", 1, "--resume")
    assert code == 2 and "other targets" in text


def test_ctrl_c_keeps_the_finished_generations_and_resume_goes_on(tmp_path):
    import pyabc  # noqa: F401  (a dependency: its absence is a failure, not a skip)

    targets = write(tmp_path, TINY)
    out = tmp_path / "fit"
    args = [sys.executable, "-m", "collabsim", "calibrate", str(targets), "--particles", "8"]
    args += ["--workers", "1", "--draws", "2", "--out", str(out)]
    proc = subprocess.Popen([*args, "--generations", "50"], cwd=ROOT, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    for line in proc.stderr:
        if line.startswith("generation 0:"):
            break
    proc.send_signal(signal.SIGINT)
    rest = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130 and "continue with --resume" in rest
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and manifest["generations_done"] >= 1
    code, text = invoke(*args[3:], "--generations", manifest["generations_done"] + 1, "--resume")
    assert code == 0, text
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
