"""Denials: session attempts refused, why, and how often.

A *denied* session is an attempt with a ``denied_reason`` (the closed vocabulary of
:class:`sim.rules.DenialReason`). The **denial %** is denied / attempted × 100, where
attempted counts every row of ``sessions`` (granted or denied). Breakdowns by server,
product, user group or directory go through ``by=`` (see :mod:`sim.reports.common`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .common import by_column, coded

if TYPE_CHECKING:
    from sim.result import Result


def denial_rate(result: Result, by: str | None = None) -> pd.DataFrame:
    """``attempted``, ``granted``, ``denied`` and ``denial_pct`` (per ``by`` if given)."""
    s = result.sessions
    denied = s["denied_reason"].notna().to_numpy()
    keys = by_column(by)
    if keys:
        # Counted on the column's codes: millions of sessions, a handful of values.
        codes, names = coded(s[keys[0]])
        slot = np.where(codes < 0, len(names), codes)
        attempted = np.bincount(slot, minlength=len(names) + 1)
        out = pd.DataFrame(
            {
                keys[0]: np.array([*names, np.nan], dtype=object),
                "attempted": attempted,
                "denied": np.bincount(slot[denied], minlength=len(names) + 1),
            }
        )
        out = out[out["attempted"] > 0].sort_values(keys[0], na_position="last", kind="stable")
    else:
        out = pd.DataFrame({"attempted": [len(s)], "denied": [int(denied.sum())]})
    out["granted"] = out["attempted"] - out["denied"]
    out["denial_pct"] = (
        100.0 * out["denied"] / out["attempted"].where(out["attempted"] > 0)
    ).fillna(0.0)
    return out[[*keys, "attempted", "granted", "denied", "denial_pct"]].reset_index(drop=True)


def denials_by_reason(result: Result, by: str | None = None) -> pd.DataFrame:
    """Denied sessions per reason (per ``by`` too), with their share of all attempts
    (``pct_of_attempts``) and of all denials (``pct_of_denials``); only reasons that occur."""
    s = result.sessions
    keys = by_column(by)
    d = s[s["denied_reason"].notna()]
    cols = [*keys, "reason", "denied", "pct_of_attempts", "pct_of_denials"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame({"reason": d["denied_reason"].astype(str)})
    for k in keys:
        frame[k] = d[k].astype(object)
    out = frame.groupby([*keys, "reason"], dropna=False).size().rename("denied").reset_index()
    out["pct_of_attempts"] = 100.0 * out["denied"] / len(s)
    out["pct_of_denials"] = 100.0 * out["denied"] / len(d)
    return out.sort_values([*keys, "denied"], ascending=[True] * len(keys) + [False])[
        cols
    ].reset_index(drop=True)


def denials_over_time(result: Result, freq: str = "D") -> pd.DataFrame:
    """Denied sessions per period (``freq``, local time) and reason: periods as rows,
    reasons as columns; empty when nothing was denied."""
    s = result.sessions
    d = s[s["denied_reason"].notna()]
    if d.empty:
        return pd.DataFrame()
    reason = d["denied_reason"].astype(str)
    table = d.groupby([d["start"].dt.floor(freq), reason]).size().unstack(fill_value=0)
    table.columns.name = "denied_reason"
    return table.sort_index()
