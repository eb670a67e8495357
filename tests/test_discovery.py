"""Scenario discovery: PRIM finds a box planted in synthetic data and CART agrees; `collabsim
discover` end to end on a tiny sweep; every bad input ends as one line, exit 2, nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collabsim.analysis.discovery import Box, Limit, box_words, discover
from collabsim.analysis.discovery_cases import expression_names
from collabsim.errors import CollabsimInputError
from collabsim.runs.experiment import load_experiment
from collabsim.runs.sweep import run_sweep

from .conftest import invoke

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

# The planted box: x1 in [0.2, 0.6], x2 below 0.5 and no flag; x3 and x4 are noise.
PLANTED = {"a.x1": (0.2, 0.6), "a.x2": (None, 0.5)}
TOLERANCE = 0.05  # every planted bound recovered to within 0.05 (factors span [0, 1])


def planted_data(seed: int = 3, n: int = 3000) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Inputs, cases and the planted box's mask: 90% cases inside, 5% outside."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({f"a.x{i}": rng.uniform(0, 1, n) for i in range(1, 5)})
    x["p.flag"] = rng.random(n) < 0.5
    inside = x["a.x1"].between(0.2, 0.6) & (x["a.x2"] <= 0.5) & ~x["p.flag"]
    y = np.where(inside, rng.random(n) < 0.9, rng.random(n) < 0.05)
    return x, y, inside.to_numpy()


def assert_planted(limits: tuple[Limit, ...]) -> None:
    """The limits are the planted box's: x1 and x2 within TOLERANCE, the flag off, nothing else."""
    by_factor = {lim.factor: lim for lim in limits}
    assert set(by_factor) == {"a.x1", "a.x2", "p.flag"}
    assert by_factor["p.flag"].values == (False,)
    for factor, (low, high) in PLANTED.items():
        lim = by_factor[factor]
        assert abs((lim.low or 0.0) - (low or 0.0)) <= TOLERANCE, (factor, lim)
        assert abs((lim.high or 1.0) - (high or 1.0)) <= TOLERANCE, (factor, lim)


@pytest.fixture(scope="module")
def planted():
    x, y, inside = planted_data()
    return x, y, inside, discover(x, y)


def test_prim_recovers_the_planted_box_within_the_tolerance(planted):
    """One box, bounded by x1, x2 and the flag within 0.05, dense and covering what the planted
    box covers; a box that missed a bound, kept a noise factor or stopped at a corner fails."""
    x, y, inside, result = planted
    assert len(result.boxes) == 1  # the cases outside are noise: no second box
    box = result.boxes[0]
    assert_planted(box.limits)
    planted_coverage = y[inside].sum() / y.sum()
    assert box.density >= 0.8
    assert box.coverage >= planted_coverage - 0.1
    assert all(lim.p < 0.001 for lim in box.limits)
    chosen = result.trajectory[result.trajectory.chosen]
    assert len(chosen) == 1 and chosen.iloc[0].coverage == pytest.approx(box.coverage)


def test_cart_agrees_on_the_planted_box(planted):
    """CART's leaf for the cases has the same bounds (within the tolerance) and shares most of
    its rows with PRIM's box."""
    _, _, inside, result = planted
    case_leaves = [leaf for leaf in result.leaves if leaf.case_leaf]
    assert len(case_leaves) == 1
    assert_planted(case_leaves[0].limits)
    assert result.agreement >= 0.85
    jaccard = (case_leaves[0].inside & inside).sum() / (case_leaves[0].inside | inside).sum()
    assert jaccard >= 0.85


def test_cases_in_two_places_give_two_boxes():
    """Two separate planted boxes: the first box covers one, the second the other (a rule that
    demanded half of all cases in one box would return one wide, thin box instead)."""
    rng = np.random.default_rng(0)
    n = 3000
    x = pd.DataFrame({f"x{i}": rng.uniform(0, 1, n) for i in range(1, 6)})
    first = (x.x1 < 0.3) & (x.x2 < 0.3)
    second = (x.x3 > 0.7) & (x.x4 > 0.7)
    y = np.where(first | second, rng.random(n) < 0.9, rng.random(n) < 0.03)
    result = discover(x, y, max_boxes=3)
    assert len(result.boxes) == 2
    found = sorted(tuple(sorted(lim.factor for lim in b.limits)) for b in result.boxes)
    assert found == [("x1", "x2"), ("x3", "x4")]
    assert all(b.density >= 0.8 for b in result.boxes)


def test_a_restriction_that_hardly_changes_the_density_is_lifted():
    """x3 matters a little at its edge (cases rarer above 0.95): PRIM trims it, and the rule lifts
    the trim (the density is under 2 points higher with it) and says so in the trajectory; with
    the practical threshold at 0 the trim stays."""
    rng = np.random.default_rng(1)
    n = 6000
    x = pd.DataFrame({f"x{i}": rng.uniform(0, 1, n) for i in range(1, 4)})
    p = np.where(x.x1 < 0.4, 0.8, 0.1) * np.where(x.x3 > 0.95, 0.6, 1.0)
    y = rng.random(n) < p
    result = discover(x, y, max_boxes=1)
    assert [lim.factor for lim in result.boxes[0].limits] == ["x1"]
    lifted = result.trajectory[result.trajectory.dropped != ""]
    assert list(lifted.dropped) == ["x3"] and "points higher" in lifted.why.iloc[0]
    kept = discover(x, y, max_boxes=1, min_density_gain=0.0)
    assert [lim.factor for lim in kept.boxes[0].limits] == ["x1", "x3"]


