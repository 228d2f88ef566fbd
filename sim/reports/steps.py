"""Step series: levels that hold from one change to the next, and how to average them.

A seat count, the number of concurrent sessions or the Session CALs in use is a *step
series*: a table of ``time`` and one or more levels, each level holding from its row's time
until the next row's (``drawstyle="steps-post"``). Several rows at one instant are resolved
by the last one. Averaging the rows would weight a level by how often it changed, not by how
long it lasted, so every statistic here weighs a level by the time it held within a window
``[start, end)``:

* **time-weighted mean** = Σ levelᵢ·Δtᵢ / Σ Δtᵢ;
* **time-weighted utilisation** = Σ levelᵢ·Δtᵢ / Σ totalᵢ·Δtᵢ, the share of the purchased
  seat-time that was used (floating-license tools call this "utilisation");
* **peak** = the highest level and the first time it was reached;
* **duration curve**: for each level k, the share of time the level was at least k
  (a load-duration curve, sorted from the highest level down);
* **P95 / P99** = the level exceeded at most 5 % / 1 % of the time: the 95th / 99th
  percentile of the time-weighted level distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import nanoseconds

__all__ = [
    "concurrency",
    "curve_of",
    "duration_curve",
    "exceeded_level",
    "held_seconds",
    "level_exceeded",
    "peak",
    "share_at_or_above",
    "time_at_level",
    "time_weighted_mean",
    "utilisation",
]


def _stamp_ns(at: pd.Timestamp) -> int:
    return int(pd.Timestamp(at).as_unit("ns").value)


def held_seconds(times: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Seconds each row's level holds within ``[start, end)`` (rows sorted by time)."""
    if len(times) == 0:
        return np.zeros(0)
    lo, hi = _stamp_ns(start), _stamp_ns(end)
    t = np.clip(nanoseconds(times), lo, hi)
    held = np.append(t[1:], hi)
    held -= t
    return held / 1e9


def time_weighted_mean(
    series: pd.DataFrame, column: str, start: pd.Timestamp, end: pd.Timestamp
) -> float:
    """Σ levelᵢ·Δtᵢ / Σ Δtᵢ over ``[start, end)``; 0 for an empty window."""
    dt = held_seconds(series["time"], start, end)
    span = dt.sum()
    return float((series[column].to_numpy(dtype=float) * dt).sum() / span) if span else 0.0


def utilisation(
    series: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    level: str = "allocated",
    total: str = "total",
) -> float:
    """Σ levelᵢ·Δtᵢ / Σ totalᵢ·Δtᵢ over ``[start, end)`` as a fraction; NaN if nothing was
    purchased in the window."""
    dt = held_seconds(series["time"], start, end)
    bought = (series[total].to_numpy(dtype=float) * dt).sum()
    used = (series[level].to_numpy(dtype=float) * dt).sum()
    return float(used / bought) if bought else float("nan")


def share_at_or_above(
    series: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    fraction: float,
    level: str = "allocated",
    total: str = "total",
) -> float:
    """Share of ``[start, end)`` with level ≥ ``fraction`` × total (and total > 0): the
    threshold alert of floating-license tools (≥ 90 % busy)."""
    dt = held_seconds(series["time"], start, end)
    tot = series[total].to_numpy(dtype=float)
    hit = (tot > 0) & (series[level].to_numpy(dtype=float) >= fraction * tot)
    span = dt.sum()
    return float(dt[hit].sum() / span) if span else 0.0


def peak(series: pd.DataFrame, column: str) -> tuple[float, pd.Timestamp | None]:
    """The highest level and the first time it was reached (0 and None when empty)."""
    if series.empty:
        return 0.0, None
    i = int(np.argmax(series[column].to_numpy(dtype=float)))
    return float(series[column].iloc[i]), series["time"].iloc[i]


