"""What a command may ask of this machine: sizes estimated before any work, refused or confirmed.

Every many-run command (run, compare, scan, sweep, sensitivity) estimates, before it builds a
single model, the memory its results will hold and the time its runs will take, from the
scenario's size (partnerships, organisations per partnership, months) and the cost figures
measured in benchmarks/README.md. What cannot fit in this machine's memory is refused with one
line that says what it would need and what to change; what would take longer than
`CONFIRM_ABOVE_HOURS` asks for `--yes`. The estimates are deliberately rough (within a factor of
about two): they exist to stop absurd requests in a second, not to forecast a run to the minute.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from collabsim.errors import CollabsimInputError

# Schema limits: what the model can run at all on a machine of 24 GB.
MAX_REPLICATES = 100_000
MAX_PARTNERSHIP_MEMBERS = 1_000  # pair arrays grow with the square, pair updates with the cube
MAX_SEED = 2**63 - 1
MAX_WORKERS = 1_024
MAX_DESIGN_POINTS = 1_000_000
CONFIRM_ABOVE_HOURS = 1.0

# Cost figures (measured on the 2-core reference machine, see benchmarks/README.md).
_RUN_FIXED_S = 0.002  # building a model and collecting its summary
_MONTH_FIXED_S = 3e-5  # Mesa's step machinery and the DataCollector, per month
_PARTNERSHIP_MONTH_S = 1e-5  # one partnership's month at a usual size
_PAIR_MONTH_S = 5e-11  # per member³ a month: trust and tensions between every pair
_PAIR_BYTES = 64  # model memory per member pair (about eight pair arrays of float64)
_SERIES_BYTES = 8 * 14 * 4  # per kept month and partnership: values, index columns, copies
_EVENT_BYTES_PER_PARTNERSHIP_MONTH = 250  # about one event a partnership-month, as records
_SUMMARY_BYTES = 1_500  # one summary row per partnership and run


@dataclass(frozen=True)
class RunSize:
    """The size of one run of a scenario: what drives its memory and time."""

    partnerships: int
    widest: int  # organisations in the largest partnership
    months: int

    @property
    def model_bytes(self) -> int:
        """Memory one model holds while it runs (its pair arrays dominate)."""
        return self.partnerships * self.widest**2 * _PAIR_BYTES + 1_000_000

    @property
    def seconds(self) -> float:
        """Wall time of one run on one core."""
        per_month = (
            _MONTH_FIXED_S
            + self.partnerships * _PARTNERSHIP_MONTH_S
            + self.partnerships * self.widest**3 * _PAIR_MONTH_S
        )
        return _RUN_FIXED_S + self.months * per_month

    def kept_bytes(self, series: bool) -> int:
        """Memory the results of one run keep until they are written: summary, events, series."""
        months = self.months + 1
        kept = self.partnerships * (_SUMMARY_BYTES + months * _EVENT_BYTES_PER_PARTNERSHIP_MONTH)
        if series:
            kept += self.partnerships * months * _SERIES_BYTES
        return kept


def run_size(scenario) -> RunSize:
    """The size of one run of a scenario, computed from its file (no model is built)."""
    n_part = scenario.scenario.partnerships
    return RunSize(n_part, widest_partnership(scenario), scenario.scenario.steps)


def widest_partnership(scenario) -> int:
    """Organisations in the largest partnership, as region.assign_to_partnerships spreads them."""
    n_part = scenario.scenario.partnerships
    widest = 0
    for group in scenario.organisations:
        if group.count >= n_part:
            widest += math.ceil(group.count / n_part)
        elif group.count > 0:
            widest += 1
    return widest


def available_memory_bytes() -> int:
    """Memory this machine can still give (MemAvailable on Linux, else all physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def human_bytes(n: float) -> str:
    """1.2 GB, 340 MB, 12 KB: a size as people read it."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def human_time(seconds: float) -> str:
    """'about 3 h 20 min', '45 s': a duration as people read it."""
    if seconds < 60:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400 * 2:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{seconds / 86400:.0f} days"


def check_count(flag: str, value: int | None, low: int, high: int, unit: str = "") -> None:
    """An integer option within [low, high], or one clear line naming the allowed range."""
    if value is None or low <= value <= high:
        return
    what = f" {unit}" if unit else ""
    raise CollabsimInputError(f"{flag} {value}: outside the allowed range {low}..{high}{what}")


def check_seed(flag: str, value: int | None) -> None:
    """A seed from 0 to 2**63 - 1 (what numpy's SeedSequence and the manifests keep exactly)."""
    if value is not None and value < 0:
        raise CollabsimInputError(f"{flag} {value}: must be 0 or more")
    if value is not None and value > MAX_SEED:
        raise CollabsimInputError(f"{flag} {value}: must be at most 2**63 - 1 ({MAX_SEED})")


def check_work(
    what: str,
    runs: int,
    size: RunSize,
    *,
    kept_per_run: int,
    workers: int = 1,
    yes: bool = False,
    advice: str,
) -> float:
    """Refuse work that cannot fit in memory, ask --yes for work that takes hours.

    what: the request in words ("3,000 replicates of baseline"); runs: how many model runs;
    kept_per_run: bytes of results held in memory per run until written; advice: what to change.
    Returns the estimated wall time in seconds.
    """
    available = available_memory_bytes()
    workers = max(1, workers)
    need = runs * kept_per_run + workers * size.model_bytes
    if need > 0.8 * available:
        raise CollabsimInputError(
            f"{what} would need about {human_bytes(need)} of memory and this machine has "
            f"{human_bytes(available)} free; {advice}"
        )
    seconds = runs * size.seconds / min(workers, usable_cores())
    if seconds > CONFIRM_ABOVE_HOURS * 3600 and not yes:
        raise CollabsimInputError(
            f"{what} would take about {human_time(seconds)} on {min(workers, usable_cores())} "
            f"core(s); add --yes to go ahead, or {advice}"
        )
    return seconds
