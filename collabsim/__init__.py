"""collabsim: an agent-based simulation of horizontal collaboration in vocational education."""

from collabsim.model import CollaborationModel
from collabsim.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = ["CollaborationModel", "Scenario", "load_scenario", "run_replicates", "__version__"]


def __getattr__(name: str):
    if name == "run_replicates":
        from collabsim.runner import run_replicates

        return run_replicates
    raise AttributeError(name)
