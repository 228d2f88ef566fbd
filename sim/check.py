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
import re
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

SEAT_ACCESS = ("professional", "analyzer", "user_pass", "named_cal")
"""Access on a seat allocated by name, whose last use its quarantine and the idle reclaim
count from (licensing-rules §3, §5, §6)."""
PER_SITE = ("lef", "sld")
"""Activations whose servers each keep their own pool; a signed key's pool is shared by
all its servers (licensing-rules §1)."""
QUARANTINE_DETAIL = re.compile(r"^(\w+) until (-?[\d.]+) s \(last used (-?[\d.]+) s\)$")
"""``quarantine`` event detail: the seat type, its end and its last use (seconds since the
run's start, to the millisecond)."""
DETAIL_TOLERANCE = pd.Timedelta(milliseconds=1)
"""How far a time written in a detail (to 3 decimals) may be from the table's own."""

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


def _seat_uses(r: Result) -> pd.DataFrame:
    """Every granted session on a seat held by name, keyed by its pool (license and site;
    the site is empty on a shared pool), user and seat type."""
    s, sc = r.sessions, r.scenario
    s = s[s["access"].isin(SEAT_ACCESS)]
    license_of = {srv.id: srv.license for srv in sc.servers}
    per_site = {lic.id for lic in sc.licenses if lic.activation in PER_SITE}
    server = s["server"].astype("object")
    lic = server.map(license_of)
    return pd.DataFrame(
        {
            "license": lic,
            "site": server.where(lic.isin(per_site), ""),
            "user": s["user"].astype("object"),
            "type": s["access"].astype("object"),
            "start": s["start"],
        }
    )


def _pool_events(r: Result, kind: str) -> pd.DataFrame:
    """Pool events of one kind keyed like :func:`_seat_uses` (a pool event names its site
    as its server; the seat type is the first word of its detail)."""
    e = r.events
    e = e[(e["kind"] == kind) & e["user"].notna()]
    detail = e["detail"].astype("object").fillna("")
    return pd.DataFrame(
        {
            "time": e["time"],
            "license": e["license"].astype("object"),
            "site": e["server"].astype("object").fillna(""),
            "user": e["user"].astype("object"),
            "type": detail.str.split().str[0],
            "detail": detail,
        }
    )


def _last_use_before(at: pd.DataFrame, uses: pd.DataFrame) -> pd.Series:
    """For each row of ``at``, the start of the latest seat use on its pool, user and seat
    type before its ``time`` (NaT if none). Admin work at an instant comes before the
    sessions starting then."""
    key = ["license", "site", "user", "type"]
    pairs = at[[*key, "time"]].reset_index(names="row").merge(uses, on=key)
    pairs = pairs[pairs["start"] < pairs["time"]]
    return pairs.groupby("row")["start"].max().reindex(at.index)


def last_use_vs_sessions(r: Result) -> Violation | None:
    """A removed seat is quarantined exactly when its holder's last granted session on it
    started within the quarantine period before the removal, and until that period after
    that start (a seat not used within it, or never, is released at once); and the idle
    reclaim never releases a seat whose holder had a session on it within ``idle``."""
    sc = r.scenario
    removed = _pool_events(r, "deallocate")
    quarantines = _pool_events(r, "quarantine")
    if removed.empty and quarantines.empty:
        return None
    begin = pd.Timestamp(sc.start_at)
    period = pd.Timedelta(seconds=sc.rules.quarantine)
    quarantining = {
        lic.id for lic in sc.licenses if lic.activation == "lef" or sc.rules.quarantine_on_slk
    }
    last = _last_use_before(removed, _seat_uses(r))
    # A remix takes the user passes away with the tokens: nothing is left to quarantine.
    remix = removed["detail"].str.endswith("(remix)")
    quarantined = (
        removed["license"].isin(quarantining)
        & ~remix
        & last.notna()
        & (removed["time"] - last < period)
    )
    removed = removed.assign(
        last_use=last,
        expected_until=(last + period).where(quarantined),
        quarantined=quarantined,
    )
    parsed = quarantines["detail"].str.extract(QUARANTINE_DETAIL)
    quarantines = quarantines.assign(
        recorded_until=begin + pd.to_timedelta(parsed[1].astype(float), unit="s"),
        recorded_last_use=begin + pd.to_timedelta(parsed[2].astype(float), unit="s"),
        malformed=parsed[0].isna(),
    )
    key = ["time", "license", "site", "user", "type"]
    both = removed.merge(
        quarantines[[*key, "recorded_until", "recorded_last_use", "malformed"]],
        on=key,
        how="outer",
        indicator=True,
    )
    recorded = both["_merge"] != "left_only"
    orphan = both["_merge"] == "right_only"
    expected = both["quarantined"].astype("boolean").fillna(False).astype(bool)
    off = ((both["recorded_until"] - both["expected_until"]).abs() > DETAIL_TOLERANCE) | (
        (both["recorded_last_use"] - both["last_use"]).abs() > DETAIL_TOLERANCE
    )
    bad = orphan | (expected != recorded) | (expected & recorded & (off | both["malformed"]))
    reclaim_idle = {lic.id: lic.reclaim.idle for lic in sc.licenses if lic.reclaim is not None}
    reclaimed = both["detail"].fillna("").str.contains("(reclaim:", regex=False)
    idle = pd.to_timedelta(both["license"].map(reclaim_idle), unit="s")
    used_recently = reclaimed & (both["time"] - both["last_use"] < idle)
    bad |= used_recently
    cols = ["time", "license", "site", "user", "type", "detail", "last_use", "expected_until"]
    cols += ["recorded_until"]
    return _violation(
        "last_use_vs_sessions",
        bad,
        both[cols],
        "seat removals whose quarantine (or its absence, or its end) does not follow the "
        "holder's last session on the seat, or idle reclaims of a seat used within the idle "
        "period",
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
        last_use_vs_sessions,
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
