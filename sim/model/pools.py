"""The seat ledger: pools, who holds what, last uses, quarantines and the allocation rows.

The pools themselves are pure rules (:mod:`sim.rules.pool`, :mod:`sim.rules.sync`); the
ledger is where the engine applies them, and the one owner of the seat state that both
engine paths read: the seat each user holds per pool as the backend knows it, when it was
allocated and last used, whether it is in quarantine, and each server's view of a pool it
shares with other servers (lagging by the user sync when online, stale since the last
contact when cut off from the backend) with the reconciliation of its local allocations
when it syncs. Every change to a pool is recorded here, as events and allocation rows,
together with the state it changes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model.codes import SEAT_CODE
from sim.model.session import AdminItem
from sim.model.world import SESSION_PRODUCTS, PoolRuntime, World
from sim.recorder import Recorder
from sim.rules.connectivity import LicenseState, StateSpan, next_success
from sim.rules.pool import NEVER_USED, SeatType, SeatView, over_deployed_counts
from sim.rules.sync import AllocationLog, LocalView, reconcile


class SeatLedger:
    """Seat bookkeeping shared by the engine's fast and exact paths."""

    def __init__(
        self,
        world: World,
        rec: Recorder,
        offline_allocation: str,
        schedule: Callable[[float, AdminItem], None],
    ) -> None:
        self.world = world
        self.rec = rec
        self.schedule = schedule
        """Where a local allocation's reconciliation at the next sync goes (the scheduler)."""
        n = len(world.pools)
        n_users = len(world.user_names)
        self.held = np.zeros((n, n_users), dtype=np.int8)
        """Seat code (0 none, else :data:`~sim.model.codes.SEAT_CODE`) per pool and user,
        as the backend knows it."""
        self.last_used = np.full((n, n_users), NEVER_USED)
        """Last use of each user's seat per pool, whatever its kind (:func:`~sim.rules.pool.
        record_use`): the start of the latest session granted on it, ``NEVER_USED`` if none."""
        self.allocated_at = np.full((n, n_users), -np.inf)
        self.in_quarantine = np.zeros((n, n_users), dtype=bool)
        self.logs = [AllocationLog() for _ in world.pools]
        self.local: dict[int, dict[int, SeatType]] = {}
        self.reconciling: set[tuple[int, float]] = set()
        self.local_allocation = offline_allocation == "local"
        self.license_excess: dict[tuple[int, SeatType], int] = {}
        w = world
        self.lagged = np.array(
            [
                p.site is None
                and sum(w.servers[si].product in SESSION_PRODUCTS for si in p.servers) > 1
                and all(w.servers[si].abilities.backend_bound for si in p.servers)
                for p in w.pools
            ],
            dtype=bool,
        )
        """Per pool, whether several session servers share it, so each sees the others'
        allocations only after a sync (:mod:`sim.rules.sync`)."""
        self.last_allocation = np.full(n, -np.inf)
        """Per pool, the time of its latest allocation (routing: a view may still miss it)."""

    def allocation_possible(self, group: np.ndarray, pool: np.ndarray, since: float) -> np.ndarray:
        """Whether a user of each row's group could get a dynamic seat in each row's pool:
        it has one free, or a server sharing it may not have seen an allocation made after
        ``since`` yet and so may think it has."""
        sc = self.world.scenario
        table = np.zeros((len(sc.users), len(self.world.pools)), dtype=bool)
        for pi, p in enumerate(self.world.pools):
            unseen = bool(self.lagged[pi] and self.last_allocation[pi] > since)
            for gi, g in enumerate(sc.users):
                table[gi, pi] = any(
                    seat.value in g.access_types
                    and p.pool.is_dynamic(seat)
                    and (unseen or p.pool.available(seat) > 0)
                    for seat in SeatType
                )
        return table[group, pool]

    def view(self, t: float, si: int, span: StateSpan, reachable: bool) -> tuple[SeatView, bool]:
        """The pool as server ``si`` sees it now, and whether it may allocate from it."""
        srv = self.world.servers[si]
        pool = self.world.pools[srv.pool].pool
        online = span.state is LicenseState.LICENSED and reachable
        if online and self.lagged[srv.pool]:
            last = self.world.schedule.last_before(t)
            view = LocalView(
                pool, self.logs[srv.pool], si, last, self.local.setdefault(si, {}), online=True
            )
            return view, srv.abilities.allocation_allowed(span.state, reachable)
        if not srv.abilities.backend_bound or online:
            return pool, srv.abilities.allocation_allowed(span.state, reachable)
        if span.state is LicenseState.DELAYED_SYNC:
            last = span.start
        elif span.last_contact is not None:
            last = span.last_contact
        else:
            last = self.world.schedule.last_before(t)
        view = LocalView(pool, self.logs[srv.pool], si, last, self.local.setdefault(si, {}))
        local = self.local_allocation and span.state in (LicenseState.LICENSED, LicenseState.GRACE)
        return view, local or span.state is LicenseState.DELAYED_SYNC

    def allocate_locally(self, t: float, si: int, user: int, seat: SeatType) -> None:
        """An allocation made from the server's own view that the shared pool could not
        take yet (offline, or over what the pool holds), pushed at its next sync."""
        srv = self.world.servers[si]
        self.local[si][user] = seat
        lic = self.world.pools[srv.pool].license_id
        self.rec.event(
            t, "allocate", lic, srv.id, self.world.user_names[user], f"{seat.value} (local)"
        )
        at = next_success(srv.unreachable, self.world.schedule, t, self.world.horizon)
        if (si, at) not in self.reconciling and at < self.world.horizon:
            self.reconciling.add((si, at))
            self.schedule(at, AdminItem("reconcile", srv.license, (srv.pool,), server=si))

    def reconcile(self, t: float, si: int) -> None:
        """Server ``si`` syncs: its local allocations join the shared pool."""
        srv = self.world.servers[si]
        p = self.world.pools[srv.pool]
        lic = p.license_id
        for user, seat, added in reconcile(p.pool, self.local.get(si, {})):
            name = self.world.user_names[user]
            if not added:
                self.rec.event(
                    t, "reconcile", lic, srv.id, name, f"{seat.value}: already allocated"
                )
                continue
            self.held[srv.pool, user] = SEAT_CODE[seat]
            self.allocated_at[srv.pool, user] = t
            self.last_allocation[srv.pool] = t
            self.logs[srv.pool].add(user, seat, t, si)
            c = p.pool.counts[seat]
            self.rec.event(t, "reconcile", lic, srv.id, name, f"{seat.value} allocated locally")
            if c.excess:
                self.rec.event(
                    t,
                    "excess",
                    lic,
                    srv.id,
                    name,
                    f"{seat.value}: {c.allocated} allocated of {c.total}",
                )
            self.allocation_row(t, p, seat)

    def allocate(self, t: float, pi: int, user: int, seat: SeatType, si: int, how: str) -> None:
        p = self.world.pools[pi]
        reinstated = p.pool.in_quarantine(user, seat)
        p.pool.allocate(user, seat)
        self.in_quarantine[pi, user] = p.pool.in_quarantine(user)
        if not reinstated:
            # A new allocation has no use yet; a reinstated one keeps its own.
            self.last_used[pi, user] = NEVER_USED
        self.held[pi, user] = SEAT_CODE[seat]
        self.allocated_at[pi, user] = t
        self.last_allocation[pi] = t
        self.logs[pi].add(user, seat, t, si)
        # An admin's allocation on a per-site pool happens on that site.
        server = p.site if si < 0 else self.world.servers[si].id
        how = "reinstated" if reinstated else how
        lic = p.license_id
        self.rec.event(
            t, "allocate", lic, server, self.world.user_names[user], f"{seat.value} ({how})"
        )
        self.allocation_row(t, p, seat)

    def allocation_row(self, t: float, p: PoolRuntime, seat: SeatType) -> None:
        c = p.pool.counts[seat]
        lic = p.license_id
        self.rec.allocations.append(
            (t, lic, p.id, seat.value, c.total, c.allocated, c.quarantined, c.available, c.excess)
        )
        if self.world.licenses[p.license].copies:
            self._over_deployed_row(t, p.license, seat)

    def _over_deployed_row(self, t: float, li: int, seat: SeatType) -> None:
        """An over-deployed license's seats across all its servers, as a pool row named
        after the license, and an ``excess`` event whenever more users hold seats than
        were bought."""
        w = self.world
        lic = w.licenses[li]
        c = over_deployed_counts([w.pools[pi].pool for pi in lic.copies], seat)
        self.rec.allocations.append(
            (
                t,
                lic.id,
                lic.id,
                seat.value,
                c.total,
                c.allocated,
                c.quarantined,
                c.available,
                c.excess,
            )
        )
        before = self.license_excess.get((li, seat), 0)
        self.license_excess[(li, seat)] = c.excess
        if c.excess > before:
            servers = ", ".join(w.servers[si].id for pi in lic.copies for si in w.pools[pi].servers)
            self.rec.event(
                t,
                "excess",
                lic.id,
                None,
                None,
                f"{seat.value}: {c.allocated + c.quarantined} users hold seats of {c.total} "
                f"bought, over-deployed on {servers}",
            )

    def open_pool(self, pi: int) -> None:
        """The pool's first rows, and the admin's named allocations on its key."""
        p = self.world.pools[pi]
        for seat in p.seats:
            self.allocation_row(0.0, p, seat)
        self.allocate_by_name(0.0, pi)

    def allocate_by_name(self, t: float, pi: int) -> None:
        """The admin's named allocations on a new key: every seat type the pool sells by
        name goes, while seats last, to the users of the groups that list it, in order."""
        w = self.world
        p = w.pools[pi]
        for gi, g in enumerate(w.scenario.users):
            if not set(w.group_servers[gi]) & set(p.servers):
                continue
            first = w.group_first_user[gi]
            for seat in p.seats:
                if seat.value not in g.access_types or p.pool.is_dynamic(seat):
                    continue
                for u in range(first, first + g.count):
                    if p.pool.seat_of(u) is None and p.pool.available(seat) > 0:
                        self.allocate(t, pi, u, seat, -1, "manual")

    def set_total(self, t: float, pi: int, seat: SeatType, total: int) -> None:
        """A license change: pool ``pi`` now holds ``total`` seats of ``seat``."""
        p = self.world.pools[pi]
        p.pool.set_total(seat, total)
        self.allocation_row(t, p, seat)

    def sell_by_name(self, pi: int, seats: tuple[SeatType, ...]) -> None:
        """The seat types pool ``pi`` now sells (allocated by name, or by a dynamic rule)."""
        self.world.pools[pi].seats = seats

    def release(self, t: float, pi: int, user: int, period: float | None) -> float | None:
        """Take ``user``'s seat in pool ``pi`` away at ``t``, into quarantine for ``period``
        from its last use (:func:`~sim.rules.pool.quarantine_end`); the quarantine end."""
        until = self.world.pools[pi].pool.deallocate(
            user, t, float(self.last_used[pi, user]), period
        )
        self.held[pi, user] = 0
        if until is not None:
            self.in_quarantine[pi, user] = True
        return until

    def expire(self, t: float, pi: int, user: int) -> list[SeatType]:
        """End ``user``'s quarantines in pool ``pi`` that are over at ``t``; the types freed."""
        pool = self.world.pools[pi].pool
        freed = pool.expire(user, t)
        self.in_quarantine[pi, user] = pool.in_quarantine(user)
        return freed
