"""The wheel, installed outside the repository, runs the README's first commands on shipped names.

What it catches: a scenario, policy, scan example or experiment file left out of the wheel
(setup.py's copy to collabsim/data/), a path computed from the repository's layout instead of
collabsim.shipped, a module that imports something only the source tree has.

How, offline and fast:
- the wheel is built (`pip wheel --no-deps`) from a copy of only the files a source distribution
  carries, so neither the checkout's stale `build/` nor anything else of the repository leaks in;
  pip fetches setuptools for the isolated build from the configured index (skipped if it cannot);
- the virtualenv is fresh and made `--without-pip` (0.2 s); the running interpreter's pip installs
  the wheel into it (`pip --python VENV install --no-deps --no-index`). Its dependencies are this
  environment's: a `.pth` file adds this environment's site-packages to the venv's path. Unlike
  `--system-site-packages` (which would give the base interpreter's packages, not this venv's), it
  reuses what is installed without downloading anything; and since a `.pth` line adds a folder
  without running that folder's own `.pth` files, the checkout's editable install stays out: the
  venv imports collabsim from the wheel (asserted);
- compiling the model's kernels takes about a minute on a fresh install. The venv therefore lives
  at a fixed path under the user's cache with a fixed NUMBA_CACHE_DIR beside it, and the
  installed sources get a fixed modification time: numba then reuses kernels compiled by an
  earlier run of this test, and collabsim's cache folder, named after a hash of the kernel
  sources (collabsim.model.kernel_cache), starts afresh whenever those sources change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "collabsim-wheel-test"
FIXED_MTIME = 946684800  # 2000-01-01: the same stamps for every install (see the docstring)
SDIST_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE")
SHIPPED_FOLDERS = ("scenarios", "experiments")


def _source_copy(into: Path) -> Path:
    """The files a source distribution carries (MANIFEST.in), copied into `into`."""
    into.mkdir()
    for name in SDIST_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, into / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "collabsim", into / "collabsim", ignore=ignore)
    for folder in SHIPPED_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".toml", ".csv"):
                target = into / path.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    return into


def _build_wheel(tmp: Path) -> Path:
    source = _source_copy(tmp / "source")
    out = tmp / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if built.returncode and "matching distribution found for setuptools" in built.stderr:
        pytest.skip("pip cannot fetch setuptools for the isolated build (offline, no index)")
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("collabsim-*.whl")
    return wheel


def _fresh_venv(wheel: Path) -> Path:
    venv = HOME / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "collabsim-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
        + ["--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=120,
    )
    for path in Path(purelib, "collabsim").rglob("*.py"):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return venv


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, a working folder outside the repository, the environment to run commands in)."""
    tmp = tmp_path_factory.mktemp("wheel")
    assert ROOT not in tmp.parents
    venv = _fresh_venv(_build_wheel(tmp))
    work = tmp / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["NUMBA_CACHE_DIR"] = str(HOME / "numba")
    env["COLUMNS"] = "120"
    return venv, work, env


def _collabsim(installed, *args: str) -> str:
    venv, work, env = installed
    done = subprocess.run(
        [str(venv / "bin" / "collabsim"), *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"collabsim {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_installed_package_is_the_wheel(installed):
    venv, work, env = installed
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import collabsim; print(collabsim.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where).is_relative_to(venv), where
    assert str(ROOT) not in where


def test_shipped_names_run_outside_the_repository(installed):
    _, work, _ = installed
    _collabsim(installed, "run", "baseline", "-n", "3", "--out", "run")
    assert (work / "run" / "summary.csv").is_file() and (work / "run" / "manifest.json").is_file()
    _collabsim(
        installed, "compare", "baseline", "policies/one_off_subsidy", "-n", "3", "--out", "cmp"
    )
    assert (work / "cmp" / "comparison.csv").is_file()
    _collabsim(installed, "scan", "at_risk", "-n", "3", "--out", "scan")
    assert (work / "scan" / "scan.html").is_file() and (work / "scan" / "scan.json").is_file()
    assert "--help" in _collabsim(installed, "app", "--help")


def test_scenarios_and_init_outside_the_repository(installed):
    _, work, _ = installed
    listed = _collabsim(installed, "scenarios")
    assert "policies/one_off_subsidy" in listed and "demo_sweep" in listed
    _collabsim(installed, "init", "mine")
    assert (work / "mine" / "scenarios" / "scan" / "questionnaire.toml").is_file()
    assert (work / "mine" / "experiments" / "targets" / "dutch_cases.toml").is_file()
