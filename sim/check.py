"""The invariant checker: rules that every finished run must obey, read off its tables.

The project's design asks that certain things hold in every run whatever the scenario:
a pool never holds more than it has (unless an excess is explained and reported), nobody is
granted access on an unlicensed server, capacity is charged in whole units and never beyond
the allowance, and so on. This module checks them with pandas alone, over the tables of a
run, so that it judges the engine from the outside: it never imports SimPy or the model.

:func:`check_result` checks an in-memory :class:`~sim.result.Result`; :func:`check_run`
reads a folder written by :func:`~sim.result.write_result`, or one stored piece of a sweep
(``runs/variant=…/replication=…``, :mod:`sim.experiments.store`), and runs the same checks.
Each check returns at most one :class:`Violation` carrying a few offending rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outfolder import digest
from sim.recorder import EVENT_KINDS
from sim.result import (
    TABLES,
    Result,
    RunFolderError,
    deployment_pools,
    load_run,
    run_files,
    summary_table,
)
from sim.rules.anonymous import needs_identity
from sim.rules.capacity import unit_minutes
from sim.rules.connectivity import LicenseState
from sim.rules.pool import TEST_POOL_SUFFIX, pool_label, uses_test_pool
from sim.rules.qmc import SIGNED_ACTIVATIONS, Client, holds_parallel_slot
from sim.rules.reasons import DENIAL_REASONS
from sim.rules.session import idle_timeout
from sim.scenario import ADDRESS_CHANGE, Scenario
from sim.scenario.entitlement import Overage

PIECE = "piece.json"
"""What a sweep's piece holds instead of ``metadata.json`` (:mod:`sim.experiments.store`)."""

SAMPLE_ROWS = 5
"""Offending rows kept per violation: enough to find them, little enough to print."""

PER_SITE = ("lef", "sld")
"""Activations whose seats are not shared between servers: one pool per server (§1)."""

SENSE_SEATS = ("professional", "analyzer")
"""The allocations that unlock Qlik Sense Desktop (§2)."""
SEAT_ACCESS = ("professional", "analyzer", "user_pass", "named_cal")
"""Access on a seat allocated by name, whose last use its quarantine and the idle reclaim
count from (licensing-rules §3, §5, §6)."""
PER_SITE = ("lef", "sld")
"""Activations whose servers each keep their own pool; a signed key's pool is shared by
all its servers (licensing-rules §1)."""
QUARANTINE_DETAIL = re.compile(r"^(\w+) until (\S+) \(last used (\S+)\)$")
"""``quarantine`` event detail: the seat type, its end and its last use (seconds since the
run's start, to the millisecond)."""
DETAIL_TOLERANCE = pd.Timedelta(seconds=1)
"""How far a time written in a detail (an ISO timestamp to the second) may be from the
table's own."""

ROUNDING = pd.Timedelta(microseconds=1)
"""How far two table times computed from the same seconds may differ once written as
nanosecond timestamps."""

STATES = tuple(s.value for s in LicenseState)
EXCESS_CAUSES = ("excess", "license_change")
"""Event kinds after which a pool may hold more than its total: a partition's offline
allocations meeting at reconciliation (``excess``), or fewer seats (``license_change``)."""


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
    violation reported is ``complete_run_folder``. A sweep's piece has ``piece.json`` in its
    place (a piece folder with its final name is whole; it records no file digests, so the
    integrity check has nothing to compare). Raises :class:`RunFolderError` when the
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
    run = load_run(folder)
    try:
        found = check_result(run)
    # A table that lost a column or holds text where times belong cannot be judged: the
    # folder is not a licsim run any more, whatever the check that tripped over it.
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as err:
        what = f"missing column {err}" if isinstance(err, KeyError) else f"{err}"
        raise RunFolderError(
            f"{folder}: the tables do not have the columns and types of a licsim run ({what})"
        ) from None
    return found if is_piece(folder) else [*_integrity(folder), *found]


def is_piece(folder: Path) -> bool:
    """Whether ``folder`` is a stored piece of a sweep rather than a ``licsim run`` folder."""
    return (folder / PIECE).is_file() and not (folder / "metadata.json").exists()


def _integrity(folder: Path) -> list[Violation]:
    """Every file of the run is the one it wrote: ``metadata.json`` holds the SHA-256 of each
    (:func:`sim.result.mark_complete`); a file edited, replaced, removed or added among the
    run's outputs afterwards is reported. A folder written before digests were recorded has
    none to compare and passes."""
    try:
        recorded = json.loads((folder / "metadata.json").read_text()).get("files")
    except (OSError, ValueError, AttributeError):
        return [Violation("integrity", "metadata.json is not readable JSON")]
    if recorded is None:
        return []
    present = set(run_files(folder))
    rows = [
        (name, "changed" if name in present else "missing")
        for name, sha in sorted(recorded.items())
        if name not in present or digest(folder / name) != sha
    ]
    rows += [(name, "not written by this run") for name in sorted(present - set(recorded))]
    if not rows:
        return []
    table = pd.DataFrame(rows, columns=["file", "problem"])
    return [
        Violation(
            "integrity",
            f"{len(rows)} file(s) differ from what the run wrote (metadata.json digests)",
            table,
        )
    ]


