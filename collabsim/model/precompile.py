"""Compile every model kernel once, so later runs (and the classroom app's first click) start warm.

numba caches compiled kernels in a folder keyed on a hash of the kernel sources (by default
collabsim/__pycache__/collabsim-kernels-<hash>, see collabsim/model/kernel_cache.py), so an edited
source, in whichever file, is compiled afresh rather than served stale; `make install` and
`make test` run `python -m collabsim.model.precompile` so that no run compiles in its middle.
"""

from __future__ import annotations

import time

from numba.core.registry import CPUDispatcher

from collabsim.model import kernel_cache


def kernel_modules() -> list:
    """Every module of ours that defines compiled kernels, imported."""
    import importlib

    return [
        importlib.import_module(kernel_cache.dotted_name(path))
        for path in kernel_cache.kernel_sources()
        if kernel_cache.defines_kernels(path)
    ]


def kernels() -> dict[str, CPUDispatcher]:
    """Every compiled kernel of the model, by name."""
    out = {}
    for module in kernel_modules():
        for name, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher):
                out[f"{module.__name__}.{name}"] = obj
    return out


def compile_kernels() -> list[str]:
    """Run a small model that reaches every kernel (rare events included); return those compiled.

    Kernels that only other kernels call (sigmoid, pick_pair, ...) compile into their callers and
    show no signature of their own.
    """
    from collabsim.model.batch import BatchRuns
    from collabsim.model.collaboration import CollaborationModel
    from collabsim.model.scenario import Scenario

    data = {
        "scenario": {"steps": 36},
        "organisations": [
            {"type": "school", "level": "mbo"},
            {"type": "school", "level": "vmbo", "count": 2},
            {"type": "firm", "count": 3},
            {"type": "firm", "count": 2, "member": False},
        ],
        "conditions": {"staff_turnover": 1.0, "demand_volatility": 1.0, "culture_distance": 1.0},
        "policy": {"funding": [{"name": "grant", "scheme": "matched", "amount": 1e5}]},
    }
    scenario = Scenario.model_validate(data)
    model = CollaborationModel(scenario, rng=1)
    model.inject("conflict")
    model.inject("key_person_leaves")
    model.run()
    BatchRuns(scenario).run(1)  # the batch path: the whole run in one compiled call
    return [name for name, k in kernels().items() if k.signatures]


def main() -> None:
    """Compile and report (and drop the caches of earlier versions of the sources)."""
    start = time.perf_counter()
    ready = compile_kernels()
    seconds = time.perf_counter() - start
    stale = kernel_cache.prune_stale()
    print(
        f"collabsim: {len(ready)} model kernels compiled and cached ({seconds:.1f} s) in "
        f"{kernel_cache.keyed_cache_dir()}; {len(stale)} stale caches removed"
    )


if __name__ == "__main__":
    main()