def test_a_box_whose_every_restriction_is_lifted_is_not_marked_chosen():
    """Cases with no pattern at all: PRIM still peels a box, the rule lifts every restriction,
    and no box is kept; the trajectory then marks no box as chosen (it did mark the whole
    space before, which the report and the end-to-end check read as a box)."""
    rng = np.random.default_rng(3)
    n = 400
    x = pd.DataFrame({f"x{i}": rng.uniform(0, 1, n) for i in range(1, 3)})
    y = rng.random(n) < 0.3
    result = discover(x, y, max_boxes=1)
    assert result.boxes == []
    assert (result.trajectory.dropped != "").any()
    assert result.trajectory.chosen.sum() == 0


def test_categories_and_whole_numbers():
    """A str factor and an int factor: PRIM keeps one category and cuts the ints between two
    whole numbers; the words say the category and the whole number (not 'at most 4.5')."""
    rng = np.random.default_rng(2)
    n = 2000
    x = pd.DataFrame(
        {
            "g.kind": rng.choice(["a", "b", "c"], n),
            "g.count": rng.integers(1, 10, n),
            "g.v": rng.uniform(0, 1, n),
        }
    )
    inside = (x["g.kind"] == "b") & (x["g.count"] <= 4)
    y = np.where(inside, rng.random(n) < 0.85, rng.random(n) < 0.05)
    result = discover(x, y)
    box = result.boxes[0]
    words = box_words(box, list(x.columns), "cases", "run", {"g.count"})
    assert "when kind is b and count is at most 4," in words
    assert result.agreement >= 0.9


def test_a_box_in_words():
    box = Box(
        number=1,
        limits=(
            Limit("drivers.urgency", high=0.35, p_high=0.001),
            Limit("partnership.coordinator", values=(False,), p_low=0.001),
        ),
        rows=200,
        cases=162,
        coverage=0.64,
        density=0.81,
        mass=0.2,
        inside=np.zeros(1, dtype=bool),
    )
    keys = ["drivers.urgency", "partnership.coordinator", "drivers.trust"]
    assert box_words(box, keys, "collapses", "run") == (
        "collapses in 81% of runs when urgency is below 0.35 and there is no coordinator, which "
        "covers 64% of all collapses (20% of all runs)"
    )


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("survived_10y < 0.5", {"survived_10y"}),
        ("not survived and `drivers.trust` < 0.3", {"survived", "drivers.trust"}),
        (
            "public_value / lifetime_months <= 0.2 | collapsed",
            {"public_value", "lifetime_months", "collapsed"},
        ),
    ],
)
def test_expression_names(expression, names):
    assert expression_names(expression) == names


@pytest.mark.parametrize(
    "expression",
    ["__import__('os').system('true')", "survived.__class__", "public_value[0] < 1", "x = 1", ""],
)
def test_an_expression_that_is_more_than_a_condition_is_refused(expression):
    with pytest.raises(CollabsimInputError):
        expression_names(expression)


# --------------------------------------------------------------------------- the command

TINY = f"""
[experiment]
name = "tiny_discovery"
scenario = "{BASELINE}"
replicates = 2
seed = 11

[set]
scenario.steps = 36

[design]
kind = "latin_hypercube"
samples = 60

[[factors]]
key = "drivers.trust"
range = [0.1, 0.9]

[[factors]]
key = "drivers.urgency"
range = [0.1, 0.9]

[[factors]]
key = "partnership.coordinator"
values = [false, true]
"""

ONE_FACTOR_VALUE = TINY.replace("range = [0.1, 0.9]", "values = [0.5]").replace(
    "values = [false, true]", "values = [true]"
)