def rows_checked(result: Result) -> int:
    """How many table rows the checks looked at (for the summary line)."""
    return sum(len(t) for t in result.tables().values())


def _missing_files(folder: Path) -> list[str]:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise RunFolderError(f"{folder}: {what}")
    marker = PIECE if is_piece(folder) else "metadata.json"
    expected = [f"{name}.parquet" for name in TABLES] + ["scenario.json", marker]
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


def _seat_license(sc: Scenario) -> dict[str, str]:
    """Each server's license as its seats are counted: the key's id, or on a test server of
    a key with a separate Test & Development license that license (the ``.test`` pool,
    licensing-rules §3), which holds seats of its own."""
    return {
        srv.id: pool_label(
            srv.license, uses_test_pool(sc.license(srv.license).test_and_development, srv.role)
        )
        for srv in sc.servers
    }


def session_close(r: Result) -> Violation | None:
    """A granted session closes no later than the idle timeout after its user left it
    (``planned_end``), and, unless it was interrupted or the run ended first, no earlier
    than when the user left: the idle tail is open time (licensing-rules §3, §5, §6)."""
    s, sc = r.sessions, r.scenario
    if s.empty:
        return None
    timeout = {
        srv.id: pd.Timedelta(
            seconds=idle_timeout(
                srv.product, sc.rules.session_inactivity, sc.rules.qlikview_idle_timeout
            )
        )
        for srv in sc.servers
    }
    granted = s["access"].notna()
    latest = s["planned_end"] + s["server"].astype("object").map(timeout).astype("timedelta64[ns]")
    early = s["interrupted"].isna() & (s["end"] < s["planned_end"] - ROUNDING)
    early &= s["end"] < pd.Timestamp(sc.end_at)
    return _violation(
        "session_close",
        granted & ((s["end"] > latest + ROUNDING) | early),
        s,
        "granted sessions closing after the idle timeout or, uninterrupted, before their "
        "user left them",
    )


def _pool_of(sc: Scenario) -> dict[str, str]:
    """Each server's pool: one per signed key (and its Test & Development pool), one per
    server on a LEF or SLD (§1)."""
    seat_license = _seat_license(sc)
    return {
        srv.id: (
            f"{srv.license}@{srv.id}"
            if sc.license(srv.license).activation in PER_SITE
            else seat_license[srv.id]
        )
        for srv in sc.servers
    }


