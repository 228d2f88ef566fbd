"""Analyzer Capacity needs contact with the backend (licensing-rules §2, §4).

A capacity unit starts only where one may: never in grace or unlicensed, on an offline
SLD or in a delayed-sync window before the first contact only if the run's rules allow it,
and on a licensed online site only while the backend and the server's link are up. A
session charged capacity minutes overlaps at least one such moment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.check.outages import down_intervals
from sim.check.pools import ONLINE_SIGNED
from sim.check.states import in_spans, state_spans
from sim.check.violation import Violation, violation_of
from sim.result import Result
from sim.scenario import Scenario


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
    return {srv.id for srv in sc.servers if sc.license(srv.license).activation in ONLINE_SIGNED}


def units_need_the_backend(r: Result) -> Violation | None:
    """Recorded capacity units (``record_units``) start only in a state that allows them,
    and on a licensed online site only while the backend and the server's link are up."""
    if r.units is None or r.units.empty:
        return None
    u = r.units.copy()
    u["server"] = u["server"].astype("object")
    blocked = in_spans(u, state_spans(r, _no_unit_states(r.scenario)), "time")
    licensed = in_spans(u, state_spans(r, ("licensed",)), "time") & u["server"].isin(
        _backend_bound(r.scenario)
    )
    down = _down(r.events, u) & licensed
    return violation_of(
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
    spans = state_spans(r, tuple(allowed))
    bound = _backend_bound(sc)
    down = down_intervals(r)
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
    return violation_of(
        "capacity_needs_the_backend",
        ~ok,
        charged,
        "sessions charged capacity minutes while their server could start no unit "
        "(grace, unlicensed, unreachable, or no contact with the backend)",
    )


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
