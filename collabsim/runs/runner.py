"""Running a scenario: seeds for replicates, one run's tables, and many replicates at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collabsim.model.batch import BatchRuns, FinishedRun
from collabsim.model.collaboration import COLUMN, SERIES, CollaborationModel
from collabsim.model.events import EVENT_COLUMNS
from collabsim.model.region import PHASES
from collabsim.model.scenario import Scenario, with_steps
from collabsim.runs.posterior import Posterior

SUMMARY_COLUMNS = (
    "replicate",
    "seed",
    "partnership",
    "survived",
    "lifetime_months",
    "public_value",
    "mean_trust",
    "final_trust",
    "final_engagement",
    "final_members",
    "tensions",
    "tensions_resolved",
    "tensions_escalated",
    "liaisons_left",
    "joint_successes",
    "formalised_month",
    "funding_total_eur",
)
TIMESERIES_COLUMNS = ("replicate", "partnership", "step", *SERIES)


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Independent model seeds for each replicate, spawned from the root seed (SeedSequence)."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


@dataclass
class RunTables:
    """What one run produced: summary rows, the monthly series and the events."""

    summary: list[dict]
    series: np.ndarray | None  # (months + 1, partnerships, len(SERIES)); None if not kept
    events: list[tuple]  # empty if not asked for


def summarise(model: CollaborationModel | FinishedRun, replicate: int, seed: int) -> list[dict]:
    """One summary row per partnership of a finished run (from its state: no series needed),
    of either path: the month-by-month model or the batch path's FinishedRun."""
    st, last = model.state, model.latest
    mean_trust = st.trust_lived / np.maximum(st.months_lived, 1)
    left = getattr(model, "liaisons_left", None)  # the batch path counts them from its rows
    if left is None:
        left = np.zeros(len(st.names), dtype=int)
        index = {name: k for k, name in enumerate(st.names)}
        for e in model.events.of_kind("liaison_left"):
            left[index[e.partnership]] += 1
    rows = []
    for p, name in enumerate(st.names):
        rows.append(
            {
                "replicate": replicate,
                "seed": seed,
                "partnership": name,
                "survived": bool(st.alive[p]),
                "lifetime_months": int(st.dissolved_month[p] if not st.alive[p] else model.steps),
                "public_value": float(st.public_value[p]),
                "mean_trust": float(mean_trust[p]),
                "final_trust": float(last[p, COLUMN.trust]),
                "final_engagement": float(last[p, COLUMN.engagement]),
                "final_members": int(last[p, COLUMN.active_members]),
                "tensions": int(st.tensions_raised[p]),
                "tensions_resolved": int(st.tensions_resolved[p]),
                "tensions_escalated": int(st.tensions_escalated[p]),
                "liaisons_left": int(left[p]),
                "joint_successes": int(st.joint_successes[p]),
                "formalised_month": float(st.formalised_month[p])
                if st.formalised_month[p] >= 0
                else float("nan"),
                "funding_total_eur": float(st.funding_total_eur[p]),
            }
        )
    return rows


def run_single(
    scenario: Scenario,
    seed: int,
    replicate: int = 0,
    series: bool = True,
    batch: BatchRuns | None = None,
    events: bool = True,
) -> RunTables:
    """Run one replicate of a scenario with an exact model seed and return its tables.

    Every run takes the batch path (collabsim.model.batch: the whole run in one compiled call);
    its summary, events and monthly series are those of CollaborationModel(scenario,
    rng=seed).run() to the last bit (tests/test_batch_path.py). With series=False no monthly
    series is kept (the tables' series is None), which a sweep asking only for summaries does not
    need. `batch`: the scenario's BatchRuns, built once for many seeds (else built here). With
    events=False the tables' events are empty: the batch path decodes none (the summary is the
    same)."""
    batch = BatchRuns(scenario) if batch is None else batch
    if batch.scenario is not scenario:
        raise ValueError("run_single: `batch` was built for another scenario")
    finished = batch.run(seed, events=events, series=series)
    rows = finished.events.rows() if events else []
    return RunTables(summarise(finished, replicate, seed), finished.monthly, rows)


@dataclass
class ReplicateResults:
    """The tables of many replicates of one scenario."""

    scenario: Scenario
    seeds: list[int]
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    events: pd.DataFrame


