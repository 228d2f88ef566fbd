"""Outages: when a server was not fully licensed, and what it cost the users.

An *outage interval* here is a ``server_states`` row whose state is not ``licensed``:
``grace`` (no contact with the backend, still serving within the grace period),
``unlicensed`` (grace expired or never activated), ``offline_sld`` or ``delayed_sync``.
Its **impact** is the session attempts on that server that started inside the interval,
and how many of those were denied (and why, most frequent reason first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .common import window

if TYPE_CHECKING:
    from sim.result import Result

COLUMNS = [
    "server",
    "state",
    "start",
    "end",
    "hours",
    "reason",
    "attempted",
    "denied",
    "denial_pct",
    "main_denial_reason",
]


def outage_impact(result: Result) -> pd.DataFrame:
    """One row per non-licensed server-state interval with the sessions it touched."""
    st = result.server_states
    st = st[st["state"] != "licensed"]
    s = result.sessions
    rows = []
    for row in st.itertuples(index=False):
        inside = s[(s["server"] == row.server) & (s["start"] >= row.start) & (s["start"] < row.end)]
        denied = inside["denied_reason"].dropna().astype(str)
        # Intervals without a reason come out of the result's str() conversion as "nan".
        reason = row.reason if isinstance(row.reason, str) and row.reason != "nan" else None
        rows.append(
            {
                "server": row.server,
                "state": row.state,
                "start": row.start,
                "end": row.end,
                "hours": (row.end - row.start).total_seconds() / 3600.0,
                "reason": reason,
                "attempted": len(inside),
                "denied": len(denied),
                "denial_pct": 100.0 * len(denied) / len(inside) if len(inside) else 0.0,
                "main_denial_reason": denied.value_counts().index[0] if len(denied) else None,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def network_outages(result: Result) -> pd.DataFrame:
    """Link and backend outages as intervals: server (None for the backend), start, end
    and the outage's description; overlapping outages of one target merge, and one still
    open at the end of the run ends there."""
    ev = result.events[result.events["kind"].isin(["outage_start", "outage_end"])]
    _, end = window(result)
    rows = []
    for server, mine in ev.groupby(ev["server"].astype(object).fillna(""), sort=True):
        depth, opened, detail = 0, None, None
        for row in mine.sort_values("time", kind="stable").itertuples(index=False):
            if row.kind == "outage_start":
                if depth == 0:
                    opened, detail = row.time, row.detail
                depth += 1
            elif depth > 0:
                depth -= 1
                if depth == 0:
                    rows.append((server or None, opened, row.time, detail))
        if depth > 0:
            rows.append((server or None, opened, end, detail))
    return pd.DataFrame(rows, columns=["server", "start", "end", "detail"])
