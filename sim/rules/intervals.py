"""Sets of half-open time intervals, used for outages and reachability.

An outage from ``a`` for ``d`` seconds is the interval ``[a, a + d)``: the target is down at
``a`` and up again at ``a + d``. Overlapping or touching outages merge, so a union of
backend and link outages is one sorted list of disjoint intervals.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Intervals:
    """A sorted union of disjoint half-open intervals ``[start, end)`` in seconds."""

    starts: tuple[float, ...] = ()
    ends: tuple[float, ...] = ()

    @classmethod
    def of(cls, pairs: Iterable[tuple[float, float]]) -> Intervals:
        merged: list[list[float]] = []
        for a, b in sorted((float(a), float(b)) for a, b in pairs if b > a):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return cls(tuple(m[0] for m in merged), tuple(m[1] for m in merged))

    def __or__(self, other: Intervals) -> Intervals:
        return Intervals.of([*self, *other])

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(zip(self.starts, self.ends, strict=True))

    def __len__(self) -> int:
        return len(self.starts)

    def contains(self, t: float) -> bool:
        """Whether ``t`` lies inside one of the intervals."""
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def next_change(self, t: float) -> float:
        """The first time after ``t`` at which membership changes (``inf`` if never)."""
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return self.ends[i]
        return self.starts[i + 1] if i + 1 < len(self.starts) else float("inf")

    def clipped(self, lo: float, hi: float) -> Intervals:
        return Intervals.of((max(a, lo), min(b, hi)) for a, b in self)

    def total(self) -> float:
        return sum(b - a for a, b in self)
