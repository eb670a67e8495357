"""`collabsim compare --across`: the share of futures and regret, common random numbers within each
future, the report's section end to end, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collabsim.analysis.comparison import prepare_arms
from collabsim.analysis.robust_comparison import (
    MEASURE,
    Futures,
    compare_across,
    per_future,
    robust_table,
    run_future,
)
from collabsim.analysis.stats import wilson_interval

from .conftest import SCENARIOS, invoke

POLICIES = SCENARIOS / "policies"

# --------------------------------------------------------------------------- the arithmetic

# measure per future, scheme and replicate (A is the reference): chosen so that every case occurs,
# a clear win (same gain in both runs), a win that is not clear, a tie and a loss.
HAND = {
    0: {"A": [0, 1], "B": [1, 1], "C": [0, 1]},
    1: {"A": [1, 1], "B": [0, 1], "C": [1, 1]},
    2: {"A": [0, 0], "B": [1, 0], "C": [1, 1]},
    3: {"A": [0, 0], "B": [1, 1], "C": [0, 0]},
}


def hand_runs() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"future": f, "scheme": s, "replicate": r, MEASURE: float(v)}
            for f, schemes in HAND.items()
            for s, values in schemes.items()
            for r, v in enumerate(values)
        ]
    )


def test_share_of_futures_and_regret_on_a_hand_made_table():
    table = per_future(hand_runs(), ["A", "B", "C"])
    b = table[table.scheme == "B"].set_index("future")
    assert b["beats"].tolist() == [True, False, True, True]
    assert b["beats_clearly"].tolist() == [False, False, False, True]
    assert b["regret"].tolist() == [0.0, 0.5, 0.5, 0.0]
    c = table[table.scheme == "C"].set_index("future")
    assert c["beats"].tolist() == [False, False, True, False]  # a tie is not a win
    assert c["beats_clearly"].tolist() == [False, False, True, False]
    assert c["regret"].tolist() == [0.5, 0.0, 0.0, 1.0]
    summary = robust_table(table, ["A", "B", "C"]).set_index("scheme")
    assert np.isnan(summary.at["A", "beats"])
    assert summary.at["B", "beats"] == 0.75 and summary.at["C", "beats"] == 0.25
    assert (summary.at["B", "beats_low"], summary.at["B", "beats_high"]) == wilson_interval(3, 4)
    assert summary.at["B", "beats_clearly"] == 0.25
    assert summary.at["A", "regret_median"] == 0.75  # regrets 0.5, 0, 1, 1
    assert summary.at["B", "regret_median"] == 0.25  # 0, 0.5, 0.5, 0
    assert summary.at["C", "regret_p90"] == pytest.approx(0.85)  # 0, 0, 0.5, 1 at 0.9
    assert summary["best_share"].tolist() == [0.25, 0.5, 0.5]


# --------------------------------------------------------------------------- common random numbers


def tiny_futures(seeds: str = "per_point") -> Futures:
    table = pd.DataFrame({"drivers.trust": [0.25, 0.7], "conditions.staff_turnover": [0.3, 0.05]})
    return Futures(table, replicates=3, root_seed=11, seeds=seeds)


def test_every_scheme_in_a_future_meets_the_same_seeds():
    arms, _ = prepare_arms([POLICIES / "no_policy.toml", POLICIES / "sustained_funding.toml"])
    futures = tiny_futures()
    rows = pd.DataFrame(run_future([a.scenario for a in arms], ["a", "b"], futures, 1))
    seeds = rows.pivot(index="replicate", columns="scheme", values="seed")
    assert (seeds["a"] == seeds["b"]).all()
    assert seeds["a"].tolist() == futures.seeds_of(1)
    assert futures.seeds_of(0) != futures.seeds_of(1)  # each future its own seeds
    assert tiny_futures("common").seeds_of(0) == tiny_futures("common").seeds_of(1)


def test_a_scheme_against_itself_never_wins_and_has_no_regret():
    """Would fail if a scheme's runs in a future did not share the reference's seeds."""
    path = POLICIES / "one_off_subsidy.toml"
    arms, _ = prepare_arms([path, path])
    robust = compare_across(arms, tiny_futures())
    same = robust.table[robust.table.scheme == arms[1].label]
    assert (same["diff"] == 0).all() and (same["regret"] == 0).all()
    assert robust.summary["beats"].iloc[1] == 0.0
    assert robust.edges[0].result is None  # no future where it beats the reference


# --------------------------------------------------------------------------- the command


TINY = """
[experiment]
name = "tiny_futures"
scenario = "{base}"
replicates = 3
seed = 5

[design]
kind = "latin_hypercube"
samples = 5

[[factors]]
key = "drivers.trust"
range = [0.15, 0.85]

