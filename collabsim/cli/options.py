"""Command-line options that several commands share, declared once (each command names them).

--yes, --workers and --scheduler mean the same in every command and are ready-made types. The
names of --replicates (-n), --seed and --out are declared here too; what they count, seed or hold
differs by command, so each command gives its own help text (and its own default value).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

Yes = Annotated[
    bool,
    typer.Option(
        "--yes", help="go ahead with work estimated to take over an hour (see collabsim/limits.py)"
    ),
]
Workers = Annotated[
    str | None,
    typer.Option(
        help="processes on this machine (default: all cores), or 'dask' for a Dask LocalCluster "
        "with one thread per worker"
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (default: "
        "$COLLABSIM_SCHEDULER, unless --workers is given); tasks are pickled: connect only to "
        "a scheduler you control",
    ),
]


def replicates(help: str) -> Any:
    """--replicates / -n: how many runs (of a scenario, per scheme, per lever: `help` says)."""
    return typer.Option("--replicates", "-n", help=help)


def seed(help: str) -> Any:
    """--seed: the root seed that every run's seed is spawned from."""
    return typer.Option("--seed", help=help)


def out(help: str) -> Any:
    """--out: the folder a command writes into (`help` names its default)."""
    return typer.Option("--out", help=help)


def parameters() -> Any:
    """--parameters: a calibrated posterior whose parameter sets the runs are drawn from."""
    return typer.Option(
        "--parameters",
        help="posterior.parquet from collabsim calibrate: each run draws its parameter set from "
        "it (weights respected, seeded), so the intervals include parameter uncertainty",
    )


def lang() -> Any:
    """--lang: the language of what the command prints (its files stay English)."""
    return typer.Option(
        "--lang",
        help="language of the summary printed here: en or nl (files written, such as CSV, "
        "Parquet and JSON, keep English names: they are for machines)",
    )
