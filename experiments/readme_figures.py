"""Make the README's pictures of a demo run: `python experiments/readme_figures.py`.

Runs the baseline scenario exactly as `make demo` does (30 replicates, seed 1) into a temporary
folder and copies its trajectories.png and timeline.png to docs/img/.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "collabsim",
                "run",
                "scenarios/baseline.toml",
                "--replicates",
                "30",
                "--seed",
                "1",
                "--out",
                str(out),
            ],
            cwd=ROOT,
            check=True,
        )
        target = ROOT / "docs" / "img"
        target.mkdir(parents=True, exist_ok=True)
        for name in ("trajectories.png", "timeline.png"):
            shutil.copy(out / name, target / f"demo_{name}")
            print(f"wrote docs/img/demo_{name}")


if __name__ == "__main__":
    main()