def make_sweep(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exp.toml").write_text(text)
    out = folder / "sweep"
    outcome = run_sweep(load_experiment(folder / "exp.toml"), out, workers=1)
    assert outcome.complete and outcome.runs_failed == 0
    return out


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    return make_sweep(tmp_path_factory.mktemp("discover"), TINY)


def test_discover_end_to_end(tiny_sweep, tmp_path):
    out = tmp_path / "found"
    code, text = invoke(
        "discover", tiny_sweep, "--outcome", "public_value", "--threshold", "<25%",
        "--label", "weak partnerships", "--out", out,
    )  # fmt: skip
    assert code == 0, text
    written = {p.name for p in out.iterdir()}
    assert written == {
        "report.md", "trajectory.csv", "trajectory.png", "boxes.csv", "boxes.png",
        "cart_leaves.csv", "cart.txt", "cart.png", "manifest.json",
    }  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == 120 and manifest["per"] == "run"
    assert manifest["cases"] == pytest.approx(30, abs=3)
    assert manifest["factors"] == ["drivers.trust", "drivers.urgency", "partnership.coordinator"]
    report = (out / "report.md").read_text()
    assert "Where do the weak partnerships happen?" in report
    for b in manifest["boxes"]:
        assert f"- **Box {b['number']}.** " in report
        assert f"{b['density']:.0%} of runs when" in report
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert {"coverage", "density", "mass", "score", "chosen"} <= set(trajectory.columns)
    assert trajectory.chosen.sum() == len(manifest["boxes"])
    assert "report in" in text


def test_discover_per_point(tiny_sweep, tmp_path):
    out = tmp_path / "points"
    code, text = invoke(
        "discover", tiny_sweep, "--outcome", "public_value", "--threshold", "<25%",
        "--per", "point", "--out", out,
    )  # fmt: skip
    assert code == 0, text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == 60 and manifest["per"] == "point"


@pytest.fixture(scope="module")
def flat_sweep(tmp_path_factory):
    return make_sweep(tmp_path_factory.mktemp("flat"), ONE_FACTOR_VALUE)


@pytest.fixture(scope="module")
def empty_sweep(tiny_sweep, tmp_path_factory):
    """The tiny sweep's folder with its runs taken away."""
    folder = tmp_path_factory.mktemp("empty") / "sweep"
    shutil.copytree(tiny_sweep, folder)
    for part in (folder / "summary").iterdir():
        part.unlink()
    return folder


BAD = [
    ("tiny", ("--outcome", "survival < 0.5"), "unknown name 'survival'"),
    ("tiny", ("--outcome", "public_value"), "not true/false"),
    ("tiny", ("--outcome", "public_value + 1"), "not true/false"),
    ("tiny", ("--outcome", "drivers.trust < 0.5"), "backticks"),
    ("tiny", ("--outcome", "open('x')"), "only names, numbers"),
    ("tiny", ("--outcome", "public_value < -1"), "selects no case"),
    ("tiny", ("--outcome", "public_value >= 0"), "selects every one"),
    ("tiny", ("--outcome", "public_value", "--threshold", "<-5"), "selects no case"),
    ("tiny", ("--outcome", "public_value", "--threshold", "less than 5"), "--threshold"),
    ("tiny", ("--outcome", "collapsed", "--threshold", "<5"), "must then be a number"),
    ("tiny", ("--outcome", "survived_4y"), "survived_1y to survived_3y"),
    ("tiny", ("--outcome", "collapsed", "--per", "replicate"), "--per replicate"),
    ("tiny", ("--outcome", "collapsed", "--max-boxes", "0"), "--max-boxes 0"),
    ("empty", ("--outcome", "collapsed"), "holds no finished runs"),
    ("flat", ("--outcome", "public_value < 30"), "no conditions to discover"),
    ("nowhere", ("--outcome", "collapsed"), "not a sweep folder"),
]


@pytest.mark.parametrize(("which", "args", "message"), BAD)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    which, args, message, tiny_sweep, flat_sweep, empty_sweep, tmp_path
):
    sweeps = {"tiny": tiny_sweep, "flat": flat_sweep, "empty": empty_sweep}
    sweep = sweeps.get(which, tmp_path / "nowhere")
    out = tmp_path / "out"
    code, text = invoke("discover", sweep, *args, "--out", out)
    lines = [line for line in text.splitlines() if line.strip()]
    assert code == 2, text
    assert len(lines) == 1 and lines[0].startswith("error: "), text
    assert message in lines[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder left either


def test_a_sweep_with_a_posterior_discovers_over_the_drawn_parameters(tmp_path):
    """Fails if discover looks only at the design's factors: here the collapses are made by the
    drawn cost_base (0.2: the partnership lasts; 2.5: it falls apart), not by the factor."""
    from collabsim.runs.posterior import write_posterior

    post = tmp_path / "posterior.parquet"
    frame = pd.DataFrame({"cost_base": [0.2, 2.5], "weight": [0.5, 0.5], "generation": 1})
    write_posterior(frame, post, calibration="by hand", fingerprint="test")
    (tmp_path / "exp.toml").write_text(
        f"""[experiment]
name = "drawn"
scenario = "{BASELINE}"
replicates = 30
seed = 3

[set]
scenario.steps = 36

[design]
kind = "full_factorial"

[[factors]]
key = "drivers.urgency"
values = [0.45, 0.55]
"""
    )
    sweep = tmp_path / "sweep"
    code, text = invoke(
        "sweep", tmp_path / "exp.toml", "--out", sweep, "--workers", 1, "--parameters", post
    )
    assert code == 0, text
    out = tmp_path / "found"
    code, text = invoke("discover", sweep, "--outcome", "collapsed", "--out", out)
    assert code == 0, text
    manifest = json.loads((out / "manifest.json").read_text())
    assert "parameters.cost_base" in manifest["factors"]
    assert "cost base" in (out / "report.md").read_text()
