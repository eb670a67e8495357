"""Issue 13's evidence: every number the issue asks to show, for one version of the model.

Run it on today's model (`--label before`) and again on Model 2 (`--label after`); each run writes
CSV tables and one `evidence.md` to docs/results/model2/<label>/, and `key_numbers.csv` (one
figure a row) so that two labels can be set side by side (`--compare before`).

    PYTHONPATH=. .venv/bin/python experiments/model2_evidence.py --label before
    PYTHONPATH=. .venv/bin/python experiments/model2_evidence.py --label after --compare before
    PYTHONPATH=. .venv/bin/python experiments/model2_evidence.py --quick --out /tmp/evidence

What it measures (sections of evidence.md):
  P1-P8  the patterns of MODEL.md §5 (docs/ODD.md §1.2), each as numbers;
  A      money alone: sustained funding with one driver low;
  B      agility: Sobol indices of the conditions for survival under volatile demand;
  C      the hazard by year, with and without funding;
  D      the knife-edge of `parameters.cost_base`: survival and its slope around the default;
  E      loop ablation: the one-driver-low table and the drivers' Sobol indices, loops on and off,
         and the "only together" signature with each loop off alone;
  F      effects the documentation did not describe (binding, structural, mandate).

Every arm runs the same replicate seeds (spawned from --root-seed, as `run_replicates` does), so
differences between arms are paired (common random numbers). Shares carry 95% Wilson intervals,
means a normal 95% interval, paired differences the interval of the mean difference.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.stats import mean_interval, paired_difference, wilson_interval
from collabsim.model.parameters import MechanismParameters
from collabsim.model.scenario import Scenario, load_scenario, validate_scenario
from collabsim.model.validation import inner_table
from collabsim.runs.runner import ReplicateResults, replicate_seeds, run_replicates, run_single

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = "baseline.toml"
SUSTAINED = "policies/sustained_funding.toml"
DRIVERS = ("incentives", "urgency", "shared_interest", "trust")
LOW = 0.1

# The organisation groups of the baseline file, by entry number (scenarios/baseline.toml).
PARTIES = {"mbo": 0, "vmbo": 1, "firms": 2, "municipality": 3}

# "Loops off" for a model without a [structure] table: the feedback loops' strengths set to zero
# by parameter (and condition) overrides. The list is issue 13's (trust gains and losses, contact,
# decay, results weight, urgency erosion, tension effects, turnover, joining).
LOOPS_OFF_BY_PARAMETERS = (
    "parameters.trust_gain_success=0",
    "parameters.trust_loss_failure=0",
    "parameters.trust_gain_contact=0",
    "parameters.trust_decay_per_month=0",
    "parameters.weight_results=0",
    "parameters.success_erodes_urgency=0",
    "parameters.tension_trust_gain_resolved=0",
    "parameters.tension_trust_loss_escalated=0",
    "parameters.tension_engagement_loss=0",
    "conditions.staff_turnover=0",
    "parameters.join_per_month=0",
)

# The knife-edge grid: cost_base's default and these distances either side of it; the slope
# around the default is taken from −KNIFE_SLOPE_OFFSET to +KNIFE_SLOPE_OFFSET.
KNIFE_OFFSETS = (0.04, 0.08, 0.12)
KNIFE_SLOPE_OFFSET = 0.04

AGILITY_CONDITIONS = (
    ("conditions.agility", 0.0, 1.0),
    ("conditions.staff_turnover", 0.0, 0.4),
    ("conditions.regulation_rigidity", 0.0, 1.0),
    ("conditions.staff_shortage", 0.0, 1.0),
    ("conditions.culture_distance", 0.0, 1.0),
    ("conditions.orientation", 0.0, 1.0),
)
DRIVER_FACTORS = tuple((f"drivers.{d}", 0.0, 1.0) for d in DRIVERS)


# --------------------------------------------------------------------------- figures


def share(successes: int, n: int) -> dict[str, float]:
    """A share with its 95% Wilson interval."""
    lo, hi = wilson_interval(int(successes), int(n))
    return {"n": int(n), "share": successes / n if n else float("nan"), "low": lo, "high": hi}


def mean_ci(values) -> dict[str, float]:
    """A mean with its normal 95% interval."""
    x = np.asarray(values, dtype=float)
    m, lo, hi = mean_interval(x)
    return {"n": int(np.isfinite(x).sum()), "mean": m, "low": lo, "high": hi}


def share_gap(a: dict, b: dict) -> dict[str, float]:
    """a − b of two independent shares with Newcombe's hybrid score 95% interval."""
    d = a["share"] - b["share"]
    lo = d - np.hypot(a["share"] - a["low"], b["high"] - b["share"])
    hi = d + np.hypot(a["high"] - a["share"], b["share"] - b["low"])
    return {"diff": d, "diff_low": lo, "diff_high": hi}


def diff_ci(a, b) -> dict[str, float]:
    """Mean of b − a over paired replicates with its 95% interval."""
    m, lo, hi = paired_difference(a, b)
    return {"diff": m, "diff_low": lo, "diff_high": hi}


def fmt(x: float, nd: int = 2) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def fci(v: float, lo: float, hi: float, nd: int = 2) -> str:
    """'0.80 [0.71, 0.87]'."""
    return f"{fmt(v, nd)} [{fmt(lo, nd)}, {fmt(hi, nd)}]"


def ci(row, col: str, nd: int = 2) -> str:
    """fci of a row's figure `col` with its interval in `col_low` and `col_high`."""
    return fci(row[col], row[f"{col}_low"], row[f"{col}_high"], nd)


