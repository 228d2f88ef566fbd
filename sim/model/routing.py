"""Routing: which of a day's sessions the fast path may resolve, and which need exact order.

The router reads the ledgers and owns one piece of state of its own: until when each
device has an exact-path session running. A session takes the exact path when its
outcome may depend on another's or on state the fast path does not model: a dynamic
allocation while seats remain, a day on which its license's capacity allowance could run
out and a dry run cannot settle where (or exact-path capacity or license work is pending),
a login pass on a day the pool could run short, admin work on its pool that day,
a seat allocated within the last user sync that another server of the pool may not see yet,
a server cut off from the backend whose view of the pool matters, a user who may reach the
parallel-session limit that day, an administrators' group (its QMC sessions are exact-path
sessions of their own, :mod:`sim.rules.qmc`), scripted, replayed or QlikView CAL access,
or a device that still has an exact-path session running. A device's sessions of one day
stay on one path.

Routing happens once the exact path has resolved everything due before the day's first
session (nothing of the day's can come before it), so the ledgers are as that session
finds them: yesterday's late capacity units are charged, not pending. A capacity session
whose units reach past midnight keeps time order, unless its month is spent or the day's
sweep finds the month running out before midnight: then every unit after midnight is
refused anyway.

The parallel limit counts a session until its close, which is up to the idle timeout after
its last click (:mod:`sim.rules.session`), so even one device can hold several slots. A
user's day goes to the exact path unless the most of the day's sessions open at one
instant, plus every slot the user already holds or will hold for an earlier day's session,
stays below the limit: then no refusal and no wait can happen that day whatever the order.
A session the fast path grants that is still open at the end of its day keeps its slot on
the exact path's heap (:class:`sim.model.session.HeldSlot`), so later days count it.
"""

from __future__ import annotations

import numpy as np

from sim.model.behaviour import Batch
from sim.model.calendar import LocalDay
from sim.model.capacity import CapacityLedger
from sim.model.codes import DELAYED_SYNC_CODE, LICENSED_CODE, LOGIN_PASS_CODE, UNLICENSED_CODE
from sim.model.fastpath import FastPath
from sim.model.lookup import Lookup
from sim.model.pools import SeatLedger
from sim.model.scheduler import ADMIN, END, EXPIRE, LAUNCH, START, Scheduler
from sim.model.session import HeldSlot, Session
from sim.model.sources import planned_session
from sim.model.timelines import last_contact, per_server
from sim.model.tokens import PassLedger
from sim.model.world import World
from sim.rules.parallel import ParallelSessions, may_reach_limit
from sim.rules.passes import LOGIN_PASS
from sim.rules.session import session_close


