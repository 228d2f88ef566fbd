"""The run's calendar: local working days and UTC capacity months as second offsets.

Simulated time is seconds since the scenario's ``start``. Users live in the scenario's
timezone (their day starts at 09:00 local, whatever the UTC offset that day), while the
Analyzer Capacity allowance resets at 00:00 UTC on the 1st (licensing-rules §4). This
module turns both calendars into offsets once, so the engine never touches datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np

FloatOrArray = TypeVar("FloatOrArray", float, np.ndarray)


@dataclass(frozen=True)
class LocalDay:
    """One calendar day in the scenario's timezone."""

    date: str
    weekday: int
    midnight: float
    """Offset of local 00:00 from the run's start, in seconds."""
    length: float
    """Seconds in this local day (23 or 25 h on DST changes)."""

    def wall_clock(self, seconds: FloatOrArray) -> FloatOrArray:
        """Offset of a local wall-clock time (seconds after 00:00) on this day.

        DST changes happen at night, so times from 04:00 on are shifted by the change and 09:00
        stays 09:00 local.
        """
        return self.midnight + seconds + (self.length - 86400.0) * (seconds >= 14400.0)


def local_days(start: datetime, horizon: float, tz: ZoneInfo) -> list[LocalDay]:
    """Every local day that overlaps ``[start, start + horizon)``."""
    days: list[LocalDay] = []
    d = start.astimezone(tz).date()
    end = start + timedelta(seconds=horizon)
    while True:
        midnight = datetime(d.year, d.month, d.day, tzinfo=tz)
        if midnight >= end:
            break
        nxt = d + timedelta(days=1)
        next_midnight = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
        # Aware datetimes sharing a ZoneInfo subtract as wall clocks: go through UTC.
        m = (midnight.astimezone(UTC) - start.astimezone(UTC)).total_seconds()
        length = (next_midnight.astimezone(UTC) - midnight.astimezone(UTC)).total_seconds()
        days.append(LocalDay(d.isoformat(), d.weekday(), m, length))
        d = nxt
    return days


def utc_month_starts(start: datetime, horizon: float) -> list[tuple[str, float]]:
    """``(YYYY-MM, offset)`` of each UTC calendar month in the run; the first is clipped to 0."""
    s = start.astimezone(UTC)
    end = s + timedelta(seconds=horizon)
    months: list[tuple[str, float]] = [(f"{s.year:04d}-{s.month:02d}", 0.0)]
    y, m = s.year, s.month
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        first = datetime(y, m, 1, tzinfo=UTC)
        if first >= end:
            return months
        months.append((f"{y:04d}-{m:02d}", (first - s).total_seconds()))
