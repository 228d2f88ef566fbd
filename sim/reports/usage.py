"""Usage: concurrent sessions, when people work, and seats nobody uses.

* **Concurrent sessions** is the step series of granted sessions open at once (start to
  end), optionally of one access type (``"capacity"`` gives capacity concurrency) and per
  ``by=`` breakdown. QlikView Session CALs held are their own pool
  (:func:`session_cals_in_use`): a CAL stays taken past the session for the CAL minimum.
* **Weekday × hour** counts granted sessions by the local weekday and hour they started.
* **Reclaim candidates**: users still holding an allocated seat at the end of the run, with
  the days since they last used it (end of their last granted session of that type), the
  longest idle first; never used means idle since the allocation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .common import by_column, granted, nanoseconds, per_run, window
from .steps import concurrency, curve_of, level_exceeded, peak, time_at_level

if TYPE_CHECKING:
    from sim.result import Result

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def concurrent_sessions(
    result: Result, access: str | None = None, by: str | None = None
) -> dict[str, pd.DataFrame]:
    """Step series (time, level) of granted sessions open at once, keyed by the ``by``
    value (``"all"`` without ``by``); ``access`` keeps one access type."""
    start = window(result)[0]
    s = granted(result)
    if access is not None:
        s = s[s["access"] == access]
    keys = by_column(by)
    if not keys:
        return {"all": concurrency(s["start"], s["end"], start)}
    groups = {str(k): g for k, g in s.groupby(keys[0], observed=True)}
    return {k: concurrency(g["start"], g["end"], start) for k, g in sorted(groups.items())}


def session_cals_in_use(result: Result) -> pd.DataFrame:
    """QlikView Session CALs held over time (taken until freed), as a step series."""
    ev = result.events
    return concurrency(
        ev.loc[ev["kind"] == "session_cal_taken", "time"],
        ev.loc[ev["kind"] == "session_cal_freed", "time"],
        window(result)[0],
    )


@per_run
def concurrency_pools(result: Result) -> dict[str, pd.DataFrame]:
    """The concurrent pools of this run worth a duration curve: all sessions, capacity
    sessions and Session CALs when the run used them."""
    pools = {"concurrent sessions": concurrent_sessions(result)["all"]}
    if (result.sessions["access"] == "capacity").any():
        pools["capacity sessions"] = concurrent_sessions(result, access="capacity")["all"]
    if (result.events["kind"] == "session_cal_taken").any():
        pools["Session CALs"] = session_cals_in_use(result)
    return pools


@per_run
def time_at_levels(result: Result) -> dict[str, pd.Series]:
    """Per concurrent pool: seconds of the run spent at each level."""
    start, end = window(result)
    return {
        name: time_at_level(series, start, end)
        for name, series in concurrency_pools(result).items()
    }


def concurrency_summary(result: Result) -> pd.DataFrame:
    """Per concurrent pool: peak (and when), time-weighted mean, P95 and P99."""
    spent_by_pool = time_at_levels(result)
    rows = []
    for name, series in concurrency_pools(result).items():
        top, when = peak(series, "level")
        spent = spent_by_pool[name]
        rows.append(
            {
                "pool": name,
                "peak": top,
                "peak_at": when,
                "mean": float((spent.index * spent).sum() / spent.sum()) if len(spent) else 0.0,
                "p95": level_exceeded(spent, 0.05),
                "p99": level_exceeded(spent, 0.01),
            }
        )
    return pd.DataFrame(rows, columns=["pool", "peak", "peak_at", "mean", "p95", "p99"])


def duration_curves(result: Result) -> dict[str, pd.DataFrame]:
    """The duration curve (level, share_of_time at ≥ level, hours) of each concurrent pool."""
    return {name: curve_of(spent) for name, spent in time_at_levels(result).items()}


@per_run
def weekday_hour(result: Result) -> pd.DataFrame:
    """Granted sessions by local weekday (rows, Mon–Sun) and starting hour (columns 0–23)."""
    local = nanoseconds(granted(result)["start"].dt.tz_localize(None))
    hour = local // (3600 * 10**9)
    # 1 January 1970 was a Thursday, weekday 3 counted from Monday.
    cell = ((hour // 24 + 3) % 7) * 24 + hour % 24
    counts = np.bincount(cell, minlength=7 * 24).reshape(7, 24)
    return pd.DataFrame(
        counts.astype(int),
        index=pd.Index(WEEKDAYS, name="weekday"),
        columns=pd.Index(range(24), name="hour"),
    )


def reclaim_candidates(result: Result) -> pd.DataFrame:
    """Users allocated a seat at the end of the run, by days since last use (most idle
    first): license, type, user, allocated_at, last_used (NaT if never), days_idle."""
    cols = ["license", "type", "user", "allocated_at", "last_used", "days_idle"]
    ev = result.events
    ev = ev[ev["kind"].isin(["allocate", "deallocate", "quarantine"]) & ev["user"].notna()]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ev = ev.assign(type=ev["detail"].astype(str).str.split().str[0])
    last = ev.groupby(["license", "type", "user"], sort=False, observed=True).tail(1)
    held = last[last["kind"] == "allocate"]
    used = granted(result).groupby(["user", "access"], observed=True)["end"].max()
    used.index = pd.MultiIndex.from_arrays(
        [used.index.get_level_values(k).astype(str) for k in (0, 1)]
    )
    end = window(result)[1]
    out = pd.DataFrame(
        {
            "license": held["license"].astype(str),
            "type": held["type"],
            "user": held["user"].astype(str),
            "allocated_at": held["time"],
        }
    ).reset_index(drop=True)
    keys = pd.MultiIndex.from_arrays([out["user"], out["type"]])
    # Typed as the allocation times, also when no one used a seat (all NaT).
    out["last_used"] = pd.Series(used.reindex(keys).to_numpy(), dtype=out["allocated_at"].dtype)
    idle_since = out["last_used"].fillna(out["allocated_at"])
    out["days_idle"] = (end - idle_since).dt.total_seconds() / 86400.0
    return out.sort_values(["days_idle", "user"], ascending=[False, True], kind="stable")[
        cols
    ].reset_index(drop=True)
