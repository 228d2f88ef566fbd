"""The phases of a command, timed: what a user waits for, not only the engine.

``licsim run`` simulates, then writes tables, draws charts, writes the report and the
workbook. The engine's time alone says little about the command a user types, so each
phase is timed here with the process's peak memory when it ended (``ru_maxrss``: the
peak so far, so the phase that raised it is the first one showing the new figure). The
figures go into ``metadata.json`` (``phases``, ``command_seconds``), which
``benchmarks/end_to_end.py`` reads, and on a terminal each phase is announced as it
starts (``--quiet`` keeps it silent).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Phases"]


def _peak_mb() -> float:
    # Linux reports kilobytes, macOS bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


class Phases:
    """Times the phases of one command from its start."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self.began = time.perf_counter()
        self.say = say
        self.done: dict[str, dict[str, float]] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as phase ``name``."""
        if self.say is not None:
            self.say(f"  {name} …")
        start = time.perf_counter()
        yield
        self.done[name] = {
            "seconds": round(time.perf_counter() - start, 3),
            "peak_rss_mb": round(_peak_mb(), 1),
        }

    def bar(self, unit: str) -> Callable[[int, int], None]:
        """A tqdm progress bar of ``unit`` done (days simulated, runs) on standard error,
        drawn only when the phases are announced; it closes when the last is done."""
        shown: list[Any] = []

        def show(done: int, total: int) -> None:
            if self.say is None or total <= 0:
                return
            if not shown:
                from tqdm import tqdm

                shown.append(tqdm(total=total, unit=unit.rstrip("s"), leave=False))
            shown[0].update(done - shown[0].n)
            if done >= total:
                shown[0].close()

        return show

    @property
    def seconds(self) -> float:
        """Seconds since the command started."""
        return round(time.perf_counter() - self.began, 3)

    def record(self) -> dict[str, Any]:
        """The figures for ``metadata.json``."""
        return {"phases": dict(self.done), "command_seconds": self.seconds}