def md_table(df: pd.DataFrame, nd: int = 2) -> str:
    """A markdown table of a frame (floats rounded to nd places)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in zip(*(df[c].tolist() for c in cols), strict=True):
        cells = [fmt(float(v), nd) if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- runs


@dataclass
class Evidence:
    """The settings of one evidence run, its cache of arms, and what it has written."""

    reps: int
    root_seed: int
    out: Path
    label: str
    sobol_n: int
    sobol_reps: int
    agility_reps: int
    walks: int
    loops_off: tuple[str, ...]
    loops_source: str
    arms: dict = field(default_factory=dict)
    arm_rows: list = field(default_factory=list)
    key_rows: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    sobol_infos: list = field(default_factory=list)
    arm_labels: dict = field(default_factory=dict)
    arm_index: dict = field(default_factory=dict)

    def arm(
        self, label: str, file: str = BASELINE, overrides=(), series: bool = False
    ) -> ReplicateResults:
        """Replicates of a scenario file with overrides (cached; one row in arms.csv)."""
        key = (file, tuple(overrides), series)
        if key in self.arms and label not in self.arm_labels[key]:
            self.arm_labels[key].append(label)
            self.arm_rows[self.arm_index[key]]["arm"] = "; ".join(self.arm_labels[key])
        if key not in self.arms:
            self.arm_labels[key] = [label]
            self.arm_index[key] = len(self.arm_rows)
            t0 = time.perf_counter()
            sc = load_scenario(SCENARIOS / file, list(overrides))
            res = run_replicates(sc, self.reps, root_seed=self.root_seed, series=series)
            s = res.summary
            sv = share(int(s["survived"].sum()), len(s))
            self.arm_rows.append(
                {
                    "arm": label,
                    "scenario": f"scenarios/{file}",
                    "overrides": " ".join(overrides),
                    "runs": self.reps,
                    "partnerships": len(s),
                    "root_seed": self.root_seed,
                    "survival": sv["share"],
                    "survival_low": sv["low"],
                    "survival_high": sv["high"],
                    "median_lifetime": float(s["lifetime_months"].median()),
                    "mean_public_value": float(s["public_value"].mean()),
                    "seconds": round(time.perf_counter() - t0, 2),
                }
            )
            self.arms[key] = res
        return self.arms[key]

    def survival(self, label: str, file: str = BASELINE, overrides=()) -> dict[str, float]:
        s = self.arm(label, file, overrides).summary
        return share(int(s["survived"].sum()), len(s))

    def key(self, item: str, measure: str, value, low=float("nan"), high=float("nan"), n=0):
        """One figure for key_numbers.csv (the before/after comparison reads these)."""
        self.key_rows.append(
            {
                "item": item,
                "measure": measure,
                "value": float(value),
                "low": float(low),
                "high": float(high),
                "n": int(n),
            }
        )

    def write(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        df.to_csv(self.out / name, index=False, float_format="%.6g")
        return df

    def section(self, title: str, text: str) -> None:
        self.sections.append(f"## {title}\n\n{text.strip()}\n")


DUMMY = "dummy (no effect)"


def run_sobol(
    ev: Evidence, base: Scenario, factors, name: str, reps: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """First- and total-order Sobol indices of survival over factors (SALib, Saltelli's scheme
    without second order, N = ev.sobol_n, `reps` replicates a point, every run with its own seed).
    A dummy factor that the model never reads is sampled too: with independent seeds, replicate
    noise adds about the same to every factor's ST, and the dummy's ST measures that floor. Also
    the replicate-noise share of the variance of the point means.

    (With the same seeds at every point the dummy's rows would repeat the base rows exactly and
    its ST would be 0, while a real factor's ST would still hold the seed-by-seed flips that any
    change to the trajectory causes; independent seeds put all of that into the measured floor.)"""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    keys = [k for k, _, _ in factors]
    names = [*keys, DUMMY]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = sobol_sample.sample(
        problem, ev.sobol_n, calc_second_order=False, scramble=True, seed=ev.root_seed
    )
    lo = np.array([f[1] for f in factors])
    hi = np.array([f[2] for f in factors])
    values = lo + unit[:, : len(keys)] * (hi - lo)
    seeds_of = np.array(replicate_seeds(ev.root_seed, len(values) * reps)).reshape(-1, reps)
    base_dict = base.to_dict()
    y = np.empty((len(values), reps))
    for k, (row, seeds) in enumerate(zip(values, seeds_of, strict=True)):
        data = copy.deepcopy(base_dict)
        for key, v in zip(keys, row, strict=True):
            section, leaf = key.split(".")
            data[section][leaf] = float(v)
        sc = validate_scenario(data, source=name)
        for r, seed in enumerate(seeds):
            rows = run_single(sc, int(seed), r, series=False).summary
            y[k, r] = np.mean([row["survived"] for row in rows])
    ymean = y.mean(axis=1)
    total = float(np.var(ymean))
    noise = float(y.var(axis=1, ddof=1).mean() / reps) if reps > 1 else float("nan")
    info = {
        "analysis": name,
        "factors": len(keys),
        "N": ev.sobol_n,
        "points": len(values),
        "replicates_per_point": reps,
        "runs": int(y.size),
        "mean_survival": float(ymean.mean()),
        "variance_of_point_means": total,
        "noise_share": noise / total if total > 0 else float("nan"),
    }
    if total == 0:
        s1 = st = s1c = stc = np.full(len(names), np.nan)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol_analyze.analyze(
                problem,
                ymean,
                calc_second_order=False,
                num_resamples=1000,
                conf_level=0.95,
                seed=ev.root_seed,
            )
        s1, st, s1c, stc = res["S1"], res["ST"], res["S1_conf"], res["ST_conf"]
    table = pd.DataFrame(
        {"analysis": name, "factor": names, "S1": s1, "S1_conf": s1c, "ST": st, "ST_conf": stc}
    )
    table["ST_minus_S1"] = table["ST"] - table["S1"]
    real = table["factor"] != DUMMY
    floor = float(table.loc[~real, "ST"].iloc[0])
    table["ST_above_dummy"] = table["ST"] - floor
    table["rank_ST"] = table["ST"].where(real).rank(ascending=False, method="min")
    info["dummy_S1"] = float(table.loc[~real, "S1"].iloc[0])
    info["dummy_ST"] = floor
    info["sum_S1"] = float(table.loc[real, "S1"].sum())
    info["sum_ST"] = float(table.loc[real, "ST"].sum())
    info["sum_ST_minus_sum_S1"] = info["sum_ST"] - info["sum_S1"]
    info["gap_above_dummy"] = info["sum_ST_minus_sum_S1"] - len(keys) * floor
    info["one_minus_sum_S1"] = 1.0 - info["sum_S1"]
    return table, info


# --------------------------------------------------------------------------- the sections


def one_driver_table(ev: Evidence, extra: tuple[str, ...], tag: str) -> pd.DataFrame:
    """Survival at baseline, each driver low (0.1) and each at zero (incentives zero also without
    the grant, as tests/test_patterns.py does), with extra overrides (e.g. loops off)."""
    arms = [("all moderate (baseline)", "-", "-", ())]
    for d in DRIVERS:
        arms.append((f"{d} {LOW}", d, str(LOW), (f"drivers.{d}={LOW}",)))
    for d in DRIVERS:
        arms.append((f"{d} 0", d, "0", (f"drivers.{d}=0",)))
    arms.append(
        (
            "incentives 0, no funding",
            "incentives",
            "0 + no funding",
            ("drivers.incentives=0", "policy.funding=[]"),
        )
    )
    base = ev.arm(f"{tag}: all moderate", BASELINE, extra).summary["survived"].to_numpy()
    rows = []
    for label, driver, level, sets in arms:
        s = ev.arm(f"{tag}: {label}", BASELINE, (*extra, *sets)).summary["survived"]
        rows.append(
            {
                "loops": tag,
                "arm": label,
                "driver": driver,
                "level": level,
                **share(int(s.sum()), len(s)),
                **diff_ci(base, s.to_numpy()),
            }
        )
    return pd.DataFrame(rows)


def p1_drivers(ev: Evidence) -> None:
    t = ev.write("p1_one_driver.csv", one_driver_table(ev, (), "on"))
    base = load_scenario(SCENARIOS / BASELINE)
    sob, info = run_sobol(ev, base, DRIVER_FACTORS, "drivers (loops on)", ev.sobol_reps)
    ev.write("p1_sobol_drivers.csv", sob)
    ev.sobol_infos.append(info)
    for _, r in t.iterrows():
        ev.key("P1 one driver", f"survival {r['arm']}", r["share"], r["low"], r["high"], r["n"])
    ev.key("P1 Sobol drivers", "sum S1", info["sum_S1"])
    ev.key("P1 Sobol drivers", "sum ST - sum S1", info["sum_ST_minus_sum_S1"])
    ev.key("P1 Sobol drivers", "gap above dummy", info["gap_above_dummy"])
    low = t[t["level"] == str(LOW)]
    zero = t[t["level"] == "0"]
    text = f"""
