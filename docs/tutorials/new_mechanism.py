# %% [markdown]
# # Tutorial 4: extending the model with a new mechanism
#
# The [extending guide](../../extending/) shows, as whole diffs, how to add *fatigue*: members
# who invest much for long grow tired, and tiredness takes a share of what they invest. This
# notebook reads that change, tries its equation on its own, and checks that the change still
# applies to a copy of today's code. It does not compile and run the extended model: that takes
# the kernels' compile time (about 40 s), and `tests/test_extending.py` does it in the suite
# (applies all five changes, compiles, lints, and runs the examples' tests).

# %%
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(os.environ.get("COLLABSIM_ROOT", Path.cwd()))
guide = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
changes = re.findall(r"^```diff\n(.*?)^```$", guide, re.S | re.M)
fatigue = changes[0]
print(len(changes), "changes in the guide; the first touches:")
print("\n".join(re.findall(r"^\+\+\+ b/(\S+)$", fatigue, re.M)))

# %% [markdown]
# ## The equation
#
# The new kernel's docstring states it; the kernel's loop reads the same way:

# %%
kernel = fatigue.split("def tire_kernel", 1)[1].split("def tire(", 1)[0]
print("def tire_kernel" + "\n".join(line[1:] for line in kernel.splitlines()))

# %% [markdown]
# The same rule on one member who would invest 0.8 of what it can every month, for three
# rates: fatigue F ← F + rate·(E − F), then E ← E·(1 − rate·F). A rate of 0 (the default)
# leaves every existing scenario as it was.


# %%
def tired_engagement(rate: float, months: int = 60, wish: float = 0.8) -> np.ndarray:
    tiredness, path = 0.0, []
    for _ in range(months):
        engagement = wish
        tiredness += rate * (engagement - tiredness)
        engagement *= 1.0 - rate * tiredness
        path.append(engagement)
    return np.array(path)


for rate in (0.0, 0.1, 0.3):
    path = tired_engagement(rate)
    print(f"rate {rate}: engagement month 1 {path[0]:.3f}, month 60 {path[-1]:.3f}")

# %% [markdown]
# In the model the wish is what the engagement decision gives each month, so a tired member
# also contributes less to joint action, and through it to trust and public value.
#
# ## The change applies to today's code
#
# A copy of the repository's tracked files, and `git apply --check` of the guide's first
# change: if the code moves under it, this fails (as `tests/test_extending.py` does).

# %%
files = subprocess.run(
    ["git", "ls-files", "collabsim", "docs/ODD.md", "tests"],
    cwd=ROOT,
    capture_output=True,
    text=True,
    check=True,
).stdout.split()
copy = Path(tempfile.mkdtemp(prefix="collabsim-extend-"))
for name in files:
    if (ROOT / name).is_file():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
check = subprocess.run(
    ["git", "apply", "--check", "-"], cwd=copy, input=fatigue, capture_output=True, text=True
)
print("applies cleanly" if check.returncode == 0 else check.stderr)
assert check.returncode == 0

# %% [markdown]
# To go on in the copy: `git apply` the change, then `python -m collabsim.analysis.odd_tables`,
# `python -m collabsim.model.precompile` and
# `collabsim run scenarios/baseline.toml --set parameters.fatigue_per_month=0.2`.
