"""The fast path: a day's independent sessions resolved at once with numpy.

Most of a day's sessions cannot influence one another: a user who already holds a seat is
granted whenever the server is licensed, and Analyzer Capacity units can be charged in any
order when the month's allowance cannot run out that day (or is already spent all day).
The engine routes those sessions here and resolves them as arrays, in rounds of one
session per device so that a device's running unit carries from one session to the next.
Everything that needs strict time order between users (a dynamic allocation while seats
remain, a possible exhaustion, parallel-session limits) takes the exact event-ordered path
instead. Both paths give identical tables; a test runs every scenario both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.behaviour import Batch
from sim.model.world import ServerRuntime
from sim.rules.anonymous import carried
from sim.rules.connectivity import LicenseState
from sim.rules.pool import record_use
from sim.rules.reasons import DENIAL_REASONS, DenialReason
from sim.rules.session import session_close

if TYPE_CHECKING:
    from sim.model.engine import Engine

ACCESS_CODES = (
    "",
    "professional",
    "analyzer",
    "capacity",
    "user_pass",
    "login_pass",
    "named_cal",
    "session_cal",
    "usage_cal",
    "document_cal",
    "root_admin",
)
PROFESSIONAL, ANALYZER, CAPACITY_CODE = (
    ACCESS_CODES.index(a) for a in ("professional", "analyzer", "capacity")
)
STATE_CODES = {state: code for code, state in enumerate(LicenseState)}
UNLICENSED_CODE = STATE_CODES[LicenseState.UNLICENSED]
LICENSED_CODE = STATE_CODES[LicenseState.LICENSED]
DELAYED_SYNC_CODE = STATE_CODES[LicenseState.DELAYED_SYNC]


def reason_code(reason: str | None) -> int:
    """0 for none, else 1 + the reason's index in the closed vocabulary."""
    return 0 if reason is None else DENIAL_REASONS.index(str(reason)) + 1


BACKEND_UNREACHABLE = reason_code(DenialReason.BACKEND_UNREACHABLE)
CAPACITY_EXHAUSTED = reason_code(DenialReason.CAPACITY_EXHAUSTED)
NO_SEAT = reason_code(DenialReason.NO_SEAT)
QUARANTINED = reason_code(DenialReason.QUARANTINED)
NOT_FOR_PRODUCT = reason_code(DenialReason.NOT_LICENSED_FOR_PRODUCT)


@dataclass(frozen=True)
class ServerArrays:
    """A server's state timeline and reachability as arrays, for vectorised look-ups."""

    span_start: np.ndarray
    span_state: np.ndarray
    span_reason: np.ndarray
    cut_time: np.ndarray
    """Start of the first unlicensed span after span ``i`` (``inf`` if none)."""
    cut_reason: np.ndarray
    down_start: np.ndarray
    down_end: np.ndarray
    span_contact: np.ndarray
    """The last successful contact known for each span (NaN where the span does not say)."""
    unit_ok_up: np.ndarray
    """By state code: may a capacity unit start while the backend is reachable?"""
    unit_ok_down: np.ndarray

    @classmethod
    def of(cls, srv: ServerRuntime) -> ServerArrays:
        spans = srv.timeline.spans
        n = len(spans)
        cut_time = np.full(n, np.inf)
        cut_reason = np.zeros(n, dtype=np.int8)
        nxt, nxt_reason = np.inf, 0
        for i in range(n - 1, -1, -1):
            cut_time[i], cut_reason[i] = nxt, nxt_reason
            if spans[i].state is LicenseState.UNLICENSED:
                nxt, nxt_reason = spans[i].start, reason_code(spans[i].reason)
        return cls(
            span_start=np.array([s.start for s in spans]),
            span_state=np.array([STATE_CODES[s.state] for s in spans], dtype=np.int8),
            span_reason=np.array([reason_code(s.reason) for s in spans], dtype=np.int8),
            cut_time=cut_time,
            cut_reason=cut_reason,
            down_start=np.array(srv.unreachable.starts, dtype=np.float64),
            down_end=np.array(srv.unreachable.ends, dtype=np.float64),
            span_contact=np.array(
                [np.nan if s.last_contact is None else s.last_contact for s in spans]
            ),
            unit_ok_up=np.array([srv.abilities.unit_allowed(st, True) for st in LicenseState]),
            unit_ok_down=np.array([srv.abilities.unit_allowed(st, False) for st in LicenseState]),
        )

    def span(self, t: np.ndarray) -> np.ndarray:
        return np.maximum(np.searchsorted(self.span_start, t, side="right") - 1, 0)

    def down(self, t: np.ndarray) -> np.ndarray:
        if self.down_start.size == 0:
            return np.zeros(t.shape, dtype=bool)
        i = np.searchsorted(self.down_start, t, side="right") - 1
        return (i >= 0) & (t < self.down_end[np.maximum(i, 0)])


