"""Recovery: data made by the model at known parameter values is calibrated back, and the true
values fall inside the posterior's 90% credible intervals, which are narrower than the priors.

The "observed" statistics are the model's own at cost_base = 0.6 and leave_per_month = 0.12
(400 runs, so they carry little noise); each target's interval is that value plus or minus what
30 runs of a particle can tell apart. A calibration that ignored the data would keep the
priors' width (the narrowing check fails); one that fitted to the wrong place would leave the
true values out (the coverage check fails). Only cost_base is required to narrow: the
statistics trade a higher leave_per_month against a lower cost_base (a ridge), so the data
alone leave leave_per_month wide, which is what a posterior should then say. Sized to run in
about half a minute on one core (50 particles, 4 generations, 30 runs each).
"""

from __future__ import annotations

from collabsim.analysis.calibration import (
    credible_intervals,
    fit,
    posterior_frame,
    simulate,
)
from collabsim.analysis.calibration_targets import load_targets

from .conftest import SCENARIOS

TRUE = {"cost_base": 0.6, "leave_per_month": 0.12}
PRIORS = {"cost_base": (0.3, 0.9), "leave_per_month": (0.04, 0.3)}
STATISTICS = [  # name, statistic, arguments as TOML, half-width of the interval
    ("alive_24", "share_alive", "month = 24", 0.08),
    ("alive_48", "share_alive", "month = 48", 0.08),
    ("alive_72", "share_alive", "month = 72", 0.08),
    ("firms_vs_schools", "leaving_ratio", 'group = "firm"\nreference = "school"', 0.1),
]


def targets_text(values: dict | None) -> str:
    """A targets file over the statistics; intervals around `values` (placeholders if None)."""
    head = f"""
[calibration]
name = "recovery"
replicates = 30
seed = 11

[free]
parameters = ["cost_base", "leave_per_month"]
[free.priors]
cost_base = [{PRIORS["cost_base"][0]}, {PRIORS["cost_base"][1]}]
leave_per_month = [{PRIORS["leave_per_month"][0]}, {PRIORS["leave_per_month"][1]}]

[scenarios.chain]
base = "{(SCENARIOS / "baseline.toml").as_posix()}"
set = ["scenario.steps=72"]
assumes = "the baseline chain for six years"
"""
    blocks = []
    for name, statistic, arguments, h in STATISTICS:
        centre = values[name] if values else 0.5
        blocks.append(
            f"""
[[targets]]
name = "{name}"
pattern = "the model's own value at known parameters"
statistic = "{statistic}"
{arguments}
scenario = "chain"
interval = [{centre - h}, {centre + h}]
role = "calibration"
source = "collabsim itself at cost_base = 0.6, leave_per_month = 0.12"
"""
        )
    return head + "".join(blocks)


def test_known_parameters_are_recovered(tmp_path):
    import pyabc  # noqa: F401  (a dependency: its absence is a failure, not a skip)

    draft = tmp_path / "draft.toml"
    draft.write_text(targets_text(None))
    spec = load_targets([draft])
    data = simulate(spec.scenarios, spec.targets, TRUE, replicates=400, seed=99)

    path = tmp_path / "recovery.toml"
    path.write_text(targets_text(data))
    spec = load_targets([path])
    history = fit(spec, particles=50, folder=tmp_path, done=0, remaining=4)
    posterior = posterior_frame(history, spec)
    intervals = credible_intervals(posterior, spec, level=0.9).set_index("parameter")
    for name, true in TRUE.items():
        row = intervals.loc[name]
        assert row["low"] <= true <= row["high"], (name, true, row.to_dict())
    prior_width = PRIORS["cost_base"][1] - PRIORS["cost_base"][0]
    ci = intervals.loc["cost_base"]
    assert ci["high"] - ci["low"] < 0.6 * prior_width, ci.to_dict()
