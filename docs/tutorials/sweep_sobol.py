# %% [markdown]
# # Tutorial 2: a sweep and a Sobol analysis
#
# A sweep runs a scenario at many design points, each with replicates, and streams the results
# to Parquet; a Sobol analysis is a sweep on Saltelli's sample, then the indices. Both here on
# small sizes (a few seconds); the committed full analysis is in
# [the Sobol results](../../results/sobol_drivers/report/). The same as
# `collabsim sweep` and `collabsim sensitivity` on an experiment file.

# %%
import os
import tempfile
from pathlib import Path

ROOT = Path(os.environ.get("COLLABSIM_ROOT", Path.cwd()))
work = Path(tempfile.mkdtemp(prefix="collabsim-tutorial-"))

# %% [markdown]
# ## An experiment file
#
# Two drivers on a 2 × 2 grid, 3 replicates each; the scenario path is relative to the file.

# %%
baseline = (ROOT / "scenarios" / "baseline.toml").as_posix()
(work / "grid.toml").write_text(f"""
[experiment]
name = "tutorial_grid"
scenario = "{baseline}"
replicates = 3
seed = 7

[design]
kind = "full_factorial"

[[factors]]
key = "drivers.urgency"
values = [0.2, 0.8]

[[factors]]
key = "drivers.trust"
values = [0.2, 0.8]
""")

# %%
from collabsim.runs.experiment import load_experiment
from collabsim.runs.results import load_sweep
from collabsim.runs.sweep import run_sweep

outcome = run_sweep(load_experiment(work / "grid.toml"), work / "grid", workers=1)
runs = load_sweep(work / "grid")
runs.groupby(["drivers.urgency", "drivers.trust"]).survived.mean()

# %% [markdown]
# ## A Sobol analysis
#
# The same file with a `sobol` design: N base samples give N(D + 2) points (here 16 × 4 = 64,
# 2 replicates each). With so few samples the intervals are wide: this shows the workflow, not
# the answer.

# %%
(work / "sobol.toml").write_text(
    (work / "grid.toml")
    .read_text()
    .replace('kind = "full_factorial"', 'kind = "sobol"\nsamples = 16\nsecond_order = false')
    .replace("replicates = 3", "replicates = 2")
    .replace("values = [0.2, 0.8]", "range = [0.0, 1.0]")
)

# %%
from collabsim.analysis.sensitivity import run_analysis
from collabsim.analysis.sensitivity_models import ScenarioModel
from collabsim.analysis.sensitivity_spec import load_spec

spec = load_spec(work / "sobol.toml", surfaces=False)
result = run_analysis(spec, ScenarioModel(workers=1), work / "sobol", plots=False, surfaces=False)
result.indices[result.indices.output == "survived"][["factor", "S1", "S1_conf", "ST", "ST_conf"]]

# %% [markdown]
# `ST` well above `S1` for a driver means it acts through interactions: the drivers work
# together. Everything written (tables, report.md) is in the output folder:

# %%
sorted(p.name for p in (work / "sobol").iterdir())
