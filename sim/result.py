"""The result of a run: tidy pandas tables, the effective scenario and run metadata.

Every table carries ``scenario``, ``variant`` and ``replication`` columns so that runs
concatenate, and every time is a timezone-aware timestamp in the scenario's timezone.

=================  =================  =====================================================
table              one row per        columns
=================  =================  =====================================================
``sessions``       session attempt    user, group, directory, server, product, role, device,
                                      start, end, planned_end, access, denied_reason,
                                      interrupted, clicks, capacity_minutes, login_passes,
                                      document, client
``events``         license event      time, kind, license, server, user, detail
``allocations``    change of a pool   time, license, pool, type, total, allocated, quarantined,
                                      available, excess
``capacity``       license × month    license, month, allocated_minutes, used_minutes,
                                      overage_minutes, denied_units, exhausted_at
``capacity_use``   license × server   license, server, user, month, units, capacity_minutes
                   × user × month
``server_states``  interval           server, state, start, end, reason
``launches``       desktop launch     desktop, product, user, machine, outcome, denied_reason
``summary``        KPI                metric, value, unit
=================  =================  =====================================================

``access`` is the access granted (professional, analyzer, capacity, …, root_admin: the
RootAdmin role alone in the QMC) or empty when denied; ``client`` says which console the
session opened, from :class:`sim.rules.qmc.Client` (hub, qmc, qmc_limited);
``denied_reason`` and ``interrupted`` take values from :class:`sim.rules.DenialReason`;
``events.kind`` from :class:`sim.recorder.EventKind`, and a time in an event's ``detail`` is
written as a timestamp in the scenario's timezone. ``capacity_use`` splits the capacity
units by the UTC month each unit started in (a session across the 1st charges both months),
so per license and month it adds up to ``capacity.used_minutes``. ``server_states.reason`` is
empty (null) unless the state has one.

The ``summary`` is of the whole deployment; a figure of one pool (or license, or server)
is named ``metric[pool]`` beside it. ``peak_allocated_analyzer`` is the highest number of
Analyzer seats allocated over all pools at one instant, which is less than the sum of the
pools' own peaks ``peak_allocated_analyzer[corp]``, … when they peak at different times.

A run folder is complete if and only if it holds ``metadata.json``. Every file is written
under a temporary ``.NAME.partial`` name and renamed when whole (:mod:`sim.atomic`), so a
file with its final name is never truncated; ``metadata.json`` is removed before anything
in the folder is replaced and written again only after every table (and, from ``licsim
run``, every chart and report) is in place. A run that is killed therefore leaves a folder
without ``metadata.json``, perhaps with ``.partial`` leftovers and a mix of old and new
tables, which the next run into it overwrites. (Renames are not flushed to disk: this
holds for a killed process, not for a machine losing power.)
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.atomic import atomic_text, atomic_write
from sim.model.codes import ACCESS_CODES
from sim.model.world import World
from sim.outfolder import digest
from sim.recorder import (
    ALLOCATION_COLUMNS,
    EVENT_COLUMNS,
    LAUNCH_COLUMNS,
    STATE_COLUMNS,
    At,
    Recorder,
)
from sim.rules.capacity import unit_minutes
from sim.rules.qmc import CLIENTS, Client
from sim.rules.reasons import DENIAL_REASONS, LAUNCH_REASONS
from sim.scenario import Scenario
from sim.spreadsheet import write_csv

TABLES = (
    "sessions",
    "events",
    "allocations",
    "capacity",
    "capacity_use",
    "server_states",
    "launches",
    "summary",
)

CSV_TABLES = ("capacity", "server_states", "summary")
"""Tables written as CSV too by default: a few rows each, read by people. The others can
hold millions of rows; they are CSV only when asked (``write_result(..., csv=True)``,
``licsim run --csv``): Parquet keeps every table in full, typed and compressed."""

RUN_OUTPUTS = (
    *(f"{name}.{ext}" for name in TABLES for ext in ("csv", "parquet")),
    "scenario.json",
    "charts",
    "report.html",
    "report.xlsx",
    "metadata.json",
)
"""Everything a run folder may hold (``licsim run`` adds the charts and reports); a new run
into the folder removes all of it first, so nothing of an earlier run is left beside it."""


@dataclass
class Result:
    """The tables of one run (or of many runs stacked)."""

    scenario: Scenario
    sessions: pd.DataFrame
    events: pd.DataFrame
    allocations: pd.DataFrame
    capacity: pd.DataFrame
    capacity_use: pd.DataFrame
    server_states: pd.DataFrame
    launches: pd.DataFrame
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


def _times(start: datetime, tz: Any, seconds: pd.Series | np.ndarray) -> pd.Series:
    """Seconds since ``start`` as aware timestamps in ``tz`` (NaN becomes NaT)."""
    sec = (
        seconds.to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(seconds, pd.Series)
        else np.asarray(seconds, dtype=np.float64)
    )
    base = pd.Timestamp(start).tz_convert("UTC").as_unit("ns").value
    missing = np.isnan(sec)
    ns = base + np.round(np.where(missing, 0.0, sec) * 1e9).astype(np.int64)
    ns[missing] = np.iinfo(np.int64).min
    stamps = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").tz_convert(tz)
    index = seconds.index if isinstance(seconds, pd.Series) else None
    return pd.Series(stamps, index=index)


def _stamp(
    world: World, df: pd.DataFrame, cols: tuple[str, ...], variant: str, replication: int
) -> pd.DataFrame:
    """``cols`` (seconds since the run's start) as aware timestamps, and the run's keys."""
    sc = world.scenario
    for c in cols:
        df[c] = _times(sc.start_at, sc.tz, df[c])
    df.insert(0, "replication", replication)
    df.insert(0, "variant", _constant(variant, len(df)))
    df.insert(0, "scenario", _constant(sc.name, len(df)))
    return df


def sessions_table(
    world: World, rec: Recorder, variant: str = "base", replication: int = 0
) -> pd.DataFrame:
    """The run's ``sessions`` table alone, as :func:`build_result` makes it."""
    return _stamp(world, _sessions(world, rec), (), variant, replication)


def build_result(
    world: World, rec: Recorder, variant: str = "base", replication: int = 0
) -> Result:
    """Turn a run's rows into the documented DataFrames (once, at the end)."""
    sc = world.scenario
    start, tz = sc.start_at, sc.tz

    def stamp(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
        return _stamp(world, df, cols, variant, replication)

    sessions = sessions_table(world, rec, variant, replication)

    events = pd.DataFrame.from_records(rec.events, columns=list(EVENT_COLUMNS))
    events["detail"] = _details(events["detail"], start, tz)
    # Stable on time alone: events at one instant keep their causal order (sync_failed
    # before grace_start).
    events = stamp(events.sort_values("time", kind="stable").reset_index(drop=True), ("time",))

    allocations = pd.DataFrame.from_records(rec.allocations, columns=list(ALLOCATION_COLUMNS))
    allocations = stamp(
        allocations.sort_values("time", kind="stable").reset_index(drop=True), ("time",)
    )

    states = pd.DataFrame.from_records(rec.server_states, columns=list(STATE_COLUMNS))
    # A state without a reason is null in every file, never the text "nan" or "None".
    states["reason"] = pd.Series(
        [None if r is None or r != r else str(r) for r in states["reason"]],
        index=states.index,
        dtype="str",
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
            "allocated_minutes",
            "used_minutes",
            "overage_minutes",
            "denied_units",
            "exhausted_at",
        ],
    )
    capacity = stamp(capacity, ("exhausted_at",))
    capacity_use = stamp(_capacity_use(world, rec), ())

    launches = pd.DataFrame.from_records(rec.launches, columns=list(LAUNCH_COLUMNS))
    launches = launches.sort_values(["time", "desktop", "user", "machine"], kind="stable")
    launches = stamp(launches.reset_index(drop=True), ("time",))

    summary = stamp(summary_table(sc, sessions, allocations, states, capacity, launches), ())
    units = None
    if rec.units is not None:
        t, li, si, uid, dev = rec.unit_columns()
        units = pd.DataFrame(
            {
                "time": t.astype(np.float64),
                "license": _categorical(li, [x.id for x in world.licenses]),
                "server": _categorical(si, [x.id for x in world.servers]),
                "user": _categorical(uid, world.user_names),
                "device": dev.astype(np.int64),
            }
        )
        units = stamp(units.sort_values("time", kind="stable").reset_index(drop=True), ("time",))
    return Result(
        scenario=sc,
        sessions=sessions,
        events=events,
        allocations=allocations,
        capacity=capacity,
        capacity_use=capacity_use,
        server_states=states,
        launches=launches,
        summary=summary,
        metadata={"variant": variant, "replication": replication, "seed": world.streams.seed},
        units=units,
    )


def _details(details: pd.Series, start: datetime, tz: Any) -> pd.Series:
    """Event details as text, a moment named in one (:class:`sim.recorder.At`) written as
    an ISO timestamp in the scenario's timezone."""
    origin = pd.Timestamp(start).tz_convert("UTC")

    def stamp(seconds: float) -> str:
        moment = (origin + pd.Timedelta(seconds=seconds)).tz_convert(tz).round("s")
        return moment.isoformat()

    return pd.Series(
        [d.render(stamp) if isinstance(d, At) else d for d in details],
        index=details.index,
        dtype="str",
    )


CAPACITY_USE_COLUMNS = ["license", "server", "user", "month", "units", "capacity_minutes"]


def _capacity_use(world: World, rec: Recorder) -> pd.DataFrame:
    """Capacity units per license, server, user and UTC month the units started in, in
    the order month, license, server, user."""
    unit = unit_minutes(world.scenario.rules.capacity_unit)
    si, ui, mi, units = rec.capacity_use.columns()
    license_of = np.array([s.license for s in world.servers], dtype=np.int64)
    li = license_of[si] if si.size else si
    order = np.lexsort((ui, si, li, mi))
    si, ui, mi, li, units = si[order], ui[order], mi[order], li[order], units[order]
    labels = np.array([m[0] for m in world.months], dtype=object)
    return pd.DataFrame(
        {
            "license": _categorical(li, [x.id for x in world.licenses]),
            "server": _categorical(si, [x.id for x in world.servers]),
            "user": _categorical(ui, world.user_names),
            "month": pd.Series(labels[mi] if mi.size else [], dtype="str"),
            "units": units,
            "capacity_minutes": units * unit,
        },
        columns=CAPACITY_USE_COLUMNS,
    )


def _categorical(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
    # String-typed even when empty: an empty object-typed category list comes back from
    # Parquet as plain objects, so stored and in-memory tables would differ.
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype="str"))


