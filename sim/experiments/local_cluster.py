"""A Dask cluster on this machine, in a session of its own.

``sweep --dask local`` could start a :class:`dask.distributed.LocalCluster` inside the
sweep's own process, but then its worker processes share the terminal's foreground
process group: Ctrl-C reaches every one of them, and each prints a traceback of its own
while the sweep is closing. So the cluster runs in a child process started in a new
session (``start_new_session``): Ctrl-C reaches only the sweep, which closes the
cluster. The child reads its stdin until the end; the end comes when the sweep closes
the pipe or when the sweep dies, even by SIGKILL, so the cluster never outlives it.
Dask's worker processes in turn end with their nanny, the child.

Run as ``python -m sim.experiments.local_cluster WORKERS``: it prints the scheduler's
address on one line, then waits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO

__all__ = ["local_cluster"]

START_SECONDS = 120
"""How long the cluster may take to start (a loaded 2-core machine needs about 10 s)."""

STOP_SECONDS = 10
"""How long the cluster may take to close before it is killed."""


class ClusterFailed(Exception):
    """The local cluster did not start."""


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[str]:
    """Start a local cluster of ``workers`` single-threaded processes; yield its address."""
    env = dict(os.environ, DASK_LOGGING__DISTRIBUTED="critical")
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(workers)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            start_new_session=True,
        )
        try:
            yield _address(child, log)
        finally:
            _stop(child)


def _address(child: subprocess.Popen[bytes], log: IO[bytes]) -> str:
    assert child.stdout is not None
    line = child.stdout.readline().decode().strip()
    if not line.startswith(("tcp://", "inproc://")):
        child.wait(timeout=START_SECONDS)
        log.seek(0)
        said = log.read().decode(errors="replace").strip().splitlines()
        raise ClusterFailed(
            "the local Dask cluster did not start" + (f": {said[-1]}" if said else "")
        )
    return line


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.stdin is not None:
        with contextlib.suppress(OSError):
            child.stdin.close()
    try:
        child.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    if child.stdout is not None:
        child.stdout.close()


def _serve(workers: int) -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(
        processes=True,
        n_workers=workers,
        threads_per_worker=1,
        dashboard_address=None,
        scheduler_port=0,
        host="127.0.0.1",
    ) as cluster:
        print(cluster.scheduler_address, flush=True)
        while sys.stdin.buffer.read(1 << 16):
            time.sleep(0)
        # The sweep is done or gone: nothing is left that needs the workers' results.
        os._exit(0)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
