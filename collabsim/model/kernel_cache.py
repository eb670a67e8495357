"""Compiled kernels are cached in a folder named after a hash of the model's sources.

numba's `cache=True` checks only the file a kernel is defined in: a kernel that calls a kernel in
another file (the month calls every mechanism's kernel) would keep running the old
callee after that file changed. Keying the whole cache on every kernel source file makes any edit
start a fresh cache. The kernel modules take `njit` from here (`from collabsim.model.kernel_cache
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

PACKAGE = Path(__file__).resolve().parent.parent  # collabsim/
PREFIX = "collabsim-kernels-"
_DEFINES_KERNELS = re.compile(rb"^@njit", re.MULTILINE)
_IMPORTS = re.compile(rb"^\s*(?:from|import) (collabsim[.\w]*)(?: import ([\w, ]+))?", re.MULTILINE)


def kernel_sources() -> list[Path]:
    """The files that define compiled kernels and every collabsim module they import, in turn
    (constants such as the phase codes are frozen into compiled code)."""
    texts = {dotted_name(p): p.read_bytes() for p in PACKAGE.rglob("*.py")}
    todo = [
        name for name, text in texts.items() if b"@njit" in text and _DEFINES_KERNELS.search(text)
    ]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name in found or name not in texts:
            continue
        found.add(name)
        for module, names in _IMPORTS.findall(texts[name]):
            todo.extend(_modules_named(module.decode(), names.decode(), texts))
    return [_path(name) for name in sorted(found)]


def defines_kernels(path: Path) -> bool:
    """Whether a source file defines compiled kernels of its own."""
    return bool(_DEFINES_KERNELS.search(path.read_bytes()))


def dotted_name(path: Path) -> str:
    """`collabsim/mechanisms/trust.py` -> `collabsim.mechanisms.trust` (a package: its folder)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _path(dotted: str) -> Path:
    """The file of a dotted module name (a package's `__init__.py`)."""
    base = PACKAGE.parent.joinpath(*dotted.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _modules_named(module: str, names: str, texts: dict) -> list[str]:
    """The modules of ours an import line names: the module and the packages it is in, and, for
    `from collabsim.model import region`, the module `region` in that package."""
    parts = module.split(".")
    found = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    found += [f"{module}.{n.strip().split(' ')[0]}" for n in names.split(",") if n.strip()]
    return [m for m in found if m in texts]


def sources_digest() -> str:
    """A short hash of the kernel source files' contents."""
    h = hashlib.sha256()
    for path in kernel_sources():
        h.update(str(path.relative_to(PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def default_base() -> Path:
    """Where caches live when NUMBA_CACHE_DIR is not set: beside the code if it is writable."""
    beside = PACKAGE / "__pycache__"
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
    if current.parent != PACKAGE / "__pycache__":
        return []
    stale = [d for d in current.parent.glob(PREFIX + "*") if d != current and d.is_dir()]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


use_keyed_cache()  # on first import, before the njit below defines any cached kernel

from numba import njit as _numba_njit  # noqa: E402


def njit(*args, **options):
    """numba's njit (kernel modules take it from here: the cache is keyed first), with numpy's
    error model: a division is the processor's, with no test for a zero divisor before it."""
    options.setdefault("error_model", "numpy")
    return _numba_njit(*args, **options)


__all__ = ["njit", "use_keyed_cache", "kernel_sources", "prune_stale"]
