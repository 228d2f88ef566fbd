"""Cross-site sync: what each server of a shared pool knows of it.

Servers on one signed key share one pool through the backend; a user assignment made on
one server reaches the others at their next user sync (every 10 minutes, licensing-rules
§1; the project's rules digest §1.2 "a change reaches all sites in about 10 min"). So every
server of a pool shared by several servers decides from its own view: its own allocations
at once, allocations made elsewhere only from the first sync at or after them (the
digest's Appendix A: "allocations become visible on other sites only after the next 10-min
sync, so two sites can briefly over-allocate the same seat; this is the QlikView Excess
case"). A server online works from the last sync before now; one that cannot reach the
backend works from its last successful contact, and with ``offline_allocation: local`` it
may allocate from that stale view too.

An allocation the shared pool can take as it stands (a free seat, a user not yet
allocated) joins it at once, as before. One the pool cannot take is held by its server as
a local allocation and pushed to the backend at the server's next successful contact:
two servers that each gave away the last seat leave the pool in excess, which Qlik keeps
and flags (``Excess = true``, digest §4.3) until users are deallocated. A user allocated
on one server who logs in on another before the sync looks unallocated there and may be
allocated again locally; the assignment is one per user in the shared pool (§4.5 "one Pro
or Analyzer allocation"), so at the sync the user keeps the first seat and the second
takes none.
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
    ``online`` is a server in sync with the backend, whose view lags only by the user sync.
    """

    pool: UserPool
    log: AllocationLog
    server: int
    last_contact: float
    local: dict[int, SeatType]
    online: bool = False

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
        c = self.pool.counts[seat]
        mine = sum(1 for s in self.local.values() if s is seat)
        unseen = self.log.unseen(seat, self.last_contact, self.server)
        # From the pool's own count, not its clipped availability: a pool in excess that
        # the server has not fully seen is still short of seats for it.
        return max(0, c.total - c.allocated - c.quarantined + unseen - mine)

    def joins_at_once(self, user: int, seat: SeatType) -> bool:
        """Whether an allocation this server makes now joins the shared pool at once; if
        not, it stays local until the server's next successful contact (:func:`reconcile`).

        Online, the pool takes it when it has the seat free (or the user's own seat in
        quarantine) and the user holds none yet; offline, never.
        """
        pool = self.pool
        if not self.online or pool.seat_of(user) is not None:
            return False
        return pool.in_quarantine(user, seat) or pool.available(seat) > 0


def reconcile(pool: UserPool, local: dict[int, SeatType]) -> list[tuple[int, SeatType, bool]]:
    """Push a server's local allocations to the shared pool at a successful contact (its
    next user sync when online).

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
