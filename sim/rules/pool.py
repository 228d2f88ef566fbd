"""The user pool of a license: Professional and Analyzer seats shared by every server.

One Signed License Key may be applied to any number of servers, production and test; all
of them share one pool, so a user allocated once can use every server on the key
(licensing-rules §1, §3). Allocation is manual (named users, allocated by an admin) or
dynamic (an access rule allocates a seat at the user's first login while seats remain),
set separately per type. The pool only counts; when an allocation may happen is the
model's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SeatType(StrEnum):
    """The user-based access types of a Professional/Analyzer license."""

    PROFESSIONAL = "professional"
    ANALYZER = "analyzer"


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

    def __post_init__(self) -> None:
        self.counts = {
            SeatType.PROFESSIONAL: SeatCounts(self.professional),
            SeatType.ANALYZER: SeatCounts(self.analyzer),
        }

    def seat_of(self, user: int) -> SeatType | None:
        return self.holders.get(user)

    def available(self, seat: SeatType) -> int:
        return self.counts[seat].available

    def is_dynamic(self, seat: SeatType) -> bool:
        return seat in self.dynamic

    def allocate(self, user: int, seat: SeatType) -> bool:
        """Give ``user`` a seat of ``seat`` type if one is free; False otherwise."""
        if user in self.holders or self.counts[seat].available <= 0:
            return False
        self.holders[user] = seat
        self.counts[seat].allocated += 1
        return True
