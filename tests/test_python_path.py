"""The model runs uncompiled (NUMBA_DISABLE_JIT=1), so a breakpoint can stop in any mechanism,
and gives the same results as the compiled kernels, to the last bit."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT

# Short runs that reach every kind of event (tests/test_month.py) and every instrument kind.
CASES = (
    (
        "baseline",
        "scenario.steps=24",
        "conditions.staff_turnover=1.0",
        "conditions.demand_volatility=1.0",
    ),
    ("policies/combined_package", "scenario.steps=24", "drivers.trust=0.15"),
)
RUN = f"""
import hashlib
from collabsim import CollaborationModel, load_scenario
from collabsim.mechanisms import month

def fingerprint(name, *overrides, seed=3):
    scenario = load_scenario(f"{ROOT}/scenarios/{{name}}.toml", list(overrides))
    m = CollaborationModel(scenario, rng=seed)
    m.inject("conflict")
    m.run()
    h = hashlib.sha256(m.series().tobytes())
    h.update(repr(m.events.rows()).encode())
    h.update(repr(m.rng.bit_generator.state).encode())
    return h.hexdigest()
"""


def fingerprints() -> list[str]:
    """This process's fingerprint of each case (compiled unless NUMBA_DISABLE_JIT is set)."""
    space: dict = {}
    exec(RUN, space)
    return [space["fingerprint"](*case) for case in CASES]


def test_uncompiled_run_equals_the_compiled_one_to_the_bit():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    script = f"{RUN}\nprint(type(month.run_month).__name__)\n"
    script += f"for case in {CASES!r}:\n    print(fingerprint(*case))"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr
    kind, *uncompiled = out.stdout.split()
    assert kind == "function"  # plain Python: a breakpoint in a mechanism stops there
    assert uncompiled == fingerprints()


BREAKPOINT = f"""
import bdb, inspect, time
from collabsim import CollaborationModel, load_scenario
from collabsim.mechanisms import engagement

source, first = inspect.getsourcelines(engagement.decide_engagement_kernel)
line = first + next(i for i, s in enumerate(source) if "target = available" in s)

class Counter(bdb.Bdb):
    hits = 0
    def user_line(self, frame):
        if self.break_here(frame):
            Counter.hits += 1
        self.set_continue()

scenario = load_scenario("{ROOT}/scenarios/baseline.toml", ["scenario.steps=2"])
debugger = Counter()
debugger.set_break(engagement.__file__, line)
debugger.runcall(CollaborationModel(scenario, rng=1).run)
start = time.perf_counter()
CollaborationModel(load_scenario("{ROOT}/scenarios/baseline.toml"), rng=1).run()
print(Counter.hits, round(time.perf_counter() - start, 2))
"""


def test_a_breakpoint_in_a_mechanism_is_reached_uncompiled():
    """A debugger's breakpoint on the engagement equation stops there once per member a month
    (12 members, months 1 and 2); compiled, it would never be reached (0 hits)."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run(
        [sys.executable, "-c", BREAKPOINT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr
    hits, seconds = out.stdout.split()
    assert int(hits) == 24
    print(f"uncompiled baseline run: {seconds} s")
