"""A sweep's output folder on disk: its tables, written atomically, and what --resume trusts.

Every file is written to a hidden temporary name beside it and renamed into place, so a file is
either complete or absent; a chunk's summary part, named after its run range, is renamed last and
marks the chunk done. `prepare_folder` checks a folder against the experiment (a new sweep, or the
same one to resume) and gives sweep.json's content; `check_parts` makes every part on disk
trustworthy before --resume relies on it; `folder_lock` keeps a second sweep out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from collabsim.errors import CollabsimInputError
from collabsim.runs.chunks import ChunkResult, covered_ranges
from collabsim.runs.design import salib_problem
from collabsim.runs.experiment import Experiment
from collabsim.runs.posterior import PARTICLE, uncertainty_record

FORMAT = "collabsim-sweep/1"


PART_RE = re.compile(r"^part-(\d{10})-(\d{10})\.parquet$")


SUMMARY_TYPES: dict[str, pa.DataType] = {
    "point": pa.int64(),
    "replicate": pa.int64(),
    "seed": pa.int64(),
    "partnership": pa.string(),
    "step": pa.int64(),
    "survived": pa.bool_(),
    "lifetime_months": pa.int64(),
    "public_value": pa.float64(),
    "mean_trust": pa.float64(),
    "final_trust": pa.float64(),
    "final_engagement": pa.float64(),
    "final_members": pa.int64(),
    "tensions": pa.int64(),
    "tensions_resolved": pa.int64(),
    "tensions_escalated": pa.int64(),
    "liaisons_left": pa.int64(),
    "joint_successes": pa.int64(),
    "formalised_month": pa.float64(),
    "funding_total_eur": pa.float64(),
    "phase": pa.string(),
    "active_members": pa.int64(),
}


KIND_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}


class SweepError(CollabsimInputError):
    """A sweep cannot start or continue (bad folder, unreachable scheduler...): one line, exit 2."""


def _schema(exp: Experiment, columns: list[str]) -> pa.Schema:
    kinds = {f.key: KIND_TYPES[f.kind] for f in exp.factors}
    fields = []
    for c in columns:
        t = kinds.get(c) or SUMMARY_TYPES.get(c) or pa.float64()
        fields.append(pa.field(c, t))
    return pa.schema(fields)


def summary_schema(exp: Experiment) -> pa.Schema:
    ids = ["point", *exp.factor_names, "replicate", "seed", "partnership"]
    schema = _schema(exp, [*ids, *exp.summary_columns, *exp.draw_columns])
    if exp.posterior is None:
        return schema
    k = schema.get_field_index(PARTICLE)
    return schema.set(k, pa.field(PARTICLE, pa.int64()))


def timeseries_schema(exp: Experiment) -> pa.Schema:
    return _schema(
        exp,
        [
            "point",
            *exp.factor_names,
            "replicate",
            "seed",
            "partnership",
            "step",
            *exp.timeseries_columns,
        ],
    )


def failures_schema(exp: Experiment) -> pa.Schema:
    base = _schema(exp, ["point", "replicate", "seed", *exp.factor_names])
    return base.insert(3, pa.field("error", pa.string()))


def _table(columns: dict[str, list] | list[dict], schema: pa.Schema) -> pa.Table:
    if isinstance(columns, list):
        columns = {f.name: [row.get(f.name) for row in columns] for f in schema}
    return pa.Table.from_pydict({f.name: columns[f.name] for f in schema}, schema=schema)


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


TMP_RE = re.compile(r"^\..+\.\d+\.tmp$")


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A hidden temporary name beside `path`, renamed into place if the block succeeds and
    removed if it fails (a full disk leaves no half-written file behind)."""
    tmp = _tmp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None and exc.errno is not None:
            # pyarrow's errors name no file: say which one could not be written
            raise OSError(exc.errno, os.strerror(exc.errno), str(path)) from None
        raise


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file to a hidden temporary name beside it, then rename it into place."""
    with _replacing(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_json_atomic(data: dict[str, Any], path: Path) -> None:
    """Write JSON to a hidden temporary name beside `path`, then rename it into place."""
    with _replacing(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str))


def part_name(start: int, stop: int) -> str:
    return f"part-{start:010d}-{stop:010d}.parquet"


def done_ranges(out: Path) -> list[tuple[int, int]]:
    """Run ranges whose summary chunk is complete on disk (unreadable files are removed)."""
    folder = out / "summary"
    ranges = []
    if not folder.is_dir():
        return ranges
    for p in sorted(folder.iterdir()):
        m = PART_RE.match(p.name)
        if not m:
            continue
        try:
            pq.read_metadata(p)
        except Exception:  # a damaged file (e.g. the disk filled up): run it again
            p.unlink(missing_ok=True)
            continue
        ranges.append((int(m.group(1)), int(m.group(2))))
    return ranges


def runs_done_in(out: Path, total: int) -> int:
    """Runs whose summary chunk is in `out` (from the file names only: fast, for estimates)."""
    folder = out / "summary"
    if not folder.is_dir():
        return 0
    done = []
    for p in folder.iterdir():
        m = PART_RE.match(p.name)
        if m:
            done.append((min(int(m.group(1)), total), min(int(m.group(2)), total)))
    return sum(b - a for a, b in covered_ranges(total, done))


def check_out_folder(out: Path, flag: str = "--out") -> None:
    """Refuse an output folder that is a file or lies under one (one line, nothing written)."""
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p == out else f"is under {p}, which is a file"
                raise SweepError(f"{flag} {out}: {what}, not a folder; choose another {flag}")
            return


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepError(f"{out}: another sweep is writing to this folder right now") from None
        yield
    finally:
        os.close(fd)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _meta_ok(meta: Any) -> bool:
    """Whether a sweep.json has the shape collabsim writes (what --resume reads of it)."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        return False
    chunk = meta.get("design", {}).get("chunk_runs") if isinstance(meta.get("design"), dict) else 0
    return (
        isinstance(meta.get("fingerprint"), str)
        and isinstance(meta.get("sessions"), list)
        and isinstance(meta.get("experiment", {}), dict)
        and isinstance(meta.get("counts", {}), dict)
        and isinstance(meta.get("design"), dict)
        and (chunk is None or (type(chunk) is int and chunk >= 1))
    )


