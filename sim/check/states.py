"""Server license states and what they forbid (licensing-rules §2).

Each server's states tile the run: known states, back to back, with no gap or overlap.
No session is granted on, or runs into, an unlicensed period of its server, and a server
in grace or unlicensed makes no allocation on the backend, only local ones. The spans of
states are also what the capacity and desktop checks test times against.
"""

from __future__ import annotations

import pandas as pd

from sim.check.violation import Violation, violation_of
from sim.result import Result
from sim.rules.connectivity import LicenseState

STATES = tuple(s.value for s in LicenseState)


def state_spans(r: Result, states: tuple[str, ...]) -> pd.DataFrame:
    st = r.server_states
    return st[st["state"].isin(states)][["server", "state", "start", "end"]]


def in_spans(
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
    return violation_of(
        "server_state_timeline",
        bad,
        st,
        "server state rows out of the vocabulary, overlapping, or leaving a gap",
    )


def no_access_when_unlicensed(r: Result) -> Violation | None:
    """No session is granted on, or runs into, an unlicensed period of its server."""
    s = r.sessions
    granted = s[s["access"].notna()]
    bad = in_spans(granted, state_spans(r, ("unlicensed",)), "start", "end")
    return violation_of(
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
    bad = in_spans(alloc, state_spans(r, ("grace", "unlicensed")), "time")
    return violation_of(
        "no_allocation_without_backend",
        bad,
        alloc,
        "allocations made by a server in grace or unlicensed",
    )
