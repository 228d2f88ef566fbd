"""The invariant checker: rules that every finished run must obey, read off its tables.

design.md's quality bars say that certain things hold in every run whatever the scenario:
a pool never holds more than it has (unless an excess is explained and reported), nobody is
granted access on an unlicensed server, capacity is charged in whole units and never beyond
the allowance, and so on. This module checks them with pandas alone, over the tables of a
run, so that it judges the engine from the outside: it never imports SimPy or the model.

:func:`check_result` checks an in-memory :class:`~sim.result.Result`; :func:`check_run`
reads a folder written by :func:`~sim.result.write_result` and runs the same checks. Each
check returns at most one :class:`Violation` carrying a few offending rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.result import TABLES, Result
from sim.rules.connectivity import LicenseState
from sim.rules.reasons import DENIAL_REASONS
from sim.scenario import Scenario

SAMPLE_ROWS = 5
"""Offending rows kept per violation: enough to find them, little enough to print."""

PARALLEL_ACCESS = ("professional", "analyzer", "user_pass", "login_pass")
"""Access types under the parallel-session limit (licensing-rules §3, §5)."""

STATES = tuple(s.value for s in LicenseState)
EXCESS_CAUSES = ("excess", "license_change")
"""Event kinds after which a pool may hold more than its total: a partition's offline
allocations meeting at reconciliation (``excess``), or fewer seats (``license_change``)."""


class RunFolderError(Exception):
    """The folder is missing or holds no licsim run at all (nothing to check)."""


@dataclass
class Violation:
    """One invariant that does not hold, why, and a few rows that break it."""

    invariant: str
    detail: str
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __str__(self) -> str:
        text = f"{self.invariant}: {self.detail}"
        if len(self.rows):
            text += "\n" + self.rows.head(SAMPLE_ROWS).to_string(index=False)
        return text


def check_result(result: Result) -> list[Violation]:
    """Every invariant over an in-memory result; an empty list when all hold."""
    found = [check(result) for check in CHECKS.values()]
    return [v for v in found if v is not None]


def check_run(folder: Path) -> list[Violation]:
    """Every invariant over the run written to ``folder``.

    A folder without ``metadata.json`` (written last) is an interrupted write: the only
    violation reported is ``complete_run_folder``. Raises :class:`RunFolderError` when the
    folder does not exist or holds no licsim run.
    """
    missing = _missing_files(folder)
    if missing:
        return [
            Violation(
                "complete_run_folder",
                f"incomplete run folder: {', '.join(missing)} missing "
                "(metadata.json is written last)",
            )
        ]
    return check_result(load_run(folder))


def rows_checked(result: Result) -> int:
    """How many table rows the checks looked at (for the summary line)."""
    return sum(len(t) for t in result.tables().values())


def load_run(folder: Path) -> Result:
    """The tables, scenario and metadata of a complete run folder."""
    try:
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}
        scenario = Scenario.model_validate_json((folder / "scenario.json").read_text())
        metadata = json.loads((folder / "metadata.json").read_text())
    # Whatever a foreign or damaged file raises, the answer is the same: not a run we can read.
    except Exception as err:
        raise RunFolderError(f"{folder}: not a readable licsim run ({err})") from err
    return Result(scenario=scenario, metadata=metadata, **tables)


def _missing_files(folder: Path) -> list[str]:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise RunFolderError(f"{folder}: {what}")
    expected = [f"{name}.parquet" for name in TABLES] + ["scenario.json", "metadata.json"]
    present = [name for name in expected if (folder / name).is_file()]
    if not present:
        raise RunFolderError(f"{folder}: not a licsim run (none of {', '.join(expected)} is there)")
    return [name for name in expected if name not in present]


# -- the checks ------------------------------------------------------------------------------
# Each takes a result and returns a Violation or None.


def _violation(name: str, bad: pd.Series, table: pd.DataFrame, what: str) -> Violation | None:
    if not bad.any():
        return None
    return Violation(name, f"{int(bad.sum())} {what}", table[bad].head(SAMPLE_ROWS))


def pool_counts(r: Result) -> Violation | None:
    """allocated + quarantined ≤ total + excess, and excess/available say exactly that."""
    a = r.allocations
    held = a["allocated"] + a["quarantined"]
    bad = (
        (held > a["total"] + a["excess"])
        | (a["excess"] != (held - a["total"]).clip(lower=0))
        | (a["available"] != (a["total"] - held).clip(lower=0))
        | (a[["total", "allocated", "quarantined"]] < 0).any(axis=1)
    )
    return _violation(
        "pool_counts",
        bad,
        a,
        "pool rows where allocated + quarantined "
        "exceeds total + excess, or excess/available are miscounted",
    )


def excess_explained(r: Result) -> Violation | None:
    """Excess appears only after a partition's reconciliation or a license change."""
    a, e = r.allocations, r.events
    causes = e[e["kind"].isin(EXCESS_CAUSES)]
    explained = pd.Series(False, index=a.index)
    for lic, times in causes.groupby(causes["license"].astype("object"))["time"]:
        explained |= (a["license"] == lic) & (a["time"] >= times.min())
    bad = (a["excess"] > 0) & ~explained
    return _violation(
        "excess_explained",
        bad,
        a,
        "pool rows with excess before any partition (excess event) or license change",
    )