def per_server(
    servers: list[ServerArrays], server: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """State, reason, whether a capacity unit may start, and the next unlicensed cut (time,
    reason) at ``t`` on each row's server."""
    state = np.zeros(t.size, dtype=np.int8)
    reason = np.zeros(t.size, dtype=np.int8)
    unit_ok = np.zeros(t.size, dtype=bool)
    cut = np.full(t.size, np.inf)
    cut_reason = np.zeros(t.size, dtype=np.int8)
    for si, arr in enumerate(servers):
        rows = np.flatnonzero(server == si)
        if rows.size == 0:
            continue
        tt = t[rows]
        k = arr.span(tt)
        st = arr.span_state[k]
        state[rows] = st
        reason[rows] = arr.span_reason[k]
        unit_ok[rows] = np.where(arr.down(tt), arr.unit_ok_down[st], arr.unit_ok_up[st])
        cut[rows] = arr.cut_time[k]
        cut_reason[rows] = arr.cut_reason[k]
    return state, reason, unit_ok, cut, cut_reason


def last_contact(
    servers: list[ServerArrays], server: np.ndarray, t: np.ndarray, interval: float
) -> np.ndarray:
    """A lower bound of each row's server's last successful contact at ``t``.

    Grace and unlicensed spans know it; otherwise the server was syncing until at most one
    sync interval ago.
    """
    out = t - interval
    for si, arr in enumerate(servers):
        rows = np.flatnonzero(server == si)
        if rows.size:
            known = arr.span_contact[arr.span(t[rows])]
            out[rows] = np.where(np.isnan(known), out[rows], known)
    return out


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


class FastPath:
    """Resolves the sessions the engine routes here, day by day, on the engine's state."""

    def __init__(self, engine: Engine) -> None:
        self.e = engine

    def resolve(
        self,
        b: Batch,
        rows: np.ndarray,
        lic_all: np.ndarray,
        held_all: np.ndarray,
        key_all: np.ndarray,
        spent: np.ndarray,
        until: float,
    ) -> None:
        h = self.e.world.horizon
        server = b.server[rows]
        start = b.start[rows]
        planned = b.end[rows]
        held = held_all[rows]
        state, reason, _, cut, cut_reason = per_server(self.e.arrays, server, start)
        n = rows.size
        access = np.zeros(n, dtype=np.int8)
        denied = np.zeros(n, dtype=np.int8)
        interrupted = np.zeros(n, dtype=np.int8)
        close = session_close(planned, b.logged_out[rows], self.e.timeout[server])
        end = np.minimum(np.minimum(close, cut), h)
        interrupted[cut < close] = cut_reason[cut < close]
        minutes = np.zeros(n)

        unlicensed = state == UNLICENSED_CODE
        denied[unlicensed] = reason[unlicensed]
        seat = ~unlicensed & (held > 0)
        access[seat] = held[seat]
        if seat.any():
            pool = self.e.server_pool[server[seat]]
            record_use(self.e.last_used, (pool, b.user[rows][seat]), start[seat])
        other = ~unlicensed & (held == 0)
        wants = other & self.e.group_capacity[b.group[rows]]
        no_product = wants & ~self.e.capacity_ok[server]
        denied[other & ~wants] = NO_SEAT
        quarantined = self.e.in_quarantine[self.e.server_pool[server], b.user[rows]]
        denied[other & ~wants & quarantined] = QUARANTINED
        denied[no_product] = NOT_FOR_PRODUCT
        cap = np.flatnonzero(wants & ~no_product)
        if cap.size:
            self._fast_capacity(
                b, rows, cap, lic_all, key_all, spent, access, denied, interrupted, end, minutes
            )
        no = access == 0
        end[no] = start[no]
        interrupted[no] = 0
        # A seat session still open when the day ends holds its parallel slot into the next.
        open_past = ((access == PROFESSIONAL) | (access == ANALYZER)) & (end > until)
        for i in np.flatnonzero(open_past).tolist():
            self.e.hold_slot(
                int(self.e.server_pool[server[i]]),
                int(b.user[rows[i]]),
                float(start[i]),
                float(end[i]),
            )
        self.e.rec.session_chunks.append(
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
                np.zeros(n, dtype=np.int16),
                b.document[rows].astype(np.int16),
                np.zeros(n, dtype=np.int8),  # the hub: QMC sessions take the exact path
            )
        )

    def _fast_capacity(
        self,
        b: Batch,
        rows: np.ndarray,
        cap: np.ndarray,
        lic_all: np.ndarray,
        key_all: np.ndarray,
        spent: np.ndarray,
        access: np.ndarray,
        denied: np.ndarray,
        interrupted: np.ndarray,
        end: np.ndarray,
        minutes: np.ndarray,
    ) -> None:
        """Capacity sessions in rounds of one session per device, in each device's order."""
        order = b.order[rows[cap]]
        for j in range(int(order.max()) + 1):
            sel = cap[order == j]
            if sel.size == 0:
                continue
            r = rows[sel]
            lic = lic_all[r]
            key = key_all[r]
            start = b.start[r]
            running = carried(self.e.running[lic, key], self.e.group_anonymous[b.group[r]])
            covered = start < running
            ready = b.unit_ready[r]
            valid = ((start < ready) == covered) & (~covered | (ready == running))
            lo, hi = b.unit_lo[r], b.unit_hi[r]
            units, ptr = gather_segments(b.units, np.where(valid, lo, 0), np.where(valid, hi, 0))
            if not valid.all():
                units, ptr = self._splice_replans(b, r, valid, running, units, ptr)
            seg = np.repeat(np.arange(sel.size), np.diff(ptr))
            stop = end[sel][seg]
            attempted = (units <= stop) & (units < self.e.world.horizon)
            state, reason, unit_ok, _, _ = per_server(self.e.arrays, b.server[r][seg], units)
            offline = ~unit_ok
            refused = attempted & (offline | spent[lic][seg])
            lengths = np.diff(ptr)
            fail_at = first_true(refused | ~attempted, ptr)
            fail_idx = np.minimum(ptr[:-1] + fail_at, max(units.size - 1, 0))
            fail_refused = np.zeros(sel.size, dtype=bool)
            why = np.zeros(sel.size, dtype=np.int8)
            if units.size:
                fail_refused = (fail_at < lengths) & refused[fail_idx]
                why = np.where(
                    state[fail_idx] == UNLICENSED_CODE,
                    reason[fail_idx],
                    np.where(offline[fail_idx], BACKEND_UNREACHABLE, CAPACITY_EXHAUSTED),
                ).astype(np.int8)
            at_start = fail_refused & ~covered & (fail_at == 0)
            granted = ~at_start
            access[sel[granted]] = CAPACITY_CODE
            denied[sel[at_start]] = why[at_start]
            cut_now = fail_refused & granted
            end[sel[cut_now]] = units[fail_idx[cut_now]]
            interrupted[sel[cut_now]] = why[cut_now]
            charged = fail_at
            minutes[sel] = charged * self.e.unit_minutes
            exhausted_hits = fail_refused & (why == CAPACITY_EXHAUSTED)
            self._book(
                lic,
                key,
                units,
                ptr,
                charged,
                exhausted_hits,
                start,
                b.server[r],
                b.user[r],
                b.device[r],
            )

    def _splice_replans(
        self,
        b: Batch,
        r: np.ndarray,
        valid: np.ndarray,
        running: np.ndarray,
        units: np.ndarray,
        ptr: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        pieces: list[np.ndarray] = []
        for i in range(r.size):
            if valid[i]:
                pieces.append(units[ptr[i] : ptr[i + 1]])
            else:
                pieces.append(
                    self.e._replan(
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

    def _book(
        self,
        lic: np.ndarray,
        key: np.ndarray,
        units: np.ndarray,
        ptr: np.ndarray,
        charged: np.ndarray,
        exhausted_hits: np.ndarray,
        start: np.ndarray,
        server: np.ndarray,
        user: np.ndarray,
        device: np.ndarray,
    ) -> None:
        """Charge the granted units to their months and move each device's running unit."""
        keep = np.arange(units.size) < np.repeat(ptr[:-1] + charged, np.diff(ptr))
        seg = np.repeat(np.arange(charged.size), np.diff(ptr))
        t = units[keep]
        li = lic[seg[keep]]
        month = np.searchsorted(self.e.month_starts, t, side="right") - 1
        for l_idx, licr in enumerate(self.e.world.licenses):
            mask = li == l_idx
            if mask.any():
                counts = np.bincount(month[mask], minlength=len(licr.meter.months))
                for m, c in zip(licr.meter.months, counts.tolist(), strict=True):
                    if c:
                        m.consumed += c * licr.meter.unit
            hits = exhausted_hits & (lic == l_idx)
            for when in start[hits].tolist() if hits.any() else ():
                licr.meter.refuse(when)
        has = charged > 0
        last = units[ptr[:-1][has] + charged[has] - 1]
        self.e.running[lic[has], key[has]] = last + self.e.unit
        self.e.rec.unit_chunk(t, month, li, server[seg[keep]], user[seg[keep]], device[seg[keep]])