def prepare_folder(exp: Experiment, out: Path, resume: bool) -> tuple[dict[str, Any], list[str]]:
    """Check the output folder against the experiment; return sweep.json content and notes."""
    from collabsim.runs.outputs import git_revision, versions

    notes: list[str] = []
    meta_path = out / "sweep.json"
    fingerprint = exp.fingerprint()
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # not JSON, not UTF-8, not a file
            raise SweepError(f"{out}: sweep.json is unreadable; choose another --out") from None
        if not _meta_ok(meta):
            raise SweepError(
                f"{out}: sweep.json is damaged (not what collabsim writes); choose another --out"
            )
        if not resume:
            raise SweepError(
                f"{out}: already holds a sweep ({meta.get('status', '?')}, "
                f"{meta.get('counts', {}).get('runs_done', '?')} of "
                f"{meta.get('counts', {}).get('runs_total', '?')} runs); "
                "add --resume to complete it, or choose another --out"
            )
        if meta.get("fingerprint") != fingerprint:
            old = meta.get("experiment", {})
            raise SweepError(
                f"{out}: holds a different experiment ('{old.get('name', '?')}' from "
                f"{old.get('source', '?')}, fingerprint {meta.get('fingerprint')}; this one is "
                f"{fingerprint}); --resume only completes the same experiment: choose another --out"
            )
        rev = git_revision()
        if meta.get("git_revision") != rev:
            notes.append(
                f"note: resuming a sweep started at git revision {meta.get('git_revision')}, "
                f"now {rev}"
            )
        meta["git_revision_resumed"] = rev
        return meta, notes
    if out.exists():
        leftovers = _startup_leftovers(out)
        if leftovers is None:
            raise SweepError(
                f"{out}: output folder exists and is not a sweep; choose another --out"
            )
        if leftovers:
            for p in leftovers:
                if p.is_dir():
                    for q in p.iterdir():
                        q.unlink()
                    p.rmdir()
                else:
                    p.unlink()
            notes.append(
                f"note: {out} held only what a sweep that failed to start left behind "
                f"(no sweep.json: {', '.join(sorted(p.name for p in leftovers))}); starting afresh"
            )
    meta = {
        "format": FORMAT,
        "experiment": {"name": exp.name, "source": exp.source, "description": exp.description},
        "fingerprint": fingerprint,
        "design": {
            **exp.design,
            "factors": exp.factor_names,
            "points": len(exp.points),
            "replicates": exp.replicates,
            "total_runs": exp.total_runs,
            "chunk_runs": exp.chunk_runs,
        },
        "root_seed": exp.root_seed,
        "seeds": exp.seeds,
        "seed_rule": "SeedSequence(root_seed, spawn_key=(point, replicate)) -> uint64 >> 1"
        if exp.seeds == "per_point"
        else "SeedSequence(root_seed, spawn_key=(replicate,)) -> uint64 >> 1",
        "salib_problem": salib_problem(exp.factors) if exp.factors else None,
        "spec": exp.spec(),
        **uncertainty_record(exp.posterior),
        "versions": versions(),
        "git_revision": git_revision(),
        "created_utc": utc_now(),
        "status": "running",
        "counts": {"runs_total": exp.total_runs, "runs_done": 0, "runs_failed": 0, "rows": 0},
        "sessions": [],
    }
    return meta, notes


