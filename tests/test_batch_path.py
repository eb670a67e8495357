"""The batch path (collabsim.model.batch: a whole run in one compiled call) gives what the
month-by-month model gives, to the last bit: summary, events, monthly series, months run and the
generator's state, for every scenario file, 10 seeds each, at their full horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from collabsim import CollaborationModel, load_scenario
from collabsim.errors import CollabsimInputError
from collabsim.model.batch import BatchRuns, draw_month
from collabsim.model.collaboration import MonthlyDraws
from collabsim.model.policy import row_sum
from collabsim.runs.runner import (
    SUMMARY_COLUMNS,
    replicate_seeds,
    run_replicates,
    run_single,
    summarise,
    timeseries_frame,
)
from tests.conftest import SCENARIOS, scenario

SEEDS = range(10)


def scenario_files() -> list:
    """Every file under scenarios/ that is a scenario (the scan's questionnaire is not)."""
    found = []
    for path in sorted(SCENARIOS.rglob("*.toml")):
        try:
            found.append(pytest.param(load_scenario(path), id=str(path.relative_to(SCENARIOS))))
        except CollabsimInputError:
            continue
    return found


def same_runs(sc, seeds) -> list[int]:
    """The seeds whose batch run differs from the month-by-month run in anything kept."""
    batch = BatchRuns(sc)  # built once, reused for every seed (as the sweeps do)
    differ = []
    for seed in seeds:
        stepped = CollaborationModel(sc, rng=seed).run()
        whole = batch.run(seed, series=True)
        if (
            repr(summarise(stepped, 0, seed)) != repr(summarise(whole, 0, seed))
            or repr(stepped.events.rows()) != repr(whole.events.rows())
            or stepped.series().tobytes() != whole.series().tobytes()
            or stepped.steps != whole.steps
            or stepped.rng.bit_generator.state != whole.rng.bit_generator.state
        ):
            differ.append(seed)
    return differ


@pytest.mark.parametrize("sc", scenario_files())
def test_every_scenario_file_gives_the_same_runs(sc):
    assert same_runs(sc, SEEDS) == []


RARE_EVENTS = ("conditions.staff_turnover=1.0", "conditions.demand_volatility=1.0")


@pytest.mark.parametrize(
    "case",
    [
        ("baseline", *RARE_EVENTS),  # shocks and turnover every few months
        ("policies/challenge_fund", *RARE_EVENTS, "scenario.partnerships=6"),  # a jury of six
        ("baseline", "drivers.trust=0.1", "drivers.urgency=0.1"),  # every partnership dissolves
    ],
    ids=lambda c: " ".join(c),
)
def test_rare_events_give_the_same_runs(case):
    assert same_runs(scenario(*case), SEEDS) == []


def test_the_many_run_api_gives_the_month_by_month_tables():
    sc = scenario("learning_region")
    seeds = replicate_seeds(7, 4)
    models = [CollaborationModel(sc, rng=seed).run() for seed in seeds]
    names = [p.name for p in models[0].partnerships]
    whole = run_replicates(sc, 4, root_seed=7)
    assert whole.timeseries.equals(timeseries_frame([m.series() for m in models], names))
    runs = enumerate(zip(models, seeds, strict=True))
    rows = [row for r, (m, seed) in runs for row in summarise(m, r, seed)]
    assert whole.summary.equals(pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS)))
    without = run_replicates(sc, 4, root_seed=7, series=False)
    assert without.timeseries.empty
    assert without.summary.equals(whole.summary)
    assert without.events.equals(whole.events)


@pytest.mark.parametrize("name", ["baseline", "learning_region"])
def test_a_run_without_events_gives_the_same_summary(name):
    """Fails if the liaisons who left, counted from the raw event rows when no log is decoded,
    differed from those the log names (or if a log were decoded anyway)."""
    sc = scenario(name, "conditions.staff_turnover=1.0")
    batch = BatchRuns(sc)
    for seed in SEEDS:
        stepped = CollaborationModel(sc, rng=seed, collect=False).run()
        quiet = batch.run(seed, events=False)
        assert quiet.events is None
        assert repr(summarise(quiet, 0, seed)) == repr(summarise(stepped, 0, seed))
    tables = run_single(sc, 3, series=False, batch=batch, events=False)
    assert tables.events == []
    assert repr(tables.summary) == repr(run_single(sc, 3, series=False).summary)


def test_numba_draws_from_the_numpy_generator_what_numpy_draws():
    """Fails if numba's Generator drew other numbers, or drew from a copy of the state."""
    draws = MonthlyDraws(3, 5, 4)
    for seed in range(20):
        numpy_rng, numba_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        for _ in range(12):
            draws.refill(numpy_rng)
            expected = draws.uniform.copy(), draws.normals.copy()
            draw_month(numba_rng, draws.uniform, draws.normals)
            assert np.array_equal(draws.uniform, expected[0])
            assert np.array_equal(draws.normals, expected[1])
        assert numba_rng.bit_generator.state == numpy_rng.bit_generator.state


def test_the_jury_adds_up_a_row_as_numpy_does():
    """Fails if the jury summed engagement in plain order: from eight members on, numpy adds
    pairwise and the last bit differs."""
    rng = np.random.default_rng(1)
    for width in range(1, 300):
        rows = rng.random((8, width)) * rng.choice([1e-9, 1.0, 1e9], size=(8, width))
        assert [row_sum(row) for row in rows] == rows.sum(axis=1).tolist(), width


def test_a_teacher_moment_that_ends_the_funding_replans_the_schemes():
    """Fails if the schemes' calendar were not worked out again: the money would go on."""
    m = CollaborationModel(scenario("baseline"), rng=2)
    m.run(10)
    m.inject("funding_ends")
    m.run(1)
    ended = [e for e in m.events.of_kind("funding_ended") if e.step == 11]
    assert ended and all(e.before > 0 and e.after == 0 for e in ended)
    m.run(1)
    assert (m.policy.schemes.pays == -1).all()
