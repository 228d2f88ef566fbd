"""Sessions and the access they were given (licensing-rules §3-§6).

Sessions start and end inside the run and a denied attempt lasts no time; a denial or an
interruption carries one reason from the closed vocabulary; a granted session closes no
later than the idle timeout after its user left it; no user holds more parallel sessions
in one pool than the rules allow; an anonymous user never holds a seat or a named CAL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.check.pools import PER_SITE, seat_license_by_server
from sim.check.violation import SAMPLE_ROWS, Violation, violation_of
from sim.result import Result
from sim.rules.anonymous import needs_identity
from sim.rules.qmc import SIGNED_ACTIVATIONS, Client, holds_parallel_slot
from sim.rules.reasons import DENIAL_REASONS
from sim.rules.session import idle_timeout
from sim.scenario import Scenario

ROUNDING = pd.Timedelta(microseconds=1)
"""How far two table times computed from the same seconds may differ once written as
nanosecond timestamps."""


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
    return violation_of(
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
    return violation_of(
        "denial_reasons",
        bad,
        s,
        "sessions whose denial or interruption "
        "reason is missing, unknown or on the wrong kind of session",
    )


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
    return violation_of(
        "session_close",
        granted & ((s["end"] > latest + ROUNDING) | early),
        s,
        "granted sessions closing after the idle timeout or, uninterrupted, before their "
        "user left them",
    )


def _pool_of(sc: Scenario) -> dict[str, str]:
    """Each server's pool: one per signed key (and its Test & Development pool), one per
    server on a LEF or SLD (§1)."""
    seat_license = seat_license_by_server(sc)
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
        return violation_of(
            "anonymous_without_seats", bad_events, e, "seat events of anonymous users"
        )
    s = r.sessions
    identified = needs_identity(tuple(str(a) for a in s["access"].dropna().unique()))
    bad = s["group"].isin([g.group for g in anonymous]) & s["access"].isin(identified)
    return violation_of(
        "anonymous_without_seats", bad, s, "sessions of anonymous users on a seat or named CAL"
    )