def parallel_limit(r: Result) -> Violation | None:
    """No user ever holds more parallel user-based sessions in one pool (license site)
    than the rules allow; a QMC session is one of them on a signed key (§3), and a
    session holds its slot until its close (``end``), idle tail included."""
    s = r.sessions
    sc = r.scenario
    limit = sc.rules.max_parallel_sessions
    signed = (
        s["server"]
        .astype("object")
        .map(
            {srv.id: sc.license(srv.license).activation in SIGNED_ACTIVATIONS for srv in sc.servers}
        )
    )
    slot = holds_parallel_slot(
        s["access"].astype("object").to_numpy(),
        (s["client"] != Client.HUB).to_numpy(),
        signed.to_numpy(dtype=bool),
    )
    held = s[np.asarray(slot, dtype=bool) & (s["end"] > s["start"])]
    if held.empty:
        return None
    pool = held["server"].astype("object").map(_pool_of(r.scenario))
    who = (held["user"].astype("object") + " in " + pool).to_numpy()
    marks = pd.DataFrame(
        {
            "user": np.concatenate([who, who]),
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
        f"{len(users)} users above {limit} parallel sessions in one pool "
        f"(max {int(over['open'].max())}: {', '.join(users[:SAMPLE_ROWS])})",
        held[pd.Series(who, index=held.index).isin(users[:SAMPLE_ROWS])].head(SAMPLE_ROWS),
    )


SEAT_EVENTS = ("allocate", "reconcile", "deallocate", "quarantine", "document_cal", "usage_cal")
"""Event kinds that name the user a seat or CAL is (or was) allocated to."""


def anonymous_without_seats(r: Result) -> Violation | None:
    """An anonymous user never holds a seat: no pool event names one, and none of their
    sessions is granted an access that needs an identity (licensing-rules §4-§6)."""
    anonymous = [g for g in r.scenario.users if g.anonymous]
    if not anonymous:
        return None
    names = {g.user_name(k) for g in anonymous for k in range(g.count)}
    e = r.events
    bad_events = e["kind"].isin(SEAT_EVENTS) & e["user"].isin(names)
    if bad_events.any():
        return _violation(
            "anonymous_without_seats", bad_events, e, "seat events of anonymous users"
        )
    s = r.sessions
    identified = needs_identity(tuple(str(a) for a in s["access"].dropna().unique()))
    bad = s["group"].isin([g.group for g in anonymous]) & s["access"].isin(identified)
    return _violation(
        "anonymous_without_seats", bad, s, "sessions of anonymous users on a seat or named CAL"
    )


def _used_before(r: Result) -> pd.Series:
    """Per ``capacity`` row, the minutes its month had used before the run
    (``capacity_used_at_start``, in the run's first UTC month only)."""
    c, sc = r.capacity, r.scenario
    first = pd.Timestamp(sc.start_at).tz_convert("UTC").strftime("%Y-%m")
    used = {lic.id: float(lic.capacity_used_at_start) for lic in sc.licenses}
    return pd.Series(
        [
            used.get(lic, 0.0) if month == first else 0.0
            for lic, month in zip(c["license"].astype("object"), c["month"], strict=True)
        ],
        index=c.index,
        dtype=float,
    )


def whole_capacity_units(r: Result) -> Violation | None:
    """Capacity is charged in whole units, and only to granted capacity sessions."""
    unit = unit_minutes(r.scenario.rules.capacity_unit)
    s, c = r.sessions, r.capacity
    bad_s = (s["capacity_minutes"] % unit != 0) | (
        (s["access"] != "capacity") & (s["capacity_minutes"] != 0)
    )
    bad_c = (c["used_minutes"] - _used_before(r)) % unit != 0
    if not bad_s.any() and not bad_c.any():
        return None
    rows = pd.concat([s[bad_s], c[bad_c]]).head(SAMPLE_ROWS)
    return Violation(
        "whole_capacity_units",
        f"{int(bad_s.sum())} sessions and {int(bad_c.sum())} months charge minutes that are "
        f"not whole {unit:g}-minute units (or charge a non-capacity session); a month's "
        "minutes used before the run are not counted",
        rows,
    )


def _allowances(sc: Scenario, license_id: str, month: str) -> list[tuple[int, Overage]]:
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
    bad = (c["used_minutes"] > limit) | (
        c["overage_minutes"] != (c["used_minutes"] - c["allocated_minutes"]).clip(lower=0)
    )
    return _violation(
        "capacity_within_allowance",
        bad,
        c,
        "months consuming beyond their allowance, or with a miscounted overage",
    )


def capacity_accounted(r: Result) -> Violation | None:
    """The months' consumption is exactly what the sessions (and recorded units) charged,
    besides the minutes the first month had used before the run."""
    c, s = r.capacity, r.sessions
    license_of = {srv.id: srv.license for srv in r.scenario.servers}
    charged = s.groupby(s["server"].astype("object").map(license_of))["capacity_minutes"].sum()
    during = c["used_minutes"] - _used_before(r)
    consumed = during.groupby(c["license"]).sum() if len(c) else pd.Series(dtype=float)
    both = pd.DataFrame({"sessions": charged, "capacity": consumed}).fillna(0.0)
    if r.units is not None:
        per_unit = unit_minutes(r.scenario.rules.capacity_unit)
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


def capacity_use_accounted(r: Result) -> Violation | None:
    """``capacity_use`` (units by the UTC month each started in) adds up: per license and
    month to the month's consumption during the run (less ``capacity_used_at_start``), per
    user and server to the sessions' capacity minutes, each row to whole units, and to the
    recorded units when there are any."""
    use, c, s = r.capacity_use, r.capacity, r.sessions
    unit = unit_minutes(r.scenario.rules.capacity_unit)
    use = use.assign(
        license=use["license"].astype("object"),
        server=use["server"].astype("object"),
        user=use["user"].astype("object"),
        month=use["month"].astype("object"),
    )
    bad_rows = use["capacity_minutes"] != use["units"] * unit
    found = _violation(
        "capacity_use_accounted", bad_rows, use, "capacity_use rows not units × unit"
    )
    if found:
        return found
    months = pd.DataFrame(
        {
            "capacity": (c["used_minutes"] - _used_before(r))
            .groupby([c["license"].astype("object"), c["month"].astype("object")])
            .sum(),
            "capacity_use": use.groupby(["license", "month"])["capacity_minutes"].sum(),
        }
    ).fillna(0.0)
    if r.units is not None:
        u = r.units
        month = u["time"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
        months["units"] = (
            u.groupby([u["license"].astype("object"), month]).size().reindex(months.index) * unit
        ).fillna(0.0)
    months = months.rename_axis(["license", "month"]).reset_index()
    bad = (months.drop(columns=["license", "month"]).sub(months["capacity"], axis=0) != 0).any(
        axis=1
    )
    found = _violation(
        "capacity_use_accounted",
        bad,
        months,
        "license months whose capacity_use differs from the minutes consumed",
    )
    if found:
        return found
    charged = s[s["capacity_minutes"] > 0]
    users = pd.DataFrame(
        {
            "sessions": charged.groupby(
                [charged["server"].astype("object"), charged["user"].astype("object")]
            )["capacity_minutes"].sum(),
            "capacity_use": use.groupby(["server", "user"])["capacity_minutes"].sum(),
        }
    ).fillna(0.0)
    users = users.rename_axis(["server", "user"]).reset_index()
    return _violation(
        "capacity_use_accounted",
        users["sessions"] != users["capacity_use"],
        users,
        "users whose capacity_use on a server differs from their sessions' capacity minutes",
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


def _no_unit_states(sc: Scenario) -> tuple[str, ...]:
    """States in which no capacity unit may start, given the rules of the run: grace and
    unlicensed always; an offline SLD and a delayed-sync window before the first contact
    unless ``rules.capacity_on_sld`` / ``rules.capacity_on_delayed_sync`` allow it (§2, §4)."""
    states = ["grace", "unlicensed"]
    if not sc.rules.capacity_on_sld:
        states.append("offline_sld")
    if not sc.rules.capacity_on_delayed_sync:
        states.append("delayed_sync")
    return tuple(states)


def _backend_bound(sc: Scenario) -> set[str]:
    return {
        srv.id
        for srv in sc.servers
        if sc.license(srv.license).activation in ("slk", "delayed_sync")
    }


def event_kinds(r: Result) -> Violation | None:
    """Every event is of a kind in the closed vocabulary (:class:`sim.recorder.EventKind`)."""
    e = r.events
    return _violation(
        "event_kinds", ~e["kind"].isin(EVENT_KINDS), e, "events of a kind outside EventKind"
    )


def summary_from_tables(r: Result) -> Violation | None:
    """The ``summary`` table is what the run's other tables and scenario give: derived again
    (:func:`sim.result.summary_table`), every metric has the value and unit recorded. An
    edited total, a deleted denial or a changed seat count shows here."""
    again = summary_table(
        r.scenario, r.sessions, r.allocations, r.server_states, r.capacity, r.launches
    )
    stated = r.summary.assign(metric=r.summary["metric"].astype("object"))
    both = again.merge(
        stated[["metric", "value", "unit"]],
        on="metric",
        how="outer",
        suffixes=("_tables", "_summary"),
        indicator=True,
    )
    bad = (
        (both["_merge"] != "both")
        | ~np.isclose(both["value_tables"], both["value_summary"], rtol=1e-9, atol=1e-9)
        | (both["unit_tables"].astype("object") != both["unit_summary"].astype("object"))
    )
    return _violation(
        "summary_from_tables",
        bad,
        both.drop(columns="_merge"),
        "summary metrics that differ from what the tables give",
    )


def summary_peaks(r: Result) -> Violation | None:
    """``peak_allocated_<type>`` is the highest sum over all pools at one instant (each
    pool's level after every change at that instant), and ``peak_allocated_<type>[pool]``
    each pool's own highest level."""
    a, summary = r.allocations, r.summary
    stated = dict(zip(summary["metric"].astype("object"), summary["value"], strict=True))
    rows = []
    for seat in ("professional", "analyzer"):
        mine = a[a["type"] == seat]
        mine = mine.assign(pool=mine["pool"].astype("object"))
        last = mine.drop_duplicates(["time", "pool"], keep="last")
        wide = last.pivot(index="time", columns="pool", values="allocated").sort_index()
        wide = wide.ffill().fillna(0.0)
        counted = wide[deployment_pools(wide.columns)]
        expected = {
            f"peak_allocated_{seat}": float(counted.sum(axis=1).max()) if len(wide) else 0.0
        }
        expected |= {f"peak_allocated_{seat}[{p}]": float(wide[p].max()) for p in wide.columns}
        rows += [
            {"metric": m, "summary": stated.get(m, np.nan), "allocations": v}
            for m, v in expected.items()
        ]
    table = pd.DataFrame(rows, columns=["metric", "summary", "allocations"])
    return _violation(
        "summary_peaks",
        table["summary"] != table["allocations"],
        table,
        "peak allocation KPIs that differ from the allocations table",
    )


def units_need_the_backend(r: Result) -> Violation | None:
    """Recorded capacity units (``record_units``) start only in a state that allows them,
    and on a licensed online site only while the backend and the server's link are up."""
    if r.units is None or r.units.empty:
        return None
    u = r.units.copy()
    u["server"] = u["server"].astype("object")
    blocked = _in_spans(u, _spans(r, _no_unit_states(r.scenario)), "time")
    licensed = _in_spans(u, _spans(r, ("licensed",)), "time") & u["server"].isin(
        _backend_bound(r.scenario)
    )
    down = _down(r.events, u) & licensed
    return _violation(
        "units_need_the_backend",
        blocked | down,
        u,
        "capacity units started in grace, unlicensed, without any contact with the backend "
        "(an SLD or a delayed-sync window, unless the rules allow it), or while unreachable",
    )


def capacity_needs_the_backend(r: Result) -> Violation | None:
    """A session charged capacity minutes overlaps a moment at which its server could start
    a unit: a licensed online site reaching the backend, or an SLD / delayed-sync window
    where the rules recorded with the run allow capacity without contact (§2, §4)."""
    s = r.sessions
    charged = s[s["capacity_minutes"] > 0]
    if charged.empty:
        return None
    sc = r.scenario
    allowed = ["licensed"]
    if sc.rules.capacity_on_sld:
        allowed.append("offline_sld")
    if sc.rules.capacity_on_delayed_sync:
        allowed.append("delayed_sync")
    spans = _spans(r, tuple(allowed))
    bound = _backend_bound(sc)
    down = _down_intervals(r)
    server = charged["server"].astype("object")
    ok = pd.Series(False, index=charged.index)
    for sid in server.unique():
        mine = spans[spans["server"] == sid]
        if sid not in bound:
            mine = mine[mine["state"] != "licensed"]  # LEF: no capacity at all
        pieces: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        for span in mine.itertuples(index=False):
            cut = down.get(sid, []) if span.state == "licensed" else []
            pieces += _minus(span.start, span.end, cut)
        if not pieces:
            continue
        pieces.sort()
        lo = pd.DatetimeIndex([a for a, _ in pieces])
        hi = pd.DatetimeIndex([b for _, b in pieces])
        rows = charged[server == sid]
        # A unit at t lies in some [lo, hi): the session [start, end] overlaps one piece.
        k = lo.searchsorted(pd.DatetimeIndex(rows["end"]), side="right") - 1
        hit = (k >= 0) & (hi[np.maximum(k, 0)] > pd.DatetimeIndex(rows["start"]))
        ok[rows.index] = hit
    return _violation(
        "capacity_needs_the_backend",
        ~ok,
        charged,
        "sessions charged capacity minutes while their server could start no unit "
        "(grace, unlicensed, unreachable, or no contact with the backend)",
    )


def _down_intervals(r: Result) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """Per server, the intervals in which the backend or the server's link is down, from
    the outage events (an outage without an end lasts to the end of the run)."""
    e = r.events
    marks = e[e["kind"].isin(["outage_start", "outage_end"])]
    stop = pd.Timestamp(r.scenario.end_at)
    per_target: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    target = marks["server"].astype("object").fillna("")
    for name, m in marks.groupby(target):
        m = m.sort_values("time", kind="stable")
        out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        depth, since = 0, None
        for t, kind in zip(m["time"], m["kind"], strict=True):
            depth += 1 if kind == "outage_start" else -1
            if depth == 1 and kind == "outage_start":
                since = t
            elif depth == 0 and since is not None:
                out.append((since, t))
                since = None
        if since is not None:
            out.append((since, stop))
        per_target[str(name)] = out
    backend = per_target.get("", [])
    return {srv.id: sorted(backend + per_target.get(srv.id, [])) for srv in r.scenario.servers}


def _minus(
    a: pd.Timestamp, b: pd.Timestamp, cuts: list[tuple[pd.Timestamp, pd.Timestamp]]
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """``[a, b)`` without the (sorted, possibly overlapping) intervals ``cuts``."""
    out = []
    for x, y in cuts:
        if y <= a or x >= b:
            continue
        if x > a:
            out.append((a, x))
        a = max(a, y)
    if a < b:
        out.append((a, b))
    return out


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


def address_change_outages(r: Result) -> Violation | None:
    """A backend address change cuts off only servers allow-listing the backend by IP
    (§1): an outage with the address-change cause is on such a server, and with the
    changes all scheduled, each such server has exactly one outage per change, from the
    change until ``fix_after`` later (times before the run's start are recorded at it)."""
    sc = r.scenario
    e = r.events
    marks = e[
        e["kind"].isin(["outage_start", "outage_end"])
        & (e["detail"].astype("object") == f"link: {ADDRESS_CHANGE}")
    ]
    by_ip = {s.id: s for s in sc.servers if s.firewall.allow_by == "ip"}
    server = marks["server"].astype("object")
    bad = ~server.isin(list(by_ip))
    missing: list[str] = []
    if sc.backend.random_address_changes is None:
        begin, stop = pd.Timestamp(sc.start_at), pd.Timestamp(sc.end_at)
        changes = [pd.Timestamp(c) for c in sc.backend.address_changes]
        for sid, srv in by_ip.items():
            fix = pd.Timedelta(seconds=srv.firewall.fix_after)
            for kind, times in (
                ("outage_start", [c for c in changes if c < stop]),
                ("outage_end", [c + fix for c in changes if c + fix < stop]),
            ):
                mine = (server == sid) & (marks["kind"] == kind)
                if sorted(marks.loc[mine, "time"]) != sorted(max(t, begin) for t in times):
                    bad |= mine
                    missing += [] if mine.any() else [f"{kind} on {sid}"]
    what = (
        "address-change outages on a server allow-listing the backend by name, or not "
        "from each change to fix_after later"
    )
    if missing and not bad.any():
        return Violation("address_change_outages", f"{what}: no {', '.join(missing)}")
    return _violation("address_change_outages", bad, marks, what)


def _holders(r: Result) -> pd.DataFrame:
    """Professional/Analyzer holdings from the events: +1 at an allocation (a local one,
    made offline or over what a shared pool held, counts when it is reconciled), −1 at a
    deallocation, per license and user."""
    e = r.events
    detail = e["detail"].astype("object").fillna("").astype(str)
    seat = detail.str.split(" ").str[0].str.rstrip(":").isin(SENSE_SEATS)
    gain = ((e["kind"] == "allocate") & ~detail.str.endswith("(local)")) | (
        (e["kind"] == "reconcile") & detail.str.endswith("allocated locally")
    )
    loss = e["kind"] == "deallocate"
    moves = e[seat & (gain | loss)]
    return pd.DataFrame(
        {
            "time": moves["time"],
            "license": moves["license"].astype("object"),
            "user": moves["user"].astype("object"),
            "step": np.where(gain[moves.index], 1, -1),
        }
    )


def _seat_uses(r: Result) -> pd.DataFrame:
    """Every granted session on a seat held by name, keyed by its pool (license and site;
    the site is empty on a shared pool), user and seat type."""
    s, sc = r.sessions, r.scenario
    s = s[s["access"].isin(SEAT_ACCESS)]
    license_of = _seat_license(sc)
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


def _holds(moves: pd.DataFrame, asks: pd.DataFrame) -> pd.Series:
    """Per row of ``asks`` (``time``, ``license``, ``user``), whether the user holds a seat
    of the license just before or just after that time (an allocation and a launch at one
    instant may be resolved in either order)."""

    def keyed(df: pd.DataFrame) -> pd.DataFrame:
        # One key dtype on both sides, whatever the tables were read back as.
        return df.astype({"license": "string", "user": "string"})

    moves = keyed(moves).sort_values("time", kind="stable")
    moves["held"] = moves.groupby(["license", "user"])["step"].cumsum()
    moves = moves[["time", "license", "user", "held"]]
    left = keyed(asks[["time", "license", "user"]]).rename_axis("row").reset_index()
    left = left.sort_values("time", kind="stable")
    held = pd.Series(False, index=asks.index)
    for exact in (True, False):
        found = pd.merge_asof(
            left, moves, on="time", by=["license", "user"], allow_exact_matches=exact
        ).set_index("row")["held"]
        held |= (found.fillna(0) > 0).reindex(asks.index, fill_value=False)
    return held


def desktop_unlocked_with_access(r: Result) -> Violation | None:
    """Qlik Sense Desktop is usable only on the strength of the user's access (§2): a
    launch that reaches the server is usable only if the user holds a Professional or
    Analyzer allocation then; a launch that cannot reach the server is unlocked only
    within the unlock period of the last launch that reached it, and only if that one
    renewed (a reaching launch without access ends the unlock)."""
    la = r.launches
    sense = la[la["product"] == "qlik_sense_desktop"]
    if sense.empty:
        return None
    sc = r.scenario
    unlock = pd.Timedelta(seconds=sc.rules.desktop_unlock)
    moves = _holders(r)
    unlicensed = _spans(r, ("unlicensed",))
    bad = pd.Series(False, index=sense.index)
    for d in sc.desktops:
        mine = sense[sense["desktop"] == d.id].sort_values("time", kind="stable")
        if mine.empty:
            continue
        away = pd.Series(False, index=mine.index)
        for a in d.away:
            away |= (mine["time"] >= pd.Timestamp(a.start)) & (mine["time"] < pd.Timestamp(a.stop))
        on_server = mine.assign(server=d.server)
        reached = ~away & ~_in_spans(on_server, unlicensed, "time")
        license_id = sc.server(d.server).license
        usable = mine["outcome"].isin(["renewed", "unlocked"])
        asks = pd.DataFrame(
            {"time": mine["time"], "license": license_id, "user": mine["user"].astype("object")}
        )
        bad[mine.index[usable & reached & ~_holds(moves, asks)]] = True
        bad[mine.index[(mine["outcome"] == "renewed") & ~reached]] = True
        # The last reaching launch before each one, per user and machine.
        key = mine["user"].astype("object").astype(str) + "#" + mine["machine"].astype(str)
        last_time = mine["time"].where(reached).groupby(key).shift()
        last_outcome = mine["outcome"].astype("object").where(reached).groupby(key).shift()
        last_time = last_time.groupby(key).ffill()
        last_outcome = last_outcome.groupby(key).ffill()
        off = (mine["outcome"] == "unlocked") & ~reached
        valid = (last_outcome == "renewed") & (mine["time"] - last_time < unlock)
        bad[mine.index[off & ~valid.fillna(False).astype(bool)]] = True
    return _violation(
        "desktop_unlocked_with_access",
        bad,
        sense,
        "Qlik Sense Desktop launches usable without the user's access: at a launch that "
        "reached the server, or after one that locked it or more than the unlock period ago",
    )


def qlikview_desktop_licensing(r: Result) -> Violation | None:
    """QlikView Desktop's fixed licensing (§6): an install with a local license is always
    ``local_license`` and no other is; no lease is granted or used where the server does
    not lease ("Allow license lease" off, or ``LICENSE_LEASE;NO;;`` on its LEF) nor to a
    user barred from leasing; and every Personal Edition launch names why."""
    la = r.launches
    qv = la[la["product"] == "qlikview_desktop"]
    if qv.empty:
        return None
    sc = r.scenario
    bad = pd.Series(False, index=qv.index)
    for d in sc.desktops:
        mine = qv[qv["desktop"] == d.id]
        if mine.empty:
            continue
        group = next(g for g in sc.users if g.group == d.users)
        server = sc.server(d.server)
        allowed = server.allow_license_lease and sc.license(server.license).license_lease
        local_users, barred_users = (
            {group.user_name(k) for k in d.members(which, group.count)}
            for which in (d.local_license, d.lease_prohibited)
        )
        user = mine["user"].astype("object")
        local, barred = user.isin(local_users), user.isin(barred_users)
        outcome = mine["outcome"].astype("object")
        reason = mine["denied_reason"].astype("object")
        lease = outcome.isin(["leased", "lease_valid"])
        bad[mine.index[local != (outcome == "local_license")]] = True
        bad[mine.index[lease & (not allowed or barred)]] = True
        # A server that does not lease comes first, then a barred user (§6).
        why = np.where(barred, "lease_prohibited", "personal_edition")
        why = why if allowed else np.full(len(mine), "lease_not_allowed")
        personal = (outcome == "personal_edition") & ~local
        bad[mine.index[personal & (reason != why)]] = True
    return _violation(
        "qlikview_desktop_licensing",
        bad,
        qv,
        "QlikView Desktop launches against the fixed settings: a local license not used "
        "(or claimed without one), a lease where the server does not lease or the user is "
        "barred, or Personal Edition with the wrong reason",
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
    period = pd.Timedelta(seconds=sc.rules.quarantine)
    quarantining = {
        lic.id for lic in sc.licenses if lic.activation == "lef" or sc.rules.quarantine_on_slk
    }
    last = _last_use_before(removed, _seat_uses(r))
    # A remix takes the user passes away with the tokens: nothing is left to quarantine.
    remix = removed["detail"].str.endswith("(remix)")
    # A user access pass is quarantined whatever the key (licensing-rules §5); seats follow
    # the license's activation (§3).
    quarantined = (
        (removed["license"].isin(quarantining) | (removed["type"] == "user_pass"))
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
    until = pd.to_datetime(parsed[1], utc=True, errors="coerce", format="ISO8601")
    used = pd.to_datetime(parsed[2], utc=True, errors="coerce", format="ISO8601")
    quarantines = quarantines.assign(
        recorded_until=until, recorded_last_use=used, malformed=until.isna() | used.isna()
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
    license_of = _seat_license(r.scenario)
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


def _first_contact(
    t: pd.Timestamp, r: Result, down: list[tuple[pd.Timestamp, pd.Timestamp]]
) -> pd.Timestamp | None:
    """A server's first successful contact at or after ``t``: the first instant of the
    contact grid (user syncs and definition refreshes from the run's start) at which
    neither the backend nor its link is down; None at or after the run's end."""
    sc = r.scenario
    start, stop = pd.Timestamp(sc.start_at), pd.Timestamp(sc.end_at)
    grids = (sc.rules.user_sync_interval, sc.rules.definition_refresh_interval)

    def next_tick(at: pd.Timestamp) -> pd.Timestamp:
        # To the millisecond, as the tables hold times.
        s = round((at - start).total_seconds(), 3)
        return start + pd.Timedelta(seconds=min(np.ceil(s / g) * g for g in grids))

    c = next_tick(t)
    while c < stop:
        cut = next((b for a, b in down if a <= c < b), None)
        if cut is None:
            return c
        c = next_tick(cut)
    return None


def local_allocations_synced(r: Result) -> Violation | None:
    """A local allocation (made by a server cut off from the backend, or by an online
    server over what its shared pool held) joins the pool at its server's first
    successful contact at or after it: for a server online then, the next user sync,
    within one sync interval (licensing-rules §1). Its reconcile event names the same
    license, server and user at exactly that instant; one due at or after the run's end
    has none."""
    e = r.events
    detail = e["detail"].astype("object").fillna("").astype(str)
    local = e[(e["kind"] == "allocate") & detail.str.endswith("(local)")]
    if local.empty:
        return None
    rec = e[e["kind"] == "reconcile"]
    key = ["license", "server", "user"]
    rec = rec.assign(**{k: rec[k].astype("object") for k in key})
    down = _down_intervals(r)
    bad = pd.Series(False, index=local.index)
    due_at = pd.Series(pd.NaT, index=local.index, dtype="datetime64[ns, UTC]")
    for i, row in zip(local.index, local.itertuples(index=False), strict=True):
        due = _first_contact(row.time, r, down.get(str(row.server), []))
        mine = rec[
            (rec["license"] == row.license)
            & (rec["server"] == row.server)
            & (rec["user"] == row.user)
            & (rec["time"] >= row.time)
        ]
        if due is None:
            continue
        due_at[i] = due
        bad[i] = mine.empty or mine["time"].min() != due
    return _violation(
        "local_allocations_synced",
        bad,
        local.assign(due=due_at),
        "local allocations not reconciled at their server's first successful contact "
        "after them (the next user sync for a server online)",
    )


def excess_at_sync(r: Result) -> Violation | None:
    """On a signed key's shared pool (production or Test & Development) excess rises only
    where it is explained at that very instant: local allocations reconciled at a sync
    (two servers each giving away the last seat within one sync interval, or a partition)
    or a license change leaving fewer seats. A LEF or SLD pool is left to
    ``excess_explained``: its over-deployment rows rise at allocations."""
    a, e, sc = r.allocations, r.events, r.scenario
    signed = {lic.id for lic in sc.licenses if lic.activation in ("slk", "delayed_sync")}
    pool = a["pool"].astype("object").astype(str)
    base = pool.str.removesuffix(TEST_POOL_SUFFIX)
    shared = base.isin(signed) & ~pool.str.contains("@", regex=False)
    rows = a[shared].assign(pool=pool[shared], base=base[shared], type=a["type"].astype(str))
    if rows.empty:
        return None
    rows = rows.sort_values("time", kind="stable")
    before = rows.groupby(["pool", "type"])["excess"].shift().fillna(0)
    rises = rows[rows["excess"] > before]
    detail = e["detail"].astype("object").fillna("").astype(str)
    synced = e[(e["kind"] == "reconcile") & detail.str.endswith("allocated locally")]
    changed = e[e["kind"] == "license_change"]
    at_sync = set(zip(synced["license"].astype(str), synced["time"], strict=True))
    at_change = set(zip(changed["license"].astype(str), changed["time"], strict=True))
    ok = [
        (p, t) in at_sync or (b, t) in at_change
        for p, b, t in zip(rises["pool"], rises["base"], rises["time"], strict=True)
    ]
    bad = pd.Series(~np.array(ok, dtype=bool), index=rises.index)
    return _violation(
        "excess_at_sync",
        bad,
        a.loc[rises.index],
        "rises of excess on a signed key's pool with no local allocation reconciled nor "
        "license change at that instant",
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
        session_close,
        parallel_limit,
        anonymous_without_seats,
        whole_capacity_units,
        capacity_within_allowance,
        capacity_accounted,
        capacity_use_accounted,
        capacity_denials_after_exhaustion,
        server_state_timeline,
        event_kinds,
        summary_from_tables,
        summary_peaks,
        units_need_the_backend,
        capacity_needs_the_backend,
        address_change_outages,
        desktop_unlocked_with_access,
        qlikview_desktop_licensing,
        last_use_vs_sessions,
        seats_within_purchase,
        local_allocations_synced,
        excess_at_sync,
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
