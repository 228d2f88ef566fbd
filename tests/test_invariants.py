"""Invariants that hold in every run, over random small scenarios (hypothesis).

- allocated + quarantined ≤ total at every change of every pool;
- no session is granted on, or runs into, an unlicensed period of its server;
- no capacity unit starts while the backend or the server's link is down, or in grace;
- capacity minutes are whole units, per session and per month;
- consumed ≤ purchased when overage is off (≤ purchased + ceiling with one);
- the same scenario and seed give identical tables.
"""

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import parse_scenario, simulate

START = datetime(2026, 1, 26)


@st.composite
def outages(draw: st.DrawFn, days: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        at = START + timedelta(minutes=draw(st.integers(0, days * 1440 - 1)))
        out.append({"start": at.isoformat(), "duration": f"{draw(st.integers(1, 6000))}min"})
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.integers(3, 12))
    pro = draw(st.integers(0, 4))
    analyzer = draw(st.integers(0, 6)) if pro else 0
    capacity = draw(st.sampled_from([0, 6, 60, 300, 2000]))
    overage = draw(st.sampled_from(["none", "unlimited", 30])) if capacity else "none"
    n_servers = draw(st.integers(1, 2))
    servers = [
        {
            "id": f"s{i}",
            "role": "production" if i == 0 else "test",
            "license": "lic",
            "link_outages": draw(outages(days)),
        }
        for i in range(n_servers)
    ]
    groups = []
    for g in range(draw(st.integers(1, 3))):
        access = draw(
            st.lists(
                st.sampled_from(["professional", "analyzer", "capacity"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        groups.append(
            {
                "group": f"g{g}",
                "count": draw(st.integers(1, 8)),
                "access": access,
                "servers": [s["id"] for s in servers][: draw(st.integers(1, n_servers))],
                "behaviour": {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "sessions_per_day": draw(st.sampled_from([0.5, 2, 4])),
                    "clicks_per_session": draw(st.sampled_from([0, 3, 40])),
                    "click_gap": draw(st.sampled_from(["20s", "45s", "3min"])),
                    "session_break": draw(st.sampled_from(["0s", "2min", "1h"])),
                    "devices": draw(st.integers(1, 3)),
                },
            }
        )
    return {
        "name": "random",
        "seed": draw(st.integers(0, 1000)),
        "start": START.isoformat(),
        "duration": f"{days}d",
        "timezone": draw(st.sampled_from(["UTC", "Europe/Stockholm", "Asia/Kolkata"])),
        "rules": {
            "grace": draw(st.sampled_from(["5min", "2h", "72h"])),
            "max_parallel_sessions": draw(st.integers(1, 5)),
        },
        "backend": {"outages": draw(outages(days))},
        "licenses": [
            {
                "id": "lic",
                "professional": pro,
                "analyzer": analyzer,
                "capacity_minutes": capacity,
                "overage": overage,
                "allocation": {
                    "professional": draw(st.sampled_from(["manual", "dynamic"])),
                    "analyzer": draw(st.sampled_from(["manual", "dynamic"])),
                },
            }
        ],
        "servers": servers,
        "users": groups,
    }


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
