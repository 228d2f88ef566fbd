"""Invariants that hold in every run, over random small scenarios (hypothesis).

- allocated + quarantined ≤ total at every change of every pool;
- no session is granted on, or runs into, an unlicensed period of its server;
- no capacity unit starts while the backend or the server's link is down, or in grace;
- capacity minutes are whole units, per session and per month;
- consumed ≤ purchased when overage is off (≤ purchased + ceiling with one);
- the same scenario and seed give identical tables.
"""

from typing import Any

import pandas as pd
from hypothesis import given, settings
from strategies import scenarios

from sim import parse_scenario, simulate


def check_invariants(r) -> None:  # type: ignore[no-untyped-def]
    a = r.allocations
    assert (a["allocated"] + a["quarantined"] <= a["total"]).all()
    assert (a["excess"] == 0).all()

    s = r.sessions
    granted = s[s["access"].notna()]
    assert s.loc[s["access"].isna(), "denied_reason"].notna().all()
    assert granted["denied_reason"].isna().all()
    assert (granted["end"] >= granted["start"]).all()
    unlicensed = r.server_states[r.server_states["state"] == "unlicensed"]
    for span in unlicensed.itertuples():
        on = granted[granted["server"] == span.server]
        overlap = (on["start"] < span.end) & (on["end"] > span.start)
        assert not overlap.any(), on[overlap]

    unit = r.scenario.rules.capacity_unit / 60
    assert ((s["capacity_minutes"] % unit) == 0).all()
    assert (s.loc[s["access"] != "capacity", "capacity_minutes"] == 0).all()
    online = r.server_states[r.server_states["state"] == "licensed"]
    outage_events = r.events[r.events["kind"].isin(["outage_start", "outage_end"])]
    for u in r.units.itertuples():
        spans = online[
            (online["server"] == u.server) & (online["start"] <= u.time) & (online["end"] > u.time)
        ]
        assert len(spans) == 1, f"unit at {u.time} outside a licensed span"
        assert not _down(outage_events, u.server, u.time), f"unit at {u.time} while unreachable"

    lic = r.scenario.licenses[0]
    c = r.capacity
    if len(c):
        assert ((c["consumed"] % unit) == 0).all()
        assert c["consumed"].sum() == s["capacity_minutes"].sum() == len(r.units) * unit
        if lic.overage == "none":
            assert (c["consumed"] <= c["purchased"]).all()
        elif lic.overage != "unlimited":
            assert (c["consumed"] <= c["purchased"] + lic.overage).all()


def _down(events: pd.DataFrame, server: str, t: pd.Timestamp) -> bool:
    """Whether the backend or ``server``'s link is inside an outage at ``t``, from events."""
    for target in (None, server):
        ev = (
            events[events["server"].isna()]
            if target is None
            else events[events["server"] == target]
        )
        before = ev[ev["time"] <= t]
        if (before["kind"] == "outage_start").sum() > (before["kind"] == "outage_end").sum():
            return True
    return False


@settings(max_examples=40)
@given(scenarios())
def test_invariants_hold_in_random_scenarios(data: dict[str, Any]) -> None:
    check_invariants(simulate(parse_scenario(data), record_units=True))


@settings(max_examples=8)
@given(scenarios())
def test_same_scenario_and_seed_give_identical_tables(data: dict[str, Any]) -> None:
    sc = parse_scenario(data)
    first, second = simulate(sc), simulate(sc)
    for name, table in first.tables().items():
        pd.testing.assert_frame_equal(table, second.tables()[name], obj=name)
