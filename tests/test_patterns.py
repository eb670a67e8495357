"""The stylised facts of MODEL.md §5 (docs/ODD.md §1.2), each as a test that can fail.

Every test's docstring names a change to the model that makes it fail, and says what that change
gave when it was tried (`python -m tests.pattern_trials` repeats every trial and prints the
numbers). Each statistic is a function of extra `--set` overrides, so a trial runs exactly the
test's statistic on a changed model.

A share over n runs has a standard error of at most 0.5/√n (0.05 for 100 runs, 0.065 for 60), a
difference of two such shares about √2 times that. Numbers quoted as "today" are this model at
root seed 2026. `experiments/pattern_seeds.py` computes each statistic at other root seeds
(docs/results/pattern_seeds/seeds.md): the statistics that sit nearest their bars are measured
over PRECISE_REPS runs (the funding drop, trust carry, agility's contrast, the pattern-4 lead,
turnover) so that a pass is not the seed's luck (docs/ODD.md §1.2).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from collabsim.runs.runner import run_replicates

from .conftest import scenario

REPS = 100
ROOT_SEED = 2026
# The statistics that sit near their bars are measured over PRECISE_REPS runs: in the second round
# three of them met their bars over 100 runs at root seed 2026 and missed them at most other
# root seeds (experiments/pattern_seeds.py), a pass by the seed's luck.
PRECISE_REPS = 500


_RUNS: dict = {}


def runs(name: str, *overrides: str, reps: int = REPS, series: bool = False):
    """Replicates of a scenario file with overrides, cached (several tests share them). The plain
    baseline always keeps its monthly series, which three tests read."""
    key = (name, overrides, reps)
    series = series or (name == "baseline" and not overrides)
    if key not in _RUNS or (series and _RUNS[key].timeseries.empty):
        sc = scenario(name, *overrides)
        _RUNS[key] = run_replicates(sc, reps, root_seed=ROOT_SEED, series=series)
    return _RUNS[key]


def survival(name: str, *overrides: str, reps: int = REPS) -> float:
    return float(runs(name, *overrides, reps=reps).summary["survived"].mean())


# 1. No single driver suffices; the drivers work only together ---------------------------

NO_FUNDING = "policy.funding=[]"
SUSTAINED = "policies/sustained_funding"
ZERO_DRIVER = {
    "incentives": ("drivers.incentives=0", NO_FUNDING),
    "urgency": ("drivers.urgency=0",),
    "shared_interest": ("drivers.shared_interest=0",),
    "trust": ("drivers.trust=0",),
}


def test_all_four_moderate_drivers_mostly_last(extra: tuple[str, ...] = ()):
    """Fails when collaborating costs more: `parameters.cost_base=0.9` gave survival 0.02.
    Today 0.73 over 100 runs (bar 0.6)."""
    assert survival("baseline", *extra) >= 0.6


def zero_driver_drop(driver: str, *extra: str) -> tuple[float, float]:
    """Survival with the driver at zero, and how far below the baseline that is."""
    without = survival("baseline", *ZERO_DRIVER[driver], *extra)
    return without, survival("baseline", *extra) - without


@pytest.mark.parametrize("driver", list(ZERO_DRIVER))
def test_any_one_driver_at_zero_mostly_collapses(driver):
    """Fails when the engagement decision ignores the driver (`parameters.weight_<driver>=0`):
    the baseline then collapses too, and the drop was 0.00 (incentives), 0.01 (urgency), 0.04
    (shared interest) and 0.04 (trust). Today (100 runs): survival without incentives 0.02,
    urgency 0.08, shared interest 0.06, trust 0.00, against 0.73 (bars 0.45 and a drop of
    0.25)."""
    without, drop = zero_driver_drop(driver)
    assert without <= 0.45
    assert drop >= 0.25


@pytest.mark.parametrize("driver", ["urgency", "shared_interest", "trust"])
def test_sustained_funding_does_not_replace_a_low_driver(driver):
    """Issue 13 §1: with any one driver low a partnership mostly fails within ten years
    "whatever the funding". Fails when the drivers compensate each other: with the weighted sum
    of Model 1, 0.73 / 0.73 / 0.87 survived with urgency / shared interest / trust at 0.1 under
    sustained funding (60 runs). Model 2: 0.27 / 0.38 / 0.22 (bar 0.45)."""
    assert survival(SUSTAINED, f"drivers.{driver}=0.1", reps=60) <= 0.45


# The "only together" signature on the live model: a 2^4 factorial of the four drivers at a low
# and a moderate level. Incentives low is 0.1 without the grant; moderate is the baseline.
LOW = {
    "incentives": ("drivers.incentives=0.1", NO_FUNDING),
    "urgency": ("drivers.urgency=0.1",),
    "shared_interest": ("drivers.shared_interest=0.1",),
    "trust": ("drivers.trust=0.1",),
}
FACTORIAL_REPS = 40


@functools.cache
def factorial(*extra: str) -> dict[tuple[str, ...], float]:
    """Survival in each of the 16 cells, indexed by the tuple of drivers that are moderate."""
    cells = {}
    for mask in range(16):
        moderate = tuple(d for k, d in enumerate(LOW) if mask >> k & 1)
        low = [o for d in LOW if d not in moderate for o in LOW[d]]
        cells[moderate] = survival("baseline", *low, *extra, reps=FACTORIAL_REPS)
    return cells


def synergy(cells: dict[tuple[str, ...], float]) -> tuple[float, float, float]:
    """All four moderate, the best single driver raised alone, and the interaction contrast:
    S(all) − S(none) − Σ_i (S(only i) − S(none)), zero for any additive model."""
    none, every = cells[()], cells[tuple(LOW)]
    singles = np.array([cells[(d,)] for d in LOW])
    return every, float(singles.max()), float(every - none - (singles - none).sum())


def test_drivers_work_only_together_in_a_factorial(extra: tuple[str, ...] = ()):
    """Pattern 1 on the live model (16 cells × 40 runs, a few seconds). Fails for a model in
    which the drivers add up: a near-linear engagement decision
    (`parameters.decision_temperature=1`) gave all moderate 0.70, best single driver raised
    alone 0.48, interaction contrast 0.00. Today: all moderate 0.85, best single 0.025,
    interaction 0.825 (its standard error about 0.07: bars 0.5, 0.2 and 0.4)."""
    every, best_single, interaction = synergy(factorial(*extra))
    assert every >= 0.5
    assert best_single <= 0.2
    assert interaction >= 0.4


LOOPS_OFF = tuple(
    f"structure.{loop}=false"
    for loop in (
        "engagement_builds_trust",
        "small_wins",
        "joining",
        "success_erodes_urgency",
        "liaison_turnover",
        "formalisation_tradeoff",
        "tension_effects",
        "trust_decay",
    )
)


def test_the_drivers_interaction_comes_from_their_feedback():
    """Issue 13 §1–2: the drivers drive each other, so the "only together" signature is made by
    the feedback loops, not by a plain threshold. Fails for a plain threshold of a weighted sum
    (Model 1 with every [structure] loop off: contrast 0.90, against 0.72 with them on). Asserts
    that switching the loops off takes at least half the interaction contrast away. Model 2:
    0.825 with the loops on, 0.25 with them off (all moderate 0.25, every other cell 0): without
    small wins, contact and joining few partnerships last, whatever their drivers."""
    on = synergy(factorial())[2]
    off = synergy(factorial(*LOOPS_OFF))[2]
    assert off <= 0.5 * on


# 2. Lasting collaboration needs drivers continuously ------------------------------------


def funding_drop(*extra: str) -> float:
    """Mean engagement of live partnerships in months 43–48 minus months 52–57."""
    ts = runs("baseline", *extra, series=True, reps=PRECISE_REPS).timeseries
    alive = ts[ts["phase"] != "dissolved"]
    before = alive[alive["step"].between(43, 48)]["engagement"].mean()
    after = alive[alive["step"].between(52, 57)]["engagement"].mean()
    return float(before - after)


def test_engagement_drops_when_funding_ends():
    """Fails when the money does not stop (`policy.funding.0.duration=120`): the drop was 0.00
    (PRECISE_REPS runs). Today 0.081 over PRECISE_REPS runs (bar 0.06; second round 0.046, an
    expected failure; first round 0.10; Model 1 gave 0.30: its drivers added up, so the
    incentive's fall weighed more). A target of the third round (docs/ODD.md §8)."""
    assert funding_drop() >= 0.06


def trust_carry(*extra: str) -> tuple[int, float]:
    """Partnerships alive at month 48; survival gap between those above and below median trust."""
    res = runs("baseline", *extra, series=True, reps=PRECISE_REPS)
    ts = res.timeseries
    at_end = ts[(ts["step"] == 48) & (ts["phase"] != "dissolved")].set_index("replicate")
    survived = res.summary.set_index("replicate")["survived"]
    high = at_end["trust"] >= at_end["trust"].median()
    gap = survived[at_end.index[high]].mean() - survived[at_end.index[~high]].mean()
    return len(at_end), float(gap)


def test_trust_built_while_funded_carries_past_the_end():
    """Fails when trust does nothing (`parameters.weight_trust=0`, `success_trust=0`,
    `resolve_trust=0`): 31 partnerships alive at month 48, the gap 0.06 (Model 1); in Model 2
    0.10 among 427 alive (PRECISE_REPS runs). Today 0.29 among 486 alive (bar 0.15; the gap's
    standard error is about 0.04)."""
    alive, gap = trust_carry()
    assert alive >= 60
    assert gap >= 0.15


# 3. Agility matters most when demand shifts ----------------------------------------------

AGILITY_REPS = 750  # PRECISE_REPS' reason; the contrast's standard error is about 0.045


def agility_effect(volatility: float, *extra: str) -> float:
    """Survival at agility 0.9 minus at 0.1, at the given demand volatility."""
    vol = f"conditions.demand_volatility={volatility}"
    high = survival("baseline", vol, "conditions.agility=0.9", *extra, reps=AGILITY_REPS)
    low = survival("baseline", vol, "conditions.agility=0.1", *extra, reps=AGILITY_REPS)
    return high - low


def test_agility_matters_more_when_demand_is_volatile():
    """Pattern 3. Fails when agility does nothing (`parameters.agenda_adjust_per_month=0`,
    `resolve_agility=0`: effects 0.00 and 0.00), in Model 1 (+0.10 and −0.01; 150 runs a cell)
    and when an agenda off demand costs less and the pull is linear in agility
    (`parameters.weight_relevance=1`, `parameters.agility_exponent=1`: +0.14 and +0.02, a
    contrast of 0.115). The linear pull alone still passes (`agility_exponent=1`: +0.34 and
    +0.03, a contrast of 0.30): what decides is that an agenda left behind by demand costs a
    partnership its members (docs/ODD.md §7.3). Today: +0.45 at volatility 0.9 and +0.10 at 0.1 over
    750 runs a cell, a contrast of 0.35 (bar 0.15). A target of the third round (docs/ODD.md §8).
    Asserts that agility raises survival under volatile demand, and by at least 0.15 more than
    under steady demand (the contrast's standard error is about 0.045 at 750 runs a cell)."""
    volatile, steady = agility_effect(0.9), agility_effect(0.1)
    assert volatile >= 0.15
    assert volatile - steady >= 0.15


# 4. The bumpy road ------------------------------------------------------------------------

DIP = 0.2  # a real crisis: trust a fifth of its scale below its earlier peak
BACK = 0.05  # recovered: back to within this of the peak before the dip


def dip_recovered(trust: np.ndarray, dip: float = DIP, back: float = BACK) -> bool:
    """Whether trust fell at least `dip` below an earlier peak and later came back to within
    `back` of that peak."""
    peak = np.maximum.accumulate(trust)
    deep = np.flatnonzero(peak - trust >= dip)
    return bool(len(deep) and (trust[deep[0] :] >= peak[deep[0]] - back).any())


WALKS_PER_PATH = 20  # matched walks per path: the walks' share is then steady to about 0.02


def random_walks(paths: np.ndarray, seed: int = 7) -> np.ndarray:
    """Driftless random walks from the same start with each path's own monthly sd, in 0..1."""
    rng = np.random.default_rng(seed)
    sd = np.diff(paths, axis=1).std(axis=1, keepdims=True)
    steps = rng.normal(0.0, 1.0, size=(len(paths), paths.shape[1] - 1)) * sd
    return _walk(paths[:, 0], steps)


def shuffled_walks(paths: np.ndarray, seed: int = 7) -> np.ndarray:
    """Random walks whose monthly steps are drawn from each path's own steps (its crises'
    falls included), so they have the path's jumps but no pull back after them."""
    rng = np.random.default_rng(seed)
    changes = np.diff(paths, axis=1)
    picks = rng.integers(0, changes.shape[1], size=changes.shape)
    return _walk(paths[:, 0], np.take_along_axis(changes, picks, axis=1))


def _walk(start: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Paths from `start` by `steps`, kept in 0..1."""
    walks = np.empty((len(start), steps.shape[1] + 1))
    walks[:, 0] = start
    for t in range(1, walks.shape[1]):
        walks[:, t] = np.clip(walks[:, t - 1] + steps[:, t - 1], 0.0, 1.0)
    return walks


def survivor_trust(*extra: str) -> np.ndarray:
    """Monthly trust of every surviving partnership (rows) of the baseline."""
    res = runs("baseline", *extra, series=True, reps=PRECISE_REPS)
    alive = res.summary.loc[res.summary["survived"], "replicate"]
    ts = res.timeseries[res.timeseries["replicate"].isin(alive)].sort_values(["replicate", "step"])
    return ts["trust"].to_numpy().reshape(len(alive), -1)


def recovered_share(paths: np.ndarray) -> float:
    """Share of paths with a crisis that recovers."""
    return float(np.mean([dip_recovered(p) for p in paths]))


def bumpy_road(paths: np.ndarray) -> tuple[float, float, float]:
    """Share of paths with a crisis that recovers; the same for two kinds of matched walks,
    WALKS_PER_PATH of each per path (Gaussian steps of the path's sd; the path's own steps drawn
    again)."""
    many = np.repeat(paths, WALKS_PER_PATH, axis=0)
    return (
        recovered_share(paths),
        recovered_share(random_walks(many)),
        recovered_share(shuffled_walks(many)),
    )


def assert_bumpy_road(paths: np.ndarray) -> None:
    """Most survivors pass through a crisis and recover, and clearly more often than random walks
    of the same volatility or with the same monthly steps (a walk dips as deep but has nothing
    that brings it back)."""
    model, gaussian, shuffled = bumpy_road(paths)
    assert len(paths) >= 40
    assert model >= 0.5
    assert model - max(gaussian, shuffled) >= 0.15


def test_a_random_walk_does_not_pass_the_bumpy_road():
    """The criterion can fail: driftless random walks of the survivors' own volatility, given
    to it as if they were the model's paths, fail it (over PRECISE_REPS runs, 344 walks recover
    0.63 against 0.66 and 0.64 for walks of those walks: a lead below 0, bar 0.15)."""
    walks = random_walks(survivor_trust(), seed=11)
    with pytest.raises(AssertionError):
        assert_bumpy_road(walks)


def test_survivors_pass_through_a_crisis_and_recover():
    """Pattern 4. Fails for a driftless random walk of the same monthly sd (previous test), and
    fails without repair after a crisis (`structure.crisis_repair=false`: 0.19 of 156 survivors,
    against 0.50 of Gaussian walks) or without crises (`structure.crises=false`: 0.08 of 385),
    both over PRECISE_REPS runs. Today over PRECISE_REPS runs: 0.90 of 344 survivors, against
    0.67 (Gaussian walks) and 0.55 (walks of the paths' own steps), a lead of 0.23 (second
    round: 0.65 of 321, a lead of 0.13, an expected failure). Pattern 4 was a calibration target
    for the crisis constants (docs/ODD.md §8)."""
    assert_bumpy_road(survivor_trust())


# 5. All parties at the table ------------------------------------------------------------

PARTY = {"mbo": 0, "vmbo": 1, "firm": 2, "municipality": 3}  # group index in baseline.toml
PARTY_REPS = 200  # the ratio's standard error is about 0.03 at 200 runs, 0.05 at 100


def value_without(party: str, *extra: str) -> float:
    """Mean public value without the party, as a share of the full partnership's."""
    full = runs("baseline", *extra, reps=PARTY_REPS).summary["public_value"].mean()
    left_out = runs("baseline", f"organisations.{PARTY[party]}.count=0", *extra, reps=PARTY_REPS)
    return float(left_out.summary["public_value"].mean() / full)


@pytest.mark.parametrize("party", list(PARTY))
def test_leaving_a_party_out_lowers_public_value(party):
    """Pattern 5 for each kind of party: public value at least 15% lower without it. Fails when
    no party brings knowledge the others lack (every type given the same knowledge profile,
    `python -m tests.pattern_trials parties`) in Model 1: firm 1.52, vmbo 2.06, mbo 1.21,
    municipality 1.12; and when the chain's roles are ignored (`parameters.missing_role_loss=0`,
    `parameters.weight_chain=0`): mbo 0.94, vmbo 1.08, firm 0.65, municipality 0.98. Today
    (200 runs each): mbo 0.20, vmbo 0.28, firm 0.11, municipality 0.80 (bar 0.85, 3 standard
    errors)."""
    assert value_without(party) <= 0.85


# 6. Operational partnerships formalise more often and earlier ----------------------------


def formalisation(*extra: str) -> tuple[float, float]:
    """Difference in the share formalised by month 36 and in the median month (strategic −
    operational)."""
    op = runs("baseline", *extra).summary["formalised_month"]
    strat = runs("baseline", "partnership.kind='strategic'", *extra).summary["formalised_month"]
    return float((op <= 36).mean() - (strat <= 36).mean()), float(strat.median() - op.median())


def test_operational_formalise_more_often_and_earlier_than_strategic():
    """Fails when both kinds need the same sustained success
    (`parameters.formalise_months_strategic=12`): the share gap was 0.11, the median gap −3
    months (Model 2: 0.01 and 0.5 months). Model 2: 0.30 and 18.5 months (bars 0.15 and 10). The
    difference is put in by those two constants (12 and 30 months): the test checks them, not
    an emergent timing."""
    share_gap, median_gap = formalisation()
    assert share_gap >= 0.15
    assert median_gap >= 10


# 7. Coordinators and fixed meeting moments help; staff turnover hurts ------------------------

COORDINATOR_OFF = tuple(
    f"parameters.{p}=0"
    for p in (
        "coordinator_relief",
        "coordinator_boost",
        "resolve_coordinator",
        "trust_retained_handover",
    )
)


def test_coordinator_raises_survival(extra: tuple[str, ...] = ()):
    """Fails when a coordinator does nothing (`coordinator_relief`, `coordinator_boost`,
    `resolve_coordinator`, `trust_retained_handover` = 0): the gain was 0.00. Today +0.26
    (bar 0.1)."""
    gain = survival("baseline", "partnership.coordinator=true", *extra) - survival(
        "baseline", *extra
    )
    assert gain >= 0.1


def test_weekly_meetings_raise_survival(extra: tuple[str, ...] = ()):
    """Fails when weekly meetings are no better than monthly ones (`meeting_boost=0` and the
    weekly contact set to the monthly one, `python -m tests.pattern_trials pattern7`): the gain
    was 0.00. Today +0.14 (bar 0.05)."""
    weekly = survival("baseline", "partnership.meeting_rhythm='weekly'", *extra)
    assert weekly - survival("baseline", *extra) >= 0.05


def turnover_loss(*extra: str) -> float:
    """Survival at the baseline's staff turnover minus at turnover 0.4 a year."""
    calm = survival("baseline", *extra, reps=PRECISE_REPS)
    return calm - survival("baseline", "conditions.staff_turnover=0.4", *extra, reps=PRECISE_REPS)


def test_staff_turnover_lowers_survival(extra: tuple[str, ...] = ()):
    """Fails when liaisons leaving changes nothing (`structure.liaison_turnover=false`): the
    loss was 0.00. Today 0.27 over PRECISE_REPS runs (bar 0.2; 0.48 in the second round)."""
    assert turnover_loss(*extra) >= 0.2


# 8. One mbo serving many partnerships (a hub) is harder to sustain ------------------------

HUB_REGION = (
    "scenario.partnerships=4",
    "organisations.1.count=16",  # four vmbo schools in each partnership
    "organisations.2.count=24",
    "organisations.3.count=4",
)
HUB_REPS = 100


def hub_penalty(*extra: str) -> tuple[float, float]:
    """Survival of four baseline-like partnerships that share one mbo, and with one mbo each."""
    hub = survival("baseline", *HUB_REGION, "organisations.0.count=1", *extra, reps=HUB_REPS)
    own = survival("baseline", *HUB_REGION, "organisations.0.count=4", *extra, reps=HUB_REPS)
    return hub, own


def test_an_mbo_hub_serving_many_partnerships_lowers_survival():
    """Pattern 8 through the hub mechanism: the same four partnerships (each an mbo, four vmbo
    schools, six firms, a municipality) survive less often when one mbo serves all four than
    when each has its own (100 runs: 400 partnerships each; bar a difference of 0.15, about 4.5
    standard errors). Fails when the chain's roles are ignored (`parameters.missing_role_loss=0`,
    `parameters.weight_chain=0`: hub 0.95, own 0.95) and without the hub terms of the
    engagement decision (a copy with `hubs = 1`, `python -m tests.pattern_trials hub`: hub
    0.76, own 0.71). Today: hub 0.54, own 0.71: the hub mbo withdraws, and the four
    partnerships lose their training link."""
    hub, own = hub_penalty()
    assert own - hub >= 0.15
