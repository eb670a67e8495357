"""Honest figures from replicated runs: shares with intervals, paired differences, survival."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binomtest, norm

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for a share (sound for shares near 0 or 1), from scipy's
    ``binomtest(successes, n).proportion_ci(method="wilson")``.

    What scipy does not: NaN for n = 0, `z` instead of a confidence level, and bounds that never
    cross the share itself (rounding can put them a hair beyond it at 0 or 1), so a figure can
    draw them as error bars."""
    if n == 0:
        return (float("nan"), float("nan"))
    level = 1.0 - 2.0 * float(norm.sf(z))
    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method="wilson")
    p = successes / n
    return (float(min(max(0.0, ci.low), p)), float(max(min(1.0, ci.high), p)))


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
    """Kaplan–Meier survival curve with 95% bands, one row per month 0..horizon, from lifelines'
    ``KaplanMeierFitter``.

    lifetimes: months each partnership lasted; dissolved: whether it ended (False: still going at
    the horizon, i.e. censored). The bands are lifelines' exponential Greenwood bands (Greenwood's
    variance on the log(−log) scale), which stay inside 0..1 and are asymmetric near 0 and 1;
    where the curve is still 1 (no partnership ended yet) the band is that point (1, 1).
    """
    from lifelines import KaplanMeierFitter

    months = np.arange(horizon + 1)
    level = 1.0 - 2.0 * float(norm.sf(z))
    km = KaplanMeierFitter(alpha=1.0 - level).fit(
        np.asarray(lifetimes, dtype=float),
        np.asarray(dissolved, dtype=bool),
        timeline=months,
    )
    surv = km.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    bands = km.confidence_interval_survival_function_
    low = bands.iloc[:, 0].to_numpy(dtype=float)
    high = bands.iloc[:, 1].to_numpy(dtype=float)
    return pd.DataFrame({"month": months, "survival": surv, "low": low, "high": high})


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
