"""`collabsim scan`: the mapping is monotone, the worked examples differ and give stable advice,
the output is reproducible and self-contained, and bad answers give one line and exit 2."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import time
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabsim import limits
from collabsim.analysis.stats import kaplan_meier
from collabsim.apps.scan.answers import Respondent, read_answers
from collabsim.apps.scan.figures import plot_survival
from collabsim.apps.scan.levers import rank_levers
from collabsim.apps.scan.mapping import (
    build_scenario,
    goodness,
    linear_value,
    map_lever,
    scan_values,
)
from collabsim.apps.scan.projection import engagement_at, project, share_with_interval, survival_5y
from collabsim.apps.scan.questionnaire import EXAMPLES, load_questionnaire
from collabsim.apps.scan.run import check_scan_work, run_scan
from collabsim.apps.scan.scoring import aggregate, lever_scores
from collabsim.errors import CollabsimInputError
from collabsim.model.scenario import Scenario
from collabsim.runs.runner import replicate_seeds

from .conftest import ROOT

Q = load_questionnaire()
SCORED = [i for i in Q.items if i.direction != "descriptive"]
# The scan's own default (apps.scan.run): with Model 2's third round the at-risk example's second
# lever leads the third by about 0.1, which 40 runs do not resolve (coordinator first at root
# seeds 1-3, then trust, incentives or incentives); at 100 the top two agree at all three.
TEST_REPLICATES = 100


def collabsim(*args, stdin: str | None = None):
    """Run the CLI in a subprocess as a user would."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "collabsim", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=600,
    )


# --------------------------------------------------------------------------- questionnaire


def test_questionnaire_covers_the_scan():
    assert 20 <= len(Q.items) <= 30
    assert {i.block for i in Q.items} == {"drivers", "design", "conditions", "practice"}
    assert all(i.en.strip() and i.nl.strip() for i in Q.items)
    assert any(i.direction == "-" for i in Q.items), "some statements are negatively worded"
    for key in (
        "drivers.incentives",
        "drivers.urgency",
        "drivers.shared_interest",
        "drivers.trust",
        "partnership.governance",
        "partnership.kind",
        "partnership.coordinator",
        "partnership.meeting_rhythm",
        "conditions.agility",
        "conditions.staff_turnover",
        "conditions.regulation_rigidity",
        "conditions.staff_shortage",
        "conditions.culture_distance",
        "conditions.orientation",
    ):
        levers = [lid for lid, lv in Q.levers.items() if lv.key == key]
        assert levers and Q.items_of(levers[0]), f"no statement informs {key}"


def test_neutral_answer_is_the_scenario_default():
    """A neutral (or missing) answer leaves the model's default for every linear lever."""
    defaults = Scenario.model_validate({"organisations": [{"type": "firm", "count": 2}]}).to_dict()
    for lever in Q.levers.values():
        if lever.mapping != "linear":
            continue
        section, _, leaf = lever.key.partition(".")
        assert linear_value(lever, 3.0) == pytest.approx(defaults[section][leaf]), lever.key
        assert linear_value(lever, 1.0) == pytest.approx(lever.bad)
        assert linear_value(lever, 5.0) == pytest.approx(lever.good)


# --------------------------------------------------------------------------- monotone mapping

answer = st.one_of(st.none(), st.integers(1, 5))


@st.composite
def answer_sheets(draw):
    n = draw(st.integers(2, 6))
    types = ["mbo", "vmbo", "firm", "municipality", "hbo"]
    people = []
    for k in range(n):
        answers = {i.id: draw(answer) for i in Q.items}
        people.append(Respondent(f"row {k + 2}", f"org{k}", types[k % 5], answers))
    item = draw(st.sampled_from(SCORED))
    who = draw(st.integers(0, n - 1))
    return people, item, who


def _values(people, members):
    levers = lever_scores(aggregate(people, Q), Q)
    return levers, scan_values(levers, Q, members)


