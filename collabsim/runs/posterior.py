"""A calibrated posterior as a scenario input: read it, check it, draw parameter sets from it.

`collabsim calibrate` writes `posterior.parquet` (with `write_posterior`): one row per particle,
a column per free mechanism parameter, its `weight` and `generation`, and in the file's metadata
the model it was fitted with (`model_version`). `collabsim run|compare|scan|sweep --parameters
posterior.parquet` read it with `read_posterior` and give every run (replicate) one particle,
drawn with the weights from its own stream of the root seed: the draw of replicate r depends
only on the root seed and r (in a sweep with per-point seeds: the point too), never on how many
runs there are or how they are chunked, so the same command gives the same bytes and every
scheme of a comparison meets the same parameter set in replicate r (common random numbers).

A particle's values are applied as `parameters.NAME=VALUE` overrides of the scenario (as --set
does), so the model itself is untouched. A posterior of another model (another collabsim
version or another set of mechanism parameters) or naming a parameter the model does not have
is refused with one line.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from collabsim.errors import CollabsimInputError
from collabsim.model.parameters import MechanismParameters, parameter_range
from collabsim.model.scenario import Scenario, apply_overrides, validate_scenario

METADATA_KEY = b"collabsim"
BOOKKEEPING = ("weight", "generation")  # the columns of a posterior that are not parameters
PARTICLE = "particle"  # the column that records, per run, the particle drawn
PREFIX = "parameters."  # a drawn value's column and override: parameters.NAME
STREAM = 0x706F7374  # the draws' own stream of the root seed, apart from the model seeds
MODEL_ONLY = "the model's randomness only"


def model_version() -> dict:
    """What a posterior was fitted with: collabsim's version and git revision, and the names
    of the mechanism parameters (a posterior of another parameter set is of another model)."""
    from collabsim.runs.outputs import git_revision, versions

    return {
        "collabsim": versions()["collabsim"],
        "git": git_revision(),
        "parameters_hash": parameters_hash(),
    }


def parameters_hash() -> str:
    """A short hash of the mechanism parameters' names, in order."""
    names = ",".join(MechanismParameters.model_fields)
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def write_posterior(frame: pd.DataFrame, path: Path, **info) -> None:
    """A posterior table with the model version (and `info`) in its metadata, written atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = json.dumps({"model": model_version(), **info}).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: meta})
    tmp = Path(path).with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Posterior:
    """The particles of a posterior: their parameter values and weights (picklable, small)."""

    path: str
    names: tuple[str, ...]
    values: np.ndarray  # (particles, names)
    weights: np.ndarray  # normalised, summing to 1

    @property
    def particles(self) -> int:
        return len(self.weights)

    @property
    def columns(self) -> list[str]:
        """The columns a run's particle is recorded in: particle, parameters.NAME, ..."""
        return [PARTICLE, *(PREFIX + n for n in self.names)]

    def draw(self, root_seed: int, key: tuple[int, ...]) -> int:
        """The particle of one run, drawn with the weights from the root seed's posterior stream
        at `key` ((replicate,), or (point, replicate) in a sweep with per-point seeds)."""
        ss = np.random.SeedSequence([root_seed, STREAM], spawn_key=key)
        u = float(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(11)) * 2.0**-53
        cum = np.cumsum(self.weights)
        k = int(np.searchsorted(cum, u * cum[-1], side="right"))
        return min(k, int(np.flatnonzero(self.weights > 0)[-1]))  # u * total rounded up to it

    def run_particle(self, root_seed: int, point: int, replicate: int, seeds: str) -> int:
        """The particle of one run of a sweep: drawn at (point, replicate), or at (replicate,)
        with common seeds, as the run's model seed is (collabsim.runs.design.run_seed)."""
        return self.draw(root_seed, (replicate,) if seeds == "common" else (point, replicate))

    def draws(self, root_seed: int, replicates: int) -> list[int]:
        """The particle of each replicate 0..replicates-1 (the same for every scheme)."""
        return [self.draw(root_seed, (r,)) for r in range(replicates)]

    def parameters(self, particle: int) -> dict[str, float]:
        """One particle's parameter values by name."""
        return {n: float(v) for n, v in zip(self.names, self.values[particle], strict=True)}

    def record(self, particle: int) -> dict[str, float | int]:
        """One run's record of its draw: the particle and its values, by column."""
        values = {PREFIX + n: v for n, v in self.parameters(particle).items()}
        return {PARTICLE: particle, **values}

    def overrides(self, particle: int) -> list[str]:
        """One particle as --set overrides: parameters.NAME=VALUE."""
        return [f"{PREFIX}{n}={v!r}" for n, v in self.parameters(particle).items()]

    def applied(self, scenario: Scenario, particle: int) -> Scenario:
        """The scenario with one particle's parameter values set (validated as --set is)."""
        data = apply_overrides(scenario.to_dict(), self.overrides(particle), source=self.path)
        return validate_scenario(data, source=f"{self.path} (particle {particle})")

    def digest(self) -> str:
        """A SHA-256 of the particles' names, values and weights (what a sweep's --resume
        compares)."""
        h = hashlib.sha256(",".join(self.names).encode())
        h.update(np.ascontiguousarray(self.values, dtype="<f8").tobytes())
        h.update(np.ascontiguousarray(self.weights, dtype="<f8").tobytes())
        return h.hexdigest()

    def describe(self, language: str = "en") -> str:
        """The posterior in a report: its file and number of particles."""
        from collabsim.locale import translator

        _ = translator(language)
        return _("posterior: {path}, {n} particles").format(path=self.path, n=self.particles)