def _constant(value: str, rows: int) -> pd.Categorical | str:
    """A column of one value: over millions of rows a categorical, not a string per row;
    plain text in an empty table, which Parquet gives back as it was."""
    return _categorical(np.zeros(rows, np.int8), [value]) if rows else value


def _labels(codes: np.ndarray, per_code: list[str]) -> pd.Categorical:
    """A categorical of ``per_code[codes]`` (labels may repeat between codes)."""
    categories = sorted(set(per_code))
    lookup = np.array([categories.index(v) for v in per_code], dtype=np.int64)
    return _categorical(lookup[codes] if len(codes) else codes, categories)


def _time_order(
    start: np.ndarray, user: np.ndarray, device: np.ndarray, order: np.ndarray
) -> np.ndarray:
    """Row order by start, ties broken by user, device and the device's session number.

    Sorting on the start alone is much cheaper; only rows that share a start are re-sorted.
    """
    idx = np.argsort(start, kind="stable")
    s = start[idx]
    tied = np.flatnonzero(s[1:] == s[:-1])
    if tied.size:
        rows = np.unique(np.concatenate([tied, tied + 1]))
        sub = idx[rows]
        sub = sub[np.lexsort((order[sub], device[sub], user[sub], start[sub]))]
        idx[rows] = sub
    return idx


