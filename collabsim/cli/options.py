"""Command-line options that several commands share, declared once (each command names them)."""

from __future__ import annotations

from typing import Annotated

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
