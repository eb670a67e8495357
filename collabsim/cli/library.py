"""`collabsim scenarios` and `collabsim init`: the shipped scenarios and experiment files, listed
with their one-line descriptions, or copied into a folder for editing (collabsim.shipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from collabsim import shipped
from collabsim.cli.console import console

HEADINGS = {
    "scenario": "scenarios (collabsim run NAME, collabsim compare NAME NAME):",
    "experiment": "experiments (collabsim sweep NAME, collabsim sensitivity NAME):",
    "targets": "calibration targets (collabsim calibrate NAME):",
    "scan answers": "scan answers (collabsim scan NAME):",
}


def scenarios() -> None:
    """List the shipped scenarios, policies, experiments and scan examples; any name here can be
    given to run, compare, scan, sweep, sensitivity or calibrate instead of a path."""
    rows = shipped.listing()
    width = max(len(name) for _, name, _ in rows)
    lines = [f"shipped with collabsim, in {shipped.root()}:"]
    for kind in dict.fromkeys(k for k, _, _ in rows):
        lines.append(HEADINGS[kind])
        lines += [f"  {n:<{width}}  {d}".rstrip() for k, n, d in rows if k == kind]
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def init(
    folder: Annotated[Path, typer.Argument(help="a new or empty folder to copy them into")],
) -> None:
    """Copy the shipped scenarios and experiment files into FOLDER for editing (their relative
    paths still resolve there)."""
    copied = shipped.copy_to(folder)
    console.print(
        f"copied {len(copied)} files into {folder}: edit them, then e.g. "
        f"collabsim run {folder / 'scenarios' / 'baseline.toml'}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add `collabsim scenarios` and `collabsim init` to the command line."""
    app.command()(scenarios)
    app.command()(init)