def _sessions(world: World, rec: Recorder) -> pd.DataFrame:
    """The sessions table from the recorder's coded columns, in time order."""
    cols = rec.take_session_columns()
    order = _time_order(cols["start"], cols["user_id"], cols["device"], cols["order"])
    del cols["order"]
    uid = cols.pop("user_id").take(order)
    sid = cols.pop("server_id").take(order).astype(np.int64)
    gid = world.user_group[uid]
    sc = world.scenario
    reasons = ["", *DENIAL_REASONS]
    dirs = sorted({d for d in world.user_directories if d is not None})
    dir_code = np.array(
        [-1 if d is None else dirs.index(d) for d in world.user_directories], dtype=np.int64
    )

    # Each column is put in order and its raw copy let go before the next, so the rows
    # are held about once more than the table, not twice.
    def coded(name: str, categories: list[str]) -> pd.Categorical:
        codes = cols.pop(name).take(order).astype(np.int8) - 1  # 0 means none
        return _categorical(codes, categories[1:])

    def column(name: str, dtype: type) -> np.ndarray:
        return cols.pop(name).take(order).astype(dtype, copy=False)

    def moment(name: str) -> pd.Series:
        return _times(sc.start_at, sc.tz, cols.pop(name).take(order))

    return pd.DataFrame(
        {
            "user": _categorical(uid, world.user_names),
            "group": _categorical(gid, [g.group for g in sc.users]),
            "directory": _categorical(
                dir_code[uid] if len(uid) else np.zeros(0, dtype=np.int64), dirs
            ),
            "server": _categorical(sid, [x.id for x in world.servers]),
            "product": _labels(sid, [x.product for x in world.servers]),
            "role": _labels(sid, [x.role for x in world.servers]),
            "device": column("device", np.int32),
            "start": moment("start"),
            "end": moment("end"),
            "planned_end": moment("planned_end"),
            "access": coded("access", list(ACCESS_CODES)),
            "denied_reason": coded("denied_reason", reasons),
            "interrupted": coded("interrupted", reasons),
            "clicks": column("clicks", np.int32),
            "capacity_minutes": column("capacity_minutes", np.float64),
            "login_passes": column("login_passes", np.int32),
            "document": _categorical(
                cols.pop("document").take(order).astype(np.int64), world.documents
            ),
            "client": _categorical(cols.pop("client").take(order).astype(np.int64), CLIENTS),
        },
        copy=False,
    )


