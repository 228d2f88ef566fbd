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

from collections import deque
from dataclasses import dataclass, field

PASSES_PER_TOKEN = 10


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


@dataclass
class LoginPassPool:
    """The login passes of a token license; a used pass comes back ``return_after`` later."""

    passes: int
    return_after: float
    _returns: deque[float] = field(default_factory=deque)

    def available(self, t: float) -> int:
        while self._returns and self._returns[0] <= t:
            self._returns.popleft()
        return self.passes - len(self._returns)

    def take(self, t: float) -> bool:
        """Use one pass at ``t`` if one is left; it returns to the pool ``return_after`` later."""
        if self.available(t) <= 0:
            return False
        self._returns.append(t + self.return_after)
        return True

    def set_passes(self, passes: int) -> None:
        """An admin moves tokens between pass types: the pool now holds ``passes``."""
        self.passes = passes
