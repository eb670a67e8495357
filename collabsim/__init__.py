"""collabsim: an agent-based simulation of horizontal collaboration in vocational education.

The names below are imported on first use, so that the command line starts (and can be
interrupted) before the model's heavy dependencies are loaded.
"""

__version__ = "0.1.0"

__all__ = ["CollaborationModel", "Scenario", "load_scenario", "run_replicates", "__version__"]

_HOMES = {
    "CollaborationModel": "collabsim.model.collaboration",
    "Scenario": "collabsim.model.scenario",
    "load_scenario": "collabsim.model.scenario",
    "run_replicates": "collabsim.runs.runner",
}


def __getattr__(name: str):
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(name)
