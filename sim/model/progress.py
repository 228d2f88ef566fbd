"""Progress of a run: how many of its local days the simulation has passed.

A year of a large site takes seconds to tens of seconds to simulate, and a terminal should
show it moving. The count is kept by a SimPy process of its own that wakes at each local
midnight after the first and reports the days done so far; it touches no state of the
run, and SimPy orders the other events among themselves as before (by time, priority and
the order they were scheduled in), so the tables are the same with or without it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.model.calendar import LocalDay

Progress = Callable[[int, int], None]
"""Called with (days done, days in the run)."""


def count_days(
    env: simpy.Environment, days: list[LocalDay], horizon: float, progress: Progress
) -> Generator[Any, Any, None]:
    """Report each local day as done once the clock reaches the next midnight (the last
    one at the horizon)."""
    ends = [d.midnight for d in days[1:] if d.midnight < horizon]
    for k, end in enumerate(ends, start=1):
        yield env.timeout(max(0.0, end - env.now))
        progress(k, len(days))