Survival over ten years of the baseline chain (one mbo, four vmbo, six firms, a municipality,
four-year grant of EUR 1.2 million), {ev.reps} runs each; `diff` is the paired change against all
moderate. Incentives at zero keep the grant unless the row says "no funding" (the pattern test
removes both).

{md_table(t[["arm", "share", "low", "high", "diff", "diff_low", "diff_high"]])}

With one driver low ({LOW}) survival is {fmt(low["share"].min())} to {fmt(low["share"].max())};
with one at zero {fmt(zero["share"].min())} to {fmt(zero["share"].max())}, against
{fci(t.iloc[0]["share"], t.iloc[0]["low"], t.iloc[0]["high"])} with all four moderate.

**Sobol over the four drivers** (each on [0, 1], baseline otherwise, grant kept; Saltelli's
scheme without second order, N = {info["N"]}: {info["points"]} points ×
{info["replicates_per_point"]} replicates = {info["runs"]} runs, each with its own seed; output:
share surviving at the point):

{md_table(sob[["factor", "S1", "S1_conf", "ST", "ST_conf", "ST_minus_S1"]])}

Over the four drivers ΣS1 = {fmt(info["sum_S1"])}, ΣST = {fmt(info["sum_ST"])},
ΣST − ΣS1 = {fmt(info["sum_ST_minus_sum_S1"])}. Replicate noise makes up
{fmt(info["noise_share"])} of the variance of the point means; noise adds to every ST, which the
dummy factor (read by nothing) measures: its ST = {fmt(info["dummy_ST"])}, so the gap above the
noise floor is ΣST − ΣS1 − 4 · ST(dummy) = {fmt(info["gap_above_dummy"])}. (Independent noise
leaves S1 unbiased; both kinds of index are shares of the variance of the noisy point means.)
"""
    ev.section("P1. No single driver suffices", text)


def p2_funding_end(ev: Evidence) -> None:
    res = ev.arm("baseline (series)", BASELINE, (), series=True)
    ts, summ = res.timeseries, res.summary
    alive = ts[ts["phase"] != "dissolved"]
    before = alive[alive["step"].between(43, 48)].groupby("replicate")["engagement"].mean()
    after = alive[alive["step"].between(52, 57)].groupby("replicate")["engagement"].mean()
    both = before.index.intersection(after.index)
    eb, ea = mean_ci(before), mean_ci(after)
    drop = diff_ci(after[both].to_numpy(), before[both].to_numpy())
    rows = [
        {"measure": "engagement months 43-48 (alive)", **eb},
        {"measure": "engagement months 52-57 (alive)", **ea},
        {
            "measure": "drop (paired, runs alive in both)",
            "n": len(both),
            "mean": drop["diff"],
            "low": drop["diff_low"],
            "high": drop["diff_high"],
        },
    ]
    at48 = ts[(ts["step"] == 48) & (ts["phase"] != "dissolved")].set_index("replicate")
    survived = summ.set_index("replicate")["survived"]
    split_rows = []
    for var in ("trust", "shared_interest"):
        high = at48[var] >= at48[var].median()
        for tag, idx in (("high", at48.index[high]), ("low", at48.index[~high])):
            s = survived[idx]
            split_rows.append(
                {
                    "split_at_month_48": var,
                    "group": tag,
                    "median": float(at48[var].median()),
                    **share(int(s.sum()), len(s)),
                }
            )
    eng = pd.DataFrame(rows)
    for k in (0, 2):
        gap = share_gap(split_rows[k], split_rows[k + 1])
        split_rows.append(
            {
                "split_at_month_48": split_rows[k]["split_at_month_48"],
                "group": "high - low",
                "median": split_rows[k]["median"],
                "n": split_rows[k]["n"] + split_rows[k + 1]["n"],
                "share": gap["diff"],
                "low": gap["diff_low"],
                "high": gap["diff_high"],
            }
        )
    split = pd.DataFrame(split_rows)
    ev.write("p2_engagement_funding_end.csv", eng)
    ev.write("p2_survival_by_month48.csv", split)
    ev.key("P2 funding end", "engagement 43-48", eb["mean"], eb["low"], eb["high"], eb["n"])
    ev.key("P2 funding end", "engagement 52-57", ea["mean"], ea["low"], ea["high"], ea["n"])
    for _, r in split.iterrows():
        ev.key(
            "P2 funding end",
            f"survival {r['group']} {r['split_at_month_48']} at 48",
            r["share"],
            r["low"],
            r["high"],
            r["n"],
        )
    tr = split[split["split_at_month_48"] == "trust"].set_index("group")
    text = f"""
Baseline, {ev.reps} runs (the grant ends after month 48). Engagement is the mean over months of
partnerships not yet dissolved, first per run, then over runs.

{md_table(eng)}

Survival of partnerships alive at month 48, split at the median of trust (or shared interest)
at month 48 ({len(at48)} alive then); the "high - low" rows are differences of shares with
Newcombe's 95% interval:

{md_table(split)}

High-trust partnerships survive {fmt(tr.loc["high", "share"])} against {fmt(tr.loc["low", "share"])}
for low-trust ones.
"""
    ev.section("P2. Drivers must act continuously (the funding end)", text)


def p3_agility(ev: Evidence) -> None:
    rows, per = [], {}
    for vol in (0.1, 0.9):
        for ag in (0.1, 0.9):
            sets = (f"conditions.demand_volatility={vol}", f"conditions.agility={ag}")
            s = ev.arm(f"volatility {vol}, agility {ag}", BASELINE, sets).summary["survived"]
            per[(vol, ag)] = s.to_numpy(dtype=float)
            rows.append({"demand_volatility": vol, "agility": ag, **share(int(s.sum()), len(s))})
    effects = []
    for vol in (0.1, 0.9):
        effects.append(
            {
                "measure": f"agility 0.9 - 0.1 at volatility {vol}",
                **diff_ci(per[(vol, 0.1)], per[(vol, 0.9)]),
            }
        )
    inter = (per[(0.9, 0.9)] - per[(0.9, 0.1)]) - (per[(0.1, 0.9)] - per[(0.1, 0.1)])
    effects.append(
        {"measure": "interaction (effect at 0.9 - effect at 0.1)", **diff_ci(0 * inter, inter)}
    )
    grid, eff = pd.DataFrame(rows), pd.DataFrame(effects)
    ev.write("p3_agility_volatility.csv", grid)
    ev.write("p3_agility_effects.csv", eff)
    for _, r in eff.iterrows():
        ev.key("P3 agility", r["measure"], r["diff"], r["diff_low"], r["diff_high"], ev.reps)
    text = f"""
Baseline with demand volatility and agility set, {ev.reps} runs each (paired seeds).

{md_table(grid)}

