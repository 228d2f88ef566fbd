"""Qlik Sense Desktop and QlikView Desktop licensing (licensing-rules §2, §6).

Qlik Sense Desktop is usable only on the strength of the user's Professional or Analyzer
allocation, and away from the server only within the unlock period of the last launch
that renewed it. QlikView Desktop follows its fixed settings: a local license when the
install has one, a lease only where the server and the license allow it and the user is
not barred, and Personal Edition naming why otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.check.states import in_spans, state_spans
from sim.check.violation import Violation, violation_of
from sim.result import Result

SENSE_SEATS = ("professional", "analyzer")
"""The allocations that unlock Qlik Sense Desktop (§2)."""


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
    unlicensed = state_spans(r, ("unlicensed",))
    bad = pd.Series(False, index=sense.index)
    for d in sc.desktops:
        mine = sense[sense["desktop"] == d.id].sort_values("time", kind="stable")
        if mine.empty:
            continue
        away = pd.Series(False, index=mine.index)
        for a in d.away:
            away |= (mine["time"] >= pd.Timestamp(a.start)) & (mine["time"] < pd.Timestamp(a.stop))
        on_server = mine.assign(server=d.server)
        reached = ~away & ~in_spans(on_server, unlicensed, "time")
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
    return violation_of(
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
    return violation_of(
        "qlikview_desktop_licensing",
        bad,
        qv,
        "QlikView Desktop launches against the fixed settings: a local license not used "
        "(or claimed without one), a lease where the server does not lease or the user is "
        "barred, or Personal Edition with the wrong reason",
    )
