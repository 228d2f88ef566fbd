"""The fast path: a day's independent sessions resolved at once with numpy.

Most of a day's sessions cannot influence one another: a user who already holds a seat or
user pass is granted whenever the server is licensed, Analyzer Capacity units can be
charged in any order when the month's allowance cannot run out that day (or is already
spent all day), and login passes can be taken in any order when the pool cannot run short.
Where the allowance runs out within the day, a dry run of the day's units finds the unit
at which it does (:meth:`FastPath.exhaustion`): every unit from there on is refused,
whoever's it is. The engine routes those sessions here and resolves them as arrays, in
rounds of one session per device so that a device's running unit carries from one
session to the next. Everything that needs strict time order between users (a dynamic
allocation while seats remain, a login pass that may be the last, parallel-session limits
that a day's sweep cannot settle) takes the exact event-ordered path instead. Both paths
give identical tables; a test runs every scenario both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.behaviour import Batch, replanned_units
from sim.model.capacity import CapacityLedger
from sim.model.codes import (
    AS_QUARANTINED,
    CAPACITY_CODE,
    CAPACITY_EXHAUSTED,
    HOLDS_SLOT,
    LOGIN_PASS_CODE,
    UNIT_REFUSAL,
    UNLICENSED_CODE,
    reason_code,
)
from sim.model.lookup import Lookup
from sim.model.pools import SeatLedger
from sim.model.scheduler import END, START, Scheduler
from sim.model.session import HeldSlot
from sim.model.timelines import per_server
from sim.model.tokens import PassLedger
from sim.model.world import World
from sim.recorder import Recorder
from sim.rules.anonymous import carried
from sim.rules.capacity import chain_holds
from sim.rules.connectivity import expiry_cut
from sim.rules.parallel import ParallelSessions, resolve_in_order
from sim.rules.passes import login_pass_times
from sim.rules.pool import record_use
from sim.rules.reasons import DenialReason
from sim.rules.session import session_close

PARALLEL_LIMIT = reason_code(DenialReason.PARALLEL_LIMIT)
ONE_GO = 2048
"""The most capacity sessions of a day tried in one go rather than in rounds. A round's
fixed cost (a few dozen numpy calls) matters on a small day; on a large one it is small
beside the chains, and an attempt that fails (on 117 of the scarce-seats workload's 261
working days) costs a whole day's chains."""


