"""A server's license-state timeline and reachability as arrays, for vectorised look-ups.

Built once per run from the scalar timeline (:class:`sim.rules.connectivity.StateTimeline`)
and the server's abilities, so that routing and the fast path ask the same questions of a
whole day of sessions that the exact path asks of one: the state at an instant, whether a
capacity unit may start, the next unlicensed span and the last contact known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.codes import STATE_CODES, reason_code
from sim.model.world import ServerRuntime
from sim.rules.connectivity import LicenseState, StateSpan


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
        # The next cut after a span is the rule's own answer; spans before a cut share it.
        cut: StateSpan | None = None
        asked = False
        for i, span in enumerate(spans):
            if not asked or (cut is not None and cut.start <= span.start):
                cut, asked = srv.timeline.unlicensed_from(span.start), True
            if cut is not None:
                cut_time[i], cut_reason[i] = cut.start, reason_code(cut.reason)
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
