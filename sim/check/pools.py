"""Seats and pools (licensing-rules §1, §3): a pool never holds more than it has.

Allocated plus quarantined seats stay within the total unless an excess is reported, and
an excess appears only after a partition's reconciliation or a license change. Across
every server of one license, no more distinct users hold a seat at any instant than were
bought: a LEF or SLD deployed on several servers is an over-deployment that reports its
excess, never a silent copy of the seats. The module also says how the other checks key a
seat: which activations keep a pool per server, and which accesses are seats held by name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.check.violation import SAMPLE_ROWS, Violation, violation_of
from sim.result import Result
from sim.rules.pool import pool_label, uses_test_pool
from sim.scenario import Scenario

PER_SITE = ("lef", "sld")
"""Activations whose servers each keep their own pool; a signed key's pool is shared by
all its servers (licensing-rules §1)."""
ONLINE_SIGNED = ("slk", "delayed_sync")
"""Activations of a signed key whose servers reach the license backend, online or in the
delayed-sync mode: one shared pool on the backend (an SLD is signed, but offline, §1)."""
SEAT_ACCESS = ("professional", "analyzer", "user_pass", "named_cal")
"""Access on a seat allocated by name, whose last use its quarantine and the idle reclaim
count from (licensing-rules §3, §5, §6)."""


def seat_license_by_server(sc: Scenario) -> dict[str, str]:
    """Each server's license as its seats are counted: the key's id, or on a test server of
    a key with a separate Test & Development license that license (the ``.test`` pool,
    licensing-rules §3), which holds seats of its own."""
    return {
        srv.id: pool_label(
            srv.license, uses_test_pool(sc.license(srv.license).test_and_development, srv.role)
        )
        for srv in sc.servers
    }


EXCESS_CAUSES = ("excess", "license_change")
"""Event kinds after which a pool may hold more than its total: a partition's offline
allocations meeting at reconciliation (``excess``), or fewer seats (``license_change``)."""


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
    return violation_of(
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
    return violation_of(
        "excess_explained",
        bad,
        a,
        "pool rows with excess before any partition (excess event) or license change",
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
    license_of = seat_license_by_server(r.scenario)
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
