"""How fast an absurd request is refused: from the command to its one-line refusal.

Every many-run command estimates the memory and time of what it is asked before it runs a model
(collabsim/limits.py). This script times each absurd request as a whole process (the command as a
user types it, interpreter start-up and imports included), five times, and prints the median and
maximum wall time, the peak memory of the process and the refusal line. Run it from the
repository root:

    .venv/bin/python benchmarks/bench_refusal.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
P = ROOT / "scenarios" / "policies"

HUGE_LHS = """[experiment]
name = "huge"
scenario = "{base}"
replicates = 1
[design]
kind = "latin_hypercube"
samples = 10000000
[[factors]]
key = "drivers.trust"
range = [0.0, 1.0]
"""


def requests(folder: Path) -> list[tuple[str, list[str]]]:
    """The absurd requests, each as the arguments after `collabsim`."""
    huge = folder / "huge_lhs.toml"
    huge.write_text(HUGE_LHS.format(base=ROOT / "scenarios" / "baseline.toml"))
    base = str(ROOT / "scenarios" / "baseline.toml")
    national = str(ROOT / "scenarios" / "national.toml")
    return [
        ("run -n 1e9", ["run", base, "-n", "1000000000"]),
        ("run -n 2**64", ["run", base, "-n", "18446744073709551616"]),
        ("run national -n 3000 (memory)", ["run", national, "-n", "3000"]),
        (
            "run 10,000 firms in one partnership",
            ["run", base, "--set", "organisations.2.count=10000"],
        ),
        (
            "compare -n 1e9",
            [
                "compare",
                str(P / "no_policy.toml"),
                str(P / "one_off_subsidy.toml"),
                "-n",
                "1" + "0" * 9,
            ],
        ),
        ("compare national x2 -n 2000 (memory)", ["compare", national, national, "-n", "2000"]),
        (
            "scan -n 100000 (time)",
            ["scan", str(ROOT / "scenarios/scan/examples/healthy.csv"), "-n", "100000"],
        ),
        ("sweep LHS of 10 million samples", ["sweep", str(huge), "--workers", "1"]),
    ]


def time_once(args: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak memory (MB) and exit code of one whole process, and its last line."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "collabsim", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = err.strip().splitlines()
    return wall, usage.ru_maxrss / 1024, proc.returncode, lines[-1] if lines else ""


def main() -> None:
    """Time every absurd request and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{os.cpu_count()} cores; {runs} runs each; wall seconds from command to refusal")
    print(f"{'request':40} {'median s':>9} {'max s':>7} {'peak MB':>8} exit  refusal")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, args in requests(folder):
            got = [time_once(args, folder) for _ in range(runs)]
            walls = [g[0] for g in got]
            peak = max(g[1] for g in got)
            code, line = got[-1][2], got[-1][3]
            print(
                f"{label:40} {statistics.median(walls):9.2f} {max(walls):7.2f} {peak:8.0f} "
                f"{code:4}  {line[:150]}"
            )


if __name__ == "__main__":
    main()
