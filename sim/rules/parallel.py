"""The parallel-session limit of user-based access.

A user with Professional or Analyzer access (or a user/login pass) may hold at most 5
sessions at once. When a user at the limit closes one, that slot cannot open a new session
for 5 minutes (licensing-rules §3). The limit belongs to the user's access on one license
site: it is counted per user **per pool** (one pool per signed key, shared by every server
on it; one per server on a LEF or SLD), so sessions on an unrelated license do not use the
user's slots. Slots are tracked per (pool, user) as the time until which each is busy: an
open session keeps its slot busy until it closes; a slot closed at the limit stays busy for
the wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PARALLEL_ACCESS = ("professional", "analyzer", "user_pass", "login_pass")
"""Access types under the parallel-session limit (licensing-rules §3, §5); which sessions
on them hold a slot is :func:`sim.rules.qmc.holds_parallel_slot`."""


@dataclass
class ParallelSessions:
    """Open-session slots per pool and user."""

    limit: int = 5
    wait: float = 300.0
    slots: dict[tuple[int, int], list[float]] = field(default_factory=dict)

    def _busy(self, pool: int, user: int, t: float) -> list[float]:
        busy = [u for u in self.slots.get((pool, user), ()) if u > t]
        self.slots[pool, user] = busy
        return busy

    def can_open(self, pool: int, user: int, t: float) -> bool:
        return len(self._busy(pool, user, t)) < self.limit

    def open(self, pool: int, user: int, t: float) -> bool:
        """Open a session of ``user`` in ``pool`` at ``t`` if a slot is free."""
        busy = self._busy(pool, user, t)
        if len(busy) >= self.limit:
            return False
        busy.append(math.inf)
        return True

    def close(self, pool: int, user: int, t: float) -> None:
        """Close one of the user's open sessions in ``pool`` at ``t``."""
        busy = self.slots[pool, user]
        open_now = busy.count(math.inf)
        busy.remove(math.inf)
        if open_now >= self.limit:
            busy.append(t + self.wait)