def timeseries_frame(series: list[np.ndarray], names: list[str]) -> pd.DataFrame:
    """Long table: one row per replicate, partnership and month."""
    if not series:
        return pd.DataFrame(columns=TIMESERIES_COLUMNS)
    arr = np.stack(series)  # (R, T, P, V)
    r, t, p, _ = arr.shape
    grid = np.indices((r, t, p)).reshape(3, -1)
    flat = arr.reshape(r * t * p, -1)
    frame = pd.DataFrame(
        {
            "replicate": grid[0].astype(np.int32),
            "partnership": pd.Categorical.from_codes(grid[2], categories=names),
            "step": grid[1].astype(np.int32),
        }
    )
    for k, col in enumerate(SERIES):
        frame[col] = flat[:, k]
    frame["active_members"] = frame["active_members"].astype(np.int32)
    frame["phase"] = pd.Categorical.from_codes(
        flat[:, COLUMN.phase].astype(int), categories=list(PHASES)
    )
    return frame.sort_values(["replicate", "partnership", "step"], kind="stable").reset_index(
        drop=True
    )


def events_frame(rows: list[tuple]) -> pd.DataFrame:
    """Events of all replicates, in order."""
    return pd.DataFrame(rows, columns=["replicate", *EVENT_COLUMNS])


def run_replicates(
    scenario: Scenario,
    replicates: int = 10,
    root_seed: int | None = None,
    steps: int | None = None,
    progress: Callable[[int], None] | None = None,
    seeds: list[int] | None = None,
    series: bool = True,
    posterior: Posterior | None = None,
    particles: list[int] | None = None,
) -> ReplicateResults:
    """Run replicates of a scenario, each with its own spawned seed; returns all tables.

    The runs take the batch path, built once per scenario. With series=False no monthly series
    is kept (the summary and events are the same) and the returned timeseries table is empty.
    With a posterior, replicate r runs with the parameter set of particle `particles[r]`
    (default: drawn from the root seed, collabsim.runs.posterior), recorded in the summary."""
    scenario = with_steps(scenario, steps)
    root = scenario.scenario.seed if root_seed is None else root_seed
    seeds = replicate_seeds(root, replicates) if seeds is None else seeds
    if posterior is not None and particles is None:
        particles = posterior.draws(root, len(seeds))
    batches = ScenarioBatches(scenario, posterior)
    summaries, kept, events = [], [], []
    names: list[str] = []
    for r, seed in enumerate(seeds):
        particle = None if particles is None else particles[r]
        sc, batch = batches.of(particle)
        tables = run_single(sc, seed, r, series=series, batch=batch)
        summaries.extend(batches.recorded(tables.summary, particle))
        if tables.series is not None:
            kept.append(tables.series)
            names = [row["partnership"] for row in tables.summary]
        events.extend((r, *row) for row in tables.events)
        if progress is not None:
            progress(1)
    columns = [*SUMMARY_COLUMNS, *(posterior.columns if posterior is not None else ())]
    summary = pd.DataFrame(summaries, columns=columns)
    return ReplicateResults(
        scenario, seeds, summary, timeseries_frame(kept, names), events_frame(events)
    )


class ScenarioBatches:
    """The batch path of a scenario, and with a posterior of each particle's scenario, each
    built once when first needed."""

    def __init__(self, scenario: Scenario, posterior: Posterior | None) -> None:
        self.scenario, self.posterior = scenario, posterior
        self.built: dict[int | None, tuple[Scenario, BatchRuns]] = {}

    def of(self, particle: int | None) -> tuple[Scenario, BatchRuns]:
        """(scenario, batch) of a particle (None: the scenario as it is)."""
        if particle not in self.built:
            sc = (
                self.scenario
                if particle is None
                else self.posterior.applied(self.scenario, particle)
            )
            self.built[particle] = (sc, BatchRuns(sc))
        return self.built[particle]

    def recorded(self, rows: list[dict], particle: int | None) -> list[dict]:
        """Summary rows with the particle and its values added (with a posterior)."""
        if particle is None:
            return rows
        record = self.posterior.record(particle)
        return [{**row, **record} for row in rows]
