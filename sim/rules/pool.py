"""The user pool of a license: Professional and Analyzer seats shared by every server.

One Signed License Key may be applied to any number of servers, production and test; all
of them share one pool, so a user allocated once can use every server on the key
(licensing-rules §1, §3). Allocation is manual (named users, allocated by an admin) or
dynamic (an access rule allocates a seat at the user's first login while seats remain),
set separately per type. The pool only counts; when an allocation may happen is the
model's business.

**Last use** is one notion for every seat kind (Professional, Analyzer, user access pass,
Named User CAL, Document CAL): the start of the holder's latest session granted on that
seat (:func:`record_use`). A new allocation has not been used yet (:data:`NEVER_USED`);
reinstating a user to a seat still in quarantine gives back the same allocation, last use
and all. Qlik keeps it as the allocation's ``lastUsed`` (licensing-rules §3, §4.4).

Deallocating a seat that was used within the quarantine period (7 days) quarantines it
until that long after its last use; a seat not used within the period, or never used, is
released at once (:func:`quarantine_end`). Meanwhile only the same user can be reinstated
to it (licensing-rules §3: LEF licenses, and SLK too when ``quarantine_on_slk`` is set;
§5 user access passes: "used Jan 10 → tokens free Jan 18"; §6 Named and Document CALs). A
license change can leave fewer seats than allocations: the difference is ``excess`` until
users are deallocated.

A subscription may include a separate **Test & Development** license with the same user
allocation (licensing-rules §3; the project's rules digest §4.5: "Test and Development Sites
require separate licenses, except where expressly included"): then the key's test servers
use a pool of their own (:func:`uses_test_pool`), with as many seats as production, and a user
may hold a seat in each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import numpy as np

from sim.rules.reasons import DenialReason

NEVER_USED = -math.inf
"""The last use of a seat allocated but not used since."""


def record_use(last_used: np.ndarray, seats: Any, t: Any) -> None:
    """Sessions granted on seats at ``t``: each seat's last use becomes the latest of them.

    ``seats`` indexes ``last_used`` (a ``(pool, user)`` pair, or arrays of them, as numpy
    indexes); ``t`` is each session's start, a number or an array alike. Every path that
    grants a session on a held seat records its use through here.
    """
    if isinstance(t, int | float):
        # One session (the exact path): a plain comparison is ten times cheaper.
        if t > last_used[seats]:
            last_used[seats] = t
        return
    np.maximum.at(last_used, seats, t)


def quarantine_end(t: float, last_used: float, period: float | None) -> float | None:
    """When a seat deallocated at ``t`` leaves quarantine, or None if it is released at once.

    ``period`` is the quarantine period, or None where deallocation never quarantines. A
    seat last used within the period before ``t`` is held back until ``period`` after that
    use (used 10 January 09:00, removed on the 11th: free 17 January 09:00); a seat not
    used within the period, or never used, is released at once.
    """
    if period is None or not t - last_used < period:
        return None
    return last_used + period


def idle_for(t: float, last_used: float, allocated_at: float) -> float:
    """How long a held seat has gone unused at ``t`` (the idle-seat reclaim policy): since
    its last use, or since its allocation if it has not been used since."""
    return t - max(last_used, allocated_at)


class SeatType(StrEnum):
    """Access assigned to a named user: Professional and Analyzer on a user-based license,
    a user access pass on a token license, a Named User CAL on QlikView (§3, §5, §6)."""

    PROFESSIONAL = "professional"
    ANALYZER = "analyzer"
    USER_PASS = "user_pass"
    NAMED_CAL = "named_cal"


class SeatView(Protocol):
    """What a login needs to know of a pool (the pool itself, or a server's stale view)."""

    def seat_of(self, user: int) -> SeatType | None: ...

    def is_dynamic(self, seat: SeatType) -> bool: ...

    def available(self, seat: SeatType) -> int: ...


@dataclass
class SeatCounts:
    """QMC's ``accesstypeoverview`` numbers for one type."""

    total: int
    allocated: int = 0
    quarantined: int = 0

    @property
    def available(self) -> int:
        return max(0, self.total - self.allocated - self.quarantined)

    @property
    def excess(self) -> int:
        return max(0, self.allocated + self.quarantined - self.total)


@dataclass
class UserPool:
    """Seats of one license and who holds them."""

    professional: int
    analyzer: int
    dynamic: frozenset[SeatType] = frozenset()
    holders: dict[int, SeatType] = field(default_factory=dict)
    quarantined: dict[tuple[int, SeatType], float] = field(default_factory=dict)
    """Deallocated seats held back for their last user: (user, type) → quarantine end. A
    user can have one of each type: Professional in quarantine, then an Analyzer seat
    allocated dynamically and taken away in turn."""
    user_passes: int = 0
    named_cals: int = 0

    def __post_init__(self) -> None:
        self.counts = {
            SeatType.PROFESSIONAL: SeatCounts(self.professional),
            SeatType.ANALYZER: SeatCounts(self.analyzer),
            SeatType.USER_PASS: SeatCounts(self.user_passes),
            SeatType.NAMED_CAL: SeatCounts(self.named_cals),
        }

    def set_total(self, seat: SeatType, total: int) -> None:
        """A license change: the new number of seats (allocations are kept; see ``excess``)."""
        self.counts[seat].total = total

    def deallocate(
        self, user: int, t: float, last_used: float, quarantine: float | None
    ) -> float | None:
        """Take ``user``'s seat away at ``t``; return the quarantine end if it is quarantined.

        ``quarantine`` is the quarantine period, or None where deallocation never
        quarantines; see :func:`quarantine_end`.
        """
        seat = self.holders.pop(user)
        self.counts[seat].allocated -= 1
        until = quarantine_end(t, last_used, quarantine)
        if until is None:
            return None
        self.quarantined[user, seat] = until
        self.counts[seat].quarantined += 1
        return until

    def expire(self, user: int, t: float) -> list[SeatType]:
        """End ``user``'s quarantines that are over at ``t``; the seat types freed."""
        # One entry per seat type at most: look them up rather than scan every quarantine.
        freed = [s for s in SeatType if self.quarantined.get((user, s), math.inf) <= t]
        for seat in freed:
            del self.quarantined[user, seat]
            self.counts[seat].quarantined -= 1
        return freed

    def in_quarantine(self, user: int, seat: SeatType | None = None) -> bool:
        """Whether ``user`` has a seat of type ``seat`` (of any type, if None) in quarantine."""
        kinds = SeatType if seat is None else (seat,)
        return any((user, s) in self.quarantined for s in kinds)

    def quarantined_users(self, seat: SeatType) -> list[int]:
        """The users whose seat of type ``seat`` is in quarantine."""
        return [u for u, s in self.quarantined if s is seat]

    def seat_of(self, user: int) -> SeatType | None:
        return self.holders.get(user)

    def available(self, seat: SeatType) -> int:
        return self.counts[seat].available

    def is_dynamic(self, seat: SeatType) -> bool:
        return seat in self.dynamic

    def force_allocate(self, user: int, seat: SeatType) -> None:
        """Record an allocation made elsewhere (offline) even if it over-allocates the pool."""
        self.holders[user] = seat
        self.counts[seat].allocated += 1

    def allocate(self, user: int, seat: SeatType) -> bool:
        """Give ``user`` a seat of ``seat`` type if one is free; False otherwise.

        A user whose own seat of that type is in quarantine is reinstated to it, free seats
        or not; a seat of another type in quarantine stays there (Qlik keeps one allocation
        record per access type).
        """
        if user in self.holders:
            return False
        if self.quarantined.pop((user, seat), None) is not None:
            self.counts[seat].quarantined -= 1
        elif self.counts[seat].available <= 0:
            return False
        self.holders[user] = seat
        self.counts[seat].allocated += 1
        return True


def over_deployed_counts(copies: Sequence[UserPool], seat: SeatType) -> SeatCounts:
    """The seats of one license deliberately applied to several LEF or SLD sites.

    Each site holds its own copy of the seats bought (licensing-rules §1: assignments are
    not shared between LEF sites, an SLD never syncs), so together they can hand out more
    than was bought. Across the copies a licensed user is counted once: ``allocated`` is the
    distinct users holding a seat of this type on any copy, ``quarantined`` the distinct
    users whose seat is quarantined on some copy and who hold none, and ``total`` what was
    bought (one copy's total). The ``excess`` is the over-deployment.
    """
    holders = {u for p in copies for u, s in p.holders.items() if s is seat}
    held_back = {u for p in copies for u in p.quarantined_users(seat)}
    return SeatCounts(copies[0].counts[seat].total, len(holders), len(held_back - holders))


TEST_POOL_SUFFIX = ".test"
"""Names the Test & Development pool of a signed key (``corp.test``) beside its production
pool (``corp``); a license id holds no dot, so the name is never another license's."""


def uses_test_pool(test_and_development: str, role: str) -> bool:
    """Whether a server of this role on a key with this setting uses the key's separate
    Test & Development pool (licensing-rules §3: a subscription may include a Test/Dev
    license with the same user allocation) rather than the production pool."""
    return test_and_development == "separate" and role == "test"


def pool_label(license_id: str, test: bool) -> str:
    """The name of a signed key's shared pool: its production or its Test & Development one."""
    return license_id + TEST_POOL_SUFFIX if test else license_id


SEATLESS = frozenset({DenialReason.NO_SEAT, DenialReason.NO_CAL})
"""Denials for want of a seat or a CAL (Professional, Analyzer, user pass, Named CAL)."""


def refusal(reason: DenialReason, quarantined: bool) -> DenialReason:
    """The reason a login is refused: a user refused for want of a seat or CAL whose own
    seat is in quarantine is refused as ``quarantined`` (only reinstating it gives access
    again, licensing-rules §3); any other reason stands."""
    return DenialReason.QUARANTINED if quarantined and reason in SEATLESS else reason