@settings(max_examples=200, deadline=None)
@given(answer_sheets(), st.integers(2, 30))
def test_better_answer_never_lowers_its_parameter(sheet, members):
    """One respondent answers one statement one point more favourably (agrees more with a
    positive statement, less with a negative one): the scenario value that statement informs
    never moves in the unfavourable direction, and no other lever changes."""
    people, item, who = sheet
    current = people[who].answers[item.id]
    step = 1 if item.direction == "+" else -1
    if current is None:
        better = 4 if step == 1 else 2  # from 'no answer' (neutral 3 assumed if alone)
        others = [r.answers[item.id] for k, r in enumerate(people) if k != who]
        if any(a is not None for a in others):
            return  # adding an answer to a mean of others is not 'one point better'
    else:
        better = current + step
        if not 1 <= better <= 5:
            return
    improved = [Respondent(r.row, r.organisation, r.type, dict(r.answers), r.name) for r in people]
    improved[who].answers[item.id] = better
    scores0, values0 = _values(people, members)
    scores1, values1 = _values(improved, members)
    lever = Q.levers[item.lever]
    operational = values0["partnership.kind"] == "operational"
    assert scores1[item.lever] > scores0[item.lever]
    g0 = goodness(lever, values0[lever.key], members, operational)
    g1 = goodness(lever, values1[lever.key], members, operational)
    assert g1 >= g0 - 1e-12, (item.id, values0[lever.key], values1[lever.key])
    for key in values0:
        if key != lever.key:
            assert values0[key] == values1[key], key


@given(st.floats(1, 5), st.floats(1, 5))
def test_every_mapping_is_monotone_in_the_score(x, y):
    lo, hi = min(x, y), max(x, y)
    for lever in Q.levers.values():
        if lever.mapping == "kind":
            continue
        for members, operational in ((3, True), (12, True), (25, False)):
            a = goodness(lever, map_lever(lever, lo, members, operational), members, operational)
            b = goodness(lever, map_lever(lever, hi, members, operational), members, operational)
            assert b >= a - 1e-12, lever.id


# --------------------------------------------------------------------------- worked examples


@pytest.fixture(scope="module")
def examples():
    """Both worked examples projected and their levers ranked, with two root seeds."""
    out = {}
    for name in ("healthy", "at_risk"):
        people = read_answers(EXAMPLES / f"{name}.csv", Q)
        inputs = build_scenario(people, Q, name)
        for seed in (1, 2):
            seeds = replicate_seeds(seed, TEST_REPLICATES)
            proj = project(inputs.scenario, seeds)
            res = proj["result"]
            ranking = rank_levers(
                inputs,
                Q,
                seeds,
                survival_5y(res.summary),
                engagement_at(res.timeseries, 60),
                name,
            )
            out[name, seed] = (inputs, proj, ranking)
    return out


def test_at_risk_projects_clearly_lower_survival(examples):
    for seed in (1, 2):
        healthy = examples["healthy", seed][1]["survival_5y"]
        at_risk = examples["at_risk", seed][1]["survival_5y"]
        assert at_risk["high"] < healthy["low"], (seed, healthy, at_risk)
        assert healthy["share"] - at_risk["share"] >= 0.4
        assert examples["at_risk", seed][1]["survival_10y"]["share"] < 0.5


def test_lever_ranking_is_stable_across_seeds(examples):
    """The at-risk example's two leading levers are the same with both root seeds (Model 2:
    coordinator and incentives, +0.33 to +0.41 and +0.19 to +0.21); the healthy example is near
    the ceiling, so no lever moves its five-year survival by more than 0.2 with either seed."""
    tops = [[r["lever"] for r in examples["at_risk", seed][2][:2]] for seed in (1, 2)]
    assert set(tops[0]) == set(tops[1]), tops
    for seed in (1, 2):
        assert all(r["difference"] <= 0.2 for r in examples["healthy", seed][2]), seed


def test_lever_differences_use_common_random_numbers(examples):
    """A lever already at its best gives exactly zero; the at-risk example's top lever helps
    with an interval above zero."""
    ranking = examples["at_risk", 1][2]
    assert ranking[0]["low"] > 0
    for r in ranking:
        if r["status"] == "already at the top":
            assert (r["difference"], r["low"], r["high"]) == (0.0, 0.0, 0.0)


def test_at_risk_disagreement_on_urgency_is_flagged(examples):
    inputs = examples["at_risk", 1][0]
    assert inputs.scores["urg1"].disagree
    assert inputs.scores["urg1"].spread >= 2
    healthy = examples["healthy", 1][0]
    assert healthy.scores["hand1"].n == len(healthy.people) - 1  # one missing answer


