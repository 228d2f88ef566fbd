"""Outages of the backend and of each server's link (licensing-rules §1, §2).

A backend address change cuts off only the servers that allow-list the backend by IP,
each once per change until its ``fix_after``. The intervals in which a server cannot reach
the backend, read off the outage events, are what the capacity and sync checks test
contact against.
"""

from __future__ import annotations

import pandas as pd

from sim.check.violation import Violation, violation_of
from sim.result import Result
from sim.scenario import ADDRESS_CHANGE


def down_intervals(r: Result) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
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
    return violation_of("address_change_outages", bad, marks, what)
