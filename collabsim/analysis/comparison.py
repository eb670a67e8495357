"""Comparing funding schemes on common random numbers: survival, cost, public value, the cliff.

Every scenario is run with the SAME list of model seeds (common random numbers), so replicate r of
each scheme meets the same random history and a difference between schemes is the policy's, not
noise; a scenario compared with itself differs by exactly zero. Differences to the first scenario
are paired over replicates (`collabsim.analysis.stats.paired_difference`).

The funding cliff: survival over the 24 months after the money stops, among the partnerships still
going when it stops. "The money stops" is the end of the last instrument that pays (one_off,
structural, tapering, matched, challenge_fund, coordinator). A scheme whose money runs until less
than 24 months before the horizon (or that pays nothing) is measured over the first scenario's
window instead, so "what happens in those months without the cut" can be compared.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from collabsim.analysis.stats import kaplan_meier, mean_interval, paired_difference, wilson_interval
from collabsim.errors import CollabsimInputError
from collabsim.limits import (
    MAX_REPLICATES,
    MAX_WORKERS,
    check_count,
    check_seed,
    check_work,
    run_size,
)
from collabsim.model.scenario import Scenario, load_scenario
from collabsim.runs.pools import process_pool
from collabsim.runs.posterior import Posterior

if TYPE_CHECKING:
    from collabsim.runs.runner import ReplicateResults

MONEY_SCHEMES = ("one_off", "structural", "tapering", "matched", "challenge_fund", "coordinator")
# Switches that cannot be on twice at once: a partnership is mandated or not; two rule relaxations
# at once would compound into a cut nobody decided.
EXCLUSIVE_SCHEMES = ("mandate", "relaxed_rules")
CLIFF_MONTHS = 24
YEARS = (5, 10)
PER_EUROS = 100_000  # public value is reported per EUR 100k spent


# --------------------------------------------------------------------------- input checks


def check_overlaps(scenario: Scenario, source: str) -> None:
    """Reject instruments that overlap impossibly: two mandates or two rule relaxations at once.

    Months in force are start+1 .. start+duration (policy.in_force); two such periods overlap when
    they share a month. Money schemes may overlap freely (two funders can pay at once), and a scheme
    may run past the horizon (it is then simply cut off there).
    """
    funding = scenario.policy.funding
    for i, a in enumerate(funding):
        for j in range(i):
            b = funding[j]
            if a.scheme != b.scheme or a.scheme not in EXCLUSIVE_SCHEMES:
                continue
            if a.start < b.end and b.start < a.end:
                what = "mandated" if a.scheme == "mandate" else "given relaxed rules"
                raise CollabsimInputError(
                    f"{source}: policy.funding[{i}] '{a.name}' ({a.scheme}, months "
                    f"{a.start + 1}-{a.end}) overlaps policy.funding[{j}] '{b.name}' "
                    f"({b.scheme}, months {b.start + 1}-{b.end}); a partnership can be {what} "
                    "only once at a time: merge them or let one end before the other starts"
                )


def region_key(scenario: Scenario) -> tuple:
    """What makes two scenarios the same region: the organisations and the partnerships."""
    groups = tuple((g.type, g.level, g.count, g.member) for g in scenario.organisations)
    return (groups, scenario.scenario.partnerships)


def _describe_region(scenario: Scenario) -> str:
    parts = [
        f"{g.count} {g.label}" + ("" if g.member else " (candidates)")
        for g in scenario.organisations
    ]
    return ", ".join(parts) + f"; {scenario.scenario.partnerships} partnership(s)"


def paid_budget(scenario: Scenario) -> float:
    """Planned spending in euros within the horizon, if every partnership lasts and co-invests.

    Per paying instrument: the months it pays within the horizon times the partnerships it reaches
    (a challenge fund reaches at most `awards` of them).
    """
    from collabsim.model.policy import monthly_euros  # the model's kernels: loaded when needed

    steps = scenario.scenario.steps
    n = scenario.scenario.partnerships
    total = 0.0
    for f in scenario.policy.funding:
        if f.scheme not in MONEY_SCHEMES:
            continue
        reached = min(f.awards, n) if f.scheme == "challenge_fund" else n
        total += reached * sum(
            monthly_euros(f, m) for m in range(f.start + 1, min(f.end, steps) + 1)
        )
    return total


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every paying instrument's amount multiplied by factor."""
    data = scenario.to_dict()
    for f in data["policy"]["funding"]:
        if f["scheme"] in MONEY_SCHEMES:
            f["amount"] = f["amount"] * factor
    return Scenario.model_validate(data)