def test_missing_organisation_kinds_become_candidates(examples):
    inputs = examples["at_risk", 1][0]  # no municipality answered
    groups = inputs.scenario.organisations
    muni = [g for g in groups if g.type == "municipality"]
    assert muni and not muni[0].member
    assert sum(g.count for g in groups if g.member) == len({r.organisation for r in inputs.people})


# --------------------------------------------------------------------------- the command


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs: list[str] = []
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "src" and tag == "img":
                self.imgs.append(value or "")
            elif key in ("src", "href", "srcset", "action", "data"):
                self.links.append((tag, key, value or ""))


HEADER = "organisation,type," + ",".join(Q.ids)


HEADER_NAMED = "organisation,type,respondent," + ",".join(Q.ids)


def _row(org: str, kind: str, who: str | None = None, **change) -> str:
    """One CSV row of neutral answers (with a respondent cell if `who` is given)."""
    values = {i.id: "3" for i in Q.items} | {k: str(v) for k, v in change.items()}
    named = "" if who is None else f"{who},"
    return f"{org},{kind},{named}" + ",".join(values[i] for i in Q.ids)


BAD = {
    "out-of-range": (
        f"{HEADER}\n{_row('A', 'mbo')}\n{_row('B', 'firm', urg1=7)}\n",
        ["row 3", "item urg1", "outside 1–5"],
    ),
    "unknown-item": (
        f"{HEADER},urgx\n{_row('A', 'mbo')},3\n{_row('B', 'firm')},3\n",
        ["row 1", "item urgx", "unknown item"],
    ),
    "no-type": (
        f"{HEADER}\n{_row('A', 'mbo')}\n{_row('B', '')}\n",
        ["row 3", "(B)", "no organisation type"],
    ),
    "empty": ("", ["the file is empty"]),
    "duplicate-column": (
        f"{HEADER},urg1\n{_row('A', 'mbo')},4\n{_row('B', 'firm')},4\n",
        ["row 1 (header)", f"column {len(Q.ids) + 3}", "'urg1' is already column", "keep one"],
    ),
    "duplicate-respondent": (
        f"{HEADER_NAMED}\n{_row('A', 'mbo', 'Ann')}\n{_row('B', 'firm', 'Bo')}\n"
        f"{_row('A', 'mbo', 'Ann', urg1=5)}\n",
        ["row 4", "the same respondent as row 2", "'Ann' of A", "delete one"],
    ),
    "short-row": (
        f"{HEADER}\n{_row('A', 'mbo')}\n{_row('B', 'firm').rsplit(',', 2)[0]}\n",
        ["row 3", f"{len(Q.ids)} cells but the header has {len(Q.ids) + 2} columns"],
    ),
    "unknown-type": (
        f"{HEADER}\n{_row('A', 'mbo')}\n{_row('B', 'bakery')}\n",
        ["row 3", "'bakery'"],
    ),
}


BAD_OPTIONS = {  # options refused before any question or model run: (options, stdin, texts)
    "too-many-replicates": (
        (EXAMPLES / "healthy.csv", "-n", limits.MAX_REPLICATES),
        None,
        [f"--replicates {limits.MAX_REPLICATES}", "add --yes", "use fewer --replicates"],
    ),
    "one-replicate": ((EXAMPLES / "healthy.csv", "-n", 1), None, ["--replicates 1"]),
    "negative-seed": ((EXAMPLES / "healthy.csv", "--seed", -1), None, ["--seed -1"]),
    "interactive-too-many": (
        ("--interactive", "-n", limits.MAX_REPLICATES),
        "",
        [f"--replicates {limits.MAX_REPLICATES}", "add --yes"],
    ),
}


