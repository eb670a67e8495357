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
