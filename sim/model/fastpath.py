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

import numpy as np

from sim.model.world import ServerRuntime
from sim.rules.connectivity import LicenseState
from sim.rules.reasons import DENIAL_REASONS, DenialReason

ACCESS_CODES = ("", "professional", "analyzer", "capacity")
CAPACITY_CODE = 3
STATE_CODES = {LicenseState.LICENSED: 0, LicenseState.GRACE: 1, LicenseState.UNLICENSED: 2}


def reason_code(reason: str | None) -> int:
    """0 for none, else 1 + the reason's index in the closed vocabulary."""
    return 0 if reason is None else DENIAL_REASONS.index(str(reason)) + 1


BACKEND_UNREACHABLE = reason_code(DenialReason.BACKEND_UNREACHABLE)
CAPACITY_EXHAUSTED = reason_code(DenialReason.CAPACITY_EXHAUSTED)
NO_SEAT = reason_code(DenialReason.NO_SEAT)
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
    """State, reason, reachability and the next unlicensed cut at ``t`` on each row's server."""
    state = np.zeros(t.size, dtype=np.int8)
    reason = np.zeros(t.size, dtype=np.int8)
    down = np.zeros(t.size, dtype=bool)
    cut = np.full(t.size, np.inf)
    cut_reason = np.zeros(t.size, dtype=np.int8)
    for si, arr in enumerate(servers):
        rows = np.flatnonzero(server == si)
        if rows.size == 0:
            continue
        tt = t[rows]
        k = arr.span(tt)
        state[rows] = arr.span_state[k]
        reason[rows] = arr.span_reason[k]
        down[rows] = arr.down(tt)
        cut[rows] = arr.cut_time[k]
        cut_reason[rows] = arr.cut_reason[k]
    return state, reason, down, cut, cut_reason


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