def _interactive_input() -> tuple[str, list[list[str]]]:
    rng = np.random.default_rng(3)
    lines, typed = [], []
    for org, kind in (("Vakcollege", "vmbo"), ("Bouwbedrijf", "firm")):
        answers = [str(int(a)) for a in rng.integers(2, 5, len(Q.items))]
        answers[5] = ""  # one skipped statement
        typed.append(answers)
        lines += [org, kind, "teacher", *answers, "y" if org == "Vakcollege" else "n"]
    return "\n".join(lines) + "\n", typed


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Every command-line case of this file, run as subprocesses two at a time (the machine is
    shared; most of each run is importing collabsim)."""
    from concurrent.futures import ThreadPoolExecutor

    base = tmp_path_factory.mktemp("scan")
    jobs = {}
    for k in (1, 2):
        out = base / f"run{k}"
        jobs[f"run{k}"] = (
            ("scan", EXAMPLES / "at_risk.csv", "-n", 4, "--seed", 1, "--out", out),
            None,
        )
    stdin, _ = _interactive_input()
    jobs["interactive"] = (("scan", "--interactive", "-n", 2, "--out", base / "interactive"), stdin)
    jobs["early-end"] = (
        ("scan", "--interactive", "--out", base / "early"),
        "Vakcollege\nvmbo\n\n3\n",
    )
    for name, (content, _) in BAD.items():
        path = base / name / "answers.csv"
        path.parent.mkdir()
        path.write_text(content, encoding="utf-8")
        jobs[name] = (("scan", path, "-n", 2, "--out", base / name / "out"), None)
    for name, (options, stdin_text, _) in BAD_OPTIONS.items():
        (base / name).mkdir()
        jobs[name] = (("scan", *options, "--out", base / name / "out"), stdin_text)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {k: pool.submit(collabsim, *args, stdin=s) for k, (args, s) in jobs.items()}
        results = {k: f.result() for k, f in futures.items()}
    return base, results


def test_same_answers_and_seed_give_identical_json(cli):
    base, results = cli
    for k in ("run1", "run2"):
        assert results[k].returncode == 0, results[k].stderr
    a, b = ((base / k / "scan.json").read_bytes() for k in ("run1", "run2"))
    assert a == b
    report = json.loads(a)
    assert report["replicates"] == 4 and report["seed"] == 1
    assert report["seeds"] == replicate_seeds(1, 4)
    assert len(report["lever_ranking"]) >= 10
    assert {"survival_5y", "survival_10y", "bands", "trouble", "kaplan_meier"} <= set(
        report["projection"]
    )
    assert "thinking tool" in report["caveat"]


def test_report_renders_offline_with_every_figure_embedded(cli):
    base, results = cli
    assert results["run1"].returncode == 0, results["run1"].stderr
    page = (base / "run1" / "scan.html").read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(page)
    parser.close()
    assert len(parser.imgs) == 6  # poster, disagreement, survival, bands, levers, timeline
    for src in parser.imgs:
        assert src.startswith("data:image/png;base64,")
        assert len(src) > 1000
    assert parser.links == [], parser.links
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower()
    assert not any(p.name.startswith(".") for p in base.iterdir()), "temporary folder left"


def test_interactive_from_stdin_saves_the_answers(cli):
    base, results = cli
    res = results["interactive"]
    assert res.returncode == 0, res.stderr
    _, typed = _interactive_input()
    saved = (base / "interactive" / "answers.csv").read_text(encoding="utf-8").splitlines()
    assert saved[0].split(",")[:3] == ["organisation", "type", "respondent"]
    assert saved[1].split(",")[3:] == typed[0]
    assert saved[2].split(",")[3:] == typed[1]
    report = json.loads((base / "interactive" / "scan.json").read_text(encoding="utf-8"))
    assert report["missing"][0]["item"] == Q.items[5].id


def test_interactive_input_that_ends_early_is_one_line(cli):
    res = cli[1]["early-end"]
    assert res.returncode == 2
    assert "input ended" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("case", list(BAD))
def test_bad_answers_give_one_line_and_exit_2(cli, case):
    base, results = cli
    res = results[case]
    assert res.returncode == 2, res.stdout + res.stderr
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for text in [str(base / case / "answers.csv"), *BAD[case][1]]:
        assert text in err, (text, err)
    assert not (base / case / "out").exists()


@pytest.mark.parametrize("case", list(BAD_OPTIONS))
def test_bad_options_are_refused_before_any_work(cli, case):
    base, results = cli
    res = results[case]
    assert res.returncode == 2, res.stdout + res.stderr
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for text in BAD_OPTIONS[case][2]:
        assert text in err, (text, err)
    assert "input ended" not in err  # --interactive: refused before the first question
    assert not (base / case / "out").exists()


def test_scan_is_quiet(cli):
    """A projection in which every partnership has fallen apart before month 120 (at_risk, seed
    1) prints no warnings: the bands are computed over the months someone is still going."""
    _, results = cli
    for k in ("run1", "run2"):
        assert results[k].returncode == 0, results[k].stderr
        assert results[k].stderr.strip() == "", results[k].stderr


def test_toml_answers_read_like_csv(tmp_path):
    csv_people = read_answers(EXAMPLES / "healthy.csv", Q)
    lines = []
    for r in csv_people:
        lines += ["[[respondent]]", f'organisation = "{r.organisation}"', f'type = "{r.type}"']
        lines += ["[respondent.answers]"]
        lines += [f"{k} = {v}" for k, v in r.answers.items() if v is not None]
    path = tmp_path / "answers.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    toml_people = read_answers(path, Q)
    assert [r.answers for r in toml_people] == [r.answers for r in csv_people]
    assert [(r.organisation, r.type) for r in toml_people] == [
        (r.organisation, r.type) for r in csv_people
    ]


def test_an_item_nobody_answered_is_reported_as_neutral():
    people = read_answers(EXAMPLES / "at_risk.csv", Q)
    for r in people:
        r.answers["agi1"] = None
        r.answers["agi2"] = None
    inputs = build_scenario(people, Q, "x")
    assert inputs.scores["agi1"].assumed == 3.0
    assert inputs.values["conditions.agility"] == pytest.approx(0.5)  # the default


# --------------------------------------------------------------------------- reading answers


def _answers(tmp_path, text: str, name: str = "answers.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _error(path: Path) -> str:
    with pytest.raises(CollabsimInputError) as exc:
        read_answers(path, Q)
    line = str(exc.value)
    assert "\n" not in line and line.startswith(str(path)), line
    return line


def test_a_byte_order_mark_is_accepted_in_csv_and_toml(tmp_path):
    """Excel's 'CSV UTF-8' and Notepad start the file with a BOM: read as if it were not there."""
    plain = read_answers(EXAMPLES / "healthy.csv", Q)
    text = (EXAMPLES / "healthy.csv").read_text(encoding="utf-8")
    csv_people = read_answers(_answers(tmp_path, text, encoding="utf-8-sig"), Q)
    assert [(r.organisation, r.answers) for r in csv_people] == [
        (r.organisation, r.answers) for r in plain
    ]
    toml = '\ufeff[[respondent]]\norganisation = "A"\ntype = "mbo"\n[respondent.answers]\n'
    toml += 'inc1 = 4\n[[respondent]]\norganisation = "B"\ntype = "firm"\n'
    people = read_answers(_answers(tmp_path, toml, "answers.toml"), Q)
    assert [r.organisation for r in people] == ["A", "B"] and people[0].answers["inc1"] == 4