def summary_table(
    scenario: Scenario,
    sessions: pd.DataFrame,
    allocations: pd.DataFrame,
    states: pd.DataFrame,
    capacity: pd.DataFrame,
    launches: pd.DataFrame,
) -> pd.DataFrame:
    """The ``summary`` table (metric, value, unit), derived from the other tables and the
    scenario alone, so that ``licsim check`` can derive it again from a run's files."""
    return pd.DataFrame(
        _summary(scenario, sessions, allocations, states, capacity, launches),
        columns=["metric", "value", "unit"],
    )


def _summary(
    scenario: Scenario,
    sessions: pd.DataFrame,
    allocations: pd.DataFrame,
    states: pd.DataFrame,
    capacity: pd.DataFrame,
    launches: pd.DataFrame,
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
        ("users", float(sum(g.count for g in scenario.users)), "users"),
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
    for access in ACCESS_CODES[1:]:
        rows.append((f"sessions_{access}", float((sessions["access"] == access).sum()), "sessions"))
    qmc = sessions["client"] != Client.HUB
    limited = sessions["client"] == Client.QMC_LIMITED
    rows += [
        ("sessions_qmc", float(qmc.sum()), "sessions"),
        ("sessions_qmc_granted", float((qmc & granted).sum()), "sessions"),
        ("sessions_qmc_limited", float(limited.sum()), "sessions"),
    ]
    for seat in ("professional", "analyzer"):
        total, per_pool = peak_allocated(allocations, seat)
        rows.append((f"peak_allocated_{seat}", total, "seats"))
        rows += [(f"peak_allocated_{seat}[{p}]", v, "seats") for p, v in per_pool.items()]
    for seat in ("professional", "analyzer"):
        # Seats held beyond the purchase: a shrunken license, a partition's reconciliation,
        # or an over-deployed LEF/SLD (its license-wide rows).
        x = allocations.loc[allocations["type"] == seat, "excess"]
        rows.append((f"peak_excess_{seat}", float(x.max()) if len(x) else 0.0, "seats"))
    for metric, column, unit in (
        ("capacity_minutes_consumed", "used_minutes", "min"),
        ("capacity_overage_minutes", "overage_minutes", "min"),
        ("capacity_denied_units", "denied_units", "units"),
    ):
        per_license = capacity.groupby(capacity["license"].astype(str), sort=True)[column].sum()
        rows.append((metric, float(per_license.sum()), unit))
        rows += [(f"{metric}[{lic}]", float(v), unit) for lic, v in per_license.items()]
    rows.append(("desktop_launches", float(len(launches)), "launches"))
    for reason in LAUNCH_REASONS:
        hit = float((launches["denied_reason"] == reason).sum()) if len(launches) else 0.0
        rows.append((f"launches_{reason}", hit, "launches"))
    dur = (
        (states["end"] - states["start"]).dt.total_seconds() / 3600.0
        if len(states)
        else pd.Series(dtype=float)
    )
    for state in ("grace", "unlicensed"):
        # Server-hours: two servers in grace for an hour are two hours of the deployment.
        per_server = [
            (srv.id, float(dur[(states["server"] == srv.id) & (states["state"] == state)].sum()))
            for srv in scenario.servers
        ]
        rows.append((f"{state}_hours", sum(h for _, h in per_server), "h"))
        rows += [(f"{state}_hours[{srv}]", h, "h") for srv, h in per_server]
    return rows


def peak_allocated(allocations: pd.DataFrame, seat: str) -> tuple[float, dict[str, float]]:
    """The peak of ``seat`` allocations over the whole deployment and per pool.

    The deployment's peak is the highest sum over all pools at one instant (not the sum
    of the pools' peaks, which may come at different times). A pool's level at an instant
    is the one after every change at that instant, as in :func:`sim.reports.seat_levels`.
    """
    a = allocations.loc[allocations["type"] == seat, ["time", "pool", "allocated"]]
    if a.empty:
        return 0.0, {}
    a = a.assign(pool=a["pool"].astype(str)).drop_duplicates(["time", "pool"], keep="last")
    levels = a.pivot(index="time", columns="pool", values="allocated").sort_index()
    # A pool keeps its level until its next change, and holds nothing before its first row.
    levels = levels.ffill().fillna(0.0)
    per_pool = {str(p): float(levels[p].max()) for p in sorted(levels.columns)}
    return float(levels[deployment_pools(levels.columns)].sum(axis=1).max()), per_pool


def deployment_pools(pools: Iterable[str]) -> list[str]:
    """The pools whose sum is the deployment's holding: every pool, except that an
    over-deployed LEF/SLD (one license copied onto several servers, pools ``L@server``)
    counts once, by its license-wide row ``L`` (distinct users across its servers)."""
    names = [str(p) for p in pools]
    wide = set(names)
    return [p for p in names if p.partition("@")[0] not in wide or "@" not in p]


def write_result(
    result: Result, out: Path, *, complete: bool = True, csv: bool = False
) -> list[Path]:
    """Write every table as Parquet (the small ones of :data:`CSV_TABLES`, or with ``csv``
    all of them, as CSV too), the effective scenario and, last, the metadata.

    With ``complete=False`` the folder is left without ``metadata.json`` so that the caller
    can add more files (charts) before marking it complete with :func:`mark_complete`.
    """
    out.mkdir(parents=True, exist_ok=True)
    discard_completion(out)
    written: list[Path] = []
    for name, df in result.tables().items():
        parquet = out / f"{name}.parquet"
        atomic_write(parquet, functools.partial(df.to_parquet, index=False))
        written.append(parquet)
        if csv or name in CSV_TABLES:
            written.append(write_csv(out / f"{name}.csv", df))
    scen = out / "scenario.json"
    atomic_text(scen, result.scenario.model_dump_json(indent=2))
    written.append(scen)
    if complete:
        written.append(mark_complete(result, out))
    return written


class RunFolderError(Exception):
    """The folder is missing or holds no licsim run that can be read."""


RENAMED = {
    "capacity": {
        "purchased": "allocated_minutes",
        "consumed": "used_minutes",
        "overage": "overage_minutes",
    }
}
"""Columns an earlier licsim wrote under other names (before QRS's ``analyzerTimeAccess``
words), per table: read back under today's, so old run folders and sweep pieces still load."""


def read_table(path: Path, name: str) -> pd.DataFrame:
    """Result table ``name`` from its Parquet file, in today's column names."""
    return pd.read_parquet(path).rename(columns=RENAMED.get(name, {}))


def load_run(folder: Path) -> Result:
    """The tables, scenario and metadata of a run folder written by :func:`write_result`
    (``licsim run``), read back from its Parquet files as a :class:`Result`; also a sweep's
    stored piece, whose ``piece.json`` stands for the metadata (:mod:`sim.experiments.store`)."""
    folder = Path(folder)
    meta = folder / "metadata.json"
    if not meta.exists() and (folder / "piece.json").is_file():
        meta = folder / "piece.json"
    try:
        tables = {name: read_table(folder / f"{name}.parquet", name) for name in TABLES}
        scenario = Scenario.model_validate_json((folder / "scenario.json").read_text())
        metadata = json.loads(meta.read_text())
    # Whatever a foreign or damaged file raises, the answer is the same: not a run we can read.
    except Exception as err:
        raise RunFolderError(f"{folder}: not a readable licsim run ({err})") from err
    return Result(scenario=scenario, metadata=metadata, **tables)


def discard_completion(out: Path) -> None:
    """Make ``out`` look unfinished before anything in it is replaced."""
    (out / "metadata.json").unlink(missing_ok=True)


def mark_complete(result: Result, out: Path) -> Path:
    """Write ``metadata.json``, which says that everything else in ``out`` is written.

    It records the SHA-256 of every file of the run (:data:`RUN_OUTPUTS`, the charts one by
    one), so that ``licsim check`` can tell a table edited or replaced afterwards from the
    one this run wrote.
    """
    files = run_files(out)
    meta = out / "metadata.json"
    record = {**result.metadata, "files": {name: digest(out / name) for name in files}}
    atomic_text(meta, json.dumps(record, indent=2, default=str))
    return meta


def run_files(out: Path) -> list[str]:
    """The files of :data:`RUN_OUTPUTS` present in ``out`` (charts one by one), as names
    relative to ``out``, metadata.json excluded."""
    names = []
    for name in RUN_OUTPUTS[:-1]:
        path = out / name
        if path.is_dir() and not path.is_symlink():
            names += sorted(f"{name}/{p.name}" for p in path.iterdir() if p.is_file())
        elif path.is_file():
            names.append(name)
    return names
