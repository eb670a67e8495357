"""A run's summary: the same with or without the monthly series, and true to the series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from collabsim.model.collaboration import COLUMN
from collabsim.model.region import PHASES
from collabsim.runs.runner import run_single
from tests.conftest import scenario

CASES = [
    ("baseline",),
    ("learning_region",),  # several partnerships, members joining and leaving
    ("baseline", "drivers.trust=0.1", "drivers.urgency=0.1"),  # dissolves early
]


def _same(a, b) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c))
def test_summary_is_the_same_without_the_series(case):
    sc = scenario(*case)
    for seed in range(6):
        with_series = run_single(sc, seed)
        without = run_single(sc, seed, series=False)
        assert without.series is None
        for a, b in zip(with_series.summary, without.summary, strict=True):
            assert a.keys() == b.keys()
            assert all(_same(a[k], b[k]) for k in a), (seed, a, b)


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c))
def test_summary_follows_the_series(case):
    """Mean trust over the months alive, the final month and the lifetime, from the series."""
    sc = scenario(*case)
    dissolved_seen = False
    for seed in range(6):
        tables = run_single(sc, seed)
        series = tables.series
        alive = series[:, :, COLUMN.phase] != PHASES.index("dissolved")
        for p, row in enumerate(tables.summary):
            expected = series[alive[:, p], p, 0].mean()
            assert row["mean_trust"] == pytest.approx(expected, rel=1e-12)
            assert row["final_trust"] == series[-1, p, COLUMN.trust]
            assert row["final_engagement"] == series[-1, p, COLUMN.engagement]
            assert row["final_members"] == int(series[-1, p, COLUMN.active_members])
            assert row["survived"] == bool(alive[-1, p])
            if not row["survived"]:
                dissolved_seen = True
                assert row["lifetime_months"] == int(np.argmin(alive[:, p]))
    if case[-1].endswith("0.1"):
        assert dissolved_seen  # the case meant to cover dissolution does