def money_stops(scenario: Scenario) -> int | None:
    """The last month any paying instrument pays (capped at the horizon); None if none pays."""
    ends = [f.end for f in scenario.policy.funding if f.scheme in MONEY_SCHEMES and f.amount > 0]
    return min(max(ends), scenario.scenario.steps) if ends else None


# --------------------------------------------------------------------------- running


@dataclass
class Arm:
    """One scenario in the comparison, as run."""

    label: str
    path: str
    scenario: Scenario
    planned_eur: float  # planned spending before any normalisation
    scale: float = 1.0  # budget factor applied (1: as in the file)
    result: ReplicateResults | None = None

    @property
    def budget_eur(self) -> float:
        """Planned spending as run."""
        return self.planned_eur * self.scale


@dataclass
class Comparison:
    """Everything `collabsim compare` computed."""

    arms: list[Arm]
    seeds: list[int]
    root_seed: int
    replicates: int
    budget_normalised: bool
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    posterior: Posterior | None = None  # the runs drew their parameters from it
    particles: list[int] | None = None  # replicate r's particle, the same for every scheme
    robust: object | None = None  # compare --across: a robust_comparison.RobustComparison

    @property
    def reference(self) -> Arm:
        """The first scenario: differences are to it."""
        return self.arms[0]


