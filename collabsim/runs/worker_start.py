"""Imported once by the sweep's forkserver: run a one-month model, month by month and on the batch
path, so that the compiled kernels are loaded before worker processes are forked from it (each
worker then starts warm)."""

from __future__ import annotations


def warm_up() -> None:
    """Run the smallest model once (errors are left to the real runs to report)."""
    try:
        from collabsim.model.scenario import Scenario
        from collabsim.runs.runner import run_single

        scenario = Scenario.model_validate(
            {
                "scenario": {"steps": 1},
                "organisations": [{"type": "school", "level": "mbo"}, {"type": "firm"}],
            }
        )
        run_single(scenario, 1)
        run_single(scenario, 1, series=False)
    except Exception:
        pass


warm_up()
