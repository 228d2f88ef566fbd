"""The parallel-session limit of user-based access.

A user with Professional or Analyzer access (or a user/login pass) may hold at most 5
sessions at once. When a user at the limit closes one, that slot cannot open a new session
for 5 minutes (licensing-rules §3). The limit belongs to the user's access on one license
site: it is counted per user **per pool** (one pool per signed key, shared by every server
on it; one per server on a LEF or SLD), so sessions on an unrelated license do not use the
user's slots. Slots are tracked per (pool, user) as the time until which each is busy: an
open session keeps its slot busy until it closes (its logout, or the idle timeout after its
last activity: :mod:`sim.rules.session`), so a tab closed without logging out still holds
its slot for 30 minutes; a slot closed at the limit stays busy for the wait.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

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

    def busy_users(self, t: float) -> Counter[int]:
        """Per user, the slots busy at ``t`` over all pools (open or waiting)."""
        count: Counter[int] = Counter()
        for key in list(self.slots):
            busy = self._busy(*key, t)
            if busy:
                count[key[1]] += len(busy)
            else:
                del self.slots[key]
        return count

    def close(self, pool: int, user: int, t: float) -> None:
        """Close one of the user's open sessions in ``pool`` at ``t``."""
        busy = self.slots[pool, user]
        open_now = busy.count(math.inf)
        busy.remove(math.inf)
        if open_now >= self.limit:
            busy.append(t + self.wait)


def peak_open(user: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """For each session, at most how many sessions its user has open at one instant.

    A session is open from ``start`` to ``end``, both included: a session that ends as
    another starts counts as open with it, and a session of no length as open at its
    instant. That bounds what :class:`ParallelSessions` counts both when a session opens and
    when one closes (where a close at the limit starts the wait).
    """
    if user.size == 0:
        return np.zeros(0, dtype=np.int64)
    ones = np.ones(user.size, dtype=np.int64)
    who = np.concatenate([user, user])
    step = np.concatenate([ones, -ones])
    order = np.lexsort((-step, np.concatenate([start, end]), who))
    # Each user's steps add up to 0, so the running sum starts afresh at each user's block.
    running = np.cumsum(step[order])
    w = who[order]
    first = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
    peaks = np.maximum.reduceat(running, first)
    return peaks[np.searchsorted(w[first], user)]


def may_reach_limit(
    user: np.ndarray, start: np.ndarray, end: np.ndarray, before: np.ndarray, limit: int
) -> np.ndarray:
    """For each session, whether its user may reach ``limit`` open sessions: ``before``
    slots already held plus the most of its own sessions open at one instant
    (:func:`peak_open`).

    A user cannot have more sessions open at once than they have, so only users whose
    sessions and slots together reach the limit are swept: on most days that is nobody.
    """
    out = np.zeros(user.size, dtype=bool)
    rows = np.flatnonzero(before + np.bincount(user)[user] >= limit)
    out[rows] = before[rows] + peak_open(user[rows], start[rows], end[rows]) >= limit
    return out


def resolve_in_order(
    pool: np.ndarray,
    user: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    slots: ParallelSessions,
    until: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One day's sessions of some users through ``slots`` (a scratch ledger, emptied of
    these users), each (pool, user) in time order.

    Each session asks for a slot at ``start`` and, if granted, gives it back at ``end``
    (the rule above, on the same object the exact path uses). Returns, per session, whether
    it was granted and whether its (pool, user) day stands alone: the order of its opens and
    closes is unambiguous (no open at the instant of another open or of a close, no open at
    or after ``until``) and no wait
    it started outlasts ``until``, so no later day can see a slot of it other than an open
    one. Only the standing-alone sessions' outcomes are those of the event-ordered run.
    Closes at or after ``until`` are not applied: the exact path applies them.
    """
    n = user.size
    granted = np.zeros(n, dtype=bool)
    alone = np.ones(n, dtype=bool)
    if n == 0:
        return granted, alone
    key = pool.astype(np.int64) * (int(user.max()) + 1) + user
    # Two closes at one instant leave the same slots in either order; a start at the
    # instant of another start or of a close is ambiguous.
    times = np.concatenate([start, end])
    keys = np.concatenate([key, key])
    opens = np.r_[np.ones(n, dtype=bool), np.zeros(n, dtype=bool)]
    order = np.lexsort((times, keys))
    k, v, o = keys[order], times[order], opens[order]
    same = (k[1:] == k[:-1]) & (v[1:] == v[:-1]) & (o[1:] | o[:-1])
    tied = set(k[1:][same].tolist())
    tied.update(key[start >= until].tolist())
    by_key = np.lexsort((start, key))
    sorted_key = key[by_key]
    bounds = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1], True]).tolist()
    # Plain Python numbers: the loop below is the sweep's whole cost.
    t_of, end_of = start[by_key].tolist(), end[by_key].tolist()
    pools, users, keys = pool[by_key].tolist(), user[by_key].tolist(), sorted_key.tolist()
    ok = [True] * n
    yes = [False] * n
    open_slot, close_slot = slots.open, slots.close
    push, pop = heapq.heappush, heapq.heappop
    for a, z in itertools.pairwise(bounds):
        if keys[a] in tied:
            ok[a:z] = [False] * (z - a)
            continue
        p, u = pools[a], users[a]
        closes: list[float] = []
        for j in range(a, z):
            t = t_of[j]
            while closes and closes[0] < t:
                close_slot(p, u, pop(closes))
            if open_slot(p, u, t):
                yes[j] = True
                push(closes, end_of[j])
        while closes and closes[0] < until:
            close_slot(p, u, pop(closes))
        if any(math.isfinite(w) and w > until for w in slots.slots.pop((p, u), ())):
            ok[a:z] = [False] * (z - a)
    granted[by_key] = yes
    alone[by_key] = ok
    return granted, alone
