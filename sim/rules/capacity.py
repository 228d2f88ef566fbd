"""Analyzer Capacity: a monthly allowance of minutes consumed in 6-minute units.

A capacity user is charged one unit (6 minutes) when a unit starts: at the first activity
(opening an app, a selection, a sheet change) when no unit is running on that device. A unit
covers all activity within its 6 minutes; an idle open app consumes nothing. Client-managed
sites count per device: one user on two devices runs two units (licensing-rules §4).

The allowance resets at 00:00 UTC on the 1st of each month and unused minutes are lost.
When the month's minutes cannot cover another unit, capacity users are denied until the
reset, unless overage is enabled: unlimited, or up to a ceiling of extra minutes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from sim.rules.reasons import DenialReason


def unit_refusal(unit_allowed: bool, state_reason: DenialReason | None) -> DenialReason:
    """Why a capacity unit due now is refused, when it is: a server whose state forbids a
    new unit gives its state's own reason (an unlicensed server's: grace expired, SLD
    expired, …) or, with none, that the backend is out of reach; a server that may start
    one refuses it only because the month's minutes are spent."""
    if not unit_allowed:
        return state_reason or DenialReason.BACKEND_UNREACHABLE
    return DenialReason.CAPACITY_EXHAUSTED


def unit_minutes(unit: float) -> float:
    """The minutes one unit of ``unit`` seconds charges (Qlik's 360 s: 6 minutes)."""
    return unit / 60.0


def unit_starts(activity: Iterable[float], running_until: float, unit: float) -> list[float]:
    """The unit start times for activity at the given instants on one device.

    ``running_until`` is when the device's current unit (if any) ends. The seed's example:
    activity at 0 and 30 s, then at 26 min → units at 0 and 26 min: 12 minutes.
    """
    starts: list[float] = []
    for a in activity:
        if a >= running_until:
            starts.append(a)
            running_until = a + unit
    return starts


@overload
def chain_holds(start: float, planned: float, running: float) -> bool: ...
@overload
def chain_holds(start: np.ndarray, planned: np.ndarray, running: np.ndarray) -> np.ndarray: ...
def chain_holds(
    start: float | np.ndarray, planned: float | np.ndarray, running: float | np.ndarray
) -> bool | np.ndarray:
    """Whether a session's planned unit chain still holds when it starts.

    The plan assumed the device's running unit ends at ``planned``; the chain holds if the
    unit actually running (ending at ``running``) covers the start just as planned: neither
    covers it, or both are the same unit. Otherwise the session's units follow from its
    activity anew (:func:`unit_starts`). Works on scalars and arrays.
    """
    covered = np.less(start, running)
    holds = (np.less(start, planned) == covered) & (~covered | np.equal(planned, running))
    return bool(holds) if np.ndim(holds) == 0 else holds


@dataclass
class MonthRecord:
    """One calendar month of one license's capacity (a row of the ``capacity`` table)."""

    start: float
    purchased: int
    limit: float
    """Minutes that may be consumed: the purchase plus any overage ceiling (or inf)."""
    consumed: float = 0.0
    denied_units: int = 0
    exhausted_at: float | None = None

    @property
    def overage(self) -> float:
        return max(0, self.consumed - self.purchased)


class CapacityMeter:
    """The capacity account of one license across the months of a run.

    ``month_starts`` are the run's month boundaries (seconds, 00:00 UTC on the 1st), the
    first being the run's start. ``overage`` is ``"none"``, ``"unlimited"`` or a ceiling in
    minutes above the purchase. ``used_at_start`` are the minutes of the first month
    consumed before the run began (a run that starts mid-month): they count toward that
    month's allowance like minutes charged during the run.
    """

    def __init__(
        self,
        purchased_minutes: int,
        unit_minutes: float,
        overage: str | int,
        month_starts: Sequence[float],
        used_at_start: float = 0.0,
    ) -> None:
        self.unit = unit_minutes
        self.month_starts = list(month_starts)
        self._starts = np.asarray(self.month_starts, dtype=np.float64)
        limit = _limit(purchased_minutes, overage)
        self.months = [MonthRecord(s, purchased_minutes, limit) for s in self.month_starts]
        if self.months:
            self.months[0].consumed = float(used_at_start)
        for m in self.months:
            if m.consumed + self.unit > m.limit:
                m.exhausted_at = m.start

    def change(self, t: float, purchased: int, overage: str | int) -> list[MonthRecord]:
        """A license change at ``t``: the new allowance holds from this month on.

        A raise that leaves room for another unit in a month already spent opens it again:
        the month runs out anew at the unit after which no further one fits, and that is
        its ``exhausted_at``. A cut that leaves no room for another unit spends the month
        under way at ``t``, and a later month at its start if the new allowance is smaller
        than one unit. Returns the months the change spent, each with its
        ``exhausted_at``."""
        first = max(bisect_right(self.month_starts, t) - 1, 0)
        limit = _limit(purchased, overage)
        spent: list[MonthRecord] = []
        for m in self.months[first:]:
            was_spent = m.exhausted_at is not None
            m.purchased, m.limit = purchased, limit
            if m.start > t:
                m.exhausted_at = m.start if limit < self.unit else None
            elif m.consumed + self.unit <= limit:
                m.exhausted_at = None
            elif m.exhausted_at is None:
                m.exhausted_at = t
            if not was_spent and m.exhausted_at is not None:
                spent.append(m)
        return spent

    def month_index(self, t: float) -> int:
        """The month ``t`` falls in, counted from the run's first month."""
        return max(bisect_right(self.month_starts, t) - 1, 0)

    def month_indices(self, t: np.ndarray) -> np.ndarray:
        """:meth:`month_index` of each instant of ``t``."""
        return np.maximum(np.searchsorted(self._starts, t, side="right") - 1, 0)

    def month(self, t: float) -> MonthRecord:
        return self.months[self.month_index(t)]

    def exhausted(self, t: float) -> bool:
        m = self.month(t)
        return m.consumed + self.unit > m.limit

    def refuse(self, t: float) -> None:
        """Count a unit refused at ``t`` without trying it (the month is known to be spent)."""
        self.month(t).denied_units += 1

    def refuse_many(self, t: np.ndarray) -> None:
        """:meth:`refuse` for each instant of ``t``."""
        counts = np.bincount(self.month_indices(t), minlength=len(self.months))
        for m, c in zip(self.months, counts.tolist(), strict=True):
            m.denied_units += c

    def try_start_unit(self, t: float) -> bool:
        """Charge one unit at ``t``; False (and counted as denied) if the month is spent."""
        m = self.month(t)
        if m.consumed + self.unit > m.limit:
            m.denied_units += 1
            return False
        self.charge(m, 1)
        if m.consumed + self.unit > m.limit and m.exhausted_at is None:
            m.exhausted_at = t
        return True

    def charge(self, m: MonthRecord, units: int) -> None:
        """Add ``units`` units to month ``m``. Units charged together are charged where the
        month cannot run out on them (the fast path's rule); one at a time, use
        :meth:`try_start_unit`."""
        m.consumed += units * self.unit


def _limit(purchased: int, overage: str | int) -> float:
    if overage == "unlimited":
        return math.inf
    if overage == "none":
        return float(purchased)
    return float(purchased) + float(overage)
