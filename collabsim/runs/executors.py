"""Where a sweep's chunks run: this process, a local process pool, or a Dask cluster.

Every executor has the same small interface: `workers`, `backend` and `label`; `submit(task)`;
`wait_any(pending)` giving back (task, result or exception) pairs as they finish; and
`close(interrupted)`. `make_executor` chooses one from --workers and --scheduler (or
$COLLABSIM_SCHEDULER). A Dask scheduler is a trust boundary (tasks are pickled), so its address is
checked (`check_scheduler_address`) and reached with a timeout before anything else.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from typing import Any
from urllib.parse import urlparse

from collabsim.runs.chunks import ChunkResult, ChunkTask, run_chunk, warm_up_worker, worker_versions
from collabsim.runs.sweep_folder import SweepError

SCHEDULER_ENV = "COLLABSIM_SCHEDULER"


CONNECT_TIMEOUT_S = 10.0


class _Serial:
    """Runs chunks in this process, one at a time."""

    workers = 1
    backend = "serial"
    label = "1 worker (this process)"

    def submit(self, task: ChunkTask):
        return task

    def wait_any(self, pending: list) -> tuple[list, list]:
        task = pending[0]
        return [(task, _call(task))], pending[1:]

    def close(self, interrupted: bool = False) -> None:
        pass


def _call(task: ChunkTask) -> ChunkResult | BaseException:
    try:
        return run_chunk(task)
    except Exception as exc:
        return exc


class _Pool:
    """A local process pool whose workers start with the model loaded; renewed if one dies."""

    backend = "processes"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.label = f"{workers} worker processes"
        self.pool = self._new_pool()
        self.tasks: dict[Any, ChunkTask] = {}
        list(self.pool.map(_warm_up_slow, range(workers)))

    def _new_pool(self):
        from collabsim.runs.pools import process_pool

        return process_pool(self.workers, ("collabsim.runs.chunks",), leave_ctrl_c_to_driver=True)

    def submit(self, task: ChunkTask):
        from concurrent.futures.process import BrokenProcessPool

        try:
            fut = self.pool.submit(run_chunk, task)
        except BrokenProcessPool:  # a worker died: its chunks fail and are retried; new pool
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            fut = self.pool.submit(run_chunk, task)
        self.tasks[fut] = task
        return fut

    def wait_any(self, pending: list) -> tuple[list, list]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        out = []
        for fut in done:
            task = self.tasks.pop(fut)
            exc = fut.exception()
            out.append((task, exc if exc is not None else fut.result()))
        return out, list(rest)

    def close(self, interrupted: bool = False) -> None:
        if interrupted:  # Ctrl-C: stop the workers now (their chunks are redone on --resume)
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _warm_up_slow(_: int) -> int:
    time.sleep(0.05)  # so each worker process gets one (all start before the first chunk)
    return warm_up_worker()


class _Dask:
    """A dask.distributed client: an existing scheduler, or a LocalCluster with 1 thread/worker."""

    backend = "dask"

    def __init__(self, scheduler: str | None, local_workers: int | None) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler is None:
            import logging

            try:
                self.cluster = LocalCluster(
                    n_workers=local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    host="127.0.0.1",
                )
            except Exception as exc:
                raise SweepError(f"could not start a Dask LocalCluster: {exc}") from None
            self.client = Client(self.cluster)
            self.client.wait_for_workers(local_workers, timeout=120)
            self.address = self.cluster.scheduler_address
        else:
            self.address = scheduler
            self.client = connect_scheduler(scheduler)
        self.workers = max(1, sum(self.client.nthreads().values()))
        where = "a local Dask cluster" if self.cluster is not None else self.address
        self.label = f"{self.workers} Dask worker{'s' if self.workers != 1 else ''} ({where})"
        self.client.run(warm_up_worker)
        mine = worker_versions()
        for addr, theirs in self.client.run(worker_versions).items():
            if theirs != mine:
                self.close()
                raise SweepError(
                    f"Dask worker {addr} runs collabsim {theirs['collabsim']} / mesa "
                    f"{theirs['mesa']}, this machine {mine['collabsim']} / {mine['mesa']}; "
                    "install the same versions on every worker"
                )
        self.tasks: dict[Any, ChunkTask] = {}

    def submit(self, task: ChunkTask):
        fut = self.client.submit(run_chunk, task, pure=False)
        self.tasks[fut] = task
        return fut

    def wait_any(self, pending: list) -> tuple[list, list]:
        from distributed import wait

        done, rest = wait(pending, return_when="FIRST_COMPLETED")
        out = []
        for fut in done:
            task = self.tasks.pop(fut)
            if fut.status == "finished":
                out.append((task, fut.result()))
            else:
                out.append((task, fut.exception() or RuntimeError(f"task {fut.status}")))
            fut.release()
        return out, list(rest)

    def close(self, interrupted: bool = False) -> None:
        with contextlib.suppress(Exception):
            self.client.close(timeout=5)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=10)


SCHEDULER_SCHEMES = ("tcp", "tls")


PICKLE_WARNING = (
    "warning: tasks are pickled: connect only to a scheduler you control; use tls:// with "
    "certificates across machines"
)


def check_scheduler_address(address: str) -> str | None:
    """Refuse a scheduler address that is not tcp://HOST:PORT or tls://HOST:PORT (a bare
    HOST:PORT means tcp://); return a warning line for plain tcp:// to another machine.

    The scheduler is a trust boundary: tasks and results are pickled, so whoever runs the
    scheduler (or sits between it and this machine) can run code here and on the workers.
    """
    text = address.strip()
    try:
        url = urlparse(text if "://" in text else f"tcp://{text}")
        port = url.port
    except ValueError:
        port = None
        url = None
    if url is None or url.scheme not in SCHEDULER_SCHEMES or not url.hostname or not port:
        raise SweepError(
            f"--scheduler {address}: use tcp://HOST:PORT or tls://HOST:PORT, "
            f"e.g. tcp://127.0.0.1:8786 (or unset {SCHEDULER_ENV})"
        )
    if url.scheme == "tcp" and not _is_loopback(url.hostname):
        return PICKLE_WARNING
    return None


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def scheduler_address(workers: int | str | None, scheduler: str | None) -> str | None:
    """The scheduler a sweep will use: --scheduler, else COLLABSIM_SCHEDULER if no --workers."""
    if scheduler is None and workers is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
    return scheduler


def connect_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S):
    """Connect to a Dask scheduler, or raise one clear line within `timeout` seconds."""
    from distributed import Client

    check_scheduler_address(address)
    url = urlparse(address if "://" in address else f"tcp://{address}")
    hint = f"is `dask scheduler` running there? (check the address, or unset {SCHEDULER_ENV})"
    try:
        with socket.create_connection((url.hostname, url.port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, TimeoutError | socket.timeout):
            reason = f"no answer within {timeout:.0f} s"
        raise SweepError(
            f"cannot reach the Dask scheduler at {address}: {reason}; {hint}"
        ) from None
    try:
        client = Client(f"{url.scheme}://{url.hostname}:{url.port}", timeout=f"{timeout}s")
    except Exception as exc:
        raise SweepError(
            f"cannot connect to the Dask scheduler at {address}: {exc or type(exc).__name__}; "
            f"{hint}"
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        client.close()
        raise SweepError(
            f"the Dask scheduler at {address} has no workers (waited {timeout:.0f} s); "
            f"start some with `dask worker {address} --nthreads 1`"
        ) from None
    return client


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def make_executor(workers: int | str | None, scheduler: str | None):
    """The executor for --workers / --scheduler (COLLABSIM_SCHEDULER if neither is given)."""
    scheduler = scheduler_address(workers, scheduler)
    if scheduler is not None:
        return _Dask(scheduler, None)
    if workers == "dask":
        return _Dask(None, default_workers())
    n = default_workers() if workers is None else int(workers)
    if n < 1:
        raise SweepError(f"--workers {workers}: must be at least 1, or 'dask'")
    return _Serial() if n == 1 else _Pool(n)


def parse_workers(text: str | None) -> int | str | None:
    """--workers: a number of processes, or 'dask' (a LocalCluster)."""
    if text is None:
        return None
    if text.strip().lower() == "dask":
        return "dask"
    try:
        n = int(text)
    except ValueError:
        raise SweepError(
            f"--workers {text}: give a number of processes (e.g. 4) or 'dask'"
        ) from None
    if n < 1:
        raise SweepError(f"--workers {text}: must be at least 1, or 'dask'")
    return n