def test_any_line_ending_is_accepted(tmp_path):
    """Unix \\n, Windows \\r\\n and the classic Mac's \\r (older Excel for Mac's 'CSV (Macintosh)')
    are all read alike (a guard: the CSV is read with newline='', as the csv module asks)."""
    plain = read_answers(EXAMPLES / "healthy.csv", Q)
    lines = (EXAMPLES / "healthy.csv").read_text(encoding="utf-8").splitlines()
    for ending in ("\n", "\r\n", "\r"):
        path = tmp_path / "answers.csv"
        path.write_bytes((ending.join(lines) + ending).encode("utf-8"))
        assert [r.answers for r in read_answers(path, Q)] == [r.answers for r in plain], ending


def test_an_empty_file_is_called_empty(tmp_path):
    for name in ("answers.csv", "answers.toml"):
        for text in ("", "\ufeff", " \n\n"):
            line = _error(_answers(tmp_path, text, name))
            assert "the file is empty" in line, line
            assert "two" not in line


def test_a_duplicated_column_is_an_error(tmp_path):
    """Before: the last of two 'urg1' columns silently won."""
    header = HEADER.replace("organisation,type,", "organisation,Type,") + ",type"
    line = _error(
        _answers(tmp_path, f"{header}\n{_row('A', 'mbo')},mbo\n{_row('B', 'firm')},firm\n")
    )
    assert f"row 1 (header), column {len(Q.ids) + 3}" in line, line
    assert "'type' is already column 2 (B)" in line and "keep one" in line, line


