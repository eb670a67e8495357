"""The interval and survival-curve helpers give known answers."""

from __future__ import annotations

import numpy as np

from collabsim.analysis.stats import kaplan_meier, mean_interval, paired_difference, wilson_interval


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(8, 10)
    assert abs(lo - 0.4902) < 1e-3 and abs(hi - 0.9433) < 1e-3
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0


def test_paired_difference_zero_for_identical_arms_and_covers_shift():
    a = np.random.default_rng(1).normal(size=200)
    assert paired_difference(a, a) == (0.0, 0.0, 0.0)
    mean, lo, hi = paired_difference(a, a + 0.5 + 0.01 * np.random.default_rng(2).normal(size=200))
    assert lo < 0.5 < hi and abs(mean - 0.5) < 0.01
    m, lo2, hi2 = mean_interval([1.0, 2.0, 3.0])
    assert m == 2.0 and lo2 < 2.0 < hi2


def test_kaplan_meier_matches_hand_computation():
    km = kaplan_meier([2, 2, 5, 10, 10], [True, False, True, False, False], horizon=10)
    s = dict(zip(km["month"], km["survival"], strict=True))
    assert s[1] == 1.0
    assert abs(s[2] - 0.8) < 1e-12  # 1 of 5 at risk ended
    assert abs(s[5] - 0.8 * (1 - 1 / 3)) < 1e-12  # 1 of 3 at risk ended
    assert s[10] == s[5]
    assert (km["low"] <= km["survival"]).all() and (km["high"] >= km["survival"]).all()


def _wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The closed-form Wilson score interval collabsim computed by hand before scipy did it."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (min(max(0.0, centre - half), p), max(min(1.0, centre + half), p))


def test_wilson_interval_is_scipys_and_the_closed_form():
    """Fails if wilson_interval stops being scipy's Wilson interval (e.g. 'wilsoncc' or 'exact')."""
    from scipy.stats import binomtest

    for n in (1, 2, 7, 50, 200, 1000):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            ours = wilson_interval(k, n)
            ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            p = k / n
            assert np.allclose(ours, (min(max(ci.low, 0), p), max(min(ci.high, 1), p)), atol=1e-12)
            assert np.allclose(ours, _wilson_by_hand(k, n), atol=1e-12)


def test_kaplan_meier_is_lifelines_with_exponential_greenwood_bands():
    """Our curve and bands equal lifelines' fit on the same data, the survival equals the
    product-limit by hand, and the bands are exponential Greenwood's (fails on plain Greenwood)."""
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(7)
    lifetimes = rng.integers(1, 61, size=300)
    dissolved = rng.random(300) < 0.6
    lifetimes[~dissolved] = np.minimum(lifetimes[~dissolved] + 20, 60)
    km = kaplan_meier(lifetimes, dissolved, horizon=60)

    ref = KaplanMeierFitter().fit(lifetimes, dissolved, timeline=np.arange(61))
    assert np.allclose(km["survival"], ref.survival_function_.iloc[:, 0], atol=1e-12, rtol=0)
    bands = ref.confidence_interval_survival_function_
    assert np.allclose(km["low"], bands.iloc[:, 0], atol=1e-12, rtol=0)
    assert np.allclose(km["high"], bands.iloc[:, 1], atol=1e-12, rtol=0)

    s, greenwood = 1.0, 0.0
    for month in range(61):
        at_risk = np.sum(lifetimes >= month)
        d = np.sum((lifetimes == month) & dissolved)
        if d:
            s *= 1 - d / at_risk
            greenwood += d / (at_risk * (at_risk - d))
        row = km.iloc[month]
        assert abs(row["survival"] - s) < 1e-12
        if s < 1:
            sd = 1.959963984540054 * np.sqrt(greenwood) / abs(np.log(s))
            assert abs(row["low"] - s ** np.exp(sd)) < 1e-9
            assert abs(row["high"] - s ** np.exp(-sd)) < 1e-9