def _unique_labels(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def prepare_arms(
    paths: list[Path],
    budget_normalise: bool = False,
    allow_different_regions: bool = False,
) -> tuple[list[Arm], list[str]]:
    """Load and check the scenarios; rescale budgets if asked. Returns the arms and notes."""
    if not paths:
        raise CollabsimInputError("compare: name at least one scenario file")
    scenarios = [load_scenario(p) for p in paths]
    for p, sc in zip(paths, scenarios, strict=True):
        check_overlaps(sc, str(p))
    labels = _unique_labels([sc.name for sc in scenarios])
    arms = [
        Arm(label, str(p), sc, paid_budget(sc))
        for label, p, sc in zip(labels, paths, scenarios, strict=True)
    ]
    notes: list[str] = []
    ref = arms[0]
    different = [a for a in arms[1:] if region_key(a.scenario) != region_key(ref.scenario)]
    if different:
        if budget_normalise and not allow_different_regions:
            a = different[0]
            raise CollabsimInputError(
                f"--budget-normalise: {a.path} is a different region "
                f"({_describe_region(a.scenario)}) from {ref.path} "
                f"({_describe_region(ref.scenario)}); equal budgets across regions of different "
                "size are not a fair comparison; add "
                "--allow-different-regions if that is what you mean"
            )
        notes.append(
            "Not every scenario has the same region ("
            + "; ".join(f"{a.label}: {_describe_region(a.scenario)}" for a in different)
            + f" versus {ref.label}: {_describe_region(ref.scenario)}). Differences then mix the "
            "policy with the region, and the common random numbers pair runs less closely."
        )
    if budget_normalise:
        if ref.planned_eur <= 0:
            raise CollabsimInputError(
                f"--budget-normalise: the first scenario ({ref.path}) spends nothing, so there is "
                "no budget to match; put a funded scenario first"
            )
        for a in arms[1:]:
            if a.planned_eur > 0:
                a.scale = ref.planned_eur / a.planned_eur
                a.scenario = scaled(a.scenario, a.scale)
        unchanged = [a.label for a in arms[1:] if a.planned_eur <= 0]
        notes.append(
            f"Budgets normalised: every paying scheme's amounts were multiplied so its planned "
            f"spending equals {ref.label}'s EUR {ref.planned_eur:,.0f} ("
            + ", ".join(f"{a.label} x{a.scale:.3g}" for a in arms[1:] if a.planned_eur > 0)
            + ")."
            + (
                f" Schemes that pay nothing were left as they are: {', '.join(unchanged)}."
                if unchanged
                else ""
            )
            + " Planned spending assumes every partnership lasts and co-invests; what is actually "
            "spent (column spent_eur) can be lower."
        )
    return arms, notes


def _run_chunk(scenario: Scenario, seeds: list[int], offset: int, draws=(None, None)):
    from collabsim.runs.runner import run_replicates

    posterior, particles = draws
    res = run_replicates(
        scenario, len(seeds), seeds=seeds, posterior=posterior, particles=particles
    )
    for frame in (res.summary, res.timeseries, res.events):
        frame["replicate"] = frame["replicate"] + offset
    return res.summary, res.timeseries, res.events


def run_arms(
    arms: list[Arm],
    seeds: list[int],
    workers: int = 1,
    progress=None,
    posterior: Posterior | None = None,
    particles: list[int] | None = None,
) -> None:
    """Run every arm on the same seeds and, with a posterior, the same particles (serially or
    on a process pool); fills arm.result."""
    from collabsim.runs.runner import ReplicateResults

    chunk = max(1, -(-len(seeds) // max(1, workers * 2))) if workers > 1 else len(seeds)
    tasks = [
        (k, arm.scenario, seeds[i : i + chunk], i, chunk_draws(posterior, particles, i, chunk))
        for k, arm in enumerate(arms)
        for i in range(0, len(seeds), chunk)
    ]
    parts: dict[int, list] = {k: [] for k in range(len(arms))}
    if workers > 1:
        with process_pool(workers, ("collabsim.analysis.comparison",)) as pool:
            futures = [(k, i, pool.submit(_run_chunk, sc, s, i, d)) for k, sc, s, i, d in tasks]
            for k, i, fut in futures:
                parts[k].append((i, fut.result()))
                if progress is not None:
                    progress(1)
    else:
        for k, sc, s, i, d in tasks:
            parts[k].append((i, _run_chunk(sc, s, i, d)))
            if progress is not None:
                progress(1)
    for k, arm in enumerate(arms):
        got = [p for _, p in sorted(parts[k], key=lambda x: x[0])]
        arm.result = ReplicateResults(
            arm.scenario,
            list(seeds),
            pd.concat([g[0] for g in got], ignore_index=True),
            pd.concat([g[1] for g in got], ignore_index=True),
            pd.concat([g[2] for g in got], ignore_index=True),
        )


def chunk_draws(posterior: Posterior | None, particles: list[int] | None, start: int, n: int):
    """(posterior, the particles of replicates start..start+n) for one chunk of runs."""
    if posterior is None:
        return (None, None)
    return (posterior, particles[start : start + n])


def effective_workers(workers: int) -> int:
    """Workers actually used: no more than the machine's processors."""
    return max(1, min(workers, os.cpu_count() or 1))


def n_tasks(n_arms: int, replicates: int, workers: int) -> int:
    """How many progress ticks run_arms makes."""
    if workers <= 1:
        return n_arms
    chunk = max(1, -(-replicates // (workers * 2)))
    return n_arms * (-(-replicates // chunk))


# --------------------------------------------------------------------------- measures


def alive_at(summary: pd.DataFrame, month: int) -> pd.Series:
    """Whether each partnership was still going at the end of a month."""
    return summary["survived"] | (summary["lifetime_months"] > month)


def cliff_window(arm: Arm, reference: Arm) -> tuple[int, int, str] | None:
    """(from, to, basis) months of the cliff window, or None when none can be observed."""
    stop = money_stops(arm.scenario)
    if stop is not None and stop + CLIFF_MONTHS <= arm.scenario.scenario.steps:
        return (stop, stop + CLIFF_MONTHS, "money stops")
    ref_stop = money_stops(reference.scenario)
    horizon = arm.scenario.scenario.steps
    if ref_stop is not None and ref_stop + CLIFF_MONTHS <= min(
        horizon, reference.scenario.scenario.steps
    ):
        return (ref_stop, ref_stop + CLIFF_MONTHS, "first scenario's window")
    return None


def median_lifetime(km: pd.DataFrame) -> float:
    """First month the Kaplan–Meier survival is at or below one half (NaN: not within horizon)."""
    below = km.loc[km["survival"] <= 0.5, "month"]
    return float(below.iloc[0]) if len(below) else float("nan")


def ratio_interval(values, euros, per: float = PER_EUROS) -> tuple[float, float, float]:
    """Sum of values per `per` euros spent, with a delta-method 95% interval over runs."""
    v = np.asarray(values, dtype=float)
    e = np.asarray(euros, dtype=float)
    if len(e) == 0 or e.sum() <= 0:
        return (float("nan"),) * 3
    r = v.mean() / e.mean()
    if len(v) < 2:
        return (r * per, float("nan"), float("nan"))
    resid = v - r * e  # the ratio's influence, up to a factor mean(e)
    _, lo, hi = mean_interval(resid)
    half = (hi - lo) / 2 / e.mean()
    return (r * per, (r - half) * per, (r + half) * per)


def per_replicate(summary: pd.DataFrame, values: pd.Series) -> np.ndarray:
    """Mean over a replicate's partnerships (the unit that common random numbers pair)."""
    return values.groupby(summary["replicate"]).mean().sort_index().to_numpy(dtype=float)


def survival_curve(arm: Arm) -> pd.DataFrame:
    """Kaplan–Meier survival with 95% bands for an arm."""
    s = arm.result.summary
    return kaplan_meier(s["lifetime_months"], ~s["survived"], arm.scenario.scenario.steps)


def arm_row(arm: Arm, reference: Arm) -> dict:
    """One row of comparison.csv."""
    s = arm.result.summary
    ref = reference.result.summary
    horizon = arm.scenario.scenario.steps
    n = len(s)
    row: dict = {
        "scenario": arm.label,
        "file": arm.path,
        "runs": arm.result.summary["replicate"].nunique(),
        "partnerships_per_run": arm.scenario.scenario.partnerships,
        "horizon_months": horizon,
        "budget_scale": arm.scale,
        "planned_eur": arm.budget_eur,
        "spent_eur": float(s["funding_total_eur"].mean()),
    }
    for years in YEARS:
        month = 12 * years
        key = f"survival_{years}y"
        if month > horizon:
            row[key] = row[f"{key}_low"] = row[f"{key}_high"] = float("nan")
            continue
        alive = int(alive_at(s, month).sum())
        lo, hi = wilson_interval(alive, n)
        row[key], row[f"{key}_low"], row[f"{key}_high"] = alive / n, lo, hi
    row["median_lifetime_months"] = median_lifetime(survival_curve(arm))
    pv, pv_lo, pv_hi = mean_interval(s["public_value"])
    row["public_value"], row["public_value_low"], row["public_value_high"] = pv, pv_lo, pv_hi
    ratio = ratio_interval(s["public_value"], s["funding_total_eur"])
    row["value_per_100k_eur"], row["value_per_100k_eur_low"], row["value_per_100k_eur_high"] = ratio
    window = cliff_window(arm, reference)
    if window is None:
        row.update(
            cliff_from_month=float("nan"),
            cliff_to_month=float("nan"),
            cliff_basis="none",
            cliff_at_risk=0,
            cliff_survival=float("nan"),
            cliff_survival_low=float("nan"),
            cliff_survival_high=float("nan"),
        )
    else:
        start, stop, basis = window
        at_risk = alive_at(s, start)
        kept = int((at_risk & alive_at(s, stop)).sum())
        k = int(at_risk.sum())
        lo, hi = wilson_interval(kept, k)
        row.update(
            cliff_from_month=start,
            cliff_to_month=stop,
            cliff_basis=basis,
            cliff_at_risk=k,
            cliff_survival=kept / k if k else float("nan"),
            cliff_survival_low=lo,
            cliff_survival_high=hi,
        )
    # Paired differences to the first scenario, over replicates (common random numbers).
    comparable = {
        "survival_5y": 60,
        "survival_10y": 120,
    }
    for key, month in comparable.items():
        if month > min(horizon, reference.scenario.scenario.steps):
            d = (float("nan"),) * 3
        else:
            d = paired_difference(
                per_replicate(ref, alive_at(ref, month).astype(float)),
                per_replicate(s, alive_at(s, month).astype(float)),
            )
        row[f"diff_{key}"], row[f"diff_{key}_low"], row[f"diff_{key}_high"] = d
    ref_value = per_replicate(ref, ref["public_value"])
    d = paired_difference(ref_value, per_replicate(s, s["public_value"]))
    row["diff_public_value"], row["diff_public_value_low"], row["diff_public_value_high"] = d
    # Extra public value per extra euro, against the first scenario (paired over replicates):
    # defined only when this scheme spends more than the first one.
    extra_eur = per_replicate(s, s["funding_total_eur"]) - per_replicate(
        ref, ref["funding_total_eur"]
    )
    extra = (float("nan"),) * 3
    if extra_eur.mean() > 0:
        extra = ratio_interval(per_replicate(s, s["public_value"]) - ref_value, extra_eur)
    (
        row["extra_value_per_100k_eur"],
        row["extra_value_per_100k_eur_low"],
        row["extra_value_per_100k_eur_high"],
    ) = extra
    return row


def comparison_table(arms: list[Arm]) -> pd.DataFrame:
    """comparison.csv as a DataFrame: one row per scenario, the first is the reference."""
    return pd.DataFrame([arm_row(a, arms[0]) for a in arms])


def check_numbers(replicates: int, seed: int | None, workers: int) -> None:
    """Bad command-line numbers as one clear line."""
    if replicates < 2:
        raise CollabsimInputError(
            f"--replicates {replicates}: need at least 2 runs for intervals (try 100)"
        )
    check_count("--replicates", replicates, 2, MAX_REPLICATES)
    check_seed("--seed", seed)
    check_count("--workers", workers, 1, MAX_WORKERS)


def check_size(arms: list[Arm], replicates: int, workers: int, yes: bool) -> None:
    """Refuse a comparison that cannot fit in memory; ask --yes for one that takes hours."""
    sizes = [run_size(arm.scenario) for arm in arms]
    widest = max(sizes, key=lambda size: size.model_bytes)
    check_work(
        f"{replicates:,} runs of {len(arms)} scenarios",
        replicates * len(arms),
        widest,
        kept_per_run=max(size.kept_bytes(series=True) for size in sizes),
        workers=effective_workers(workers),
        yes=yes,
        advice="use fewer --replicates or fewer scenarios",
    )


def compare(
    paths: list[Path],
    replicates: int = 100,
    seed: int | None = None,
    budget_normalise: bool = False,
    allow_different_regions: bool = False,
    workers: int = 1,
    progress=None,
    yes: bool = False,
    parameters: Path | None = None,
) -> Comparison:
    """Run every scenario on common random numbers and compute the comparison table.

    yes: go ahead with a comparison estimated to take more than an hour. parameters: a
    posterior.parquet; replicate r of every scenario then runs with the same parameter set
    drawn from it (and the same model seed), so the intervals include parameter uncertainty."""
    from collabsim.runs.posterior import read_optional
    from collabsim.runs.runner import replicate_seeds

    check_numbers(replicates, seed, workers)
    arms, notes = prepare_arms([Path(p) for p in paths], budget_normalise, allow_different_regions)
    posterior = read_optional(parameters)
    check_size(arms, replicates, workers, yes)
    root = arms[0].scenario.scenario.seed if seed is None else seed
    seeds = replicate_seeds(root, replicates)
    particles = posterior.draws(root, replicates) if posterior is not None else None
    run_arms(arms, seeds, effective_workers(workers), progress, posterior, particles)
    table = comparison_table(arms)
    return Comparison(
        arms, seeds, root, replicates, budget_normalise, table, notes, posterior, particles
    )