class Router:
    """Splits each day's batch between the fast and the exact path."""

    def __init__(
        self,
        world: World,
        lookup: Lookup,
        seats: SeatLedger,
        capacity: CapacityLedger,
        parallel: ParallelSessions,
        passes: PassLedger,
        scheduler: Scheduler,
        fastpath: FastPath,
        fast: bool,
    ) -> None:
        self.world = world
        self.lookup = lookup
        self.seats = seats
        self.capacity = capacity
        self.parallel = parallel
        self.passes = passes
        self.scheduler = scheduler
        self.fastpath = fastpath
        self.fast = fast
        self.slow_busy = np.full(len(world.user_names) * lookup.devices, -np.inf)
        """Per device: until when it has an exact-path session (a device's day stays on
        one path)."""

    def dispatch(self, b: Batch, day: LocalDay, now: float, until: float) -> None:
        """Route the day's batch ``b``; the exact path has resolved everything before
        ``now`` (the first start of the batch), and ``until`` is the next midnight."""
        lk, seats = self.lookup, self.seats
        h = self.world.horizon
        live = (b.start >= 0.0) & (b.start < h)
        lic = lk.server_license[b.server]
        pool = lk.server_pool[b.server]
        held = seats.held[pool, b.user]
        key = b.user * lk.devices + b.device
        exact = lk.group_exact[b.group] | (self.slow_busy[key] >= now)
        # Any server's view of a pool it shares lags by at most one user sync.
        since = day.midnight - self.world.scenario.rules.user_sync_interval
        exact |= (held == 0) & seats.allocation_possible(b.group, pool, since)
        exact |= (held > 0) & seats.lagged[pool] & (seats.allocated_at[pool, b.user] > since)
        risky = np.zeros(len(self.world.licenses), dtype=bool)
        refuse_from = np.full(len(self.world.licenses), np.inf)
        refuse_until = np.full(len(self.world.licenses), np.inf)
        """Per license: today's units from ``refuse_from`` until ``refuse_until`` find their
        month spent."""
        free: dict[int, int] = {}
        """Risky licenses whose day may be swept: the units their month can still take."""
        exact |= self._needs_view(b, held, pool)
        limited, before = self._may_reach_limit(b, live, day.midnight)
        pending, busy_pools, pending_units = self._pending(until)
        if busy_pools:
            exact |= np.isin(lk.server_pool[b.server], list(busy_pools))
        may_charge = lk.group_capacity[b.group] & (held == 0) & live
        for li, licr in enumerate(self.world.licenses):
            mine = may_charge & (lic == li)
            if not mine.any():
                continue
            if li in pending and li not in pending_units:
                risky[li] = True
                continue
            # Exact-path capacity work pending today counts towards the month's risk.
            extra, extra_end = pending_units.get(li, (0.0, -np.inf))
            look = self.capacity.outlook(licr, b, mine, extra, extra_end)
            risky[li], refuse_from[li], refuse_until[li] = look
            sweep = risky[li] and li not in pending
            if sweep and (units := self.capacity.free_units(licr, b, mine)) is not None:
                free[li] = units
        refused = np.zeros(len(b.start), dtype=bool)
        runs_out: dict[int, tuple[float, int]] = {}
        if self.fast:
            sweepable = np.isin(lic, list(free))
            exact |= risky[lic] & ~sweepable & may_charge
            # Units after midnight would be charged before the next day's earlier ones:
            # such a session keeps time order unless every unit is refused anyway (a spent
            # month, or one the sweep finds running out before midnight).
            spent = (refuse_from == -np.inf) & (refuse_until == np.inf)
            exact |= may_charge & (b.end > until) & ~spent[lic] & ~sweepable
            # Admin work on any pool of a token license may turn its users to login passes.
            busy = pending | {
                int(li) for li in lk.server_license[np.isin(lk.server_pool, list(busy_pools))]
            }
            exact |= self._passes_in_order(b, live, lic, held, busy, day.midnight, until)
            # A device's running unit carries between its sessions: keep a device's day on
            # one path.
            exact |= np.isin(key, key[exact & live])
            refused, swept = self._sweep_limits(b, live, limited, before, exact, held, until)
            exact |= limited & ~swept
            if free:
                runs_out = self._sweep_exhaustion(
                    b, live, lic, held, key, exact, may_charge, swept, free, refuse_from, until
                )
        else:
            exact[:] = True
        slow = np.flatnonzero(exact & live)
        for i in slow.tolist():
            self.scheduler.push(float(b.start[i]), START, planned_session(b, i, lk))
            self.slow_busy[key[i]] = max(self.slow_busy[key[i]], float(b.end[i]))
        fast = np.flatnonzero(~exact & live)
        if fast.size:
            self.fastpath.resolve(
                b, fast, lic, held, key, (refuse_from, refuse_until), until, refused
            )
        for li, (t, server) in runs_out.items():
            self.capacity.exhaust(li, t, server)

    def _sweep_limits(
        self,
        b: Batch,
        live: np.ndarray,
        limited: np.ndarray,
        before: np.ndarray,
        exact: np.ndarray,
        held: np.ndarray,
        until: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The days of users who may reach the parallel limit that the fast path can still
        resolve, and which of their sessions the limit refuses.

        A user's day qualifies when the user holds no slot at midnight and has no session
        still to start from an earlier day, and none of the day's sessions needs the exact
        path for another reason: then the day's opens and closes are the user's alone, and
        the fast path runs them in time order through the parallel-session rule
        (:func:`sim.rules.parallel.resolve_in_order`). Days whose order is ambiguous or
        whose waits outlast the day stay on the exact path."""
        n = len(b.start)
        refused = np.zeros(n, dtype=bool)
        swept = np.zeros(n, dtype=bool)
        mine = limited & live & (before == 0)
        if not mine.any():
            return refused, swept
        others = np.unique(b.user[exact & live])
        mine &= ~np.isin(b.user, others)
        rows = np.flatnonzero(mine)
        if rows.size == 0:
            return refused, swept
        scratch = ParallelSessions(self.parallel.limit, self.parallel.wait)
        granted, alone = self.fastpath.parallel_outcomes(b, rows, held, scratch, until)
        swept[rows] = alone
        refused[rows] = alone & ~granted
        return refused, swept

    def _sweep_exhaustion(
        self,
        b: Batch,
        live: np.ndarray,
        lic: np.ndarray,
        held: np.ndarray,
        key: np.ndarray,
        exact: np.ndarray,
        may_charge: np.ndarray,
        swept: np.ndarray,
        free: dict[int, int],
        refuse_from: np.ndarray,
        until: float,
    ) -> dict[int, tuple[float, int]]:
        """The days on which a license's capacity may run out that the fast path can still
        resolve, found by a dry run; ``exact`` and ``refuse_from`` are updated in place.

        Units are charged in time order, and nothing but the month's minutes refuses one
        that the dry run charges, so the month runs out at the last of the first ``free``
        units in time order and refuses every unit from the next on, whichever user's it
        is (:meth:`sim.rules.capacity.CapacityMeter.try_start_unit`). A license's day
        qualifies when all its capacity sessions take the fast path and that unit falls
        before the day ends (or all the day's units do, if the month does not run out):
        then tomorrow's sessions cannot come between. Returns, per license whose month
        runs out today, the time and server of its last unit."""
        runs_out: dict[int, tuple[float, int]] = {}
        while True:
            runs_out.clear()
            fast = np.flatnonzero(~exact & live)
            failed: list[int] = []
            for li, units in free.items():
                mine = may_charge & (lic == li)
                if (exact & mine).any():
                    failed.append(li)
                    continue
                times, servers = self.fastpath.exhaustion(b, fast, li, lic, held, key)
                # The month refuses from the unit after its last one; all later units
                # are tomorrow's business only if that unit, or the last, is before midnight.
                refuse_from[li] = times[units] if times.size > units else np.inf
                if times.size and min(refuse_from[li], times[-1]) >= until:
                    failed.append(li)
                elif times.size >= units > 0:
                    runs_out[li] = (float(times[units - 1]), int(servers[units - 1]))
            if not failed:
                return runs_out
            for li in failed:
                del free[li]
                refuse_from[li] = np.inf
                exact |= may_charge & (lic == li)
            # A device's day, and a day swept for the parallel limit, stay on one path.
            exact |= np.isin(key, key[exact & live])
            exact |= swept & np.isin(b.user, b.user[exact & live])
            if not free:
                return runs_out

    def _passes_in_order(
        self,
        b: Batch,
        live: np.ndarray,
        lic: np.ndarray,
        held: np.ndarray,
        pending: set[int],
        midnight: float,
        until: float,
    ) -> np.ndarray:
        """Sessions on a token license that need the exact path: every session once the
        tokens are remixed into seats, and the login-pass sessions whose passes another
        session's could change.

        A day's login passes are taken in any order when the pool can give every pass the
        day's login-pass sessions could take (each at most one at login and one per
        started period of its close) from what it has free at midnight, as returns only
        add to it: then none is refused. They stay in time order on a day the pool could
        run short, when exact-path pass work is pending, on a server that needs the
        backend to take a pass, for a session still open at the day's end, and for a
        named user with more than one such session that day (a pass covers the user's
        later logins within its hour)."""
        lk = self.lookup
        out = np.zeros(len(b.start), dtype=bool)
        tokens = lk.token_license[lic]
        if not tokens.any():
            return out
        if self.passes.remixed:
            out |= tokens & np.isin(lic, list(self.passes.remixed))
        settled = lk.settled_access[b.group, b.server, held]
        rows = np.flatnonzero(live & tokens & ~out & (settled == LOGIN_PASS_CODE))
        if rows.size == 0:
            return out
        li, server, user = lic[rows], b.server[rows], b.user[rows]
        close = session_close(b.end[rows], b.logged_out[rows], lk.timeout[server])
        ordered = (close > until) | ~lk.passes_local[server]
        if pending:
            ordered |= np.isin(li, list(pending))
        named = ~lk.group_anonymous[b.group[rows]]
        users, counts = np.unique(user[named], return_counts=True)
        ordered[named] |= np.isin(user[named], users[counts > 1])
        period = self.world.scenario.rules.login_pass_period
        most = 2.0 + np.ceil(np.maximum(close - b.start[rows], 0.0) / period)
        for license_index in np.unique(li).tolist():
            mine = li == license_index
            pool = self.passes.pools[license_index]
            assert pool is not None
            if most[mine].sum() > pool.available(midnight):
                ordered[mine] = True
        out[rows] = ordered
        return out

    def _may_reach_limit(
        self, b: Batch, live: np.ndarray, midnight: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sessions of users who may reach the parallel-session limit today (see above),
        and per session the slots its user holds or will hold from earlier days."""
        lk = self.lookup
        out = np.zeros(len(b.start), dtype=bool)
        held_before = np.zeros(len(b.start), dtype=np.int64)
        rows = np.flatnonzero(live & lk.group_parallel[b.group])
        if rows.size == 0:
            return out, held_before
        user = b.user[rows]
        close = session_close(b.end[rows], b.logged_out[rows], lk.timeout[b.server[rows]])
        already = self.parallel.busy_users(midnight)
        for _, kind, _, item in self.scheduler.items():
            if kind == START and isinstance(item, Session | HeldSlot):
                already[item.user] += 1
        before = np.zeros(rows.size, dtype=np.int64)
        if already:
            slots = np.zeros(len(self.world.user_names), dtype=np.int64)
            slots[np.fromiter(already.keys(), dtype=np.int64)] = np.fromiter(
                already.values(), dtype=np.int64
            )
            before = slots[user]
        out[rows] = may_reach_limit(user, b.start[rows], close, before, self.parallel.limit)
        held_before[rows] = before
        return out, held_before

    def _needs_view(self, b: Batch, held: np.ndarray, pool: np.ndarray) -> np.ndarray:
        """Sessions on a server cut off from the backend whose outcome depends on what that
        server knows of the shared pool: a seat it may not have heard of yet, a dynamic rule
        it must refuse or serve from its own view, or local allocations."""
        lk, seats = self.lookup, self.seats
        state, _, unit_ok, _, _ = per_server(lk.arrays, b.server, b.start)
        offline = lk.backend_bound[b.server] & ~((state == LICENSED_CODE) & unit_ok)
        offline &= state != UNLICENSED_CODE
        if not offline.any():
            return offline
        if seats.local_allocation:
            return offline
        interval = self.world.scenario.rules.user_sync_interval
        known = last_contact(lk.arrays, b.server, b.start, interval)
        unseen = (held > 0) & (seats.allocated_at[pool, b.user] > known)
        dynamic = (held == 0) & lk.dynamic_rule[b.group, pool]
        return offline & ((state == DELAYED_SYNC_CODE) | unseen | dynamic)

    def _pending(self, until: float) -> tuple[set[int], set[int], dict[int, tuple[float, float]]]:
        """Licenses with exact-path capacity, login-pass or license work, and pools with
        admin work, still to happen before ``until``. A session still to start is such work
        only if a capacity rule covers it or its license holds tokens.

        Also, per license whose only such work is capacity sessions, the most units they
        can still charge (units are at least a unit apart and end by the session's last
        activity) and when the last of them ends; a license change is not bounded."""
        lk = self.lookup
        licenses: set[int] = set()
        pools: set[int] = set()
        changed: set[int] = set()
        units: dict[int, tuple[float, float]] = {}
        unit = self.capacity.unit
        for t, kind, _, item in self.scheduler.items():
            if t >= until or kind in (END, LAUNCH) or isinstance(item, HeldSlot):
                continue
            if kind in (ADMIN, EXPIRE):
                pools.update(item.pools)
                if item.kind == "change":
                    licenses.add(item.license)
                    changed.add(item.license)
                continue
            li = int(lk.server_license[item.server])
            charges = (kind == START and lk.may_charge(item)) or (
                kind != START and item.access != LOGIN_PASS
            )
            if charges or kind != START or lk.token_license[li]:
                licenses.add(li)
            if charges:
                most, last = units.get(li, (0.0, -np.inf))
                left = (item.planned_end - t) // unit + 1
                if item.units is not None:
                    left = max(left, float(item.units.size - item.next_unit))
                units[li] = (most + max(left, 1.0), max(last, item.planned_end))
        for li in changed:
            units.pop(li, None)
        return licenses, pools, units