[[factors]]
key = "conditions.staff_turnover"
range = [0.05, 0.3]
"""


def experiment(folder: Path, text: str = TINY) -> Path:
    path = folder / "futures.toml"
    path.write_text(text.replace("{base}", str(SCENARIOS / "baseline.toml")))
    return path


SCHEMES = (POLICIES / "no_policy.toml", POLICIES / "sustained_funding.toml")


def test_compare_across_end_to_end(tmp_path):
    out = tmp_path / "report"
    code, text = invoke("compare", *SCHEMES, "-n", "2", "--across", experiment(tmp_path),
                        "--out", out)  # fmt: skip
    assert code == 0, text
    assert {"robust.csv", "futures.csv", "robust_boxes.csv"} <= {p.name for p in out.iterdir()}
    assert (out / "figures" / "robust.png").exists()
    summary = pd.read_csv(out / "robust.csv")
    assert summary["scheme"].tolist() == ["no_policy", "sustained_funding"]
    assert summary["futures"].tolist() == [5, 5]
    futures = pd.read_csv(out / "futures.csv")
    assert len(futures) == 10 and {"drivers.trust", "regret", "beats"} <= set(futures.columns)
    html = (out / "report.html").read_text()
    assert "Where it works and where it does not" in html
    assert 'id="fig-robust"><img alt=' in html and "data:image/png;base64," in html
    assert "Where it works and where it does not" in (out / "report.md").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["across"]["futures"] == 5 and manifest["across"]["replicates_per_future"] == 3
    assert "beats no_policy" in text


def test_compare_across_lang_nl_writes_the_section_and_its_figure_in_dutch(tmp_path, monkeypatch):
    """Fails if "Where it works and where it does not" or its figure stays English in Dutch."""
    import matplotlib

    from collabsim.analysis import robust_report

    drawn = {}
    plot = robust_report.plot_robust

    def plot_and_keep_text(robust, path, language="en"):
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            drawn["svg"] = plot(robust, tmp_path / "robust.svg", language).read_text()
        return plot(robust, path, language)

    monkeypatch.setattr(robust_report, "plot_robust", plot_and_keep_text)
    out = tmp_path / "nl"
    code, text = invoke("compare", *SCHEMES, "-n", "2", "--across", experiment(tmp_path),
                        "--out", out, "--lang", "nl")  # fmt: skip
    assert code == 0, text
    for doc in ((out / "report.html").read_text(), (out / "report.md").read_text()):
        for phrase in (
            "Waar het werkt en waar niet",
            "Grenzen van het antwoord over toekomsten",
            "Elk van de 2 regelingen is doorgerekend in dezelfde 5 toekomsten",
            "aandeel samenwerkingsverbanden dat na tien jaar nog actief is",
            "(de referentie)",
        ):
            assert phrase in doc, phrase
        for english in ("Where it works and where it does not", "Limits of the answer"):
            assert english not in doc, english
    for phrase in ("Hoe vaak helpt het?", "2 regelingen over 5 toekomsten", "referentie"):
        assert phrase in drawn["svg"], phrase
    assert "How often" not in drawn["svg"]


def bad(tmp_path: Path, change) -> Path:
    return experiment(tmp_path, change(TINY))


BAD = [
    (lambda t: t + '\n[set]\n"scenario.steps" = 60\n', "[set] changes"),
    (lambda t: t + '\n[[factors]]\nkey = "policy.funding.0.amount"\nrange = [0, 10]\n',
     "part of a scheme"),
    (lambda t: t.split("[[factors]]")[0].replace("latin_hypercube", "full_factorial")
     .replace("samples = 5", ""), "only one future"),
    (lambda t: t.replace("samples = 5", "samples = 1"), "at least 2 futures"),
    (lambda t: t + '\n[[factors]]\nkey = "scenario.steps"\nrange = [2, 3]\n',
     "after the horizon of 2 months"),  # an int factor stays int: a scheme invalid in a future
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, change, message):
    path = bad(tmp_path, change)
    out = tmp_path / "out"
    schemes = (POLICIES / "no_policy.toml", POLICIES / "challenge_fund.toml")
    code, text = invoke("compare", *schemes, "-n", "2", "--across", path, "--out", out)
    lines = [line for line in text.splitlines() if line.strip()]
    assert code == 2, text
    assert len(lines) == 1 and lines[0].startswith("error: "), text
    assert message in lines[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["futures.toml"]


def test_one_scheme_or_a_missing_file_is_refused(tmp_path):
    out = tmp_path / "out"
    for args, message in (
        ((SCHEMES[0], "--across", experiment(tmp_path)), "at least two scenario files"),
        ((*SCHEMES, "--across", tmp_path / "nowhere.toml"), "nowhere.toml"),
    ):
        code, text = invoke("compare", *args, "-n", "2", "--out", out)
        lines = [line for line in text.splitlines() if line.strip()]
        assert code == 2 and len(lines) == 1 and message in lines[0], text
        assert not out.exists()


def test_two_workers_give_the_same_runs_as_one():
    arms, _ = prepare_arms([POLICIES / "no_policy.toml", POLICIES / "paid_coordinator.toml"])
    one = compare_across(arms, tiny_futures(), workers=1)
    two = compare_across(arms, tiny_futures(), workers=2)
    pd.testing.assert_frame_equal(one.runs, two.runs)
