"""Seats: how many of each access type were bought, allocated, quarantined and free, and how
many users had a session on them.

The names follow Qlik's QMC ``accesstypeoverview`` so admins recognise them. Per pool (a
license id, ``license.test`` for the Test & Development pool of a key whose subscription
includes a separate one, or ``license@server`` for the per-site pools of LEF and SLD
licenses; an
over-deployed LEF/SLD has both: each server's copy and a license-wide row counting distinct
users against the seats bought) and type
(professional, analyzer, user_pass, named_cal, …):

* ``total``: seats purchased; ``allocated``: seats assigned to a user; ``quarantined``:
  seats released but not yet reusable; ``available``: seats that can be allocated now;
  ``excess``: allocations above the total (after a license shrank, a partition, or on an
  over-deployed license's license-wide row);
* ``users_with_sessions``: the distinct users who were granted a session with that access
  type in the period (the License Monitor's allocated seats whose user logged in), so
  ``users_with_sessions ≤ allocated`` for the named seats; the difference is shelfware. It
  is not QRS's ``used`` (an allocation in use at a moment), hence its own name.

The pool levels are step series (see :mod:`sim.reports.steps`), so averages, utilisation
(Σ allocated·Δt / Σ total·Δt) and peaks are time-weighted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.rules.pool import pool_label, uses_test_pool

from .common import coded, count_distinct, granted, nanoseconds, per_run, window
from .steps import peak, share_at_or_above, time_weighted_mean, utilisation

if TYPE_CHECKING:
    from sim.result import Result

LEVELS = ["total", "allocated", "quarantined", "available", "excess"]
BUSY = 0.9  # the ≥ 90 % alert of floating-license tools


@per_run
def seat_levels(result: Result) -> dict[tuple[str, str], pd.DataFrame]:
    """Per (pool, type): the levels as a step series (time and :data:`LEVELS`), one row per
    instant, closed by a row at the end of the run."""
    out: dict[tuple[str, str], pd.DataFrame] = {}
    end = window(result)[1]
    for (pool, typ), df in result.allocations.groupby(["pool", "type"], sort=True):
        df = df[["time", *LEVELS]].drop_duplicates("time", keep="last")
        last = df.iloc[[-1]].copy()
        last["time"] = end
        out[(str(pool), str(typ))] = pd.concat([df, last], ignore_index=True)
    return out


def _session_pool(result: Result, sessions: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The pool each session drew on, as codes into a list of pool names:
    ``license@server`` where such a pool exists, the Test & Development pool
    ``license.test`` on a test server of a key that has one."""
    pools = set(result.allocations["pool"].astype(str))
    sc = result.scenario
    licence = {
        s.id: pool_label(
            s.license, uses_test_pool(sc.license(s.license).test_and_development, s.role)
        )
        for s in sc.servers
    }
    # One key per server (a handful), mapped onto the sessions' server codes.
    pool_of = {
        srv: f"{lic}@{srv}" if f"{lic}@{srv}" in pools else lic for srv, lic in licence.items()
    }
    servers, names = coded(sessions["server"])
    labels = sorted(set(pool_of.values()))
    lookup = np.array([labels.index(pool_of[n]) if n in pool_of else -1 for n in names] + [-1])
    return lookup[servers], labels


def _periods(result: Result, local: np.ndarray, freq: str) -> pd.PeriodIndex:
    """The periods of ``freq`` over the run and the times ``local`` (naive local ns)."""
    start, end = window(result)
    first, last = start.tz_localize(None), end.tz_localize(None) - pd.Timedelta(1)
    if len(local):
        first, last = min(first, pd.Timestamp(local.min())), max(last, pd.Timestamp(local.max()))
    return pd.period_range(pd.Timestamp(first), pd.Timestamp(last), freq=freq)


@per_run
def seat_users(result: Result, freq: str | None = None) -> pd.DataFrame:
    """Distinct users granted each access type per pool (and period of ``freq``, e.g.
    ``"M"`` for months, in local time; ``None`` for the whole run)."""
    s = granted(result)
    pool, pools = _session_pool(result, s)
    access, types = coded(s["access"])
    user, _ = coded(s["user"])
    keys, sizes = [pool, access], [len(pools), len(types)]
    if freq is not None:
        local = nanoseconds(s["start"].dt.tz_localize(None))
        periods = _periods(result, local, freq)
        starts = periods.start_time.as_unit("ns").asi8
        keys.insert(0, np.searchsorted(starts, local, side="right") - 1)
        sizes.insert(0, len(periods))
    counted = count_distinct(keys, sizes, user)
    names = {"pool": np.array(pools, dtype=object), "type": np.asarray(types, dtype=object)}
    out = pd.DataFrame(
        {
            **(
                {"period": periods.start_time[counted.pop("key0").to_numpy()]}
                if freq is not None
                else {}
            ),
            "pool": names["pool"][counted[f"key{len(keys) - 2}"].to_numpy()],
            "type": names["type"][counted[f"key{len(keys) - 1}"].to_numpy()],
            "users_with_sessions": counted["count"].to_numpy(),
        }
    )
    return out.sort_values([c for c in ("period", "pool", "type") if c in out]).reset_index(
        drop=True
    )