def _spans(r: Result, states: tuple[str, ...]) -> pd.DataFrame:
    st = r.server_states
    return st[st["state"].isin(states)][["server", "state", "start", "end"]]


def _in_spans(
    table: pd.DataFrame, spans: pd.DataFrame, time: str, end: str | None = None
) -> pd.Series:
    """Rows of ``table`` (with a ``server``) whose ``time`` falls in one of the server's
    spans, or whose ``[time, end)`` overlaps one."""
    hit = pd.Series(False, index=table.index)
    server = table["server"].astype("object")
    for span in spans.itertuples(index=False):
        on = server == span.server
        inside = (table[time] >= span.start) & (table[time] < span.end)
        if end is not None:
            inside |= (table[time] < span.end) & (table[end] > span.start)
        hit |= on & inside
    return hit


def no_access_when_unlicensed(r: Result) -> Violation | None:
    """No session is granted on, or runs into, an unlicensed period of its server."""
    s = r.sessions
    granted = s[s["access"].notna()]
    bad = _in_spans(granted, _spans(r, ("unlicensed",)), "start", "end")
    return _violation(
        "no_access_when_unlicensed",
        bad,
        granted,
        "granted sessions inside an unlicensed period of their server",
    )


def no_allocation_without_backend(r: Result) -> Violation | None:
    """A server in grace or unlicensed makes no backend allocation (only local ones)."""
    e = r.events
    alloc = e[(e["kind"] == "allocate") & e["server"].notna()]
    alloc = alloc[~alloc["detail"].astype(str).str.endswith("(local)")]
    bad = _in_spans(alloc, _spans(r, ("grace", "unlicensed")), "time")
    return _violation(
        "no_allocation_without_backend",
        bad,
        alloc,
        "allocations made by a server in grace or unlicensed",
    )


def session_times(r: Result) -> Violation | None:
    """Sessions start inside the run, end no earlier than they start nor after the run,
    and a denied attempt lasts no time."""
    s, sc = r.sessions, r.scenario
    begin, stop = pd.Timestamp(sc.start_at), pd.Timestamp(sc.end_at)
    bad = (
        (s["end"] < s["start"])
        | (s["start"] < begin)
        | (s["start"] > stop)
        | (s["end"] > stop)
        | (s["access"].isna() & (s["end"] != s["start"]))
    )
    return _violation(
        "session_times",
        bad,
        s,
        "sessions ending before they start, outside the run, or denied with a duration",
    )


def denial_reasons(r: Result) -> Violation | None:
    """Denied sessions carry one reason from the closed vocabulary; granted ones none; only
    granted sessions are interrupted, for a reason from the same vocabulary."""
    s = r.sessions
    denied = s["access"].isna()
    reason = s["denied_reason"].astype("object")
    cut = s["interrupted"].astype("object")
    bad = (
        (denied & ~reason.isin(DENIAL_REASONS))
        | (~denied & reason.notna())
        | (cut.notna() & (denied | ~cut.isin(DENIAL_REASONS)))
    )
    return _violation(
        "denial_reasons",
        bad,
        s,
        "sessions whose denial or interruption "
        "reason is missing, unknown or on the wrong kind of session",
    )


def parallel_limit(r: Result) -> Violation | None:
    """No user ever holds more parallel user-based sessions than the rules allow."""
    s = r.sessions
    limit = r.scenario.rules.max_parallel_sessions
    held = s[s["access"].isin(PARALLEL_ACCESS) & (s["end"] > s["start"])]
    if held.empty:
        return None
    user = held["user"].astype("object").to_numpy()
    marks = pd.DataFrame(
        {
            "user": np.concatenate([user, user]),
            "time": pd.concat([held["start"], held["end"]], ignore_index=True),
            # Ends sort before starts at one instant: a slot freed can be taken then.
            "step": np.concatenate([np.ones(len(held), int), -np.ones(len(held), int)]),
        }
    ).sort_values(["user", "time", "step"], kind="stable")
    marks["open"] = marks.groupby("user")["step"].cumsum()
    over = marks[marks["open"] > limit]
    if over.empty:
        return None
    users = over["user"].unique()
    return Violation(
        "parallel_limit",
        f"{len(users)} users above {limit} parallel sessions (max {int(over['open'].max())})",
        held[held["user"].astype("object").isin(users[:SAMPLE_ROWS])].head(SAMPLE_ROWS),
    )