def concurrency(starts: pd.Series, ends: pd.Series, start: pd.Timestamp) -> pd.DataFrame:
    """How many ``[starts, ends)`` intervals are open, as a step series (time, level)
    beginning at ``start`` with level 0."""
    # In numpy on nanosecond instants: a year of sessions is millions of changes. Each side
    # is sorted on its own (starts come nearly sorted) and the two merged by counting, an
    # instant's openings ahead of its closings.
    zone = pd.DatetimeIndex([start]).tz
    opened = np.sort(nanoseconds(starts), kind="stable")
    closed = np.sort(nanoseconds(ends), kind="stable")
    # Before the j-th opening come the closings strictly before it, after the i-th closing
    # every opening at or before it; the level after each change follows from the counts.
    # Arrays are let go as soon as they are placed: a year is tens of millions of changes.
    opens_by = np.searchsorted(opened, closed, side="right")
    closes_before = np.searchsorted(closed, opened, side="left")
    times = np.empty(1 + len(opened) + len(closed), np.int64)
    level = np.zeros(len(times), np.int64)
    times[0] = _stamp_ns(start)
    n = np.arange(1, len(opened) + 1)
    level_after = n - closes_before
    closes_before += n  # now the opening's place among all changes
    times[closes_before], level[closes_before] = opened, level_after
    del opened, closes_before, level_after
    n = np.arange(1, len(closed) + 1)
    level_after = opens_by - n
    opens_by += n
    times[opens_by], level[opens_by] = closed, level_after
    del closed, opens_by, level_after, n
    # An instant's level is the one after its last change.
    last = np.flatnonzero(np.append(times[1:] != times[:-1], True))
    times, level = times[last], level[last]
    del last
    index = pd.DatetimeIndex(times.view("datetime64[ns]")).tz_localize("UTC")
    return pd.DataFrame(
        {
            "time": index.tz_convert(zone) if zone is not None else index.tz_localize(None),
            "level": level,
        },
        copy=False,
    )


def time_at_level(
    series: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, column: str = "level"
) -> pd.Series:
    """Seconds spent at each level within the window, indexed by level (ascending): what
    the duration curve and the percentiles read."""
    dt = held_seconds(series["time"], start, end)
    levels = series[column].to_numpy()
    if levels.dtype.kind in "iu" and (len(levels) == 0 or levels.min() >= 0):
        # Counts (sessions, CALs) are small whole numbers: one pass instead of a sort.
        spent_at = np.bincount(levels, weights=dt) if len(levels) else np.zeros(0)
        spent = pd.Series(spent_at, index=np.arange(len(spent_at), dtype=float))
    else:
        at, where = np.unique(levels.astype(float), return_inverse=True)
        spent = pd.Series(np.bincount(where, weights=dt, minlength=len(at)), index=at)
    # A level that lasted no time (overwritten at the same instant) is not on the curve.
    return spent[spent > 0]


def duration_curve(
    series: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, column: str = "level"
) -> pd.DataFrame:
    """Per level k (highest first): ``share_of_time`` the level was ≥ k, and ``hours``."""
    return curve_of(time_at_level(series, start, end, column))


def curve_of(spent: pd.Series) -> pd.DataFrame:
    """The duration curve of a :func:`time_at_level` table."""
    total = spent.sum()
    if not total:
        return pd.DataFrame({"level": [], "share_of_time": [], "hours": []})
    at_least = spent[::-1].cumsum()
    return pd.DataFrame(
        {
            "level": at_least.index.to_numpy(dtype=float),
            "share_of_time": at_least.to_numpy() / total,
            "hours": at_least.to_numpy() / 3600.0,
        }
    )


def exceeded_level(
    series: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    share: float,
    column: str = "level",
) -> float:
    """The lowest level L such that the level is above L at most ``share`` of the time
    (``share=0.05`` gives P95, ``0.01`` P99); 0 for an empty window."""
    return level_exceeded(time_at_level(series, start, end, column), share)


def level_exceeded(spent: pd.Series, share: float) -> float:
    """:func:`exceeded_level` of a :func:`time_at_level` table."""
    total = spent.sum()
    if not total:
        return 0.0
    below_or_at = spent.cumsum() / total
    # A tiny tolerance keeps a share that is exactly 95 % from tipping over by rounding.
    return float(below_or_at.index[np.argmax(below_or_at.to_numpy() >= 1.0 - share - 1e-12)])