def first_true(flags: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Per segment ``flags[ptr[i]:ptr[i+1]]``, the offset of the first True (or the length)."""
    n = ptr.size - 1
    lengths = np.diff(ptr)
    out = lengths.copy()
    hits = np.flatnonzero(flags)
    if hits.size:
        seg = np.searchsorted(ptr, hits, side="right") - 1
        first = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first, seg, hits - ptr[seg])
        out = np.minimum(out, first)
    return out


def gather_segments(
    values: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``values[lo[i]:hi[i]]`` for every ``i``; also return the new offsets."""
    lengths = hi - lo
    ptr = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    idx = np.repeat(lo - ptr[:-1], lengths) + np.arange(ptr[-1])
    return values[idx], ptr


@dataclass(frozen=True)
class _Chains:
    """Sessions' unit chains (``units[ptr[i]:ptr[i + 1]]`` for session ``i``) and where
    each first fails: at offset ``fail_at`` (its units charged), refused or not, and why."""

    units: np.ndarray
    ptr: np.ndarray
    covered: np.ndarray
    fail_at: np.ndarray
    fail_idx: np.ndarray
    fail_refused: np.ndarray
    why: np.ndarray


class FastPath:
    """Resolves the sessions routing sends here, day by day, on the ledgers."""

    def __init__(
        self,
        world: World,
        lookup: Lookup,
        seats: SeatLedger,
        capacity: CapacityLedger,
        passes: PassLedger,
        scheduler: Scheduler,
        rec: Recorder,
    ) -> None:
        self.world = world
        self.lookup = lookup
        self.seats = seats
        self.capacity = capacity
        self.passes = passes
        self.scheduler = scheduler
        self.rec = rec

    def hold_slot(self, pool: int, user: int, start: float, close: float) -> None:
        """Keep the slot of a session still open past its day from start to close."""
        slot = HeldSlot(pool, user)
        self.scheduler.push(start, START, slot)
        self.scheduler.push(close, END, slot)

    def _closes(
        self, b: Batch, rows: np.ndarray, server: np.ndarray, cut: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each session's close if granted, cut at the next unlicensed span and the
        horizon, and whether it was cut."""
        close = session_close(b.end[rows], b.logged_out[rows], self.lookup.timeout[server])
        end, was_cut = expiry_cut(close, cut)
        return np.minimum(end, self.world.horizon), was_cut

    def parallel_outcomes(
        self,
        b: Batch,
        rows: np.ndarray,
        held_all: np.ndarray,
        scratch: ParallelSessions,
        until: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For sessions of users whose day is theirs alone, which the parallel-session
        limit grants and whether each user's day stands alone
        (:func:`sim.rules.parallel.resolve_in_order`): the sessions the access order grants
        a seat that holds a slot ask for one at their start and give it back at their close."""
        server = b.server[rows]
        state, _, _, cut, _ = per_server(self.lookup.arrays, server, b.start[rows])
        end, _ = self._closes(b, rows, server, cut)
        settled = self.lookup.settled_access[b.group[rows], server, held_all[rows]]
        asks = (state != UNLICENSED_CODE) & (settled != CAPACITY_CODE) & HOLDS_SLOT[settled]
        granted = np.ones(rows.size, dtype=bool)
        alone = np.ones(rows.size, dtype=bool)
        ask = np.flatnonzero(asks)
        granted[ask], alone[ask] = resolve_in_order(
            self.lookup.server_pool[server[ask]],
            b.user[rows[ask]],
            b.start[rows[ask]],
            end[ask],
            scratch,
            until,
        )
        # A user's day stands alone only as a whole.
        users = b.user[rows]
        alone &= ~np.isin(users, users[~alone])
        return granted, alone

    def resolve(
        self,
        b: Batch,
        rows: np.ndarray,
        lic_all: np.ndarray,
        held_all: np.ndarray,
        key_all: np.ndarray,
        refusing: tuple[np.ndarray, np.ndarray],
        until: float,
        parallel_refused: np.ndarray,
    ) -> None:
        """Resolve the batch's sessions ``rows``; ``parallel_refused`` marks (over the whole
        batch) those :meth:`parallel_outcomes` found refused at the parallel limit; a license's
        capacity units from ``refusing[0][license]`` until ``refusing[1][license]`` find
        its month spent."""
        server = b.server[rows]
        start = b.start[rows]
        planned = b.end[rows]
        held = held_all[rows]
        state, reason, _, cut, cut_reason = per_server(self.lookup.arrays, server, start)
        n = rows.size
        access = np.zeros(n, dtype=np.int8)
        denied = np.zeros(n, dtype=np.int8)
        interrupted = np.zeros(n, dtype=np.int8)
        end, was_cut = self._closes(b, rows, server, cut)
        interrupted[was_cut] = cut_reason[was_cut]
        minutes = np.zeros(n)

        unlicensed = state == UNLICENSED_CODE
        denied[unlicensed] = reason[unlicensed]
        # The access order for logins no other user's can change (sim.rules.access).
        group = b.group[rows]
        settled = self.lookup.settled_access[group, server, held]
        why = self.lookup.settled_reason[group, server, held]
        licensed = ~unlicensed
        seat = licensed & (settled != 0) & (settled != CAPACITY_CODE)
        at_limit = seat & parallel_refused[rows]
        denied[at_limit] = PARALLEL_LIMIT
        seat &= ~at_limit
        access[seat] = settled[seat]
        login = seat & (settled == LOGIN_PASS_CODE)
        # A session on the user's own seat or user pass is a use of it; a login pass is not.
        used = seat & ~login
        if used.any():
            pool = self.lookup.server_pool[server[used]]
            record_use(self.seats.last_used, (pool, b.user[rows][used]), start[used])
        passes = np.zeros(n, dtype=np.int16)
        if login.any():
            at = np.flatnonzero(login)
            passes[at] = self._login_passes(b, rows[at], lic_all, start[at], end[at])
        refused = licensed & (settled == 0)
        quarantined = self.seats.in_quarantine[self.lookup.server_pool[server], b.user[rows]]
        denied[refused] = np.where(quarantined[refused], AS_QUARANTINED[why[refused]], why[refused])
        cap = np.flatnonzero(licensed & (settled == CAPACITY_CODE))
        if cap.size:
            self._fast_capacity(
                b,
                rows,
                cap,
                lic_all,
                key_all,
                refusing,
                access,
                denied,
                interrupted,
                end,
                minutes,
            )
        no = access == 0
        end[no] = start[no]
        interrupted[no] = 0
        # A seat session still open when the day ends holds its parallel slot into the next.
        open_past = HOLDS_SLOT[access] & (end > until)
        for i in np.flatnonzero(open_past).tolist():
            self.hold_slot(
                int(self.lookup.server_pool[server[i]]),
                int(b.user[rows[i]]),
                float(start[i]),
                float(end[i]),
            )
        self.rec.session_chunks.append(
            (
                b.user[rows].astype(np.int32),
                server.astype(np.int16),
                b.device[rows].astype(np.int16),
                start,
                end,
                planned,
                access,
                denied,
                interrupted,
                b.clicks[rows].astype(np.int32),
                minutes,
                b.order[rows].astype(np.int16),
                passes,
                b.document[rows].astype(np.int16),
                np.zeros(n, dtype=np.int8),  # the hub: QMC sessions take the exact path
            )
        )

    def _login_passes(
        self, b: Batch, r: np.ndarray, lic_all: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> np.ndarray:
        """Take the login passes of granted sessions ``r`` that routing found the pool can
        give in any order (:mod:`sim.model.routing`): each session's passes by the rule
        (:func:`sim.rules.passes.login_pass_times`), a ``login_pass`` event for each, and
        the user's cover until an hour after the last. Returns the passes per session."""
        period = self.world.scenario.rules.login_pass_period
        lic, user = lic_all[r], b.user[r]
        covered = np.asarray(
            carried(self.passes.until[lic, user], self.lookup.group_anonymous[b.group[r]])
        )
        row, times = login_pass_times(start, end, covered, period)
        # Time order, and the order the exact path would take them in at one instant.
        by = np.lexsort((row, times))
        row, times = row[by], times[by]
        for li in np.unique(lic[row]).tolist():
            pool = self.passes.pools[li]
            assert pool is not None
            pool.take_all(times[lic[row] == li].tolist())
        np.maximum.at(self.passes.until, (lic[row], user[row]), times + period)
        names, ids = self.world.user_names, self.world.licenses
        servers = self.world.servers
        self.rec.events.extend(
            (t, "login_pass", ids[li].id, servers[si].id, names[u], None)
            for t, li, si, u in zip(
                times.tolist(),
                lic[row].tolist(),
                b.server[r][row].tolist(),
                user[row].tolist(),
                strict=True,
            )
        )
        return np.bincount(row, minlength=r.size).astype(np.int16)

    def _fast_capacity(
        self,
        b: Batch,
        rows: np.ndarray,
        cap: np.ndarray,
        lic_all: np.ndarray,
        key_all: np.ndarray,
        refusing: tuple[np.ndarray, np.ndarray],
        access: np.ndarray,
        denied: np.ndarray,
        interrupted: np.ndarray,
        end: np.ndarray,
        minutes: np.ndarray,
    ) -> None:
        """Capacity sessions in each device's order: a device's running unit carries from
        one session to the next. A license's units from ``refusing[0]`` until
        ``refusing[1]`` find the month spent.

        A day of at most :data:`ONE_GO` capacity sessions is first tried in one go, each
        later session of a device assumed to find the unit its plan expected running
        (``unit_ready``); that holds when every earlier one charged its whole chain, and
        :meth:`_chains_follow` checks it. Otherwise the day goes in rounds of one session
        per device, each round starting from the units the rounds before it left running."""
        outcome = (access, denied, interrupted, end, minutes)
        r = rows[cap]
        lic, key = lic_all[r], key_all[r]
        if int(b.order[r].max()) > 0 and r.size <= ONE_GO:
            prev, nxt = self._followers(lic, key, b.order[r])
            running = self.capacity.running[lic, key]
            running[nxt] = b.unit_ready[r[nxt]]
            c = self._chains(b, r, lic, end[cap], running, refusing)
            if self._chains_follow(b, r, prev, nxt, running, c):
                return self._settle(b, cap, r, lic, key, c, outcome)
        for j in range(int(b.order[r].max()) + 1):
            sel = cap[b.order[r] == j]
            if sel.size == 0:
                continue
            rj = rows[sel]
            lj, kj = lic_all[rj], key_all[rj]
            c = self._chains(b, rj, lj, end[sel], self.capacity.running[lj, kj], refusing)
            self._settle(b, sel, rj, lj, kj, c, outcome)

    @staticmethod
    def _followers(
        lic: np.ndarray, key: np.ndarray, order: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pairs ``(prev[i], nxt[i])`` of sessions one after another on one device and
        license."""
        by = np.lexsort((order, key, lic))
        prev, nxt = by[:-1], by[1:]
        pair = (lic[prev] == lic[nxt]) & (key[prev] == key[nxt])
        return prev[pair], nxt[pair]

    def _chains_follow(
        self,
        b: Batch,
        r: np.ndarray,
        prev: np.ndarray,
        nxt: np.ndarray,
        running: np.ndarray,
        c: _Chains,
    ) -> bool:
        """Whether each session ``prev[i]`` left running the unit that the one after it,
        ``nxt[i]``, was assumed to find (its plan's ``unit_ready``)."""
        charged = c.fail_at[prev]
        last = c.units[np.maximum(c.ptr[prev] + charged - 1, 0)] if c.units.size else running[prev]
        left = np.where(charged > 0, last + self.capacity.unit, running[prev])
        anonymous = self.lookup.group_anonymous[b.group[r[nxt]]]
        return bool(
            np.array_equal(carried(left, anonymous), carried(b.unit_ready[r[nxt]], anonymous))
        )

    def _settle(
        self,
        b: Batch,
        sel: np.ndarray,
        r: np.ndarray,
        lic: np.ndarray,
        key: np.ndarray,
        c: _Chains,
        outcome: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """Apply the unit chains ``c`` of sessions ``r`` (at ``sel`` in the outcome arrays):
        each session's access, denial or interruption, end and minutes, and the units
        charged to the ledger."""
        access, denied, interrupted, end, minutes = outcome
        at_start = c.fail_refused & ~c.covered & (c.fail_at == 0)
        granted = ~at_start
        access[sel[granted]] = CAPACITY_CODE
        denied[sel[at_start]] = c.why[at_start]
        cut_now = c.fail_refused & granted
        end[sel[cut_now]] = c.units[c.fail_idx[cut_now]]
        interrupted[sel[cut_now]] = c.why[cut_now]
        minutes[sel] = c.fail_at * self.capacity.unit_minutes
        self.capacity.charge_many(
            lic,
            key,
            b.order[r],
            c.units,
            c.ptr,
            c.fail_at,
            c.fail_refused & (c.why == CAPACITY_EXHAUSTED),
            b.start[r],
            b.server[r],
            b.user[r],
            b.device[r],
        )

    def _chains(
        self,
        b: Batch,
        r: np.ndarray,
        lic: np.ndarray,
        stop_at: np.ndarray,
        running_units: np.ndarray,
        refusing: tuple[np.ndarray, np.ndarray],
    ) -> _Chains:
        """The unit chains of sessions ``r`` and where each first fails, given when the
        unit running on each one's device ends as it starts (``running_units``) and each
        session's close ``stop_at``."""
        start = b.start[r]
        server = b.server[r]
        running = np.asarray(carried(running_units, self.lookup.group_anonymous[b.group[r]]))
        covered = start < running
        valid = np.asarray(chain_holds(start, b.unit_ready[r], running))
        lo, hi = b.unit_lo[r], b.unit_hi[r]
        units, ptr = gather_segments(b.units, np.where(valid, lo, 0), np.where(valid, hi, 0))
        if not valid.all():
            # An uncovered session's first unit is at its start, planned or replanned: if
            # that unit fails, the session's outcome is settled there and no chain is drawn.
            stub = ~valid & ~covered
            at = np.flatnonzero(stub)
            attempted, refused = self._refusals(
                server[at], lic[at], start[at], stop_at[at], refusing
            )[:2]
            stub[at] = refused | ~attempted
            units, ptr = self._splice_replans(b, r, valid, stub, running, units, ptr)
        seg = np.repeat(np.arange(r.size), np.diff(ptr))
        attempted, refused, reason, unit_ok = self._refusals(
            server[seg], lic[seg], units, stop_at[seg], refusing
        )
        lengths = np.diff(ptr)
        fail_at = first_true(refused | ~attempted, ptr)
        fail_idx = np.minimum(ptr[:-1] + fail_at, max(units.size - 1, 0))
        fail_refused = np.zeros(r.size, dtype=bool)
        why = np.zeros(r.size, dtype=np.int8)
        if units.size:
            fail_refused = (fail_at < lengths) & refused[fail_idx]
            why = UNIT_REFUSAL[unit_ok[fail_idx].astype(np.intp), reason[fail_idx]]
        return _Chains(units, ptr, covered, fail_at, fail_idx, fail_refused, why)

    def _refusals(
        self,
        server: np.ndarray,
        lic: np.ndarray,
        units: np.ndarray,
        stop_at: np.ndarray,
        refusing: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For units due at ``units`` on ``server`` and license ``lic`` of sessions closing
        at ``stop_at``: whether each is attempted, whether it is refused (the server may not
        start one, or the month is spent), and the server's reason and unit permission."""
        attempted = (units <= stop_at) & (units < self.world.horizon)
        _, reason, unit_ok, _, _ = per_server(self.lookup.arrays, server, units)
        spent = (units >= refusing[0][lic]) & (units < refusing[1][lic])
        return attempted, attempted & (~unit_ok | spent), reason, unit_ok

    def exhaustion(
        self,
        b: Batch,
        rows: np.ndarray,
        li: int,
        lic_all: np.ndarray,
        held_all: np.ndarray,
        key_all: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The capacity units license ``li`` would charge for the batch's sessions ``rows``
        if its month could not run out, in time order, and the server of each: the dry run
        from which routing finds the unit at which the month runs out
        (:mod:`sim.model.routing`). Nothing is charged."""
        server = b.server[rows]
        start = b.start[rows]
        state, _, _, cut, _ = per_server(self.lookup.arrays, server, start)
        end, _ = self._closes(b, rows, server, cut)
        settled = self.lookup.settled_access[b.group[rows], server, held_all[rows]]
        cap = np.flatnonzero(
            (state != UNLICENSED_CODE) & (settled == CAPACITY_CODE) & (lic_all[rows] == li)
        )
        running_units = self.capacity.running.copy()
        never = np.full(len(self.world.licenses), np.inf)
        times: list[np.ndarray] = []
        servers: list[np.ndarray] = []
        order = b.order[rows[cap]]
        for j in range(int(order.max(initial=-1)) + 1):
            sel = cap[order == j]
            if sel.size == 0:
                continue
            r = rows[sel]
            lic, key = lic_all[r], key_all[r]
            c = self._chains(b, r, lic, end[sel], running_units[lic, key], (never, never))
            keep = np.arange(c.units.size) < np.repeat(c.ptr[:-1] + c.fail_at, np.diff(c.ptr))
            times.append(c.units[keep])
            servers.append(np.repeat(b.server[r], np.diff(c.ptr))[keep])
            has = c.fail_at > 0
            last = c.units[c.ptr[:-1][has] + c.fail_at[has] - 1]
            running_units[lic[has], key[has]] = last + self.capacity.unit
        if not times:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        t, srv = np.concatenate(times), np.concatenate(servers)
        by = np.argsort(t, kind="stable")
        return t[by], srv[by]

    def _splice_replans(
        self,
        b: Batch,
        r: np.ndarray,
        valid: np.ndarray,
        stub: np.ndarray,
        running: np.ndarray,
        units: np.ndarray,
        ptr: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The round's chains with those that no longer hold drawn again; a ``stub``
        session's chain is only its first unit, at its start."""
        pieces: list[np.ndarray] = []
        for i in range(r.size):
            if valid[i]:
                pieces.append(units[ptr[i] : ptr[i + 1]])
            elif stub[i]:
                pieces.append(b.start[r[i] : r[i] + 1])
            else:
                pieces.append(
                    replanned_units(
                        self.world.streams,
                        self.capacity.unit,
                        int(b.user[r[i]]),
                        int(b.device[r[i]]),
                        b.day_index,
                        int(b.order[r[i]]),
                        float(b.start[r[i]]),
                        float(b.end[r[i]]),
                        int(b.clicks[r[i]]),
                        float(running[i]),
                    )
                )
        lengths = np.array([p.size for p in pieces], dtype=np.int64)
        new_ptr = np.zeros(r.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=new_ptr[1:])
        return (np.concatenate(pieces) if pieces else np.zeros(0)), new_ptr