def seats(result: Result) -> pd.DataFrame:
    """One row per pool and type: the levels at the end of the run, ``users_with_sessions``
    over the run, peak allocated and when, time-weighted mean allocated, utilisation (%)
    and the share of time at ≥ 90 % of the total."""
    start, end = window(result)
    used = seat_users(result).set_index(["pool", "type"])["users_with_sessions"]
    rows = []
    for (pool, typ), df in seat_levels(result).items():
        last = df.iloc[-1]
        top, when = peak(df, "allocated")
        rows.append(
            {
                "pool": pool,
                "type": typ,
                **{k: int(last[k]) for k in LEVELS},
                "users_with_sessions": int(used.get((pool, typ), 0)),
                "peak_allocated": int(top),
                "peak_at": when,
                "mean_allocated": time_weighted_mean(df, "allocated", start, end),
                "utilisation_pct": 100.0 * utilisation(df, start, end),
                "time_busy_pct": 100.0 * share_at_or_above(df, start, end, BUSY),
            }
        )
    cols = [
        "pool",
        "type",
        "total",
        "allocated",
        "users_with_sessions",
        "quarantined",
        "available",
        "excess",
    ]
    return pd.DataFrame(
        rows,
        columns=[
            *cols,
            "peak_allocated",
            "peak_at",
            "mean_allocated",
            "utilisation_pct",
            "time_busy_pct",
        ],
    )


def seats_by_period(result: Result, freq: str = "M") -> pd.DataFrame:
    """Per period (a pandas period frequency: ``"M"`` months, ``"W"`` weeks, ``"D"`` days;
    local time) and pool/type: the levels at the period's end and the distinct users who
    used a seat in it."""
    start, end = window(result)
    first, stop = start.tz_localize(None), end.tz_localize(None)
    periods = pd.period_range(first, stop - pd.Timedelta(1), freq=freq)
    # Each period's levels are those of the last row before its end (or the run's).
    ends = np.minimum(periods.end_time.as_unit("ns").asi8, stop.as_unit("ns").value)
    rows = []
    for (pool, typ), df in seat_levels(result).items():
        local = nanoseconds(df["time"].dt.tz_localize(None))
        at = np.maximum(np.searchsorted(local, ends, side="left") - 1, 0)
        held = df[LEVELS].to_numpy()[at]
        rows += [
            {"period": p.start_time, "pool": pool, "type": typ}
            | {k: int(v) for k, v in zip(LEVELS, row, strict=True)}
            for p, row in zip(periods, held, strict=True)
        ]
    levels = pd.DataFrame(rows, columns=["period", "pool", "type", *LEVELS])
    used = seat_users(result, freq)
    out = levels.merge(used, on=["period", "pool", "type"], how="left")
    out["users_with_sessions"] = out["users_with_sessions"].fillna(0).astype(int)
    return out[["period", "pool", "type", *LEVELS[:2], "users_with_sessions", *LEVELS[2:]]]


def allocation_stack(result: Result) -> pd.DataFrame:
    """Allocated seats of every pool and type on one time grid (a column each, named
    ``"pool type"``), with ``total``: the seats purchased across them. Indexed by time,
    closed by the end of the run; the data behind the allocation stackplot. An
    over-deployed license is stacked once, by its license-wide row (distinct users against
    the seats bought), not by each server's copy."""
    levels = seat_levels(result)
    pools = {pool for pool, _ in levels}
    levels = {
        (pool, typ): df
        for (pool, typ), df in levels.items()
        if "@" not in pool or pool.split("@", 1)[0] not in pools
    }
    if not levels:
        return pd.DataFrame(columns=["total"])
    grid = pd.DatetimeIndex(sorted({t for df in levels.values() for t in df["time"]}))
    out = pd.DataFrame(index=grid)
    total = pd.Series(0.0, index=grid)
    for (pool, typ), df in levels.items():
        df = df.drop_duplicates("time", keep="last").set_index("time")
        out[f"{pool} {typ}"] = df["allocated"].reindex(grid).ffill().fillna(0)
        total += df["total"].reindex(grid).ffill().fillna(0)
    out["total"] = total
    out.index.name = "time"
    return out
