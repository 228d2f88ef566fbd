"""Local allocations join the shared pool at the next contact (licensing-rules §1).

A server cut off from the backend, or an online one allocating over what its view of a
shared pool held, allocates locally; the allocation is reconciled at the server's first
successful contact after it (for a server online, the next user sync). Only there, or at
a license change leaving fewer seats, may the excess of a signed key's shared pool rise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.check.outages import down_intervals
from sim.check.pools import ONLINE_SIGNED
from sim.check.violation import Violation, violation_of
from sim.result import Result
from sim.rules.pool import TEST_POOL_SUFFIX


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
    down = down_intervals(r)
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
    return violation_of(
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
    signed = {lic.id for lic in sc.licenses if lic.activation in ONLINE_SIGNED}
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
    return violation_of(
        "excess_at_sync",
        bad,
        a.loc[rises.index],
        "rises of excess on a signed key's pool with no local allocation reconciled nor "
        "license change at that instant",
    )
