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
- a :class:`dask.distributed.Client`, a scheduler address (``"tcp://host:8786"``) or
  ``"dask-local"`` (a ``LocalCluster(processes=True, n_workers=workers or 2,
  threads_per_worker=1)`` started and closed around the sweep).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from .worker import run_piece

__all__ = ["Task", "execute"]

Task = tuple[dict[str, Any], dict[str, Any], str, int, int | None, str | None, str]
"""The arguments of one :func:`run_piece` call."""


def execute(
    tasks: Sequence[Task], executor: Any = "serial", workers: int | None = None
) -> Iterator[dict[str, Any]]:
    """Yield the outcome of every task, in order of completion."""
    if not tasks:
        return
    if executor == "serial":
        for task in tasks:
            yield run_piece(*task)
    elif executor == "processes":
        yield from _processes(tasks, workers)
    elif executor == "dask-local":
        from dask.distributed import Client, LocalCluster

        with (
            LocalCluster(
                processes=True,
                n_workers=workers or 2,
                threads_per_worker=1,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield from _dask(client, tasks)
    elif isinstance(executor, str) and "://" in executor:
        from dask.distributed import Client

        with Client(executor) as client:
            yield from _dask(client, tasks)
    elif hasattr(executor, "submit") and hasattr(executor, "scheduler_info"):
        yield from _dask(executor, tasks)
    else:
        raise ValueError(
            f"executor {executor!r}: expected 'serial', 'processes', 'dask-local', "
            "a Dask scheduler address such as tcp://host:8786, or a dask.distributed.Client"
        )


def _processes(tasks: Sequence[Task], workers: int | None) -> Iterator[dict[str, Any]]:
    count = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"))
    try:
        pending: set[Future[dict[str, Any]]] = {pool.submit(run_piece, *t) for t in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        # On an interruption, queued pieces are dropped; finished ones are already stored.
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(client: Any, tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    from dask.distributed import as_completed

    futures = [client.submit(run_piece, *t, pure=False) for t in tasks]
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.cancel([f for f in futures if not f.done()])
