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

import pandas as pd

from .common import by_column, granted, window
from .steps import concurrency, duration_curve, exceeded_level, peak, time_weighted_mean

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
    return {
        str(k): concurrency(g["start"], g["end"], start)
        for k, g in s.groupby(s[keys[0]].astype(str), sort=True)
    }


def session_cals_in_use(result: Result) -> pd.DataFrame:
    """QlikView Session CALs held over time (taken until freed), as a step series."""
    ev = result.events
    return concurrency(
        ev.loc[ev["kind"] == "session_cal_taken", "time"],
        ev.loc[ev["kind"] == "session_cal_freed", "time"],
        window(result)[0],
    )


def concurrency_pools(result: Result) -> dict[str, pd.DataFrame]:
    """The concurrent pools of this run worth a duration curve: all sessions, capacity
    sessions and Session CALs when the run used them."""
    pools = {"concurrent sessions": concurrent_sessions(result)["all"]}
    if (result.sessions["access"] == "capacity").any():
        pools["capacity sessions"] = concurrent_sessions(result, access="capacity")["all"]
    if (result.events["kind"] == "session_cal_taken").any():
        pools["Session CALs"] = session_cals_in_use(result)
    return pools


def concurrency_summary(result: Result) -> pd.DataFrame:
    """Per concurrent pool: peak (and when), time-weighted mean, P95 and P99."""
    start, end = window(result)
    rows = []
    for name, series in concurrency_pools(result).items():
        top, when = peak(series, "level")
        rows.append(
            {
                "pool": name,
                "peak": top,
                "peak_at": when,
                "mean": time_weighted_mean(series, "level", start, end),
                "p95": exceeded_level(series, start, end, 0.05),
                "p99": exceeded_level(series, start, end, 0.01),
            }
        )
    return pd.DataFrame(rows, columns=["pool", "peak", "peak_at", "mean", "p95", "p99"])


def duration_curves(result: Result) -> dict[str, pd.DataFrame]:
    """The duration curve (level, share_of_time at ≥ level, hours) of each concurrent pool."""
    start, end = window(result)
    return {
        name: duration_curve(series, start, end)
        for name, series in concurrency_pools(result).items()
    }


def weekday_hour(result: Result) -> pd.DataFrame:
    """Granted sessions by local weekday (rows, Mon–Sun) and starting hour (columns 0–23)."""
    s = granted(result)
    counts = (
        pd.crosstab(s["start"].dt.day_of_week, s["start"].dt.hour) if len(s) else pd.DataFrame()
    )
    counts = counts.reindex(index=range(7), columns=range(24), fill_value=0)
    counts.index = pd.Index(WEEKDAYS, name="weekday")
    counts.columns = pd.Index(range(24), name="hour")
    return counts.astype(int)


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
    s = granted(result)
    used = (
        s.assign(type=s["access"].astype(str), user=s["user"].astype(str))
        .groupby(["user", "type"], observed=True)["end"]
        .max()
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
