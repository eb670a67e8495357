# %% [markdown]
# # Tutorial 3: comparing funding schemes
#
# Which way of funding keeps partnerships going after the money stops? `compare` runs every
# scheme on common random numbers (replicate r of each scheme meets the same chance events), so
# the differences are paired and their intervals narrow. Here 20 replicates of four schemes from
# the policy library (`scenarios/policies/`); the [compare guide](../../compare/) reads the full
# comparison. The same as `collabsim compare`.

# %%
import os
from pathlib import Path

from collabsim.analysis.comparison import compare

ROOT = Path(os.environ.get("COLLABSIM_ROOT", Path.cwd()))
policies = ROOT / "scenarios" / "policies"
schemes = ["no_policy", "one_off_subsidy", "sustained_funding", "paid_coordinator"]
result = compare([policies / f"{name}.toml" for name in schemes], replicates=20, seed=1)

# %% [markdown]
# ## The table
#
# One row per scheme; differences are to the first (no policy), with 95% intervals.

# %%
result.table

# %% [markdown]
# ## Survival over time
#
# Each arm keeps its runs; the Kaplan–Meier curve shows when partnerships end, and whether
# they end when the money stops (the cliff).

# %%
from collabsim.analysis.comparison import money_stops, survival_curve

for arm in result.arms:
    curve = survival_curve(arm)
    stop = money_stops(arm.scenario)
    print(f"{arm.label:20s} money stops at month {stop}; curve columns: {list(curve.columns)}")

# %% [markdown]
# ## Equal spending
#
# Schemes that spend more may simply buy more: `budget_normalise=True` scales every scheme to
# the first paying scheme's budget, so they are compared at equal spending.

# %%
paying = [policies / f"{name}.toml" for name in schemes[1:]]
equal = compare(paying, replicates=20, seed=1, budget_normalise=True)
[(arm.label, round(arm.budget_eur)) for arm in equal.arms]