{md_table(eff)}
"""
    ev.section("P3. Agility matters most when demand shifts", text)


def dipped_and_recovered(trust: np.ndarray, dip: float) -> bool:
    """Whether trust fell at least `dip` below an earlier peak and later climbed back to it
    (the rule of tests/test_patterns.py at the time of writing)."""
    peak = trust[0]
    for k, value in enumerate(trust):
        peak = max(peak, value)
        if peak - value >= dip and (trust[k:] >= peak).any():
            return True
    return False


def max_drawdown(trust: np.ndarray) -> float:
    """The deepest fall below an earlier peak."""
    return float(np.max(np.maximum.accumulate(trust) - trust))


def p4_bumpy_road(ev: Evidence) -> None:
    res = ev.arm("baseline (series)", BASELINE, (), series=True)
    ts, summ = res.timeseries, res.summary
    alive = summ[summ["survived"]]
    series = {
        r: g.sort_values("step")["trust"].to_numpy(dtype=float)
        for r, g in ts[ts["replicate"].isin(alive["replicate"])].groupby("replicate")
    }
    rng = np.random.default_rng(ev.root_seed)
    walks, sds = [], []
    for trust in series.values():
        sd = float(np.std(np.diff(trust), ddof=1))
        sds.append(sd)
        steps = rng.normal(0.0, sd, size=(ev.walks, len(trust) - 1))
        walks.extend(trust[0] + np.concatenate([np.zeros((ev.walks, 1)), steps.cumsum(1)], 1))
    rows = []
    for source, paths in (("model survivors", list(series.values())), ("random walks", walks)):
        for dip in (0.05, 0.2):
            hits = sum(dipped_and_recovered(p, dip) for p in paths)
            rows.append(
                {
                    "series": source,
                    "measure": f"dip >= {dip} and recovery",
                    **share(hits, len(paths)),
                }
            )
        deep = sum(max_drawdown(p) >= 0.2 for p in paths)
        rows.append(
            {
                "series": source,
                "measure": "fall >= 0.2 below a peak (any)",
                **share(deep, len(paths)),
            }
        )
        late = sum(max_drawdown(p[12:]) >= 0.2 for p in paths)
        rows.append(
            {
                "series": source,
                "measure": "fall >= 0.2 below a peak, months 12-120",
                **share(late, len(paths)),
            }
        )
    dips = pd.DataFrame(rows)
    setbacks = alive["tensions_escalated"] + alive["liaisons_left"]
    s_rows = [
        {"measure": "escalated tensions per survivor", **mean_ci(alive["tensions_escalated"])},
        {"measure": "liaison departures per survivor", **mean_ci(alive["liaisons_left"])},
        {"measure": "escalations + departures per survivor", **mean_ci(setbacks)},
    ]
    three = share(int((setbacks >= 3).sum()), len(alive))
    esc1 = share(int((alive["tensions_escalated"] >= 1).sum()), len(alive))
    sb = pd.DataFrame(s_rows)
    ev.write("p4_bumpy_road_dips.csv", dips)
    ev.write("p4_bumpy_road_setbacks.csv", sb)
    for _, r in dips.iterrows():
        ev.key(
            "P4 bumpy road",
            f"{r['series']}: {r['measure']}",
            r["share"],
            r["low"],
            r["high"],
            r["n"],
        )
    ev.key(
        "P4 bumpy road",
        "setbacks per survivor",
        *[sb.iloc[2][c] for c in ("mean", "low", "high", "n")],
    )
    text = f"""
Trust series of the {len(series)} surviving baseline partnerships (of {ev.reps} runs). The
comparator: for each survivor, {ev.walks} driftless Gaussian random walks from its month-0 trust
with the standard deviation of its own monthly trust changes (median sd
{fmt(float(np.median(sds)), 3)}), not clipped to 0..1. "Recovery" means climbing back to the
earlier peak (the rule of the pattern test at the time of writing).

{md_table(dips)}

Setbacks (escalated tensions and liaisons leaving) per surviving partnership:

{md_table(sb)}

Survivors with at least 3 setbacks: {fci(three["share"], three["low"], three["high"])}; with at
least one escalated tension: {fci(esc1["share"], esc1["low"], esc1["high"])}.
"""
    ev.section("P4. The bumpy road", text)


def p5_parties(ev: Evidence) -> None:
    full = ev.arm("baseline", BASELINE).summary
    rng = np.random.default_rng(ev.root_seed)
    boot = rng.integers(0, len(full), size=(2000, len(full)))
    pv_full = full["public_value"].to_numpy()
    rows = [
        {
            "left_out": "none (full)",
            **mean_ci(pv_full),
            "ratio": 1.0,
            "ratio_low": 1.0,
            "ratio_high": 1.0,
            "survival": full["survived"].mean(),
        }
    ]
    for party, k in PARTIES.items():
        s = ev.arm(f"without {party}", BASELINE, (f"organisations.{k}.count=0",)).summary
        pv = s["public_value"].to_numpy()
        ratios = pv[boot].mean(1) / pv_full[boot].mean(1)
        rows.append(
            {
                "left_out": party,
                **mean_ci(pv),
                "ratio": pv.mean() / pv_full.mean(),
                "ratio_low": float(np.quantile(ratios, 0.025)),
                "ratio_high": float(np.quantile(ratios, 0.975)),
                "survival": s["survived"].mean(),
            }
        )
    t = ev.write("p5_public_value_by_party.csv", pd.DataFrame(rows))
    for _, r in t.iloc[1:].iterrows():
        ev.key(
            "P5 parties",
            f"public value ratio without {r['left_out']}",
            r["ratio"],
            r["ratio_low"],
            r["ratio_high"],
            r["n"],
        )
    text = f"""
Mean public value over ten years with each kind of party left out of the baseline (its count set
to 0), {ev.reps} runs each; the ratio to the full chain has a paired bootstrap 95% interval
(2000 resamples of runs).

{md_table(t)}
"""
    ev.section("P5. All parties at the table", text)


def p6_formalisation(ev: Evidence) -> None:
    rows = []
    for kind in ("operational", "strategic"):
        s = ev.arm(kind, BASELINE, (f"partnership.kind='{kind}'",)).summary
        fm = s["formalised_month"]
        by36 = share(int((fm <= 36).sum()), len(s))
        ever = share(int(fm.notna().sum()), len(s))
        rows.append(
            {
                "kind": kind,
                "n": len(s),
                "formalised_by_36": by36["share"],
                "by_36_low": by36["low"],
                "by_36_high": by36["high"],
                "formalised_ever": ever["share"],
                "median_month": float(fm.median()) if fm.notna().any() else float("nan"),
                "q25_month": float(fm.quantile(0.25)) if fm.notna().any() else float("nan"),
                "q75_month": float(fm.quantile(0.75)) if fm.notna().any() else float("nan"),
            }
        )
    t = ev.write("p6_formalisation.csv", pd.DataFrame(rows))
    for _, r in t.iterrows():
        ev.key(
            "P6 formalisation",
            f"{r['kind']} formalised by 36",
            r["formalised_by_36"],
            r["by_36_low"],
            r["by_36_high"],
            r["n"],
        )
        ev.key("P6 formalisation", f"{r['kind']} median month", r["median_month"], n=r["n"])
    text = f"""
Baseline as an operational and as a strategic partnership, {ev.reps} runs each. The median and
quartiles of the formalisation month are over the partnerships that formalised.

{md_table(t, 2)}
"""
    ev.section("P6. Operational partnerships formalise more often and earlier", text)


def p7_design(ev: Evidence) -> None:
    base = ev.arm("baseline", BASELINE).summary["survived"].to_numpy()
    arms = [
        ("baseline", ()),
        ("coordinator", ("partnership.coordinator=true",)),
        ("weekly meetings", ("partnership.meeting_rhythm='weekly'",)),
        ("staff turnover 0.4", ("conditions.staff_turnover=0.4",)),
    ]
    rows = []
    for label, sets in arms:
        s = ev.arm(label, BASELINE, sets).summary["survived"]
        rows.append({"arm": label, **share(int(s.sum()), len(s)), **diff_ci(base, s.to_numpy())})
    t = ev.write("p7_design.csv", pd.DataFrame(rows))
    for _, r in t.iterrows():
        ev.key("P7 design", f"survival {r['arm']}", r["share"], r["low"], r["high"], r["n"])
    text = f"""