def whole_capacity_units(r: Result) -> Violation | None:
    """Capacity is charged in whole units, and only to granted capacity sessions."""
    unit = r.scenario.rules.capacity_unit / 60.0
    s, c = r.sessions, r.capacity
    bad_s = (s["capacity_minutes"] % unit != 0) | (
        (s["access"] != "capacity") & (s["capacity_minutes"] != 0)
    )
    bad_c = c["consumed"] % unit != 0
    if not bad_s.any() and not bad_c.any():
        return None
    rows = pd.concat([s[bad_s], c[bad_c]]).head(SAMPLE_ROWS)
    return Violation(
        "whole_capacity_units",
        f"{int(bad_s.sum())} sessions and {int(bad_c.sum())} months charge minutes that are "
        f"not whole {unit:g}-minute units (or charge a non-capacity session)",
        rows,
    )


def _allowances(sc: Scenario, license_id: str, month: str) -> list[tuple[int, str | int]]:
    """The (purchase, overage) settings in force at some time during ``month`` (UTC)."""
    lic = sc.license(license_id)
    settings = [(lic.capacity_minutes, lic.overage)]
    for change in lic.changes:
        at = pd.Timestamp(change.at).tz_convert("UTC").strftime("%Y-%m")
        if at > month:
            break
        purchased = settings[-1][0] if change.capacity_minutes is None else change.capacity_minutes
        overage = settings[-1][1] if change.overage is None else change.overage
        settings = [(purchased, overage)] if at < month else [*settings, (purchased, overage)]
    return settings


def _limit(purchased: int, overage: str | int) -> float:
    if overage == "unlimited":
        return np.inf
    return float(purchased) + (0.0 if overage == "none" else float(overage))


def capacity_within_allowance(r: Result) -> Violation | None:
    """consumed ≤ purchased when overage is none (≤ purchased + ceiling with one), and the
    overage column is what was consumed beyond the purchase."""
    c = r.capacity
    if c.empty:
        return None
    limit = pd.Series(
        [
            max(_limit(p, o) for p, o in _allowances(r.scenario, lic, month))
            for lic, month in zip(c["license"], c["month"], strict=True)
        ],
        index=c.index,
    )
    bad = (c["consumed"] > limit) | (c["overage"] != (c["consumed"] - c["purchased"]).clip(lower=0))
    return _violation(
        "capacity_within_allowance",
        bad,
        c,
        "months consuming beyond their allowance, or with a miscounted overage",
    )


def capacity_accounted(r: Result) -> Violation | None:
    """The months' consumption is exactly what the sessions (and recorded units) charged."""
    c, s = r.capacity, r.sessions
    license_of = {srv.id: srv.license for srv in r.scenario.servers}
    charged = s.groupby(s["server"].astype("object").map(license_of))["capacity_minutes"].sum()
    consumed = c.groupby("license")["consumed"].sum() if len(c) else pd.Series(dtype=float)
    both = pd.DataFrame({"sessions": charged, "capacity": consumed}).fillna(0.0)
    if r.units is not None:
        per_unit = r.scenario.rules.capacity_unit / 60.0
        units = r.units.groupby(r.units["license"].astype("object")).size() * per_unit
        both["units"] = units.reindex(both.index).fillna(0.0)
    both = both.rename_axis("license").reset_index()
    bad = (both.drop(columns="license").sub(both["capacity"], axis=0) != 0).any(axis=1)
    return _violation(
        "capacity_accounted",
        bad,
        both,
        "licenses whose monthly consumption differs from the minutes charged to sessions",
    )


