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

__all__ = [
    "concurrency",
    "duration_curve",
    "exceeded_level",
    "held_seconds",
    "peak",
    "share_at_or_above",
    "time_weighted_mean",
    "utilisation",
]


def held_seconds(times: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Seconds each row's level holds within ``[start, end)`` (rows sorted by time)."""
    if len(times) == 0:
        return np.zeros(0)
    t = pd.to_datetime(times).clip(lower=start, upper=end)
    nxt = t.shift(-1)
    nxt.iloc[-1] = end
    return (nxt - t).dt.total_seconds().clip(lower=0).to_numpy(dtype=float)


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
    # In numpy on nanosecond instants: a year of sessions is millions of changes.
    zone = pd.DatetimeIndex([start]).tz
    instants = [
        pd.DatetimeIndex([start]).as_unit("ns").asi8,
        pd.DatetimeIndex(starts).as_unit("ns").asi8,
        pd.DatetimeIndex(ends).as_unit("ns").asi8,
    ]
    times = np.concatenate(instants)
    delta = np.concatenate(
        [
            np.zeros(1, np.int64),
            np.ones(len(instants[1]), np.int64),
            -np.ones(len(instants[2]), np.int64),
        ]
    )
    order = np.argsort(times, kind="stable")
    times, delta = times[order], delta[order]
    at, first = np.unique(times, return_index=True)
    level = np.cumsum(np.add.reduceat(delta, first)) if len(first) else np.zeros(0, np.int64)
    index = pd.DatetimeIndex(at.view("datetime64[ns]")).tz_localize("UTC")
    return pd.DataFrame(
        {
            "time": index.tz_convert(zone) if zone is not None else index.tz_localize(None),
            "level": level.astype(np.int64),
        }
    )


def _levels_by_time(
    series: pd.DataFrame, column: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.Series:
    """Seconds spent at each level within the window, indexed by level (ascending)."""
    dt = held_seconds(series["time"], start, end)
    spent = pd.Series(dt, index=series[column].to_numpy(dtype=float))
    spent = spent.groupby(level=0).sum().sort_index()
    # A level that lasted no time (overwritten at the same instant) is not on the curve.
    return spent[spent > 0]


def duration_curve(
    series: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, column: str = "level"
) -> pd.DataFrame:
    """Per level k (highest first): ``share_of_time`` the level was ≥ k, and ``hours``."""
    spent = _levels_by_time(series, column, start, end)
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
    spent = _levels_by_time(series, column, start, end)
    total = spent.sum()
    if not total:
        return 0.0
    below_or_at = spent.cumsum() / total
    # A tiny tolerance keeps a share that is exactly 95 % from tipping over by rounding.
    return float(below_or_at.index[np.argmax(below_or_at.to_numpy() >= 1.0 - share - 1e-12)])
