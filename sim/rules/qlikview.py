"""QlikView Client Access Licenses (CALs) on a LEF: Named, Document, Session and Usage.

A QlikView server licensed with CALs never talks to the license service (licensing-rules
§6). At the opening of a document it hands out, in this order, the user's **Named User
CAL** (all documents), the user's **Document CAL** for that document, a **Session CAL**
from the concurrent pool, a **Usage CAL**, or denies. A Session CAL is charged at least 15
minutes: a client that closes and reopens within that time gets the same CAL back. A Usage
CAL gives one user 60 minutes on one document per 28 days; a pool of n Usage CALs
recharges by n/28 a day. Named and Document CALs are allocated by the admin and quarantined
on removal like Professional seats (see :mod:`sim.rules.pool`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Cal(StrEnum):
    """The QlikView CAL types, in the order a server tries them."""

    NAMED = "named_cal"
    DOCUMENT = "document_cal"
    SESSION = "session_cal"
    USAGE = "usage_cal"


CAL_ORDER = (Cal.NAMED, Cal.DOCUMENT, Cal.SESSION, Cal.USAGE)
CAL_ACCESS = frozenset(cal.value for cal in Cal)
"""The access types of a session on a CAL."""


def first_cal(tries: Mapping[Cal, Callable[[], bool]]) -> Cal | None:
    """The CAL a document opening gets: the first type in Qlik's order that gives one.

    ``tries`` holds, per CAL type the user may get, the attempt to get it (taking it when
    it gives one, as a Session CAL is taken from the pool); a type is tried only if every
    type before it in the order gave none.
    """
    return next((cal for cal in CAL_ORDER if cal in tries and tries[cal]()), None)


@dataclass
class SessionCals:
    """The concurrent Session CAL pool of one server.

    Each CAL is held by a client until ``minimum`` after it was taken, or until the client
    closes, whichever is later; a client that reopens while its CAL is still held reuses it.
    """

    cals: int
    minimum: float = 900.0
    held: dict[str, float] = field(default_factory=dict)
    """client → time its CAL is free again (``inf`` while a session is open)."""
    taken_at: dict[str, float] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)
    """client → sessions open on its CAL (a reopen may overlap an idle session)."""

    def in_use(self, t: float) -> int:
        return sum(1 for until in self.held.values() if until > t)

    def open(self, client: str, t: float) -> bool | None:
        """Open a session for ``client`` at ``t``: True with a new CAL, None reusing the
        client's CAL, False if every CAL is in use."""
        until = self.held.get(client)
        if until is not None and until > t:
            self.held[client] = float("inf")
            self.sessions[client] = self.sessions.get(client, 0) + 1
            return None
        if self.in_use(t) >= self.cals:
            return False
        self.held[client] = float("inf")
        self.taken_at[client] = t
        self.sessions[client] = 1
        return True

    def close(self, client: str, t: float) -> float | None:
        """Close one of ``client``'s sessions at ``t``; when it was the last, return when
        its CAL is free again."""
        self.sessions[client] -= 1
        if self.sessions[client] > 0:
            return None
        free = max(t, self.taken_at[client] + self.minimum)
        self.held[client] = free
        return free


@dataclass
class UsageCalPool:
    """Usage CALs: ``cals`` in all, recharging ``cals / period_days`` a day up to ``cals``."""

    cals: int
    period_days: float = 28.0
    level: float = field(init=False)
    updated: float = 0.0

    def __post_init__(self) -> None:
        self.level = float(self.cals)

    def level_at(self, t: float) -> float:
        days = max(0.0, t - self.updated) / 86400.0
        return min(float(self.cals), self.level + days * self.cals / self.period_days)

    def take(self, t: float) -> bool:
        """Use one Usage CAL at ``t`` if a whole one has recharged."""
        level = self.level_at(t)
        self.level, self.updated = level, max(t, self.updated)
        if level < 1.0:
            return False
        self.level -= 1.0
        return True
