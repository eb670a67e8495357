"""experiments/model2_evidence.py (issue 13's evidence) runs a smoke run and writes its tables."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

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
    "d_knife_edge.csv": ["cost_base", "share", "low", "high"],
    "e_loop_ablation_one_driver.csv": ["loops", "arm", "share", "low", "high"],
    "e_loop_ablation_sobol.csv": ["factor", "S1", "ST"],
    "e_loop_ablation_sobol_sums.csv": ["loops", "sum_S1", "sum_ST", "dummy_ST"],
    "f_undocumented.csv": ["arm", "scenario", "share", "low", "high"],
    "arms.csv": ["arm", "scenario", "overrides", "runs", "root_seed", "survival"],
    "sobol_designs.csv": ["analysis", "N", "runs", "sum_S1", "sum_ST", "noise_share", "dummy_ST"],
    "key_numbers.csv": ["item", "measure", "value", "low", "high", "n"],
}
BASELINE_KEY = ("P1 one driver", "survival all moderate (baseline)")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """One smoke run, set beside a made-up earlier label with one shared and one own figure."""
    spec = importlib.util.spec_from_file_location(
        "model2_evidence", ROOT / "experiments" / "model2_evidence.py"
    )
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # dataclasses look their module up there
    spec.loader.exec_module(script)
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