Survival with a coordinator, weekly meetings or staff turnover of 0.4 a year, {ev.reps} runs each;
`diff` is the paired change against the baseline.

{md_table(t)}
"""
    ev.section("P7. Coordinators and meeting moments help; turnover hurts", text)


def p8_hub(ev: Evidence) -> None:
    arms = [
        (
            "hub composition: 1 mbo, 10 vmbo, 2 firms, 1 municipality",
            BASELINE,
            ("organisations.1.count=10", "organisations.2.count=2"),
        ),
        (
            "small balanced: 1 mbo, 2 vmbo, 2 firms, 1 municipality",
            BASELINE,
            ("organisations.1.count=2", "organisations.2.count=2"),
        ),
        (
            "shared hub: 1 mbo in 5 partnerships (each 2 vmbo, 2 firms, 1 municipality)",
            BASELINE,
            (
                "scenario.partnerships=5",
                "organisations.1.count=10",
                "organisations.2.count=10",
                "organisations.3.count=5",
            ),
        ),
        (
            "no hub: 5 such partnerships, each with its own mbo",
            BASELINE,
            (
                "scenario.partnerships=5",
                "organisations.0.count=5",
                "organisations.1.count=10",
                "organisations.2.count=10",
                "organisations.3.count=5",
            ),
        ),
    ]
    rows = []
    for label, file, sets in arms:
        s = ev.arm(label, file, sets).summary
        rows.append({"arm": label, **share(int(s["survived"].sum()), len(s))})
    hub, small = (ev.arm(a[0], a[1], a[2]).summary["survived"].to_numpy() for a in arms[:2])
    gap = diff_ci(hub, small)
    rows.append(
        {
            "arm": "small balanced - hub composition (paired)",
            "n": ev.reps,
            "share": gap["diff"],
            "low": gap["diff_low"],
            "high": gap["diff_high"],
        }
    )
    t = ev.write("p8_hub.csv", pd.DataFrame(rows))
    for _, r in t.iterrows():
        ev.key("P8 hub", f"survival {r['arm']}", r["share"], r["low"], r["high"], r["n"])
    text = f"""
{ev.reps} runs each. The first two rows are the compositions tests/test_patterns.py compares (one
partnership each). The last two put one mbo into five partnerships at once (the region's hub rule:
a group smaller than the number of partnerships is shared) against five partnerships with an mbo
each; their shares count partnerships (5 a run), which are not independent within a run, so their
intervals are too narrow.

{md_table(t)}
"""
    ev.section("P8. One mbo with many vmbo partners is harder to sustain", text)


def a_money_alone(ev: Evidence) -> None:
    rows = []
    for label, sets in [("all moderate", ())] + [
        (f"{d} {LOW}", (f"drivers.{d}={LOW}",)) for d in DRIVERS
    ]:
        s = ev.arm(f"sustained funding, {label}", SUSTAINED, sets).summary["survived"]
        rows.append({"arm": label, **share(int(s.sum()), len(s))})
    t = ev.write("a_money_alone.csv", pd.DataFrame(rows))
    for _, r in t.iterrows():
        ev.key(
            "A money alone",
            f"sustained funding, {r['arm']}",
            r["share"],
            r["low"],
            r["high"],
            r["n"],
        )
    text = f"""
`scenarios/policies/sustained_funding.toml` (EUR 300,000 a year for all ten years) with one
driver at {LOW} in turn, {ev.reps} runs each.

{md_table(t)}
"""
    ev.section("A. Money alone: sustained funding with one driver low", text)


def b_agility_sobol(ev: Evidence) -> None:
    base = load_scenario(SCENARIOS / BASELINE, ["conditions.demand_volatility=0.9"])
    sob, info = run_sobol(
        ev, base, AGILITY_CONDITIONS, "conditions at volatility 0.9", ev.agility_reps
    )
    ev.write("b_agility_sobol.csv", sob)
    ev.sobol_infos.append(info)
    ag = sob.set_index("factor").loc["conditions.agility"]
    ev.key(
        "B agility Sobol",
        "ST agility",
        ag["ST"],
        ag["ST"] - ag["ST_conf"],
        ag["ST"] + ag["ST_conf"],
    )
    ev.key(
        "B agility Sobol",
        "S1 agility",
        ag["S1"],
        ag["S1"] - ag["S1_conf"],
        ag["S1"] + ag["S1_conf"],
    )
    ev.key("B agility Sobol", "rank of agility by ST", ag["rank_ST"])
    ev.key("B agility Sobol", "ST agility above dummy", ag["ST_above_dummy"])
    rank = int(ag["rank_ST"]) if np.isfinite(ag["rank_ST"]) else "–"
    ranges = ", ".join(f"{k.split('.')[1]} [{lo}, {hi}]" for k, lo, hi in AGILITY_CONDITIONS)
    text = f"""
Sobol indices of survival over six conditions ({ranges}) with demand volatility fixed at 0.9,
baseline otherwise (grant kept); N = {info["N"]}, {info["points"]} points ×
{info["replicates_per_point"]} replicates = {info["runs"]} runs; noise share of the variance of the
point means {fmt(info["noise_share"])}. `_conf` is SALib's bootstrap 95% half-width. The dummy
factor is read by nothing: its ST is the floor that replicate noise puts under every ST.

{md_table(sob[["factor", "S1", "S1_conf", "ST", "ST_conf", "ST_above_dummy", "rank_ST"]])}

Agility: ST = {fmt(ag["ST"])} ± {fmt(ag["ST_conf"])}, S1 = {fmt(ag["S1"])}; rank
{rank} of {len(sob) - 1} by ST; ST above the dummy's {fmt(ag["ST_above_dummy"])}.
"""
    ev.section("B. Agility under volatile demand (Sobol)", text)


def c_hazard(ev: Evidence) -> None:
    rows, month_rows = [], []
    for label, sets in (("with grant (baseline)", ()), ("no funding", ("policy.funding=[]",))):
        s = ev.arm(label, BASELINE, sets).summary
        life = s["lifetime_months"].to_numpy()
        ended = ~s["survived"].to_numpy(dtype=bool)
        for year in range(1, 11):
            at_risk = life > 12 * (year - 1)
            died = at_risk & ended & (life <= 12 * year)
            rows.append(
                {
                    "funding": label,
                    "year": year,
                    "at_risk": int(at_risk.sum()),
                    "dissolved": int(died.sum()),
                    **share(int(died.sum()), int(at_risk.sum())),
                }
            )
        for m in range(1, 121):
            month_rows.append(
                {"funding": label, "month": m, "dissolved": int((ended & (life == m)).sum())}
            )
    t = ev.write("c_hazard_by_year.csv", pd.DataFrame(rows))
    months = ev.write("c_dissolutions_by_month.csv", pd.DataFrame(month_rows))
    notes = []
    for label, g in months.groupby("funding", sort=False):
        total = g["dissolved"].sum()
        y1 = g[g["month"] <= 12]["dissolved"].sum()
        m1012 = g[g["month"].between(10, 12)]["dissolved"].sum()
        first = g[g["dissolved"] > 0]["month"].min() if total else float("nan")
        notes.append(
            f"- {label}: {total} dissolved; {y1} in year 1, {m1012} of them in months "
            f"10–12; the earliest in month {first}."
        )
    for _, r in t.iterrows():
        ev.key(
            "C hazard", f"{r['funding']} year {r['year']}", r["share"], r["low"], r["high"], r["n"]
        )
    wide = t.pivot(index="year", columns="funding", values="share").reset_index()
    text = f"""
