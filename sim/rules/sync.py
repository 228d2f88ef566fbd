"""Cross-site sync: what a disconnected server knows of a shared pool.

Servers on one signed key share one pool through the backend; a user assignment made on
one server reaches the others at their next user sync (every 10 minutes, licensing-rules
§1). A server that cannot reach the backend works from what it knew at its last successful
contact: allocations made elsewhere since then are unknown to it, so their users look
unallocated there. With ``offline_allocation: local`` it may also allocate from that stale
view; such a local allocation is pushed to the backend at the server's next successful
contact, where two servers that each gave away the last seat leave the pool in excess.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from sim.rules.pool import SeatType, UserPool


@dataclass
class AllocationLog:
    """When and through which server each allocation of a pool was made, in time order."""

    times: dict[SeatType, list[float]] = field(default_factory=lambda: {s: [] for s in SeatType})
    servers: dict[SeatType, list[int]] = field(default_factory=lambda: {s: [] for s in SeatType})
    made: dict[int, tuple[float, int]] = field(default_factory=dict)

    def add(self, user: int, seat: SeatType, t: float, server: int) -> None:
        self.times[seat].append(t)
        self.servers[seat].append(server)
        self.made[user] = (t, server)

    def unseen(self, seat: SeatType, since: float, server: int) -> int:
        """Allocations of ``seat`` made after ``since`` through servers other than ``server``."""
        i = bisect_right(self.times[seat], since)
        return sum(1 for s in self.servers[seat][i:] if s != server)


@dataclass
class LocalView:
    """A disconnected server's view of a shared pool, with its own local allocations.

    It answers the questions of :func:`sim.rules.access.decide_access` as the server would.
    """

    pool: UserPool
    log: AllocationLog
    server: int
    last_contact: float
    local: dict[int, SeatType]

    def seat_of(self, user: int) -> SeatType | None:
        if user in self.local:
            return self.local[user]
        seat = self.pool.seat_of(user)
        if seat is None:
            return None
        t, via = self.log.made.get(user, (float("-inf"), self.server))
        return seat if t <= self.last_contact or via == self.server else None

    def is_dynamic(self, seat: SeatType) -> bool:
        return self.pool.is_dynamic(seat)

    def available(self, seat: SeatType) -> int:
        mine = sum(1 for s in self.local.values() if s is seat)
        unseen = self.log.unseen(seat, self.last_contact, self.server)
        return max(0, self.pool.available(seat) + unseen - mine)


def reconcile(pool: UserPool, local: dict[int, SeatType]) -> list[tuple[int, SeatType, bool]]:
    """Push a server's local allocations to the shared pool at a successful contact.

    Returns ``(user, seat, added)`` for each: a user already allocated elsewhere keeps that
    seat (``added`` False); the others are added even beyond the total, as ``excess``.
    """
    out = []
    for user, seat in local.items():
        added = pool.seat_of(user) is None
        if added:
            pool.force_allocate(user, seat)
        out.append((user, seat, added))
    local.clear()
    return out
