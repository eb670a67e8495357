"""The projection: the scan's scenario run 10 years ahead with replicated runs.

Survival after 5 and 10 years (each a share with a 95% Wilson interval), lifetimes, Kaplan–Meier,
public value, the expected trajectories (mean and 10–90% band of each driver over the partnerships
still going) and the most likely sources of trouble (event kinds in the 12 months before each
collapse against their base rate).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

HORIZON_5, HORIZON_10 = 60, 120
SERIES_BANDS = ("trust", "engagement", "urgency", "incentives", "shared_interest")
TROUBLE_WORDS = {
    "tension_raised": "tensions come up between partners",
    "tension_resolved": "tensions are worked through",
    "tension_escalated": "tensions escalate",
    "crisis": "escalations pile up into a crisis",
    "liaison_left": "a representative (liaison) leaves",
    "member_left": "a member drifts off",
    "member_joined": "a member joins",
    "funding_started": "funding starts",
    "funding_ended": "funding ends",
    "formalised": "the partnership formalises",
    "demand_shock": "a sudden shift in regional demand",
    "teacher_moment": "a teacher moment",
}


def survival_5y(summary: pd.DataFrame) -> np.ndarray:
    """1 for runs still going after 60 months (lifetime ≥ 60), else 0."""
    return (summary["lifetime_months"].to_numpy() >= HORIZON_5).astype(float)


def engagement_at(timeseries: pd.DataFrame, month: int) -> np.ndarray:
    """Mean engagement at one month per run, in replicate order (0 once dissolved)."""
    ts = timeseries[timeseries["step"] == month].sort_values(["replicate", "partnership"])
    alive = ts["phase"].astype(str) != "dissolved"
    return np.where(alive, ts["engagement"].to_numpy(), 0.0)


def share_with_interval(flags: np.ndarray) -> dict:
    """The share of runs flagged 1, with its 95% Wilson interval and the counts k of n."""
    from collabsim.analysis.stats import wilson_interval

    k, n = int(flags.sum()), len(flags)
    lo, hi = wilson_interval(k, n)
    return {"share": k / n if n else math.nan, "low": lo, "high": hi, "k": k, "n": n}


def trajectory_bands(timeseries: pd.DataFrame) -> dict[str, list[dict]]:
    """Per month: mean and 10–90% band of each driver over the partnerships still going."""
    alive = timeseries["phase"].astype(str) != "dissolved"
    ts = timeseries[alive]
    out: dict[str, list[dict]] = {}
    grouped = ts.groupby("step")
    for col in SERIES_BANDS:
        g = grouped[col]
        frame = pd.DataFrame(
            {"mean": g.mean(), "p10": g.quantile(0.1), "p90": g.quantile(0.9), "n": g.size()}
        )
        out[col] = [
            {"month": int(m), "mean": a, "p10": b, "p90": c, "going": int(n)}
            for m, a, b, c, n in zip(
                frame.index, frame["mean"], frame["p10"], frame["p90"], frame["n"], strict=True
            )
        ]
    return out


def sources_of_trouble(summary: pd.DataFrame, events: pd.DataFrame, window: int = 12) -> dict:
    """Event kinds in the 12 months before each collapse, against their rate over all months
    partnerships were going (the base rate)."""
    dead = summary[~summary["survived"]]
    exposure = float(summary["lifetime_months"].sum())
    ev = events[events["kind"] != "dissolved"]
    base = ev.groupby("kind").size()
    windows = []
    for _, row in dead.iterrows():
        d = int(row["lifetime_months"])
        sel = ev[
            (ev["replicate"] == row["replicate"])
            & (ev["partnership"] == row["partnership"])
            & (ev["step"] > d - window)
            & (ev["step"] <= d)
        ]
        windows.append((min(window, d), sel["kind"].value_counts()))
    months_before = float(sum(w for w, _ in windows))
    rows = []
    for kind in sorted(set(base.index)):
        count = int(sum(c.get(kind, 0) for _, c in windows))
        runs_with = int(sum(c.get(kind, 0) > 0 for _, c in windows))
        rate_before = count / months_before if months_before else math.nan
        base_rate = base.get(kind, 0) / exposure if exposure else math.nan
        rows.append(
            {
                "kind": kind,
                "what": TROUBLE_WORDS.get(kind, kind),
                "count_before_collapse": count,
                "collapses_with_it": runs_with,
                "share_of_collapses": runs_with / len(windows) if windows else math.nan,
                "rate_before_per_month": rate_before,
                "base_rate_per_month": base_rate,
                "ratio": rate_before / base_rate if base_rate else math.nan,
            }
        )
    rows.sort(key=lambda r: (-r["count_before_collapse"], r["kind"]))
    return {"collapses": len(windows), "window_months": window, "kinds": rows}


def project(scenario, seeds: list[int], draws=(None, None)) -> dict:
    """Run the scenario 10 years ahead: survival, lifetimes, bands and sources of trouble.

    draws: (posterior, each replicate's particle), or (None, None) for the default parameters."""
    from collabsim.analysis.stats import kaplan_meier, mean_interval
    from collabsim.runs.runner import run_replicates

    posterior, particles = draws
    res = run_replicates(scenario, seeds=seeds, posterior=posterior, particles=particles)
    s = res.summary
    km = kaplan_meier(s["lifetime_months"], ~s["survived"], scenario.scenario.steps)
    pv = mean_interval(s["public_value"])
    return {
        "result": res,
        "survival_5y": share_with_interval(survival_5y(s)),
        "survival_10y": share_with_interval(s["survived"].to_numpy().astype(float)),
        "median_lifetime_months": float(s["lifetime_months"].median()),
        "public_value": {"mean": pv[0], "low": pv[1], "high": pv[2]},
        "kaplan_meier": km.to_dict("records"),
        "bands": trajectory_bands(res.timeseries),
        "trouble": sources_of_trouble(s, res.events),
    }