def test_a_duplicated_respondent_is_an_error(tmp_path):
    """Before: the same person in two rows was counted twice in every mean."""
    text = f"{HEADER_NAMED}\n{_row('A', 'mbo', 'Ann')}\n{_row('B', 'firm', 'Bo')}\n\n"
    text += f"{_row(' A ', 'mbo', 'ann ')}\n"  # case and spaces do not make another person
    line = _error(_answers(tmp_path, text))
    assert "row 5: the same respondent as row 2" in line, line  # the blank row 4 is counted
    # two people of one organisation are fine
    ok = f"{HEADER_NAMED}\n{_row('A', 'mbo', 'Ann')}\n{_row('A', 'mbo', 'Piet')}\n"
    ok += f"{_row('B', 'firm', '')}\n{_row('B', 'firm', '', urg1=5)}\n"
    assert len(read_answers(_answers(tmp_path, ok), Q)) == 4


def test_a_copied_unnamed_row_is_an_error(tmp_path):
    text = (
        f"{HEADER}\n{_row('A', 'mbo')}\n{_row('B', 'firm', urg1=4)}\n{_row('B', 'firm', urg1=4)}\n"
    )
    line = _error(_answers(tmp_path, text))
    assert "row 4: a copy of row 3 (B" in line and "respondent column" in line, line


def test_a_duplicated_respondent_in_toml_is_an_error(tmp_path):
    block = '[[respondent]]\norganisation = "{o}"\ntype = "{t}"\nrespondent = "{r}"\n'
    text = "".join(
        block.format(o=o, t=t, r=r)
        for o, t, r in [("A", "mbo", "x"), ("B", "firm", "y"), ("A", "mbo", "x")]
    )
    line = _error(_answers(tmp_path, text, "answers.toml"))
    assert "respondent 3: the same respondent as respondent 1" in line, line


def test_an_item_given_twice_in_toml_is_an_error(tmp_path):
    text = '[[respondent]]\norganisation = "A"\ntype = "mbo"\ninc1 = 2\n'
    text += '[respondent.answers]\ninc1 = 4\n[[respondent]]\norganisation = "B"\ntype = "firm"\n'
    line = _error(_answers(tmp_path, text, "answers.toml"))
    assert "respondent 1, item inc1: given twice" in line, line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("respondent = 5\n", "'respondent' must be [[respondent]] tables"),
        ('title = "x"\n', "'title' is not part of an answers file"),
        (
            '[[respondent]]\norganisation = "A"\ntype = "mbo"\nanswers = 3\n',
            "answers: must be a table",
        ),
        ("[[respondent]]\norganisation = 3\ntype = 'mbo'\n", "organisation: 3 must be text"),
        ("respondent = [1, 2]\n", "respondent 1: must be a [[respondent]] table"),
    ],
)
def test_malformed_toml_answers_are_one_line(tmp_path, text, expected):
    """Before: a TypeError traceback."""
    line = _error(_answers(tmp_path, text, "answers.toml"))
    assert expected in line, line


def test_short_and_long_rows_are_errors(tmp_path):
    """A row with fewer cells than the header: an error (before: silently missing answers)."""
    short = _row("B", "firm").rsplit(",", 1)[0]
    line = _error(_answers(tmp_path, f"{HEADER}\n{_row('A', 'mbo')}\n{short}\n"))
    assert f"row 3: {len(Q.ids) + 1} cells but the header has {len(Q.ids) + 2} columns" in line
    assert "leave a cell empty" in line
    long = f"{HEADER}\n{_row('A', 'mbo')},4\n{_row('B', 'firm')}\n"
    line = _error(_answers(tmp_path, long))
    assert "row 2:" in line and "has no column name" in line, line


