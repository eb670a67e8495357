"""Make the pictures of the README section "Compare funding schemes in five minutes".

`python experiments/compare_readme_figures.py` runs the two comparisons the section shows, with
exactly its commands (200 runs each, seed 1, each run's parameters drawn from the committed
calibration's posterior), into a temporary folder and copies the figures to docs/img/compare_*.png.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
P = "scenarios/policies/"
SCHEMES = [
    P + "no_policy.toml",
    P + "one_off_subsidy.toml",
    P + "tapering_subsidy.toml",
    P + "sustained_funding.toml",
    P + "paid_coordinator.toml",
    P + "challenge_fund.toml",
]
CLIFF = [P + "low_trust_one_off.toml", P + "low_trust_sustained.toml"]


def compare(paths: list[str], out: Path) -> Path:
    """Run `collabsim compare` as a user would."""
    cmd = [sys.executable, "-m", "collabsim", "compare", *paths]
    cmd += ["--replicates", "200", "--seed", "1", "--out", str(out)]
    cmd += ["--parameters", "docs/results/calibration/posterior.parquet"]
    subprocess.run(cmd, cwd=ROOT, check=True)
    return out


def main() -> None:
    target = ROOT / "docs" / "img"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        schemes = compare(SCHEMES, Path(tmp) / "schemes")
        shutil.copy(schemes / "figures" / "survival.png", target / "compare_survival.png")
        shutil.copy(schemes / "figures" / "value_per_euro.png", target / "compare_value.png")
        cliff = compare(CLIFF, Path(tmp) / "cliff")
        shutil.copy(cliff / "figures" / "cliff.png", target / "compare_cliff.png")
        print((schemes / "comparison.csv").read_text())
        print((cliff / "comparison.csv").read_text())


if __name__ == "__main__":
    main()