def capacity_denials_after_exhaustion(r: Result) -> Violation | None:
    """A capacity_exhausted denial falls in a month that had run out by then (months with a
    license change are skipped: a smaller allowance can run out without a unit charged)."""
    s, c = r.sessions, r.capacity
    denied = s[s["denied_reason"] == "capacity_exhausted"]
    if denied.empty:
        return None
    license_of = {srv.id: srv.license for srv in r.scenario.servers}
    key = pd.DataFrame(
        {
            "license": denied["server"].astype("object").map(license_of),
            "month": denied["start"].dt.tz_convert("UTC").dt.strftime("%Y-%m"),
        }
    )
    months = c[["license", "month", "exhausted_at"]].astype({"license": "object"})
    months["changed"] = [
        len(_allowances(r.scenario, lic, m)) > 1
        for lic, m in zip(months["license"], months["month"], strict=True)
    ]
    found = key.merge(months, on=["license", "month"], how="left")
    found.index = denied.index
    exhausted_at = pd.to_datetime(found["exhausted_at"], utc=True)
    changed = found["changed"].astype("boolean").fillna(False).astype(bool)
    bad = ~changed & (exhausted_at.isna() | (denied["start"] < exhausted_at))
    return _violation(
        "capacity_denials_after_exhaustion",
        bad,
        denied,
        "sessions denied for exhausted capacity before the month ran out",
    )


def server_state_timeline(r: Result) -> Violation | None:
    """Each server's states tile the run: known states, back to back, no gap or overlap."""
    st = r.server_states.sort_values(["server", "start"], kind="stable")
    sc = r.scenario
    begin, stop = pd.Timestamp(sc.start_at), pd.Timestamp(sc.end_at)
    by = st.groupby("server", observed=True)
    prev_end = by["end"].shift()
    bad = (
        ~st["state"].isin(STATES)
        | (st["end"] < st["start"])
        | (prev_end.notna() & (st["start"] != prev_end))
        | (prev_end.isna() & (st["start"] != begin))
    )
    last = by["end"].transform("max")
    bad |= (st["end"] == last) & (st["end"] < stop)
    missing = {srv.id for srv in sc.servers} - set(st["server"].astype("object"))
    if missing:
        return Violation("server_state_timeline", f"servers without states: {sorted(missing)}")
    return _violation(
        "server_state_timeline",
        bad,
        st,
        "server state rows out of the vocabulary, overlapping, or leaving a gap",
    )


def units_need_the_backend(r: Result) -> Violation | None:
    """Recorded capacity units (``record_units``) start only in a usable state, and on a
    licensed online site only while the backend and the server's link are up."""
    if r.units is None or r.units.empty:
        return None
    u = r.units.copy()
    u["server"] = u["server"].astype("object")
    blocked = _in_spans(u, _spans(r, ("grace", "unlicensed")), "time")
    backend_bound = {
        srv.id
        for srv in r.scenario.servers
        if r.scenario.license(srv.license).activation in ("slk", "delayed_sync")
    }
    licensed = _in_spans(u, _spans(r, ("licensed",)), "time") & u["server"].isin(backend_bound)
    down = _down(r.events, u) & licensed
    return _violation(
        "units_need_the_backend",
        blocked | down,
        u,
        "capacity units started in grace, unlicensed, or while unreachable",
    )


