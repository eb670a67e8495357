"""Stale compiled code cannot run: the kernel cache is keyed on a hash of the kernel sources.

numba's own `cache=True` checks only the file a kernel is defined in, so without the key a kernel
calling a kernel in another file keeps the old callee after an edit (the edit-a-copy test below
fails on the code before collabsim/model/kernel_cache.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from collabsim.model import kernel_cache
from collabsim.model import precompile as warm

from .conftest import ROOT

# Every liaison leaves (draws of 0): turnover.liaison_turnover_kernel calls event_codes.emit
# for each.
TURNOVER = """
import numpy as np
from collabsim import CollaborationModel
from collabsim.model import event_buffer as event_codes
from collabsim.mechanisms import turnover
m = CollaborationModel()
st, buffer = m.state, event_codes.EventBuffer(64)
turnover.liaison_turnover_kernel(np.zeros(st.member.shape), 12.0, st.member_flags,
    st.partnership_flags, st.member_floats, st.member_pairs, st.partnership_floats,
    m.policy.effects.effect_flags, m.prm.record, buffer.rows, buffer.count)
print(int(buffer.count[0]), int(buffer.rows[0, 0]))
"""


def test_the_hashed_sources_include_every_file_with_kernels():
    hashed = {kernel_cache.dotted_name(p) for p in kernel_cache.kernel_sources()}
    defining = {name.rpartition(".")[0] for name in warm.kernels()}
    assert defining <= hashed
    assert {"collabsim.model.region", "collabsim.model.event_buffer"} <= hashed
    assert {"collabsim.model.parameters", "collabsim.model.scenario"} <= hashed  # imported ones


def test_every_kernel_module_takes_njit_from_kernel_cache():
    """So the cache is keyed before any kernel is defined, whichever module comes first."""
    for path in kernel_cache.kernel_sources():
        text = path.read_text()
        assert "from numba import njit" not in text or path.name == "kernel_cache.py", path
        if "\n@njit" in text:
            assert "from collabsim.model.kernel_cache import njit" in text, path


def test_the_cache_folder_follows_the_sources(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    first = kernel_cache.keyed_cache_dir()
    assert first.parent == tmp_path and first.name.startswith(kernel_cache.PREFIX)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(first))  # inherited by a subprocess: kept
    assert kernel_cache.keyed_cache_dir() == first
    monkeypatch.setattr(kernel_cache, "sources_digest", lambda: "0" * 16)
    assert kernel_cache.keyed_cache_dir() == tmp_path / f"{kernel_cache.PREFIX}{'0' * 16}"


def _run(src, env):
    out = subprocess.run(
        [sys.executable, "-c", TURNOVER],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_a_callee_edited_in_another_file_changes_the_callers_result(tmp_path):
    """Edit event_buffer.emit in a copy of the package: turnover.liaison_turnover_kernel (cached,
    its own file untouched) must write what the edited emit writes, not what the cached old one
    did."""
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "collabsim", src / "collabsim", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    count, kind = _run(src, env)
    assert int(count) > 0
    codes = src / "collabsim" / "model" / "event_buffer.py"
    text = codes.read_text()
    assert "    rows[n, 0] = kind\n" in text
    codes.write_text(text.replace("    rows[n, 0] = kind\n", "    rows[n, 0] = kind + 100\n"))
    assert _run(src, env) == [count, str(int(kind) + 100)]
    assert len(list((tmp_path / "cache").iterdir())) == 2  # one folder per version of the sources


def test_the_warm_up_removes_only_stale_caches_beside_the_code(monkeypatch, tmp_path):
    monkeypatch.setattr(kernel_cache, "PACKAGE", tmp_path)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    current = kernel_cache.keyed_cache_dir()
    old = tmp_path / "__pycache__" / f"{kernel_cache.PREFIX}{'0' * 16}"
    other = tmp_path / "__pycache__" / "something_else"
    for folder in (current, old, other):
        folder.mkdir(parents=True)
    assert kernel_cache.prune_stale() == [old]
    assert current.exists() and other.exists() and not old.exists()
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "shared"))
    assert kernel_cache.prune_stale() == []  # a chosen cache folder may be shared: left alone
