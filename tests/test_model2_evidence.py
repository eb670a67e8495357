"""experiments/model2_evidence.py (issue 13's evidence) runs a smoke run and writes its tables."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collabsim.model.parameters import MechanismParameters
from collabsim.model.structure import LOOPS

ROOT = Path(__file__).resolve().parents[1]

TABLES = {
    "p1_one_driver.csv": ["loops", "arm", "driver", "level", "n", "share", "low", "high", "diff"],
    "p1_sobol_drivers.csv": ["analysis", "factor", "S1", "S1_conf", "ST", "ST_conf"],
    "p2_engagement_funding_end.csv": ["measure", "n", "mean", "low", "high"],
    "p2_survival_by_month48.csv": ["split_at_month_48", "group", "share", "low", "high"],
    "p3_agility_volatility.csv": ["demand_volatility", "agility", "share", "low", "high"],
    "p3_agility_effects.csv": ["measure", "diff", "diff_low", "diff_high"],
    "p4_bumpy_road_dips.csv": ["series", "measure", "n", "share", "low", "high"],
    "p4_bumpy_road_setbacks.csv": ["measure", "n", "mean", "low", "high"],
    "p5_public_value_by_party.csv": ["left_out", "mean", "ratio", "ratio_low", "ratio_high"],
    "p6_formalisation.csv": ["kind", "formalised_by_36", "by_36_low", "by_36_high", "median_month"],
    "p7_design.csv": ["arm", "share", "low", "high", "diff", "diff_low", "diff_high"],
    "p8_hub.csv": ["arm", "n", "share", "low", "high"],
    "a_money_alone.csv": ["arm", "share", "low", "high"],
    "b_agility_sobol.csv": ["factor", "S1", "ST", "ST_conf", "ST_above_dummy", "rank_ST"],
    "c_hazard_by_year.csv": ["funding", "year", "at_risk", "dissolved", "share", "low", "high"],
    "c_dissolutions_by_month.csv": ["funding", "month", "dissolved"],
    "d_knife_edge.csv": ["cost_base", "offset", "share", "low", "high"],
    "d_knife_edge_slope.csv": ["measure", "cost_base_from", "cost_base_to", "per_0.01"],
    "e_loop_ablation_one_driver.csv": ["loops", "arm", "share", "low", "high"],
    "e_loop_ablation_sobol.csv": ["factor", "S1", "ST"],
    "e_loop_ablation_sobol_sums.csv": ["loops", "sum_S1", "sum_ST", "dummy_ST"],
    "e_loop_ablation_each_loop.csv": [
        "loops_off",
        "n",
        "all_moderate",
        "all_moderate_low",
        "all_moderate_high",
        "trust_0.1",
        "trust_0.1_high",
        "best_one_low",
        "signature",
        "signature_low",
        "signature_change_high",
        "all_moderate_change",
    ],
    "f_undocumented.csv": ["arm", "scenario", "share", "low", "high"],
    "arms.csv": ["arm", "scenario", "overrides", "runs", "root_seed", "survival"],
    "sobol_designs.csv": ["analysis", "N", "runs", "sum_S1", "sum_ST", "noise_share", "dummy_ST"],
    "key_numbers.csv": ["item", "measure", "value", "low", "high", "n"],
}
BASELINE_KEY = ("P1 one driver", "survival all moderate (baseline)")


@pytest.fixture(scope="module")
def script():
    """The script as a module."""
    spec = importlib.util.spec_from_file_location(
        "model2_evidence", ROOT / "experiments" / "model2_evidence.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def out(script, tmp_path_factory):
    """One smoke run, set beside a made-up earlier label with one shared and one own figure."""
    tmp = tmp_path_factory.mktemp("evidence")
    earlier = tmp / "earlier"
    earlier.mkdir()
    pd.DataFrame(
        [
            {"item": BASELINE_KEY[0], "measure": BASELINE_KEY[1], "value": 0.5},
            {"item": "gone", "measure": "a figure only the earlier label had", "value": 1.0},
        ]
    ).to_csv(earlier / "key_numbers.csv", index=False)
    return script.main(
        ["--quick", "--label", "smoke", "--out", str(tmp / "smoke"), "--compare", str(earlier)]
    )


def test_quick_run_writes_every_table_with_its_columns(out):
    for name, columns in TABLES.items():
        table = pd.read_csv(out / name)
        assert len(table), name
        assert set(columns) <= set(table.columns), (name, set(columns) - set(table.columns))
    shares = pd.read_csv(out / "p1_one_driver.csv")
    assert ((shares["low"] <= shares["share"]) & (shares["share"] <= shares["high"])).all()
    assert sorted(pd.read_csv(out / "c_hazard_by_year.csv")["year"].unique()) == list(range(1, 11))
    assert set(pd.read_csv(out / "e_loop_ablation_one_driver.csv")["loops"]) == {"on", "off"}
    meta = json.loads((out / "meta.json").read_text())
    assert meta["reps"] == 6 and meta["runs"] > 0 and meta["loops_off"]


def test_the_note_has_every_section(out):
    note = (out / "evidence.md").read_text()
    for title in ["P1.", "P2.", "P3.", "P4.", "P5.", "P6.", "P7.", "P8.", "A.", "B.", "C.", "D."]:
        assert f"## {title}" in note, title
    assert "## E. Loop ablation" in note and "## F." in note


def test_compare_sets_the_labels_side_by_side(out):
    both = pd.read_csv(out / "compare_earlier.csv").set_index(["item", "measure"])
    assert {"value_earlier", "value_smoke"} <= set(both.columns)
    assert both.loc[BASELINE_KEY, "value_earlier"] == 0.5
    assert 0 <= both.loc[BASELINE_KEY, "value_smoke"] <= 1
    assert "## Compared with 'earlier'" in (out / "evidence.md").read_text()


def test_each_loop_off_alone_has_a_row_per_switch_and_reuses_the_on_and_off_arms(out):
    each = pd.read_csv(out / "e_loop_ablation_each_loop.csv")
    assert each["loops_off"].tolist() == ["all on", *LOOPS, "all off"]
    shares = [c for c in each.columns if c.endswith("0.1") or c == "all_moderate"]
    assert len(shares) == 5
    for c in shares:
        assert ((each[f"{c}_low"] <= each[c]) & (each[c] <= each[f"{c}_high"])).all(), c
    assert np.allclose(each["all_moderate"] - each[shares[1:]].max(axis=1), each["signature"])
    assert each.iloc[0][["signature_change", "all_moderate_change"]].tolist() == [0, 0]
    one = pd.read_csv(out / "e_loop_ablation_one_driver.csv").set_index(["loops", "arm"])
    for row, loops in ((each.iloc[0], "on"), (each.iloc[-1], "off")):
        assert row["all_moderate"] == one.loc[(loops, "all moderate (baseline)"), "share"]
        assert row["trust_0.1"] == one.loc[(loops, "trust 0.1"), "share"]
    keys = pd.read_csv(out / "key_numbers.csv")
    assert {f"E each loop off: {name}" for name in LOOPS} <= set(keys["item"])
    note = (out / "evidence.md").read_text()
    assert "each loop off alone" in note and "With every loop off the signature is" in note


def test_the_knife_edge_is_centred_on_cost_base_s_default(out):
    default = MechanismParameters.model_fields["cost_base"].default
    grid = pd.read_csv(out / "d_knife_edge.csv")
    assert len(grid) == 7 and np.allclose(grid["cost_base"] - grid["offset"], default)
    assert np.allclose(grid["offset"], [-0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12])
    slopes = pd.read_csv(out / "d_knife_edge_slope.csv").set_index("measure")
    around = slopes.loc["around the default"]
    assert np.isclose(around["cost_base_from"], default - 0.04)
    s = grid.set_index("offset")["share"]
    assert np.isclose(around["per_0.01"], (s[0.04] - s[-0.04]) / 8)
    assert (slopes.loc["neighbours", "per_0.01_low"] <= slopes.loc["neighbours", "per_0.01"]).all()
    assert "Around the default, survival changes by" in (out / "evidence.md").read_text()


def each_loop_rows(changes: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """A made-up each-loop table: every share 0.5 [0.4, 0.6], the signature's change as given."""
    rows = []
    for name, (d, lo, hi) in changes.items():
        row = {"loops_off": name}
        for col in ("all_moderate", "incentives_0.1", "urgency_0.1", "shared_interest_0.1"):
            row |= {col: 0.5, f"{col}_low": 0.4, f"{col}_high": 0.6}
        row |= {"trust_0.1": 0.5, "trust_0.1_low": 0.4, "trust_0.1_high": 0.6}
        row |= {"signature": 0.3, "signature_low": 0.2, "signature_high": 0.4}
        row |= {"signature_change": d, "signature_change_low": lo, "signature_change_high": hi}
        row |= {"all_moderate_change": 0.0, "all_moderate_change_low": -0.1}
        row["all_moderate_change_high"] = 0.1
        rows.append(row)
    return pd.DataFrame(rows)


def test_the_each_loop_sentence_names_only_changes_beyond_their_interval(script):
    ev = script.Evidence(
        reps=5,
        root_seed=1,
        out=Path("."),
        label="x",
        sobol_n=4,
        sobol_reps=1,
        agility_reps=1,
        walks=1,
        loops_off=(),
        loops_source="",
    )
    t = each_loop_rows(
        {
            "all on": (0, 0, 0),
            "a": (-0.3, -0.5, -0.1),
            "b": (-0.3, -0.6, 0.01),
            "c": (0.2, 0.05, 0.35),
            "all off": (-0.3, -0.4, -0.2),
        }
    )
    text = script.each_loop_text(ev, t)
    assert "2 of 3 loops change the signature" in text
    assert "`a` -0.30 [-0.50, -0.10] lower it; `c` 0.20 [0.05, 0.35] raise it" in text
    assert "`b`" not in text.split("| all off |")[-1]
    assert "no loop changes all-moderate survival" in text
    bare = script.each_loop_text(ev, t.iloc[[0, -1]])
    assert "no [structure] switches" in bare and "Switched off alone" not in bare
