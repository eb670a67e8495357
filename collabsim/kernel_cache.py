"""Compiled kernels are cached in a folder named after a hash of the model's sources.

numba's `cache=True` checks only the file a kernel is defined in: a kernel that calls a kernel in
another file (mechanisms.run_month calls policy._apply_instruments) would keep running the old
callee after that file changed. Keying the whole cache on every kernel source file makes any edit
start a fresh cache. The kernel modules take `njit` from here (`from collabsim.kernel_cache
import njit`), so the cache is keyed before any kernel is defined, whichever module is imported
first; the package's own import stays light (the command line's Ctrl-C during start-up).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PREFIX = "collabsim-kernels-"
_DEFINES_KERNELS = re.compile(rb"^@njit", re.MULTILINE)
_IMPORTS = re.compile(rb"^\s*(?:from|import) collabsim\.(\w+)", re.MULTILINE)


def kernel_sources() -> list[Path]:
    """The files that define compiled kernels and every collabsim module they import, in turn
    (constants such as the phase codes are frozen into compiled code)."""
    texts = {p.stem: p.read_bytes() for p in HERE.glob("*.py")}
    todo = [
        name for name, text in texts.items() if b"@njit" in text and _DEFINES_KERNELS.search(text)
    ]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name in found or name not in texts:
            continue
        found.add(name)
        todo.extend(m.decode() for m in _IMPORTS.findall(texts[name]))
    return [HERE / f"{name}.py" for name in sorted(found)]


def sources_digest() -> str:
    """A short hash of the kernel source files' contents."""
    h = hashlib.sha256()
    for path in kernel_sources():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def default_base() -> Path:
    """Where caches live when NUMBA_CACHE_DIR is not set: beside the code if it is writable."""
    beside = HERE / "__pycache__"
    try:
        beside.mkdir(exist_ok=True)
        if os.access(beside, os.W_OK):
            return beside
    except OSError:
        pass
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "collabsim"


def keyed_cache_dir() -> Path:
    """The cache folder for these sources, under NUMBA_CACHE_DIR if set (a folder this function
    chose before, inherited by a subprocess, is kept as it is)."""
    name = PREFIX + sources_digest()
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given and Path(given).name == name:
        return Path(given)
    if given and Path(given).name.startswith(PREFIX):  # inherited from other sources
        given = str(Path(given).parent)
    return (Path(given) if given else default_base()) / name


def use_keyed_cache() -> Path:
    """Point numba's cache at the folder for these sources (before any kernel is defined)."""
    folder = keyed_cache_dir()
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    config = sys.modules.get("numba.core.config")
    if config is not None:  # numba already imported: it read the variable at its import
        config.CACHE_DIR = str(folder)
    return folder


def prune_stale() -> list[Path]:
    """Remove the caches of earlier versions of the sources beside the code (never under a
    NUMBA_CACHE_DIR someone chose, which other checkouts may share); returns those removed."""
    current = keyed_cache_dir()
    if current.parent != HERE / "__pycache__":
        return []
    stale = [d for d in current.parent.glob(PREFIX + "*") if d != current and d.is_dir()]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


use_keyed_cache()  # on first import, before the njit below defines any cached kernel

from numba import njit  # noqa: E402  (kernel modules take it from here: the cache is keyed first)

__all__ = ["njit", "use_keyed_cache", "kernel_sources", "prune_stale"]
