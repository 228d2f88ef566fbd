"""The exact path's scheduler: one heap of what happens next, in a written-down order.

SimPy is the clock for what happens over time (outages, license states, month resets, the
days); within a day the exact path resolves sessions, capacity units, login passes, admin
work and desktop launches from this heap, without a SimPy event each. The engine's
population process drains the heap up to the next midnight before SimPy moves on, so the
heap never runs ahead of SimPy's clock.

Items at one instant are resolved by kind, in the order of the constants below (sessions
end before quarantines end, admin work, capacity units and login passes, sessions start,
launches), and items of one kind in the order they were pushed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

END, EXPIRE, ADMIN, UNIT, START, LAUNCH = 0, 1, 2, 3, 4, 5


class Scheduler:
    """A heap of ``(time, kind, sequence, item)``."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, int, Any]] = []
        self.seq = 0

    def push(self, t: float, kind: int, item: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, kind, self.seq, item))

    def pop_before(self, until: float) -> Iterator[tuple[float, int, Any]]:
        """Take the items due before ``until`` in order (items pushed meanwhile included)."""
        heap = self.heap
        while heap and heap[0][0] < until:
            t, kind, _, item = heapq.heappop(heap)
            yield t, kind, item

    def items(self) -> list[tuple[float, int, int, Any]]:
        """What is still waiting, in no particular order."""
        return self.heap

    def drain(self) -> list[tuple[float, int, Any]]:
        """Everything still waiting, in order, leaving the heap empty."""
        out = [(t, kind, item) for t, kind, _, item in sorted(self.heap, key=lambda x: x[:3])]
        self.heap.clear()
        return out

    def __bool__(self) -> bool:
        return bool(self.heap)
