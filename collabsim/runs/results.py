"""Reading sweep results back: `load_sweep(DIR)` gives one pandas DataFrame."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from collabsim.errors import CollabsimInputError

TABLES = ("summary", "timeseries", "failures", "design")


def sweep_meta(directory: str | Path) -> dict[str, Any]:
    """The sweep.json of a sweep folder (experiment, design, seeds, counts, timings)."""
    d = Path(directory)
    path = d / "sweep.json"
    if not path.exists():
        raise CollabsimInputError(f"{d}: not a sweep folder (no sweep.json); run `collabsim sweep`")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # not JSON, not UTF-8
        raise CollabsimInputError(f"{path}: unreadable; the folder is damaged") from None
    if not isinstance(meta, dict):
        raise CollabsimInputError(f"{path}: not a sweep's sweep.json; the folder is damaged")
    return meta


def _read(path: Path, columns: list[str] | None, d: Path) -> pa.Table:
    """One Parquet file of a sweep, or one clear line naming it if it is damaged."""
    try:
        return pq.read_table(path, columns=columns)
    except (pa.ArrowException, ValueError) as exc:
        if isinstance(exc, pa.ArrowInvalid) and "No match for FieldRef" in str(exc):
            raise CollabsimInputError(f"{path}: not every column of {columns} is there") from None
        raise CollabsimInputError(
            f"{path}: damaged (not a complete Parquet file); complete the sweep again with "
            f"`collabsim sweep EXPERIMENT --out {d} --resume`, which redoes its runs"
        ) from None


def load_sweep(
    directory: str | Path,
    table: Literal["summary", "timeseries", "failures", "design"] = "summary",
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """One table of a sweep as a DataFrame, rows in design order (point, replicate, partnership).

    summary: one row per run and partnership (point, factor values, replicate, seed, partnership,
    metrics); timeseries: one row per run, partnership and kept month; failures: runs that raised;
    design: one row per design point. An unfinished sweep gives the rows written so far
    (`sweep_meta(DIR)["status"]` says whether it is complete).
    """
    d = Path(directory)
    meta = sweep_meta(d)
    if table not in TABLES:
        raise CollabsimInputError(f"load_sweep: table '{table}' is not one of {', '.join(TABLES)}")
    if table in ("design", "failures"):
        path = d / f"{table}.parquet"
        if not path.exists():
            if table == "failures":
                return _empty_failures(d)
            raise CollabsimInputError(f"{path}: missing; the sweep folder is damaged")
        return _read(path, columns, d).to_pandas()
    folder = d / table
    if table == "timeseries" and not folder.is_dir():
        every = meta.get("spec", {}).get("timeseries_every", 0)
        raise CollabsimInputError(
            f"{d}: this sweep kept no time series (outputs.timeseries_every = {every})"
        )
    parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
    if not parts:
        return pd.DataFrame(columns=columns or _columns(meta, table))
    tables = [_read(p, columns, d) for p in parts]
    return pa.concat_tables(tables).to_pandas()


def _empty_failures(d: Path) -> pd.DataFrame:
    return pd.DataFrame(columns=["point", "replicate", "seed", "error"])


def _columns(meta: dict[str, Any], table: str) -> list[str]:
    spec = meta.get("spec", {})
    factors = [f["key"] for f in spec.get("factors", [])]
    ids = ["point", *factors, "replicate", "seed", "partnership"]
    if table == "timeseries":
        return [*ids, "step", *spec.get("timeseries_columns", [])]
    return [*ids, *spec.get("summary_columns", [])]
