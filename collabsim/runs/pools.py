"""Worker processes for many runs, started one way for the sweep engine and for compare."""

from __future__ import annotations

import multiprocessing as mp
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor


def pool_context(preload: tuple[str, ...] = ()):
    """How to start workers that begin with the model loaded.

    Fork this process when it runs one thread, the compiled kernels loaded first, so each worker
    starts warm at once; with other threads running (a notebook, a progress bar, a Dask client)
    forking is unsafe, so fork from a clean server process that loads the model itself
    (collabsim.runs.worker_start) and the modules in `preload`; spawn where neither exists.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        from collabsim.runs.worker_start import warm_up

        warm_up()
        return mp.get_context("fork")
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["collabsim.runs.worker_start", *preload])
        return ctx
    return mp.get_context("spawn")


def ignore_ctrl_c() -> None:
    """Workers leave Ctrl-C to the driver, which stops them and keeps what is finished."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(
    workers: int, preload: tuple[str, ...] = (), leave_ctrl_c_to_driver: bool = False
) -> ProcessPoolExecutor:
    """A pool of `workers` processes that start with the model loaded (see pool_context)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=pool_context(preload),
        initializer=ignore_ctrl_c if leave_ctrl_c_to_driver else None,
    )
