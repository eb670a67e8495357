"""The models a sensitivity analysis evaluates: the collaboration model, or a Python function.

Both have `evaluate(spec, values, out, ...)`, giving one row per run (point, replicate, outputs).
`ScenarioModel` runs the scenario through the sweep engine (collabsim.runs.sweep.run_design:
chunked, resumable, process pool or Dask, failures recorded); `FunctionModel` evaluates a function
of the factor values (e.g. `ishigami`, whose indices are known exactly, as the tests do).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.analysis.sensitivity_spec import SensitivitySpec, numeric_outputs
from collabsim.errors import CollabsimInputError
from collabsim.runs.factors import Factor


class ScenarioModel:
    """The collaboration model, run through the sweep engine (collabsim.runs.sweep.run_design)."""

    def __init__(
        self,
        workers: int | str | None = None,
        scheduler: str | None = None,
        resume: bool = False,
        runs_dir: str | Path | None = None,
        notes: Callable[[str], None] | None = None,
        on_executor: Callable[[int, str], None] | None = None,
    ) -> None:
        self.on_executor = on_executor  # called with the workers of each sub-sweep (run_sweep)
        self.workers = workers
        self.scheduler = scheduler
        self.resume = resume
        self.runs_dir = runs_dir
        self.notes = notes or (lambda _m: None)

    def evaluate(
        self,
        spec: SensitivitySpec,
        values: np.ndarray,
        out: Path,
        name: str = "sample",
        factor_names: list[str] | None = None,
        replicates: int | None = None,
    ) -> pd.DataFrame:
        """Run every point R times; one row per run and partnership (point, replicate, metrics)."""
        from collabsim.runs.sweep import run_design

        if spec.base is None:
            raise CollabsimInputError(f"{spec.source}: a scenario model needs a base scenario")
        reps = replicates or spec.replicates
        folder = (Path(self.runs_dir) if self.runs_dir is not None else out / "runs") / name
        keys = factor_names or spec.names
        self.notes(
            f"{spec.name}/{name}: {len(values)} points x {reps} replicates = "
            f"{len(values) * reps} runs -> {folder}"
        )
        t0 = time.perf_counter()
        frame = run_design(
            spec.base,
            keys,
            values,
            reps,
            spec.seed,
            folder,
            workers=self.workers,
            scheduler=self.scheduler,
            resume=self.resume,
            summary_columns=sorted(
                {*spec.outputs, spec.surface_output}, key=numeric_outputs().index
            ),
            chunk_runs=spec.chunk_runs,
            seeds=spec.seeds,
            name=f"{spec.name}-{name}",
            on_executor=self.on_executor,
        )
        self.last_seconds = time.perf_counter() - t0
        failures = _failed_runs(folder)
        if failures:
            self.notes(f"{failures} runs failed (see {folder / 'failures.parquet'})")
        return frame


def _failed_runs(folder: Path) -> int:
    """How many runs of the sweep in `folder` failed (0 if it has no failures table)."""
    from collabsim.runs.results import load_sweep

    try:
        return len(load_sweep(folder, "failures"))
    except CollabsimInputError:
        return 0


class FunctionModel:
    """A Python function as the model: fn(x: float array points x factors, rng) -> {output: y}.

    Replicate r of the whole sample gets its own generator from SeedSequence(seed, spawn_key=(r,)),
    so a stochastic function is averaged over replicates like the scenario model.
    """

    def __init__(self, fn: Callable[[np.ndarray, np.random.Generator], dict[str, np.ndarray]]):
        self.fn = fn

    def evaluate(
        self,
        spec: SensitivitySpec,
        values: np.ndarray,
        out: Path,
        name: str = "sample",
        factor_names: list[str] | None = None,
        replicates: int | None = None,
    ) -> pd.DataFrame:
        x = np.asarray(values, dtype=float)
        frames = []
        for r in range(replicates or spec.replicates):
            rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(r,)))
            ys = self.fn(x, rng)
            frame = pd.DataFrame({"point": np.arange(len(x)), "replicate": r})
            for o in spec.outputs:
                if o not in ys:
                    raise CollabsimInputError(f"{spec.source}: the model gives no output '{o}'")
                frame[o] = np.asarray(ys[o], dtype=float)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def ishigami(x: np.ndarray, rng: np.random.Generator | None = None, a=7.0, b=0.1) -> dict:
    """The Ishigami test function on [-pi, pi]^3 (S1 = .314, .442, 0; ST = .558, .442, .244)."""
    y = np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
    return {"y": y}


def ishigami_spec(samples: int = 1024, seed: int = 1, **kw) -> SensitivitySpec:
    """A Sobol spec of the Ishigami function (three factors on [-pi, pi], output 'y')."""
    factors = [Factor(f"x{i}", "float", low=-math.pi, high=math.pi) for i in (1, 2, 3)]
    kw.setdefault("method", "sobol")
    return SensitivitySpec(
        name="ishigami",
        factors=factors,
        outputs=["y"],
        samples=samples,
        replicates=kw.pop("replicates", 1),
        seed=seed,
        source="ishigami",
        **kw,
    ).finish()
