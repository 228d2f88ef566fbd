"""The parallel-session limit of user-based access.

A user with Professional or Analyzer access (or a user/login pass) may hold at most 5
sessions at once. When a user at the limit closes one, that slot cannot open a new session
for 5 minutes (licensing-rules §3). Slots are tracked per user as the time until which each
is busy: an open session keeps its slot busy until it closes; a slot closed at the limit
stays busy for the wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class ParallelSessions:
    """Open-session slots per user."""

    limit: int = 5
    wait: float = 300.0
    slots: dict[int, list[float]] = field(default_factory=dict)

    def _busy(self, user: int, t: float) -> list[float]:
        busy = [u for u in self.slots.get(user, ()) if u > t]
        self.slots[user] = busy
        return busy

    def can_open(self, user: int, t: float) -> bool:
        return len(self._busy(user, t)) < self.limit

    def open(self, user: int, t: float) -> bool:
        """Open a session at ``t`` if a slot is free."""
        busy = self._busy(user, t)
        if len(busy) >= self.limit:
            return False
        busy.append(math.inf)
        return True

    def close(self, user: int, t: float) -> None:
        """Close one of the user's open sessions at ``t``."""
        busy = self.slots[user]
        open_now = busy.count(math.inf)
        busy.remove(math.inf)
        if open_now >= self.limit:
            busy.append(t + self.wait)