Share of partnerships alive at the start of each year that dissolve during it (from
lifetime_months), {ev.reps} runs each; the intervals are in c_hazard_by_year.csv and dissolutions
by month in c_dissolutions_by_month.csv.

{md_table(wide)}

{chr(10).join(notes)}
"""
    ev.section("C. The hazard by year, with and without funding", text)


def cost_base_default() -> tuple[float, float, float]:
    """`parameters.cost_base`'s default and its allowed range, read from the model's parameters."""
    f = MechanismParameters.model_fields["cost_base"]
    lo = next((m.ge for m in f.metadata if getattr(m, "ge", None) is not None), -np.inf)
    hi = next((m.le for m in f.metadata if getattr(m, "le", None) is not None), np.inf)
    return float(f.default), float(lo), float(hi)


def d_knife_edge(ev: Evidence) -> None:
    """Survival on a symmetric grid around cost_base's default (KNIFE_OFFSETS either side), and
    the slope: the paired change of survival per 0.01 of cost_base, around the default (from
    −KNIFE_SLOPE_OFFSET to +KNIFE_SLOPE_OFFSET) and between each pair of neighbours."""
    default, lo, hi = cost_base_default()
    offsets = sorted({0.0, *KNIFE_OFFSETS, *(-o for o in KNIFE_OFFSETS)})
    rows, runs = [], {}
    for o in offsets:
        c = round(default + o, 6)
        if not lo <= c <= hi:
            continue
        s = ev.arm(f"cost_base {c:g}", BASELINE, (f"parameters.cost_base={c:g}",)).summary
        runs[o] = s["survived"].to_numpy(dtype=float)
        rows.append({"cost_base": c, "offset": o, **share(int(runs[o].sum()), len(runs[o]))})
    t = ev.write("d_knife_edge.csv", pd.DataFrame(rows))

    def slope(measure: str, a: float, b: float) -> dict:
        d, per = diff_ci(runs[a], runs[b]), 0.01 / (b - a)
        return {
            "measure": measure,
            "cost_base_from": round(default + a, 6),
            "cost_base_to": round(default + b, 6),
            "per_0.01": d["diff"] * per,
            "per_0.01_low": d["diff_low"] * per,
            "per_0.01_high": d["diff_high"] * per,
        }

    k = KNIFE_SLOPE_OFFSET
    slopes = [slope("around the default", -k, k)] if {-k, k} <= set(runs) else []
    slopes += [slope("neighbours", a, b) for a, b in pairwise(runs)]
    sl = ev.write("d_knife_edge_slope.csv", pd.DataFrame(slopes))
    for _, r in t.iterrows():
        item = f"cost_base default {r['offset']:+.2f}"
        ev.key("D knife edge", item, r["share"], r["low"], r["high"], r["n"])
    ev.key("D knife edge", "cost_base default", default)
    sentences = []
    for _, r in sl[sl["measure"] == "around the default"].iterrows():
        figure = (r["per_0.01"], r["per_0.01_low"], r["per_0.01_high"])
        ev.key("D knife edge", "slope per 0.01 around the default", *figure, ev.reps)
        sentences.append(
            f"Around the default, survival changes by {ci(r, 'per_0.01', 3)} per 0.01 of "
            f"cost_base (the paired change from {fmt(r['cost_base_from'])} to "
            f"{fmt(r['cost_base_to'])}, divided by {2 * k / 0.01:.0f})."
        )
    nb = sl[sl["measure"] == "neighbours"]
    if len(nb):
        r = nb.loc[nb["per_0.01"].abs().idxmax()]
        figure = (r["per_0.01"], r["per_0.01_low"], r["per_0.01_high"])
        ev.key("D knife edge", "steepest slope per 0.01 on the grid", *figure, ev.reps)
        sentences.append(
            f"The steepest step on the grid is from {fmt(r['cost_base_from'])} to "
            f"{fmt(r['cost_base_to'])}: {ci(r, 'per_0.01', 3)} per 0.01."
        )
    text = f"""
Baseline survival as the one constant `parameters.cost_base` varies around its default
{default:g} (read from `collabsim.model.parameters`; `offset` is the distance from it),
{ev.reps} runs each with the same seeds.

{md_table(t)}

Slopes: the paired change of survival per 0.01 of cost_base with the 95% interval of the mean
paired change (d_knife_edge_slope.csv):

{md_table(sl, 3)}

{" ".join(sentences)}
"""
    ev.section("D. The knife-edge of cost_base", text)


def loop_switches() -> tuple[str, ...]:
    """The names of the model's loop switches (collabsim.model.structure.LOOPS, so a switch added
    there appears here); none for a model without them."""
    try:
        from collabsim.model.structure import LOOPS
    except ImportError:
        return ()
    return tuple(LOOPS)


def each_loop_table(ev: Evidence) -> pd.DataFrame:
    """One row for all loops on, one for each switch of LOOPS off alone, one for all off
    (ev.loops_off): survival with all four drivers moderate and with each driver low (LOW, grant
    kept, as in P1); the interaction signature, all-moderate survival minus the best one-low
    survival (the one-low arm of the row with the highest share), as the mean over paired runs
    with its interval; and the paired changes of signature and all-moderate survival against
    all on."""
    settings = [("all on", "on", ())]
    settings += [(name, f"{name} off", (f"structure.{name}=false",)) for name in loop_switches()]
    settings.append(("all off", "off", tuple(ev.loops_off)))
    arms = [("all_moderate", "all moderate", ())]
    arms += [(f"{d}_{LOW}", f"{d} {LOW}", (f"drivers.{d}={LOW}",)) for d in DRIVERS]
    rows, first = [], None
    for label, tag, extra in settings:
        row, runs = {"loops_off": label, "overrides": " ".join(extra)}, {}
        for col, arm, sets in arms:
            s = ev.arm(f"{tag}: {arm}", BASELINE, (*extra, *sets)).summary["survived"]
            runs[col] = s.to_numpy(dtype=float)
            sv = share(int(s.sum()), len(s))
            row |= {"n": sv["n"], col: sv["share"], f"{col}_low": sv["low"]}
            row[f"{col}_high"] = sv["high"]
        best = max(arms[1:], key=lambda a: runs[a[0]].mean())
        runs["signature"] = runs["all_moderate"] - runs[best[0]]
        first = first or runs
        m, lo, hi = mean_interval(runs["signature"])
        row |= {"best_one_low": best[1], "signature": m, "signature_low": lo, "signature_high": hi}
        for col in ("signature", "all_moderate"):
            d = diff_ci(first[col], runs[col])
            row |= {f"{col}_change": d["diff"], f"{col}_change_low": d["diff_low"]}
            row[f"{col}_change_high"] = d["diff_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def each_loop_text(ev: Evidence, t: pd.DataFrame) -> str:
    """The each-loop-off table in markdown (cells 'share [low, high]') and sentences computed
    from it: which single switches change the signature (and all-moderate survival) beyond the
    95% interval of the paired change against all on."""
    show = pd.DataFrame({"loops off": t["loops_off"]})
    for col in ["all_moderate", *(f"{d}_{LOW}" for d in DRIVERS), "signature"]:
        show[col.replace("_", " ")] = [ci(r, col) for _, r in t.iterrows()]
    show["change vs all on"] = [ci(r, "signature_change") for _, r in t.iterrows()]
    single = t.iloc[1:-1].set_index("loops_off")
    sentences = []
    for col, what in (("signature", "the signature"), ("all_moderate", "all-moderate survival")):
        if not len(single):
            break
        down = single.index[single[f"{col}_change_high"] < 0]
        up = single.index[single[f"{col}_change_low"] > 0]
        if not len(down) + len(up):
            sentences.append(
                f"Switched off alone, no loop changes {what} beyond the 95% interval of the "
                f"paired change against all on (all {len(single)} intervals hold 0)."
            )
            continue
        parts = []
        for names, way in ((down, "lower"), (up, "raise")):
            if len(names):
                each = [f"`{n}` {ci(single.loc[n], col + '_change')}" for n in names]
                parts.append(f"{', '.join(each)} {way} it")
        moved = len(down) + len(up)
        verb = "changes" if moved == 1 else "change"
        sentences.append(
            f"Switched off alone, {moved} of {len(single)} loops {verb} {what} "
            f"beyond the 95% interval of the paired change against all on: {'; '.join(parts)}; "
            f"for the other {len(single) - moved} the interval holds 0."
        )
    on, off = t.iloc[0], t.iloc[-1]
    sentences.append(
        f"With every loop off the signature is {ci(off, 'signature')}, against "
        f"{ci(on, 'signature')} with all on."
    )
    if not len(single):
        sentences.append("This model has no [structure] switches: only all on and all off.")
    return f"""
