"""Where the pieces of a sweep run: here, in local processes, or on a Dask cluster.

Every executor takes the same list of tasks (argument tuples of
:func:`~sim.experiments.worker.run_piece`) and yields their outcomes as they complete.
The outcome of a task depends only on its arguments, so the tables of a sweep do not
depend on the executor, the number of workers or the order of completion.

- ``"serial"``: one after the other in this process.
- ``"processes"``: a :class:`concurrent.futures.ProcessPoolExecutor` with the *spawn*
  start method, asked for explicitly (the global start method is never changed). Spawned
  workers import :mod:`sim.experiments.worker` afresh, so this works from a notebook and on
  every platform, without relying on ``fork``.
- a :class:`concurrent.futures.Executor` the caller owns and keeps across many calls
  (:func:`process_pool` makes the same spawned pool as ``"processes"``): a search that
  runs a few pieces at a time then starts its workers once, not at every call;
- (with the optional extra ``licsim[dask]``; :class:`DaskMissing` without it)
  a :class:`dask.distributed.Client`, a scheduler address (``"tcp://host:8786"``) or
  ``"dask-local"`` (a ``LocalCluster`` of ``workers or 2`` single-threaded processes,
  started in a session of its own and closed around the sweep: see
  :mod:`~sim.experiments.local_cluster`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from typing import Any

from .worker import run_piece

__all__ = [
    "WORKER_BYTES",
    "DaskMissing",
    "SchedulerUnreachable",
    "Task",
    "dask_address_problem",
    "execute",
    "process_pool",
    "require_dask",
    "worker_limit",
]

DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
"""Address schemes of Dask's communication layer."""

CONNECT_SECONDS = 5
"""How long to wait for a Dask scheduler before saying there is none."""


class SchedulerUnreachable(Exception):
    """No Dask scheduler answered at the address, or it went away during the sweep."""


class DaskMissing(ImportError):
    """Dask is asked for but not installed: it is the optional extra ``licsim[dask]``."""


def require_dask() -> None:
    """Import ``dask.distributed``, or raise :class:`DaskMissing` saying how to install it."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError as err:
        raise DaskMissing(
            f"Dask is not installed ({err}); install it with pip install 'licsim[dask]'"
        ) from None


WORKER_BYTES = 256 * 2**20
"""Memory a local worker process needs at least (an idle one takes about 140 MB)."""

WORKERS_PER_CORE = 4
"""More local workers than this per core only queue for the processor."""

Task = tuple[dict[str, Any], dict[str, Any], str, int, int | None, str | None, str]
"""The arguments of one :func:`run_piece` call."""


def dask_address_problem(address: str) -> str | None:
    """What is wrong with a Dask scheduler address as written, or None."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        return "expected 'local' or an address such as tcp://host:8786"
    if scheme not in DASK_SCHEMES:
        return f"unknown scheme {scheme!r}; expected one of: {', '.join(DASK_SCHEMES)}"
    if not rest.strip() or rest.startswith(":"):
        return "expected a host after the scheme, such as tcp://host:8786"
    return None


