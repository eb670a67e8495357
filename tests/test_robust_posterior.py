"""Posterior draws as futures (`compare --parameters P --across-posterior N`, and `--across
EXPERIMENT --parameters P`): the draws follow the posterior's weights and seed, every scheme in a
draw meets the same seeds and the drawn values, the share and regret tables come out, and bad input
is one line, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from collabsim.analysis.comparison import prepare_arms
from collabsim.analysis.robust_comparison import (
    future_scenario,
    load_across,
    posterior_futures,
    run_future,
    with_draws,
)
from collabsim.errors import CollabsimInputError
from collabsim.runs.posterior import read_posterior

from .test_posterior_input import other_version, posterior_file, text_file
from .test_robust_comparison import POLICIES, SCHEMES, experiment, invoke

COST_BASE = (0.2, 0.5, 0.9)  # particle 1 has weight 0 and is never drawn


@pytest.fixture
def posterior(tmp_path) -> Path:
    return posterior_file(tmp_path / "posterior.parquet", cost_base=COST_BASE)


# --------------------------------------------------------------------------- the futures


def test_draws_as_futures_follow_the_posteriors_weights_and_seed(posterior):
    p = read_posterior(posterior)
    futures = posterior_futures(p, draws=12, replicates=3, root=7)
    assert list(futures.particles) == p.draws(7, 12)  # the draws of --parameters, same stream
    assert 1 not in futures.particles  # weight 0
    assert futures.keys == ["parameters.cost_base", "parameters.weight_trust"]
    cost = [COST_BASE[k] for k in futures.particles]
    assert futures.table["parameters.cost_base"].tolist() == cost
    again = posterior_futures(p, draws=12, replicates=3, root=7)
    pd.testing.assert_frame_equal(futures.table, again.table)
    assert posterior_futures(p, draws=12, replicates=3, root=8).particles != futures.particles


def test_every_scheme_in_a_draw_meets_the_same_seeds_and_the_drawn_values(posterior):
    """Would fail if a draw's values were not set on every scheme, or its seeds differed."""
    futures = posterior_futures(read_posterior(posterior), draws=4, replicates=3, root=11)
    arms, _ = prepare_arms([POLICIES / "no_policy.toml", POLICIES / "sustained_funding.toml"])
    for f in (0, 3):
        rows = pd.DataFrame(run_future([a.scenario for a in arms], ["a", "b"], futures, f))
        seeds = rows.pivot(index="replicate", columns="scheme", values="seed")
        assert (seeds["a"] == seeds["b"]).all() and seeds["a"].tolist() == futures.seeds_of(f)
        for arm in arms:
            sc = future_scenario(arm.scenario, futures, f, arm.label)
            assert sc.parameters.cost_base == COST_BASE[futures.particles[f]]
    assert futures.seeds_of(0) != futures.seeds_of(3)


def test_an_experiments_futures_each_get_their_own_draw(tmp_path, posterior):
    p = read_posterior(posterior)
    futures = load_across(experiment(tmp_path), None, posterior, replicates=2, root=1)
    assert futures.design_keys == ["drivers.trust", "conditions.staff_turnover"]
    assert futures.drawn == ("parameters.cost_base", "parameters.weight_trust")
    assert list(futures.particles) == p.draws(futures.root_seed, 5)
    assert futures.table["parameters.cost_base"].tolist() == [
        COST_BASE[k] for k in futures.particles
    ]
    again = with_draws(load_across(experiment(tmp_path), None, None, 2, 1), p)
    pd.testing.assert_frame_equal(futures.table, again.table)


# --------------------------------------------------------------------------- the command


def test_compare_across_posterior_draws_end_to_end(tmp_path, posterior):
    out = tmp_path / "report"
    code, text = invoke("compare", *SCHEMES, "-n", "2", "--parameters", posterior,
                        "--across-posterior", "5", "--out", out)  # fmt: skip
    assert code == 0, text
    summary = pd.read_csv(out / "robust.csv")
    assert summary["scheme"].tolist() == ["no_policy", "sustained_funding"]
    assert summary["futures"].tolist() == [5, 5]
    assert {"beats", "beats_low", "beats_high", "regret_median", "regret_p90"} <= set(summary)
    table = pd.read_csv(out / "futures.csv")
    assert len(table) == 10 and {"particle", "parameters.cost_base", "regret"} <= set(table)
    manifest = json.loads((out / "manifest.json").read_text())["across"]
    assert manifest["posterior"] == str(posterior) and manifest["experiment"] is None
    assert manifest["particles"] == read_posterior(posterior).draws(1, 5)  # no_policy's seed 1
    report = (out / "report.md").read_text()
    assert "each a set of the calibrated parameters (cost base, weight trust)" in report
    assert "across 5 posterior draws x 2 runs" in text


def refused(tmp_path: Path, *args) -> str:
    """Run compare with `args`; assert exit 2, one line, nothing written; return the line."""
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "out"
    code, text = invoke("compare", *SCHEMES, "-n", "2", *args, "--out", out)
    lines = [line for line in text.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), text
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == before
    return lines[0]


BAD_DRAWS = [
    (("--across-posterior", "5"), "give it with --parameters"),
    (("--across-posterior", "1", "--parameters", "{posterior}"), "at least 2 draws"),
    (("--across-posterior", "0", "--parameters", "{posterior}"), "at least 2 draws"),
    (("--across-posterior", "5", "--parameters", "{posterior}", "--across", "{experiment}"),
     "not both"),
    (("--across-posterior", "5", "--parameters", "{text}"), "not a Parquet"),
    (("--across-posterior", "5", "--parameters", "{other}"), "another model version"),
    (("--across-posterior", "5", "--parameters", "{tmp}/none.parquet"), "no such file"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "words"), BAD_DRAWS, ids=[w for _, w in BAD_DRAWS])
def test_bad_draws_are_one_line_exit_2_and_nothing_written(tmp_path, args, words):
    files = {
        "posterior": posterior_file(tmp_path / "posterior.parquet"),
        "experiment": experiment(tmp_path),
        "text": text_file(tmp_path / "text.parquet"),
        "other": other_version(tmp_path / "other.parquet"),
        "tmp": tmp_path,
    }
    assert words in refused(tmp_path, *(a.format(**files) for a in args))


def test_an_experiment_factor_the_posterior_draws_is_refused(tmp_path, posterior):
    from .test_robust_comparison import TINY

    text = TINY + '\n[[factors]]\nkey = "parameters.cost_base"\nrange = [0.3, 0.6]\n'
    path = experiment(tmp_path, text)
    assert "vary it or draw it" in refused(tmp_path, "--across", path, "--parameters", posterior)
    with pytest.raises(CollabsimInputError, match="vary it or draw it"):
        load_across(path, None, posterior, 2, 1)
