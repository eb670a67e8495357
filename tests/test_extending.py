"""docs/extending.md cannot go stale: its changes, applied in order to a copy of the repository,
apply cleanly, lint, keep the ODD equal to the code and pass their own tests with the docs,
architecture and state tests. Fails when the code moves under a change the guide shows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

GUIDE = ROOT / "docs" / "extending.md"
DIFF = re.compile(r"^```diff\n(.*?)^```$", re.S | re.M)
NEW_TEST = re.compile(r"^\+\+\+ b/(tests/test_\w+\.py)$", re.M)
CHECKS = ("test_docs", "test_architecture", "test_state_by_name", "test_organisation_types")


def changes() -> list[str]:
    """The guide's changes, as the unified diffs it shows."""
    return DIFF.findall(GUIDE.read_text(encoding="utf-8"))


def tracked_files() -> list[str]:
    """The repository's files, as a fresh clone has them."""
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """Run a command in the copy; its output is kept for the assertion message."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> tuple[Path, dict]:
    """A copy of the repository with every change of the guide applied, the ODD's tables
    rewritten and the kernels compiled."""
    copy = tmp_path_factory.mktemp("extended") / "repo"
    for name in tracked_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    env = {**os.environ, "PYTHONPATH": str(copy), "NUMBA_CACHE_DIR": str(copy / ".numba")}
    env.pop("NUMBA_DISABLE_JIT", None)
    for number, diff in enumerate(changes(), 1):
        applied = subprocess.run(
            ["git", "apply", "--whitespace=error-all", "-"],
            cwd=copy,
            input=diff,
            capture_output=True,
            text=True,
        )
        assert applied.returncode == 0, f"change {number} of docs/extending.md: {applied.stderr}"
    rewrite = run([sys.executable, "-m", "collabsim.analysis.odd_tables"], copy, env)
    assert rewrite.returncode == 0, rewrite.stderr
    compiled = run([sys.executable, "-m", "collabsim.model.precompile"], copy, env)
    assert compiled.returncode == 0, compiled.stderr[-3000:]
    return copy, env


def test_the_guide_shows_five_changes():
    assert len(changes()) == 5


def test_the_changes_lint(extended):
    copy, env = extended
    ruff = Path(sys.executable).with_name("ruff")
    for args in (["check", "."], ["format", "--check", "."]):
        linted = run([str(ruff), *args], copy, env)
        assert linted.returncode == 0, linted.stdout[-3000:]


def test_the_changes_pass_their_tests_and_keep_docs_and_architecture(extended):
    copy, env = extended
    own = [name for diff in changes() for name in NEW_TEST.findall(diff)]
    assert len(own) == 5, own
    checks = [f"tests/{name}.py" for name in CHECKS]
    tested = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *own, *checks], copy, env
    )
    assert tested.returncode == 0, tested.stdout[-4000:]