def worker_limit() -> tuple[int, str]:
    """The most local workers this machine can hold, and why (its cores and memory)."""
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        memory = cores * WORKERS_PER_CORE * WORKER_BYTES
    limit = max(1, min(cores * WORKERS_PER_CORE, memory // WORKER_BYTES))
    why = (
        f"{cores} core(s) and {memory / 2**30:.1f} GiB of memory: at most "
        f"{WORKERS_PER_CORE} workers per core, each needing at least "
        f"{WORKER_BYTES // 2**20} MiB"
    )
    return limit, why


def execute(
    tasks: Sequence[Task], executor: Any = "serial", workers: int | None = None
) -> Generator[dict[str, Any], None, None]:
    """Yield the outcome of every task, in order of completion (``close()`` ends the
    pieces still running).

    Raises ``ValueError`` if more local workers are asked for than :func:`worker_limit`.
    """
    if not tasks:
        return
    if workers is not None and executor in ("processes", "dask-local"):
        limit, why = worker_limit()
        if workers > limit:
            raise ValueError(f"{workers} workers: this machine has {why}; expected at most {limit}")
    if executor == "serial":
        for task in tasks:
            yield run_piece(*task)
    elif executor == "processes":
        yield from _processes(tasks, workers)
    elif executor == "dask-local":
        require_dask()
        from dask.distributed import Client

        from .local_cluster import local_cluster

        with local_cluster(workers or 2) as address, Client(address) as client:
            yield from _dask(client, tasks)
    elif isinstance(executor, str) and "://" in executor:
        require_dask()
        from dask.distributed import Client

        try:
            client = Client(executor, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as err:
            raise SchedulerUnreachable(
                f"no Dask scheduler at {executor} (none answered within {CONNECT_SECONDS} s: "
                f"{type(err).__name__})"
            ) from None
        with client:
            yield from _dask(client, tasks)
    elif hasattr(executor, "submit") and hasattr(executor, "scheduler_info"):
        yield from _dask(executor, tasks)
    elif isinstance(executor, Executor):
        yield from _owned(executor, tasks)
    else:
        raise ValueError(
            f"executor {executor!r}: expected 'serial', 'processes', 'dask-local', "
            "a Dask scheduler address such as tcp://host:8786, a dask.distributed.Client "
            "or a concurrent.futures.Executor"
        )


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """The local pool ``"processes"`` runs on: ``workers`` (default one per core) spawned
    processes that leave Ctrl-C to the parent and end when it is gone."""
    return ProcessPoolExecutor(
        max_workers=max(1, workers or os.cpu_count() or 1),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(os.getpid(),),
    )


def _submit(pool: Executor, tasks: Sequence[Task]) -> set[Future[dict[str, Any]]]:
    """Queue every task. A process pool spawns its workers at the first submits; spawned
    with Ctrl-C ignored, they ignore it from their first instruction (an ignored signal
    survives exec, and Python then installs no KeyboardInterrupt handler), so a Ctrl-C
    while a worker is still importing prints no traceback of its own: Ctrl-C is the
    parent's."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return {pool.submit(run_piece, *t) for t in tasks}
    finally:
        signal.signal(signal.SIGINT, previous)


def _owned(pool: Executor, tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    pending = _submit(pool, tasks)
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        # The pool is the caller's: what this call queued and did not need is withdrawn.
        for future in pending:
            future.cancel()


def _processes(tasks: Sequence[Task], workers: int | None) -> Iterator[dict[str, Any]]:
    pool = process_pool(min(workers or os.cpu_count() or 1, len(tasks)))
    finished = False
    try:
        pending = _submit(pool, tasks)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
        finished = True
    finally:
        if not finished:
            # Interrupted (Ctrl-C, an error, a consumer that stopped): running pieces are
            # ended rather than awaited. A piece is stored only once whole (.store), so an
            # ended one is simply computed again by the next sweep.
            running = list(getattr(pool, "_processes", {}).values())
            for process in running:
                process.terminate()
            for process in running:  # gone before the caller tidies their folders
                process.join(timeout=10)
        pool.shutdown(wait=finished, cancel_futures=True)


def _worker_start(parent: int) -> None:
    """Set up a local worker process: it ends itself once the parent is gone, even if the
    parent was killed and could not stop it."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _dask(client: Any, tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    from dask.distributed import as_completed
    from distributed.comm.core import CommClosedError

    futures = [client.submit(run_piece, *t, pure=False) for t in tasks]
    try:
        for future in as_completed(futures):
            yield future.result()
    except (CommClosedError, OSError, TimeoutError, CancelledError) as err:
        # Dask cancels every future it still had when the scheduler goes away.
        raise SchedulerUnreachable(
            f"lost the Dask scheduler during the sweep ({type(err).__name__}); the pieces "
            "stored so far are kept, and running the sweep again computes the rest"
        ) from None
    finally:
        # If the scheduler is gone, nothing is left to cancel.
        with contextlib.suppress(CommClosedError, OSError, TimeoutError):
            client.cancel([f for f in futures if not f.done()])