STARTUP_FILES = ("design.parquet",)


CHUNK_FOLDERS = ("summary", "failures", "timeseries")


def _startup_leftovers(out: Path) -> list[Path] | None:
    """What a sweep that failed before writing sweep.json leaves in `out` (design.parquet, empty
    chunk folders, hidden temporary files), or None if `out` holds anything else."""
    found = []
    for p in out.iterdir():
        if p.name == ".lock":
            continue
        if p.is_file() and (p.name in STARTUP_FILES or TMP_RE.match(p.name)):
            found.append(p)
        elif (
            p.is_dir()
            and p.name in CHUNK_FOLDERS
            and all(q.is_file() and TMP_RE.match(q.name) for q in p.iterdir())
        ):
            found.append(p)
        else:
            return None
    return found


def _readable(path: Path) -> bool:
    try:
        pq.read_metadata(path)
    except Exception:  # truncated, not Parquet, unreadable
        return False
    return True


def check_parts(exp: Experiment, out: Path) -> list[str]:
    """Make every chunk on disk trustworthy before --resume relies on it; return notes.

    A chunk counts as done when its summary part is complete; its time-series part (if the
    experiment keeps series) and its failures part (if it has one) must be complete too. A chunk
    with a damaged or missing part loses all its parts, so its runs are done again. Parts of
    chunks that never finished (no summary part) are removed; a damaged design is rewritten.
    """
    notes = []
    folders = {sub: out / sub for sub in CHUNK_FOLDERS}
    names = {
        sub: {p.name for p in folder.iterdir() if PART_RE.match(p.name)}
        if folder.is_dir()
        else set()
        for sub, folder in folders.items()
    }
    for name in sorted(names["summary"]):
        parts = {sub: folders[sub] / name for sub in CHUNK_FOLDERS if name in names[sub]}
        problems = [f"{p.relative_to(out)} is damaged" for p in parts.values() if not _readable(p)]
        if exp.timeseries_every > 0 and "timeseries" not in parts:
            problems.append(f"{Path('timeseries', name)} is missing")
        if problems:
            for p in parts.values():
                p.unlink(missing_ok=True)
            m = PART_RE.match(name)
            notes.append(
                f"note: {'; '.join(problems)}: runs {int(m.group(1))}..{int(m.group(2)) - 1} "
                "will be run again"
            )
    for sub in ("failures", "timeseries"):  # parts of chunks that never finished
        for name in names[sub] - names["summary"]:
            (folders[sub] / name).unlink(missing_ok=True)
    design = out / "design.parquet"
    if design.exists() and not _readable(design):
        design.unlink()
        notes.append(f"note: {design} was damaged; it is written again")
    return notes


def design_table(exp: Experiment) -> pa.Table:
    schema = _schema(exp, ["point", *exp.factor_names])
    cols: dict[str, list] = {"point": list(range(len(exp.points)))}
    for j, k in enumerate(exp.factor_names):
        cols[k] = [p[j] for p in exp.points]
    return pa.Table.from_pydict(cols, schema=schema)


def count_on_disk(out: Path) -> tuple[int, int, int]:
    """Runs done, runs failed and summary rows, from the chunk files."""
    done = sum(b - a for a, b in done_ranges(out))
    failed = rows = 0
    if (out / "failures").is_dir():
        failed = sum(
            pq.read_metadata(p).num_rows
            for p in (out / "failures").glob("part-*")
            if (out / "summary" / p.name).exists()
        )
    rows = sum(pq.read_metadata(p).num_rows for p in (out / "summary").glob("part-*"))
    return done, failed, rows


def write_chunk(out: Path, result: ChunkResult, schemas: dict[str, pa.Schema]) -> None:
    name = part_name(result.start, result.stop)
    if result.timeseries is not None:
        write_atomic(_table(result.timeseries, schemas["timeseries"]), out / "timeseries" / name)
    if result.failures:
        write_atomic(_table(result.failures, schemas["failures"]), out / "failures" / name)
    # the summary part is renamed last: its presence marks the chunk done
    write_atomic(_table(result.summary, schemas["summary"]), out / "summary" / name)


def write_failures(out: Path, schema: pa.Schema) -> None:
    """failures.parquet: the failures of every done chunk (its summary part is on disk)."""
    parts = sorted(
        p for p in (out / "failures").glob("part-*.parquet") if (out / "summary" / p.name).exists()
    )
    tables = [pq.read_table(p, schema=schema) for p in parts]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    write_atomic(table, out / "failures.parquet")
