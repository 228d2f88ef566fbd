"""The result of a run: tidy pandas tables, the effective scenario and run metadata.

Every table carries ``scenario``, ``variant`` and ``replication`` columns so that runs
concatenate, and every time is a timezone-aware timestamp in the scenario's timezone.

=================  =================  =====================================================
table              one row per        columns
=================  =================  =====================================================
``sessions``       session attempt    user, group, directory, server, product, role, device,
                                      start, end, planned_end, access, denied_reason,
                                      interrupted, clicks, capacity_minutes
``events``         license event      time, kind, license, server, user, detail
``allocations``    change of a pool   time, license, type, total, allocated, quarantined,
                                      available, excess
``capacity``       license × month    license, month, purchased, consumed, overage,
                                      denied_units, exhausted_at
``server_states``  interval           server, state, start, end, reason
``summary``        KPI                metric, value, unit
=================  =================  =====================================================

``access`` is the access granted (professional, analyzer, capacity) or empty when denied;
``denied_reason`` and ``interrupted`` take values from :class:`sim.rules.DenialReason`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model.world import World
from sim.recorder import (
    ALLOCATION_COLUMNS,
    EVENT_COLUMNS,
    SESSION_COLUMNS,
    STATE_COLUMNS,
    UNIT_COLUMNS,
    Recorder,
)
from sim.rules.reasons import DENIAL_REASONS
from sim.scenario import Scenario

TABLES = ("sessions", "events", "allocations", "capacity", "server_states", "summary")


@dataclass
class Result:
    """The tables of one run (or of many runs stacked)."""

    scenario: Scenario
    sessions: pd.DataFrame
    events: pd.DataFrame
    allocations: pd.DataFrame
    capacity: pd.DataFrame
    server_states: pd.DataFrame
    summary: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    units: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

    def kpi(self, metric: str) -> float:
        """One summary value by metric name."""
        row = self.summary.loc[self.summary["metric"] == metric, "value"]
        if row.empty:
            raise KeyError(metric)
        return float(row.iloc[0])

    @property
    def plot(self) -> Any:
        """Charts of this result: ``result.plot.allocations()`` and friends."""
        from sim.charts import ChartAccessor

        return ChartAccessor(self)


def _times(start: datetime, tz: Any, seconds: pd.Series) -> pd.Series:
    base = pd.Timestamp(start).tz_convert(tz)
    return base + pd.to_timedelta(seconds.astype("float64"), unit="s")


def build_result(
    world: World, rec: Recorder, variant: str = "base", replication: int = 0
) -> Result:
    """Turn a run's rows into the documented DataFrames (once, at the end)."""
    sc = world.scenario
    start, tz = sc.start_at, sc.tz

    def stamp(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
        for c in cols:
            df[c] = _times(start, tz, df[c])
        df.insert(0, "replication", replication)
        df.insert(0, "variant", variant)
        df.insert(0, "scenario", sc.name)
        return df

    s = pd.DataFrame.from_records(rec.sessions, columns=list(SESSION_COLUMNS))
    s = s.sort_values(["start", "user_id", "device"], kind="stable").reset_index(drop=True)
    names = np.asarray(world.user_names, dtype=object)
    groups = [g.group for g in sc.users]
    dirs = [g.directory for g in sc.users]
    uid = s["user_id"].to_numpy(dtype=np.int64)
    gid = world.user_group[uid] if len(uid) else np.zeros(0, dtype=np.int64)
    sid = s["server_id"].to_numpy(dtype=np.int64)
    sessions = pd.DataFrame(
        {
            "user": names[uid] if len(uid) else np.zeros(0, dtype=object),
            "group": pd.Categorical.from_codes(gid, groups) if groups else [],
            "directory": np.asarray(dirs, dtype=object)[gid] if len(uid) else [],
            "server": pd.Categorical.from_codes(sid, [x.id for x in world.servers]),
            "product": np.asarray([x.product for x in world.servers], dtype=object)[sid],
            "role": np.asarray([x.role for x in world.servers], dtype=object)[sid],
            "device": s["device"].to_numpy(dtype=np.int64),
            "start": s["start"],
            "end": s["end"],
            "planned_end": s["planned_end"],
            "access": s["access"].astype("object"),
            "denied_reason": s["denied_reason"].astype("object"),
            "interrupted": s["interrupted"].astype("object"),
            "clicks": s["clicks"].to_numpy(dtype=np.int64),
            "capacity_minutes": s["capacity_minutes"].to_numpy(dtype=np.float64),
        }
    )
    sessions = stamp(sessions, ("start", "end", "planned_end"))

    events = pd.DataFrame.from_records(rec.events, columns=list(EVENT_COLUMNS))
    events = stamp(events.sort_values("time", kind="stable").reset_index(drop=True), ("time",))

    allocations = pd.DataFrame.from_records(rec.allocations, columns=list(ALLOCATION_COLUMNS))
    allocations = stamp(
        allocations.sort_values("time", kind="stable").reset_index(drop=True), ("time",)
    )

    states = pd.DataFrame.from_records(rec.server_states, columns=list(STATE_COLUMNS))
    states["reason"] = (
        states["reason"].map(lambda r: None if r is None else str(r)).astype("object")
    )
    states = stamp(
        states.sort_values(["server", "start"], kind="stable").reset_index(drop=True),
        ("start", "end"),
    )

    rows = []
    for lic in world.licenses:
        if not lic.has_capacity and not any(m.consumed or m.denied_units for m in lic.meter.months):
            continue
        for (label, _), m in zip(world.months, lic.meter.months, strict=True):
            rows.append(
                (
                    lic.id,
                    label,
                    m.purchased,
                    m.consumed,
                    m.overage,
                    m.denied_units,
                    np.nan if m.exhausted_at is None else m.exhausted_at,
                )
            )
    capacity = pd.DataFrame.from_records(
        rows,
        columns=[
            "license",
            "month",
            "purchased",
            "consumed",
            "overage",
            "denied_units",
            "exhausted_at",
        ],
    )
    capacity = stamp(capacity, ("exhausted_at",))

    summary = pd.DataFrame(
        _summary(world, sessions, allocations, states, capacity),
        columns=["metric", "value", "unit"],
    )
    summary = stamp(summary, ())
    units = None
    if rec.units is not None:
        units = pd.DataFrame.from_records(rec.units, columns=list(UNIT_COLUMNS))
        units.insert(
            4, "user", names[units["user_id"].to_numpy(dtype=np.int64)] if len(units) else []
        )
        units = stamp(units.sort_values("time", kind="stable").reset_index(drop=True), ("time",))
    return Result(
        scenario=sc,
        sessions=sessions,
        events=events,
        allocations=allocations,
        capacity=capacity,
        server_states=states,
        summary=summary,
        metadata={"variant": variant, "replication": replication, "seed": world.streams.seed},
        units=units,
    )


def _summary(
    world: World,
    sessions: pd.DataFrame,
    allocations: pd.DataFrame,
    states: pd.DataFrame,
    capacity: pd.DataFrame,
) -> list[tuple[str, float, str]]:
    n = len(sessions)
    denied = sessions["denied_reason"].notna()
    granted = ~denied
    hours = (
        (sessions["end"] - sessions["start"]).dt.total_seconds() / 3600.0
        if n
        else pd.Series(dtype=float)
    )
    rows: list[tuple[str, float, str]] = [
        ("users", float(len(world.user_names)), "users"),
        ("sessions_attempted", float(n), "sessions"),
        ("sessions_granted", float(granted.sum()), "sessions"),
        ("sessions_denied", float(denied.sum()), "sessions"),
        ("denial_rate", float(100.0 * denied.sum() / n) if n else 0.0, "%"),
        ("sessions_interrupted", float(sessions["interrupted"].notna().sum()), "sessions"),
        ("users_denied", float(sessions.loc[denied, "user"].nunique()), "users"),
        ("session_hours", float(hours[granted].sum()) if n else 0.0, "h"),
    ]
    counts = sessions.loc[denied, "denied_reason"].value_counts()
    rows += [(f"denied_{r}", float(counts.get(r, 0)), "sessions") for r in DENIAL_REASONS]
    for access in ("professional", "analyzer", "capacity"):
        rows.append((f"sessions_{access}", float((sessions["access"] == access).sum()), "sessions"))
    for seat in ("professional", "analyzer"):
        a = allocations.loc[allocations["type"] == seat, "allocated"]
        rows.append((f"peak_allocated_{seat}", float(a.max()) if len(a) else 0.0, "seats"))
    rows.append(
        (
            "capacity_minutes_consumed",
            float(capacity["consumed"].sum()) if len(capacity) else 0.0,
            "min",
        )
    )
    rows.append(
        (
            "capacity_overage_minutes",
            float(capacity["overage"].sum()) if len(capacity) else 0.0,
            "min",
        )
    )
    rows.append(
        (
            "capacity_denied_units",
            float(capacity["denied_units"].sum()) if len(capacity) else 0.0,
            "units",
        )
    )
    dur = (
        (states["end"] - states["start"]).dt.total_seconds() / 3600.0
        if len(states)
        else pd.Series(dtype=float)
    )
    for srv in world.servers:
        for state in ("grace", "unlicensed"):
            mask = (states["server"] == srv.id) & (states["state"] == state)
            rows.append(
                (f"{state}_hours_{srv.id}", float(dur[mask].sum()) if len(states) else 0.0, "h")
            )
    return rows


def write_result(result: Result, out: Path) -> list[Path]:
    """Write every table as CSV and Parquet, and the effective scenario as JSON."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, df in result.tables().items():
        csv, parquet = out / f"{name}.csv", out / f"{name}.parquet"
        _atomic(csv, lambda p, df=df: df.to_csv(p, index=False))
        _atomic(parquet, lambda p, df=df: df.to_parquet(p, index=False))
        written += [csv, parquet]
    scen = out / "scenario.json"
    _atomic(scen, lambda p: p.write_text(result.scenario.model_dump_json(indent=2)))
    meta = out / "metadata.json"
    _atomic(meta, lambda p: p.write_text(json.dumps(result.metadata, indent=2, default=str)))
    return [*written, scen, meta]


def _atomic(path: Path, write: Any) -> None:
    """Write to a temporary name and rename, so a file that exists is complete."""
    tmp = path.with_name(f".{path.name}.partial")
    write(tmp)
    tmp.replace(path)
