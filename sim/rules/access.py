"""Which access a login gets: the evaluation order of Qlik's access types.

At login a Qlik Sense server tries, in this order (licensing-rules §3): an allocated
Professional seat, an allocated Analyzer seat, the dynamic Professional rule, the dynamic
Analyzer rule, the Analyzer Capacity rule, and otherwise denies ("no access pass"). A new
allocation and a new capacity unit both need the backend right now; an existing allocation
does not. This function only decides; the caller applies the allocation and the charge.

The fast path resolves logins whose outcome cannot depend on other users' (the user holds
a seat, or no seat can be had); :func:`settled_access` is the same walk for those, so that
a table of its answers can be built once per run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.rules.pool import SeatType, SeatView
from sim.rules.reasons import DenialReason

PROFESSIONAL = "professional"
ANALYZER = "analyzer"
CAPACITY = "capacity"


@dataclass(frozen=True)
class AccessDecision:
    """The outcome of one login: the access granted, or why not."""

    access: str | None
    allocate: SeatType | None = None
    charge_unit: bool = False
    reason: DenialReason | None = None


def decide_access(
    *,
    user: int,
    eligible: tuple[str, ...],
    pool: SeatView,
    can_allocate: bool,
    can_start_unit: bool,
    capacity_allowed: bool,
    unit_running: bool,
    capacity_exhausted: bool,
) -> AccessDecision:
    """Walk the access order for ``user``.

    ``eligible`` are the access rules that cover the user (its group's ``access``);
    ``can_allocate`` / ``can_start_unit`` say whether the server may make a new allocation or
    start a capacity unit right now (they need the backend on an online SLK site);
    ``capacity_allowed`` says whether this server's product can use capacity at all;
    ``unit_running`` that the device already has a paid unit covering this instant.
    """
    held = pool.seat_of(user)
    if held is not None:
        return AccessDecision(held.value)
    reason = DenialReason.NO_SEAT
    for seat in (SeatType.PROFESSIONAL, SeatType.ANALYZER):
        if seat.value not in eligible or not pool.is_dynamic(seat):
            continue
        if pool.available(seat) <= 0:
            reason = DenialReason.NO_SEAT
        elif not can_allocate:
            reason = DenialReason.BACKEND_UNREACHABLE
        else:
            return AccessDecision(seat.value, allocate=seat)
    if CAPACITY in eligible:
        if not capacity_allowed:
            reason = DenialReason.NOT_LICENSED_FOR_PRODUCT
        elif unit_running:
            return AccessDecision(CAPACITY)
        elif not can_start_unit:
            reason = DenialReason.BACKEND_UNREACHABLE
        elif capacity_exhausted:
            reason = DenialReason.CAPACITY_EXHAUSTED
        else:
            return AccessDecision(CAPACITY, charge_unit=True)
    return AccessDecision(None, reason=reason)


@dataclass(frozen=True)
class _Settled:
    """A pool in which the user holds ``seat`` (or nothing) and no seat can be had."""

    seat: SeatType | None
    dynamic: Callable[[SeatType], bool]

    def seat_of(self, user: int) -> SeatType | None:
        return self.seat

    def is_dynamic(self, seat: SeatType) -> bool:
        return self.dynamic(seat)

    def available(self, seat: SeatType) -> int:
        return 0


def settled_access(
    held: SeatType | None,
    eligible: tuple[str, ...],
    is_dynamic: Callable[[SeatType], bool],
    capacity_allowed: bool,
) -> AccessDecision:
    """:func:`decide_access` for a login whose pool has no seat to give: the user's own
    seat, else Analyzer Capacity (whether a unit is charged is the unit's own question),
    else the denial. ``is_dynamic`` is the pool's dynamic rule per seat type."""
    return decide_access(
        user=0,
        eligible=eligible,
        pool=_Settled(held, is_dynamic),
        can_allocate=False,
        can_start_unit=True,
        capacity_allowed=capacity_allowed,
        unit_running=False,
        capacity_exhausted=False,
    )