**"Only together", each loop off alone.** Survival, {ev.reps} runs each with the same seeds, with
all four drivers moderate and with one driver at {LOW} (grant kept, as in P1), for all loops on,
every switch of `collabsim.model.structure.LOOPS` set false alone, and all off (the overrides
above). The **signature** is all-moderate survival minus the best one-low survival of the same
row (mean over paired runs with its normal 95% interval, of zero width where every run of the row
gives the same difference: then the shares' Wilson intervals bound it; picking the best arm after
the fact makes it, if anything, a little smaller); **change vs all on** is its paired change
against the first row.
With {len(single)} single switches at 95%, about {0.05 * len(single):.1f} would fall outside by
chance alone. e_loop_ablation_each_loop.csv also has the best one-low arm and the paired change
of all-moderate survival.

{md_table(show)}

{" ".join(sentences)}
"""


def e_loop_ablation(ev: Evidence) -> None:
    on = pd.read_csv(ev.out / "p1_one_driver.csv")
    off = one_driver_table(ev, ev.loops_off, "off")
    both = pd.concat([on, off], ignore_index=True)
    ev.write("e_loop_ablation_one_driver.csv", both)
    base = load_scenario(SCENARIOS / BASELINE, list(ev.loops_off))
    sob, info = run_sobol(ev, base, DRIVER_FACTORS, "drivers (loops off)", ev.sobol_reps)
    ev.write("e_loop_ablation_sobol.csv", sob)
    ev.sobol_infos.append(info)
    on_info = next(i for i in ev.sobol_infos if i["analysis"] == "drivers (loops on)")
    for _, r in off.iterrows():
        ev.key("E loops off", f"survival {r['arm']}", r["share"], r["low"], r["high"], r["n"])
    ev.key("E loops off", "sum S1", info["sum_S1"])
    ev.key("E loops off", "sum ST - sum S1", info["sum_ST_minus_sum_S1"])
    ev.key("E loops off", "gap above dummy", info["gap_above_dummy"])
    wide = on[["arm", "share", "low", "high"]].merge(
        off[["arm", "share", "low", "high"]], on="arm", suffixes=("_on", "_off")
    )
    cols = ("sum_S1", "sum_ST", "sum_ST_minus_sum_S1", "dummy_ST", "gap_above_dummy")
    sums = pd.DataFrame(
        [
            {"loops": "on", **{k: on_info[k] for k in cols}, "noise_share": on_info["noise_share"]},
            {"loops": "off", **{k: info[k] for k in cols}, "noise_share": info["noise_share"]},
        ]
    )
    ev.write("e_loop_ablation_sobol_sums.csv", sums)
    each = ev.write("e_loop_ablation_each_loop.csv", each_loop_table(ev))
    for _, r in each.iterrows():
        item = f"E each loop off: {r['loops_off']}"
        for col, arm in [("all_moderate", "all moderate")] + [
            (f"{d}_{LOW}", f"{d} {LOW}") for d in DRIVERS
        ]:
            ev.key(item, f"survival {arm}", r[col], r[f"{col}_low"], r[f"{col}_high"], r["n"])
        for col in ("signature", "signature_change"):
            ev.key(item, col.replace("_", " "), r[col], r[f"{col}_low"], r[f"{col}_high"], r["n"])
    overrides = "\n".join(f"- `{o}`" for o in ev.loops_off)
    text = f"""
"Loops off" here: {ev.loops_source}. The overrides:

{overrides}

Survival, {ev.reps} runs each, with the loops on and off:

{md_table(wide)}

Sobol over the four drivers (same design as P1):

{md_table(sums)}

{each_loop_text(ev, each)}
"""
    ev.section("E. Loop ablation", text)


def f_undocumented(ev: Evidence) -> None:
    arms = [
        ("baseline (binding = false)", BASELINE, ()),
        ("binding = true", BASELINE, ("partnership.binding=true",)),
        ("grant as one_off (baseline)", BASELINE, ()),
        ("grant as structural (same amount)", BASELINE, ("policy.funding.0.scheme='structural'",)),
        ("no policy", "policies/no_policy.toml", ()),
        ("mandate (mandate_incentive default)", "policies/mandated_collaboration.toml", ()),
        (
            "mandate, mandate_incentive = 0",
            "policies/mandated_collaboration.toml",
            ("parameters.mandate_incentive=0",),
        ),
        ("relaxed rules", "policies/relaxed_rules.toml", ()),
    ]
    rows = []
    for label, file, sets in arms:
        s = ev.arm(label, file, sets).summary
        rows.append(
            {
                "arm": label,
                "scenario": file,
                **share(int(s["survived"].sum()), len(s)),
                "mean_public_value": s["public_value"].mean(),
            }
        )
    t = ev.write("f_undocumented.csv", pd.DataFrame(rows))
    one_off = ev.arm("grant as one_off (baseline)", BASELINE, ()).summary.drop(
        columns=["partnership"]
    )
    structural = ev.arm(
        "grant as structural (same amount)", BASELINE, ("policy.funding.0.scheme='structural'",)
    ).summary
    same = one_off.equals(structural.drop(columns=["partnership"]))
    for _, r in t.iterrows():
        ev.key("F undocumented", f"survival {r['arm']}", r["share"], r["low"], r["high"], r["n"])
    ev.key("F undocumented", "structural identical to one_off (1 = yes)", float(same))
    text = f"""
{ev.reps} runs each. The mandate files are `scenarios/policies/mandated_collaboration.toml`
(a `mandate` scheme for ten years, no money) and `no_policy.toml` (the same region without any
instrument).