def uncertainty(posterior: Posterior | None, language: str = "en") -> str:
    """What a command's intervals include, in words for its report (in the language; the
    manifests keep the English)."""
    from collabsim.locale import translator

    _ = translator(language)
    if posterior is None:
        return _(MODEL_ONLY)
    return _(
        "the model's randomness and the calibrated parameters' uncertainty ({posterior})"
    ).format(posterior=posterior.describe(language))


def uncertainty_record(posterior: Posterior | None) -> dict:
    """What a command's intervals include, for its manifest (JSON)."""
    if posterior is None:
        return {"intervals_include": MODEL_ONLY, "posterior": None}
    return {
        "intervals_include": uncertainty(posterior),
        "posterior": {"file": posterior.path, "particles": posterior.particles,
                      "parameters": list(posterior.names)},
    }  # fmt: skip


# --------------------------------------------------------------------------- reading


def read_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior.parquet, or raise one clear line (CollabsimInputError)."""
    where = f"--parameters {path}"
    table = read_table(Path(path), where)
    check_model(table.schema.metadata or {}, where)
    frame = table.to_pandas()
    names = parameter_names(frame, where)
    weights = checked_weights(frame, where)
    values = frame[list(names)].to_numpy(dtype=float)
    check_values(names, values, where)
    return Posterior(str(path), names, values, weights)


def read_table(path: Path, where: str):
    """The Parquet table of a posterior file (missing or not Parquet: one line)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.exists():
        raise CollabsimInputError(
            f"{where}: no such file; give the posterior.parquet that collabsim calibrate wrote"
        )
    if path.is_dir():
        raise CollabsimInputError(f"{where}: is a folder; give its posterior.parquet")
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise CollabsimInputError(
            f"{where}: not a posterior (not a Parquet file: {str(exc).splitlines()[0]}); "
            "give the posterior.parquet that collabsim calibrate wrote"
        ) from None


def check_model(metadata: dict, where: str) -> None:
    """Refuse a posterior without collabsim's metadata or fitted with another model.

    The model is collabsim's version and the names of its mechanism parameters; the git
    revision it was fitted at is recorded but not compared, so a commit that leaves the model
    as it was does not void every posterior."""
    raw = metadata.get(METADATA_KEY)
    try:
        model = json.loads(raw)["model"] if raw is not None else None
    except (ValueError, KeyError, TypeError):
        model = None
    if not isinstance(model, dict):
        raise CollabsimInputError(
            f"{where}: not a posterior (no collabsim model version in its metadata); "
            "give the posterior.parquet that collabsim calibrate wrote"
        )
    here = model_version()
    for key, what in (("collabsim", "collabsim"), ("parameters_hash", "mechanism parameters")):
        if model.get(key) != here[key]:
            raise CollabsimInputError(
                f"{where}: fitted with another model version ({what} {model.get(key)}, this is "
                f"{here[key]}); calibrate again with this version (collabsim calibrate)"
            )


def parameter_names(frame: pd.DataFrame, where: str) -> tuple[str, ...]:
    """The posterior's parameter columns, each a mechanism parameter of the model."""
    if "weight" not in frame.columns:
        raise CollabsimInputError(f"{where}: not a posterior (no 'weight' column)")
    names = tuple(c for c in frame.columns if c not in BOOKKEEPING)
    if not names:
        raise CollabsimInputError(f"{where}: not a posterior (no parameter columns)")
    known = MechanismParameters.model_fields
    for name in names:
        if name not in known:
            raise CollabsimInputError(
                f"{where}: names a parameter the model does not have: '{name}' "
                "(see collabsim/model/parameters.py)"
            )
    return names


def checked_weights(frame: pd.DataFrame, where: str) -> np.ndarray:
    """The particles' weights, normalised (none, negative, not finite or all zero: one line)."""
    if len(frame) == 0:
        raise CollabsimInputError(f"{where}: not a posterior (no particles)")
    try:
        w = frame["weight"].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise CollabsimInputError(f"{where}: not a posterior (weights are not numbers)") from None
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise CollabsimInputError(
            f"{where}: not a posterior (weights must be finite, at least 0 and not all 0)"
        )
    return w / w.sum()


def check_values(names: tuple[str, ...], values: np.ndarray, where: str) -> None:
    """Every particle's values lie within their parameters' ranges (parameters.py)."""
    for j, name in enumerate(names):
        low, high = parameter_range(name)
        bad = ~np.isfinite(values[:, j]) | (values[:, j] < low) | (values[:, j] > high)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise CollabsimInputError(
                f"{where}: particle {k} sets {name} = {values[k, j]!r}, outside its range "
                f"{low:g}..{high:g} (collabsim/model/parameters.py)"
            )


def read_optional(path: str | Path | None, overrides: list[str] = ()) -> Posterior | None:
    """The posterior of a --parameters option (None without it), checked against --set."""
    if path is None:
        return None
    posterior = read_posterior(path)
    for item in overrides:
        key = item.partition("=")[0].strip()
        if key.startswith(PREFIX) and key.removeprefix(PREFIX) in posterior.names:
            raise CollabsimInputError(
                f"--set {key}: the posterior ({path}) sets this parameter in every run; "
                "drop the --set or the --parameters"
            )
    return posterior


def check_factors(posterior: Posterior | None, keys: list[str], where: str) -> None:
    """Refuse a sweep factor that is a parameter the posterior sets in every run."""
    if posterior is None:
        return
    for key in keys:
        if key.startswith(PREFIX) and key.removeprefix(PREFIX) in posterior.names:
            raise CollabsimInputError(
                f"{where}: factor '{key}' is a parameter the posterior ({posterior.path}) sets "
                "in every run; vary it or draw it, not both"
            )
