"""Token licenses (legacy Qlik Sense on a LEF): user access passes and login access passes.

A token license is either tokens or Professional/Analyzer, never both (licensing-rules §5).
A **user access pass** costs one token and gives one identified user unlimited use (5
parallel sessions); removing it quarantines the token for 7 days from its last use. A
**login access pass** comes ten to a token and is shared by a group: a pass covers 60
minutes from the first login, and the clock keeps running after logout, so a login within
those 60 minutes is covered by the same pass. A session that lasts longer takes another
pass every 60 minutes until it ends (at logout, or after 30 minutes without activity;
see :mod:`sim.rules.session`).
Every pass used returns to the pool 28 days after its use.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from sim.rules.access import AccessDecision
from sim.rules.pool import SeatType
from sim.rules.reasons import DenialReason

LOGIN_PASSES_PER_TOKEN = 10
"""One token buys ten login access passes (licensing-rules §5)."""
TOKENS_PER_USER_PASS = 1
"""A user access pass costs one token (licensing-rules §5)."""
USER_PASS = "user_pass"
LOGIN_PASS = "login_pass"


def token_access(
    held: SeatType | None, eligible: tuple[str, ...], login_passes: bool, product: str
) -> AccessDecision:
    """Which access a login on a token license gets: the user's own user access pass,
    else a login access pass if the user's rules allow one, the license has a login-pass
    pool and the server is Qlik Sense, else none ("no access pass"). Whether a login pass
    is left, and reachable, is the pool's question at the instant of the login."""
    if held is SeatType.USER_PASS:
        return AccessDecision(USER_PASS)
    if LOGIN_PASS in eligible and login_passes and product == "qlik_sense":
        return AccessDecision(LOGIN_PASS)
    return AccessDecision(None, reason=DenialReason.NO_SEAT)


def login_pass_starts(start: float, end: float, covered_until: float, period: float) -> list[float]:
    """When a session from ``start`` to ``end`` takes new login passes.

    ``covered_until`` is when the user's current pass (if any) runs out. A session that
    runs 130 minutes on no pass takes passes at 0, 60 and 120 minutes.
    """
    starts: list[float] = []
    t = max(start, covered_until)
    if t == start:  # not covered at login: the login itself takes a pass
        starts.append(t)
        t += period
    while t < end:
        starts.append(t)
        t += period
    return starts


def login_pass_times(
    start: np.ndarray, end: np.ndarray, covered_until: np.ndarray, period: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`login_pass_starts` of many sessions at once: the row of every pass taken and
    its time, in rounds (every session's first pass, then its second, …). The times are
    the same floats as the scalar rule's, by the same additions."""
    t = np.maximum(start, covered_until)
    rows: list[np.ndarray] = []
    times: list[np.ndarray] = []
    at_login = np.flatnonzero(t == start)
    rows.append(at_login)
    times.append(t[at_login])
    t[at_login] += period
    active = np.flatnonzero(t < end)
    while active.size:
        rows.append(active)
        times.append(t[active])
        t[active] += period
        active = active[t[active] < end[active]]
    return np.concatenate(rows), np.concatenate(times)


@dataclass
class LoginPassPool:
    """The login passes of a token license; a used pass comes back ``return_after`` later."""

    passes: int
    return_after: float
    _returns: list[float] = field(default_factory=list)
    """A heap of the times the passes out come back: passes taken together (a day of
    logins known to be granted) may arrive out of time order."""

    def available(self, t: float) -> int:
        while self._returns and self._returns[0] <= t:
            heapq.heappop(self._returns)
        return self.passes - len(self._returns)

    def take(self, t: float) -> bool:
        """Use one pass at ``t`` if one is left; it returns to the pool ``return_after`` later."""
        if self.available(t) <= 0:
            return False
        heapq.heappush(self._returns, t + self.return_after)
        return True

    def take_all(self, times: Iterable[float]) -> None:
        """Use a pass at each of ``times``, which the caller knows the pool can give (at
        most :meth:`available` at the earliest of them)."""
        self._returns.extend(t + self.return_after for t in times)
        heapq.heapify(self._returns)

    def set_passes(self, passes: int) -> None:
        """An admin moves tokens between pass types: the pool now holds ``passes``."""
        self.passes = passes
