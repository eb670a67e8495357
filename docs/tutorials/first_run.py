# %% [markdown]
# # Tutorial 1: a first run and its outputs
#
# One scenario, a few replicates, and the three tables every run gives: the summary (one row per
# replicate and partnership), the monthly time series and the timeline of events. The same as
# `collabsim run scenarios/baseline.toml`, from Python. Run it from the repository's root (or set
# `COLLABSIM_ROOT` to it).

# %%
import os
from pathlib import Path

from collabsim import CollaborationModel, load_scenario, run_replicates

ROOT = Path(os.environ.get("COLLABSIM_ROOT", Path.cwd()))
scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
print(scenario.scenario.name, "-", scenario.scenario.steps, "months")

# %% [markdown]
# ## One run, month by month
#
# A `CollaborationModel` steps one run from Python; `rng` is its seed.

# %%
model = CollaborationModel(scenario, rng=42).run()
print("phase after ten years:", model.partnerships[0].phase)
print("events on the timeline:", len(model.events))

# %% [markdown]
# ## Replicates: the summary, the time series and the events
#
# `run_replicates` runs the same scenario with seeds derived from one root seed, so the same call
# gives the same tables on any machine.

# %%
results = run_replicates(scenario, replicates=10, root_seed=1)
summary = results.summary
print(f"{summary.survived.mean():.0%} of the partnerships last ten years")
summary[["replicate", "survived", "lifetime_months", "public_value", "mean_trust"]].head()

# %%
results.timeseries.groupby("step")[["trust", "engagement"]].mean().iloc[::12]

# %%
results.events.kind.value_counts().head()

# %% [markdown]
# ## An honest interval
#
# Ten replicates give a wide interval: `collabsim.analysis.stats` has the intervals the reports
# use (a Wilson interval for a share).

# %%
from collabsim.analysis.stats import wilson_interval

low, high = wilson_interval(int(summary.survived.sum()), len(summary))
print(f"survival {summary.survived.mean():.0%}, 95% interval {low:.0%} to {high:.0%}")

# %% [markdown]
# ## A change: `--set` from Python
#
# Overrides are the same `KEY=VALUE` strings as `collabsim run --set`; a misspelt key is an
# error naming the nearest key.

# %%
low_trust = load_scenario(ROOT / "scenarios" / "baseline.toml", ["drivers.trust=0.2"])
low = run_replicates(low_trust, replicates=10, root_seed=1, series=False)
print(f"low trust: {low.summary.survived.mean():.0%} last ten years")
