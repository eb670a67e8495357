"""The wheel carries the scenarios and experiment files as `collabsim/data/` (collabsim.shipped).

They stay at the repository's root, where the README, the docs, the tests and the scripts name
them (`scenarios/baseline.toml`); this build step copies them into the package in the same layout
(`collabsim/data/scenarios/...`, `collabsim/data/experiments/...`), so an experiment's relative
`scenario = "../scenarios/baseline.toml"` resolves in the installed package too. Everything else
about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = {"scenarios": ("**/*.toml", "**/*.csv"), "experiments": ("*.toml", "targets/*.toml")}


class BuildPyWithData(build_py):
    """build_py, then the shipped files copied to collabsim/data/ in the build folder."""

    def run(self) -> None:
        super().run()
        for folder, patterns in SHIPPED.items():
            for pattern in patterns:
                for source in sorted((HERE / folder).glob(pattern)):
                    target = Path(self.build_lib, "collabsim", "data", source.relative_to(HERE))
                    self.mkpath(str(target.parent))
                    self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildPyWithData})
