"""`--lang nl|en` on run, sweep, sensitivity, calibrate and discover: the printed summary speaks
Dutch with --lang nl (and not English), an unknown language is one line and a non-zero exit
before anything runs, and the files written keep their English names."""

from __future__ import annotations

import json

import pytest

from .conftest import SCENARIOS, invoke

BASELINE = SCENARIOS / "baseline.toml"

SWEEP = f"""
[experiment]
name = "tiny_lang"
scenario = "{BASELINE}"
replicates = 2
seed = 7
chunk_runs = 4

[set]
scenario.steps = 24
scenario.partnerships = 2

[[factors]]
key = "drivers.urgency"
values = [0.2, 0.8]

[[factors]]
key = "drivers.trust"
range = [0.2, 0.8]
levels = 3
"""

MORRIS = f"""
[experiment]
name = "tiny_lang"
scenario = "{BASELINE}"
replicates = 1
seed = 5

[set]
scenario.steps = 12

[design]
kind = "morris"
samples = 2

[[factors]]
key = "drivers.urgency"
range = [0.0, 1.0]
"""

TARGETS = f"""
[calibration]
name = "tiny_lang"
replicates = 2
seed = 5

[free]
parameters = ["cost_base", "leave_per_month"]

[scenarios.short]
base = "{BASELINE}"
set = ["scenario.steps=24"]
assumes = "the baseline chain for two years"

[[targets]]
name = "alive_at_one_year"
pattern = "most last a year"
statistic = "share_alive"
month = 12
scenario = "short"
interval = [0.6, 0.95]
role = "calibration"
source = "A test, not a study."
"""


def write(folder, text: str, name: str):
    path = folder / name
    path.write_text(text)
    return path


def says(text: str, dutch: str, english: str) -> None:
    flat = " ".join(text.split())  # rich may wrap a long line
    assert dutch in flat, text
    assert english not in flat, text


@pytest.fixture(scope="module")
def dutch_sweep(tmp_path_factory):
    """A 12-run sweep with --lang nl: its folder and what it printed."""
    folder = tmp_path_factory.mktemp("lang")
    out = folder / "sweep"
    code, text = invoke(
        "sweep", write(folder, SWEEP, "exp.toml"), "--out", out, "--workers", 1, "--lang", "nl"
    )
    assert code == 0, text
    return out, text


def test_run_prints_its_summary_in_dutch_and_writes_english_files(tmp_path):
    out = tmp_path / "run"
    args = ["run", BASELINE, "-n", 2, "--steps", 12, "--no-plots", "--out", out]
    code, text = invoke(*args, "--lang", "nl")
    assert code == 0, text
    says(text, "nog actief na 12 maanden", "survival after")
    says(text, "publieke waarde (gemiddeld)", "public value (mean)")
    says(text, "alleen het toeval in het model", "the model's randomness only")
    assert "uitvoer in" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["intervals_include"] == "the model's randomness only"
    code, text = invoke(*args[:-1], tmp_path / "en")
    assert code == 0 and "survival after 12 months" in text and "uitvoer" not in text


def test_sweep_prints_its_summary_in_dutch(dutch_sweep):
    out, text = dutch_sweep
    says(text, "runs klaar; resultaten in", "runs done; results in")
    says(text, "0 van de 12 runs mislukt", "runs failed")
    says(text, "de runs van elk punt variëren door", "each point's runs vary by")
    assert json.loads((out / "sweep.json").read_text())["intervals_include"] == (
        "the model's randomness only"
    )


def test_discover_prints_its_boxes_and_writes_its_report_in_dutch(dutch_sweep, tmp_path):
    sweep, _ = dutch_sweep
    out = tmp_path / "found"
    code, text = invoke(
        "discover", sweep, "--outcome", "public_value", "--threshold", "<50%",
        "--out", out, "--lang", "nl",
    )  # fmt: skip
    assert code == 0, text
    says(text, "van de 24 samenwerkingsverbanden zijn gevallen", "partnerships are cases")
    says(text, "rapport in", "report in")
    if "box 1:" in text:
        says(text, "van alle gevallen", "which covers")
    report = (out / "report.md").read_text(encoding="utf-8")
    for dutch, english in (
        ("Waar ontstaan de gevallen?", "Where do the"),
        ("## Bevindingen", "## Findings"),
        ("## Hoe de boxen gekozen zijn", "## How the boxes were chosen"),
        ("## Aannames en beperkingen", "## Assumptions and limits"),
        ("Elke rij is één samenwerkingsverband", "Each row is one"),
    ):
        says(report, dutch, english)
    assert json.loads((out / "manifest.json").read_text())["per"] == "partnership"  # English


def test_sensitivity_prints_its_summary_in_dutch(tmp_path):
    exp = write(tmp_path, MORRIS, "exp.toml")
    code, text = invoke(
        "sensitivity", exp, "--out", tmp_path / "sa", "--workers", 1, "--no-plots",
        "--no-surfaces", "--lang", "nl",
    )  # fmt: skip
    assert code == 0, text
    says(text, "morris-analyse van tiny_lang", "morris analysis of")
    says(text, "resultaten in", "results in")


def test_calibrate_prints_its_closing_line_in_dutch(tmp_path):
    targets = write(tmp_path, TARGETS, "targets.toml")
    code, text = invoke(
        "calibrate", targets, "--particles", 4, "--generations", 1, "--draws", 1,
        "--workers", 1, "--out", tmp_path / "fit", "--lang", "nl",
    )  # fmt: skip
    assert code == 0, text
    says(text, "kalibratie tiny_lang: 1 generaties", "calibration tiny_lang")
    says(text, "posterior, figuren en rapport in", "figures and report in")


def test_the_box_sentence_and_the_posterior_in_dutch():
    from collabsim.analysis.discovery import Box, Limit, box_words
    from collabsim.runs.posterior import uncertainty

    box = Box(
        number=1,
        limits=(
            Limit("drivers.urgency", high=0.35),
            Limit("partnership.coordinator", values=(False,)),
        ),
        rows=100,
        cases=81,
        inside=100,
        coverage=0.64,
        density=0.81,
        mass=0.2,
    )
    keys = ["drivers.urgency", "partnership.coordinator"]
    assert box_words(box, keys, "collapses", "run") == (
        "collapses in 81% of runs when urgency is below 0.35 and there is no coordinator, which "
        "covers 64% of all collapses (20% of all runs)"
    )
    assert box_words(box, keys, "instortingen", "run", language="nl") == (
        "instortingen in 81% van de runs als urgency onder 0,35 ligt en er geen coordinator is; "
        "dat dekt 64% van alle instortingen (20% van alle runs)"
    )
    assert uncertainty(None, "nl") == "alleen het toeval in het model"


SOURCES = {
    "run": lambda tmp: [BASELINE],
    "sweep": lambda tmp: [write(tmp, SWEEP, "exp.toml")],
    "sensitivity": lambda tmp: [write(tmp, MORRIS, "exp.toml")],
    "calibrate": lambda tmp: [write(tmp, TARGETS, "targets.toml")],
    "discover": lambda tmp: [tmp, "--outcome", "collapsed"],
}


@pytest.mark.parametrize("command", sorted(SOURCES))
def test_an_unknown_language_is_one_line_and_nothing_written(tmp_path, command):
    out = tmp_path / "out"
    code, text = invoke(command, *SOURCES[command](tmp_path), "--out", out, "--lang", "xx")
    assert code == 2, text
    assert len(text.strip().splitlines()) == 1 and "--lang xx: choose one of en, nl" in text
    assert not out.exists()
