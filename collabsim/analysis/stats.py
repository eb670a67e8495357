"""Honest figures from replicated runs: shares with intervals, paired differences, survival."""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for a share (sound for shares near 0 or 1).

    The bounds never cross the share itself (rounding can put them a hair beyond it at 0 or 1),
    so a figure can draw them as error bars."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(min(max(0.0, centre - half), p)), float(max(min(1.0, centre + half), p)))


def mean_interval(values, z: float = Z95) -> tuple[float, float, float]:
    """Mean of values with a normal-approximation 95% interval: (mean, low, high)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return (float("nan"),) * 3
    mean = float(x.mean())
    if len(x) < 2:
        return (mean, float("nan"), float("nan"))
    half = z * float(x.std(ddof=1)) / np.sqrt(len(x))
    return (mean, mean - half, mean + half)


def paired_difference(a, b, z: float = Z95) -> tuple[float, float, float]:
    """Mean of b − a over paired runs (common random numbers) with a 95% interval.

    With the same seeds in both arms, the pairs share their luck, so the interval is that of the
    mean of the differences: narrower than comparing two independent means. Identical arms give
    exactly (0, 0, 0).
    """
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if len(d) and np.all(d == 0):
        return (0.0, 0.0, 0.0)
    return mean_interval(d, z)


def kaplan_meier(lifetimes, dissolved, horizon: int, z: float = Z95) -> pd.DataFrame:
    """Kaplan–Meier survival curve with Greenwood 95% bands, one row per month 0..horizon.

    lifetimes: months each partnership lasted; dissolved: whether it ended (False: still going at
    the horizon, i.e. censored).
    """
    t = np.asarray(lifetimes, dtype=float)
    ended = np.asarray(dissolved, dtype=bool)
    months = np.arange(horizon + 1)
    surv = np.ones(len(months))
    var_sum = np.zeros(len(months))
    s, v = 1.0, 0.0
    for k, month in enumerate(months):
        at_risk = np.sum(t >= month)
        deaths = np.sum((t == month) & ended)
        if at_risk > 0 and deaths > 0:
            s *= 1.0 - deaths / at_risk
            if at_risk > deaths:
                v += deaths / (at_risk * (at_risk - deaths))
        surv[k], var_sum[k] = s, v
    half = z * surv * np.sqrt(var_sum)
    return pd.DataFrame(
        {
            "month": months,
            "survival": surv,
            "low": np.clip(surv - half, 0, 1),
            "high": np.clip(surv + half, 0, 1),
        }
    )


def summary_figures(summary: pd.DataFrame) -> dict[str, float]:
    """A run folder's headline figures: survival share with its 95% interval, median lifetime,
    mean public value and trust, tensions per run and the share resolved (over all runs)."""
    n = len(summary)
    alive = int(summary["survived"].sum())
    lo, hi = wilson_interval(alive, n)
    return {
        "runs": n,
        "survival_share": alive / n if n else float("nan"),
        "survival_low": lo,
        "survival_high": hi,
        "median_lifetime_months": float(summary["lifetime_months"].median()),
        "mean_public_value": float(summary["public_value"].mean()),
        "mean_trust": float(summary["mean_trust"].mean()),
        "tensions_per_run": float(summary["tensions"].mean()),
        "resolved_share": float(
            summary["tensions_resolved"].sum() / max(summary["tensions"].sum(), 1)
        ),
    }