def _down(events: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """Whether the backend or each unit's server link is inside an outage at its time."""
    marks = events[events["kind"].isin(["outage_start", "outage_end"])].copy()
    marks["step"] = np.where(marks["kind"] == "outage_start", 1, -1)
    marks["target"] = marks["server"].astype("object").fillna("")
    down = pd.Series(False, index=units.index)
    for target, m in marks.groupby("target"):
        m = m.sort_values("time", kind="stable")
        open_after = m["step"].cumsum().to_numpy()
        at = np.searchsorted(m["time"].to_numpy(), units["time"].to_numpy(), side="right") - 1
        inside = (at >= 0) & (open_after[np.maximum(at, 0)] > 0)
        on = units["server"] == target if target else pd.Series(True, index=units.index)
        down |= on & inside
    return down


SEAT_ACCESS = ("professional", "analyzer", "user_pass", "named_cal")
"""Access types held by a named user as a seat (licensing-rules §3, §5, §6)."""


def _held_by_distinct_users(sessions: pd.DataFrame) -> pd.DataFrame:
    """Marks (time, step) whose running sum is how many distinct users are in a session:
    each user's overlapping sessions are merged first, so a user counts once."""
    s = sessions.sort_values(["user", "start"], kind="stable")
    user = s["user"].to_numpy()
    start, end = s["start"].to_numpy(), s["end"].to_numpy()
    # A new run of a user's sessions begins where they start after everything before ended.
    reach = s.groupby("user", observed=True)["end"].cummax().shift().to_numpy()
    fresh = np.ones(len(s), dtype=bool)
    same = np.r_[False, user[1:] == user[:-1]]
    fresh[same] = start[same] > reach[same]
    run = np.cumsum(fresh)
    spans = pd.DataFrame({"run": run, "start": start, "end": end}).groupby("run")
    lo, hi = spans["start"].min(), spans["end"].max()
    marks = pd.DataFrame(
        {
            "time": pd.concat([lo, hi], ignore_index=True),
            # Ends sort before starts at one instant: a seat freed can be taken then.
            "step": np.r_[np.ones(len(lo), int), -np.ones(len(hi), int)],
        }
    ).sort_values(["time", "step"], kind="stable")
    marks["users"] = marks["step"].cumsum()
    return marks[marks["step"] > 0]


def _allowed(alloc: pd.DataFrame, local: pd.DataFrame) -> pd.DataFrame:
    """By time: seats bought plus the excess reported (the largest total + excess over the
    license's pools, each at its latest row) plus offline local allocations made so far,
    which are reported as excess only when their server syncs."""
    a = alloc.assign(pool=alloc["pool"].astype("object"), cap=alloc["total"] + alloc["excess"])
    wide = a.pivot_table(index="time", columns="pool", values="cap", aggfunc="last").ffill()
    cap = wide.max(axis=1).rename("cap").reset_index()
    if len(local):
        extra = local.groupby("time").size().cumsum().rename("local").reset_index()
        cap = pd.merge_asof(cap, extra, on="time").fillna({"local": 0})
        more = pd.merge_asof(extra, cap[["time", "cap"]], on="time")
        cap = pd.concat([cap, more], ignore_index=True).sort_values("time", kind="stable")
        cap["local"] = cap["local"].ffill().fillna(0)
        cap["cap"] = cap["cap"].ffill()
        cap["cap"] = cap["cap"] + cap["local"]
    return cap[["time", "cap"]].dropna()


def seats_within_purchase(r: Result) -> Violation | None:
    """Across every server of one license, the distinct users holding a seat of a type at
    any instant (users in a granted session with it) never exceed the seats bought, unless
    the excess is reported: a LEF or SLD on several servers must be an over-deployment that
    reports it, never a silent copy of the seats (licensing-rules §1)."""
    s, a, e = r.sessions, r.allocations, r.events
    license_of = {srv.id: srv.license for srv in r.scenario.servers}
    held = s[s["access"].isin(SEAT_ACCESS) & (s["end"] > s["start"])]
    if held.empty:
        return None
    held = held.assign(
        license=held["server"].astype("object").map(license_of),
        type=held["access"].astype("object"),
        user=held["user"].astype("object"),
    )
    local = e[(e["kind"] == "allocate") & e["detail"].astype(str).str.endswith("(local)")]
    local = local.assign(type=local["detail"].astype(str).str.split(" ").str[0])
    bad: list[dict[str, object]] = []
    for (lic, typ), group in held.groupby(["license", "type"]):
        rows = a[(a["license"].astype("object") == lic) & (a["type"].astype("object") == typ)]
        if rows.empty:
            continue
        mine = local[(local["license"].astype("object") == lic) & (local["type"] == typ)]
        cap = _allowed(rows, mine)
        marks = pd.merge_asof(_held_by_distinct_users(group), cap, on="time")
        over = marks[marks["users"] > marks["cap"]]
        for m in over.head(SAMPLE_ROWS).itertuples(index=False):
            bad.append(
                {"license": lic, "type": typ, "time": m.time, "users": m.users, "allowed": m.cap}
            )
    if not bad:
        return None
    return Violation(
        "seats_within_purchase",
        f"{len(bad)} instants at which more distinct users held a seat across a license's "
        "servers than were bought, with no excess reported",
        pd.DataFrame(bad),
    )


CHECKS: dict[str, Callable[[Result], Violation | None]] = {
    f.__name__: f
    for f in (
        pool_counts,
        excess_explained,
        no_access_when_unlicensed,
        no_allocation_without_backend,
        session_times,
        denial_reasons,
        parallel_limit,
        whole_capacity_units,
        capacity_within_allowance,
        capacity_accounted,
        capacity_denials_after_exhaustion,
        server_state_timeline,
        units_need_the_backend,
        seats_within_purchase,
    )
}
"""Every invariant by name; the names are what a violation reports."""


def describe(violations: list[Violation]) -> str:
    """The violations as printed by ``licsim check``."""
    return "\n".join(str(v) for v in violations)


__all__ = [
    "CHECKS",
    "RunFolderError",
    "Violation",
    "check_result",
    "check_run",
    "describe",
    "load_run",
    "rows_checked",
]