def test_empty_columns_at_the_right_end_are_ignored(tmp_path):
    """Spreadsheets sometimes export empty columns after the table: ',,,' on every row."""
    text = f"{HEADER},,\n{_row('A', 'mbo')},,\n{_row('B', 'firm')}\n"
    people = read_answers(_answers(tmp_path, text), Q)
    assert [r.organisation for r in people] == ["A", "B"]
    line = _error(_answers(tmp_path, "organisation,,type\nA,,mbo\nB,,firm\n"))
    assert "row 1 (header), column 2 (B): the column has no name" in line, line


def test_a_huge_file_is_refused_unread(tmp_path):
    path = tmp_path / "answers.csv"
    with open(path, "wb") as fh:
        fh.truncate(10_000_001)
    assert "too large" in _error(path)


# --------------------------------------------------------------------------- limits and outputs


def test_the_work_is_checked_before_any_model_run(tmp_path, monkeypatch):
    """--replicates 100000 asks for --yes; what cannot fit in memory is refused even with it."""
    import collabsim.runs.runner

    def no_runs(*args, **kwargs):
        raise AssertionError("a model ran before the work was checked")

    monkeypatch.setattr(collabsim.runs.runner, "run_replicates", no_runs)
    people = read_answers(EXAMPLES / "healthy.csv", Q)
    started = time.perf_counter()
    with pytest.raises(CollabsimInputError, match=r"add --yes to go ahead, or use fewer"):
        run_scan(people, Q, tmp_path / "out", "healthy", replicates=limits.MAX_REPLICATES)
    assert time.perf_counter() - started < 5
    inputs = build_scenario(people, Q, "healthy")
    assert check_scan_work(inputs, Q, limits.MAX_REPLICATES, yes=True) > 3600
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 2 * 10**9)
    with pytest.raises(CollabsimInputError, match=r"of memory.*use fewer --replicates"):
        check_scan_work(inputs, Q, limits.MAX_REPLICATES, yes=True)
    assert check_scan_work(inputs, Q, 100) < 60
    assert not (tmp_path / "out").exists()


def test_default_output_folder_is_a_safe_name_under_results(tmp_path, monkeypatch):
    from rich.console import Console

    import collabsim.apps.scan
    from collabsim.cli.scan import scan_command

    class Stop(Exception):
        pass

    chosen = []

    def fake_run_scan(people, q, out, name, **kwargs):
        chosen.append(Path(out))
        raise Stop

    monkeypatch.setattr(collabsim.apps.scan, "run_scan", fake_run_scan)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "R&D $plan;rm -rf.csv"
    path.write_bytes((EXAMPLES / "healthy.csv").read_bytes())
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    with pytest.raises(Stop):
        scan_command(path, False, 2, 1, None, "en", quiet, quiet)
    assert chosen[0].parent == Path("results")
    assert re.fullmatch(r"scan-R-D-plan-rm-rf-\d{8}-\d{6}", chosen[0].name), chosen[0]


def test_a_failure_while_writing_leaves_no_folder(tmp_path, monkeypatch):
    """All or nothing: the disk filling up while the figures are written leaves no output folder
    (and no temporary one); the error is the machine's, not a traceback of ours."""
    import collabsim.apps.scan.run

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "levers.png"))

    monkeypatch.setattr(collabsim.apps.scan.run, "plot_levers", disk_full)
    people = read_answers(EXAMPLES / "at_risk.csv", Q)
    with pytest.raises(OSError, match="No space left"):
        run_scan(people, Q, tmp_path / "out", "at_risk", replicates=2)
    assert list(tmp_path.iterdir()) == []


def test_survival_figure_is_drawn_when_every_run_survives(tmp_path):
    """Regression: with survival 100% the Wilson bound was a hair below the share and matplotlib
    refused the error bar ('yerr' must not contain negative values); `scan healthy.csv -n 60
    --seed 9` ended in a traceback."""
    for n in range(2, 201):
        for k in (0, n):
            s = share_with_interval(np.full(n, float(k > 0)))
            assert s["low"] <= s["share"] <= s["high"], (n, k, s)
    n = 60
    km = kaplan_meier(np.full(n, 120), np.zeros(n, dtype=bool), 120)
    flags = np.ones(n)
    proj = {
        "kaplan_meier": km.to_dict("records"),
        "survival_5y": share_with_interval(flags),
        "survival_10y": share_with_interval(flags),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = plot_survival(proj, tmp_path / "survival.png")
    assert path.stat().st_size > 1000