{md_table(t)}

The `structural` grant's runs are {"identical to" if same else "different from"} the `one_off`
grant's (same seeds, same amount and duration).
"""
    ev.section("F. Effects the documentation did not describe", text)


# --------------------------------------------------------------------------- the run


def structure_switches() -> tuple[tuple[str, ...], str] | None:
    """Overrides that switch every loop off when the scenario has a [structure] table: each
    boolean key whose default is true is set false (None when there is no such table)."""
    fieldinfo = Scenario.model_fields.get("structure")
    if fieldinfo is None:
        return None
    table = inner_table(fieldinfo.annotation)
    if table is None:
        return None
    keys = [
        f"structure.{name}=false"
        for name, f in table.model_fields.items()
        if f.annotation is bool and f.default is True
    ]
    return tuple(keys), "every boolean key of the scenario's [structure] table set false"


def git_state() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "status",
                "--porcelain",
                "--",
                "collabsim",
                "scenarios",
                "experiments/model2_evidence.py",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + (" (model, scenarios or this script changed since)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def compare(ev: Evidence, other: Path) -> None:
    """key_numbers of another label beside this one's, in compare.csv and an evidence section."""
    theirs = pd.read_csv(other / "key_numbers.csv")
    ours = pd.DataFrame(ev.key_rows)
    both = theirs.merge(
        ours, on=["item", "measure"], how="outer", suffixes=(f"_{other.name}", f"_{ev.label}")
    )
    ev.write(f"compare_{other.name}.csv", both)
    cols = ["item", "measure", f"value_{other.name}", f"value_{ev.label}"]
    ev.section(f"Compared with '{other.name}'", md_table(both[cols]))


SECTIONS = (
    ("P1", p1_drivers),
    ("P2", p2_funding_end),
    ("P3", p3_agility),
    ("P4", p4_bumpy_road),
    ("P5", p5_parties),
    ("P6", p6_formalisation),
    ("P7", p7_design),
    ("P8", p8_hub),
    ("A", a_money_alone),
    ("B", b_agility_sobol),
    ("C", c_hazard),
    ("D", d_knife_edge),
    ("E", e_loop_ablation),
    ("F", f_undocumented),
)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=100, help="runs per arm (default 100)")
    ap.add_argument("--root-seed", type=int, default=2026, help="root seed of every arm")
    ap.add_argument("--label", default="before", help="before, after, ... (names the folder)")
    ap.add_argument("--out", type=Path, default=None, help="default docs/results/model2/<label>")
    ap.add_argument("--sobol-n", type=int, default=256, help="Sobol base samples (power of two)")
    ap.add_argument("--sobol-reps", type=int, default=4, help="replicates per Sobol point")
    ap.add_argument(
        "--agility-reps", type=int, default=8, help="replicates per point, agility Sobol"
    )
    ap.add_argument("--walks", type=int, default=20, help="random walks per survivor (P4)")
    ap.add_argument(
        "--loops-off",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="override(s) that switch the loops off (default: [structure] or parameters)",
    )
    ap.add_argument("--compare", default=None, help="another label (or folder) to set beside")
    ap.add_argument("--quick", action="store_true", help="smoke run: 6 reps, N = 4, 2 reps a point")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.sobol_n, args.sobol_reps, args.walks = 6, 4, 2, 3
        args.agility_reps = 2
    return args


def main(argv: list[str] | None = None) -> Path:
    args = parse(argv)
    out = args.out or ROOT / "docs" / "results" / "model2" / args.label
    out.mkdir(parents=True, exist_ok=True)
    if args.loops_off:
        loops, source = tuple(args.loops_off), "the overrides given with --loops-off"
    else:
        found = structure_switches()
        if found and found[0]:
            loops, source = found
        else:
            loops = LOOPS_OFF_BY_PARAMETERS
            source = (
                "the scenario schema has no [structure] table, so the loops are approximated "
                "by setting their strengths to zero (issue 13's list: trust gains and losses, "
                "contact, decay, results weight, urgency erosion, tension effects, turnover, "
                "joining); not switched off: interests' pull toward the agenda "
                "(understanding_per_month), the agenda following demand, formalisation and the "
                "funding end"
            )
    ev = Evidence(
        reps=args.reps,
        root_seed=args.root_seed,
        out=out,
        label=args.label,
        sobol_n=args.sobol_n,
        sobol_reps=args.sobol_reps,
        agility_reps=args.agility_reps,
        walks=args.walks,
        loops_off=loops,
        loops_source=source,
    )
    t_all = time.perf_counter()
    for name, fn in SECTIONS:
        t0 = time.perf_counter()
        fn(ev)
        ev.timings[name] = round(time.perf_counter() - t0, 1)
        print(f"{name}: {ev.timings[name]} s", file=sys.stderr, flush=True)
    if args.compare:
        other = Path(args.compare)
        other = other if other.is_dir() else out.parent / args.compare
        compare(ev, other)
    total = round(time.perf_counter() - t_all, 1)
    arms = ev.write("arms.csv", pd.DataFrame(ev.arm_rows))
    ev.write("sobol_designs.csv", pd.DataFrame(ev.sobol_infos))
    ev.write("key_numbers.csv", pd.DataFrame(ev.key_rows))
    meta = {
        "label": ev.label,
        "commit": git_state(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "reps": ev.reps,
        "root_seed": ev.root_seed,
        "sobol_n": ev.sobol_n,
        "sobol_reps": ev.sobol_reps,
        "agility_reps": ev.agility_reps,
        "arms": len(arms),
        "runs": int(arms["runs"].sum() + sum(i["runs"] for i in ev.sobol_infos)),
        "seconds": total,
        "seconds_by_section": ev.timings,
        "loops_off": list(ev.loops_off),
        "command": "experiments/model2_evidence.py " + " ".join(argv or sys.argv[1:]),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    head = f"""# Issue 13 evidence: '{ev.label}'

Written by `experiments/model2_evidence.py` (commit {meta["commit"]}, {meta["date"]}).
{ev.reps} runs per arm, root seed {ev.root_seed}: every arm runs the same replicate seeds
(`numpy.random.SeedSequence({ev.root_seed}).spawn({ev.reps})`, as `run_replicates` does), so
differences between arms are paired. Shares: 95% Wilson intervals; means: normal 95% intervals;
paired differences (`diff`): 95% interval of the mean difference. The Sobol designs (SALib,
Saltelli's scheme, scrambled sample seeded with {ev.root_seed}, no second order) give every run its
own seed (`SeedSequence({ev.root_seed}).spawn(points × replicates)`, in order) and sample a dummy
factor that nothing reads: its ST is the floor replicate noise puts under every ST. {meta["arms"]}
arms and three Sobol designs, {meta["runs"]:,} runs in {total:.0f} s on one core. Every arm with
its scenario, overrides and survival is in `arms.csv`; every headline figure in `key_numbers.csv`.
"""
    (out / "evidence.md").write_text(head + "\n" + "\n".join(ev.sections))
    print(f"wrote {out} in {total} s", file=sys.stderr)
    return out


if __name__ == "__main__":
    main()
