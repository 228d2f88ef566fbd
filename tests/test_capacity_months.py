"""Capacity minutes count in the UTC month each unit starts in, in every report.

A session that runs across 00:00 UTC on the 1st charges the units before the reset to the
old month and the units after it to the new one; the ``capacity_use`` table keeps that
split per user, and the per-user report and the burn-down add up to the ``capacity``
table month by month.
"""

import pandas as pd
import pytest

from sim import parse_scenario, simulate
from sim.model.engine import run_engine
from sim.reports import burn_down, user_capacity_minutes
from sim.result import build_result


def crossing() -> dict:
    return {
        "name": "month-crossing",
        "start": "2026-01-30T00:00",
        "duration": "5d",
        "timezone": "UTC",
        "licenses": [{"id": "cap", "capacity_minutes": 1000}],
        "servers": [{"id": "prod", "license": "cap"}],
        "users": [
            {
                "group": "field",
                "count": 1,
                "access": "capacity",
                "servers": ["prod"],
                "sessions": [
                    # units at 09:00 and 09:07: 12 minutes in January
                    {"at": "2026-01-30T09:00", "activity": ["0s", "7min"]},
                    # 23:57 (January; covers 00:01), 00:07 and 00:14 (February): 6 + 12
                    {"at": "2026-01-31T23:57", "activity": ["0s", "4min", "10min", "17min"]},
                    # one unit in February
                    {"at": "2026-02-02T10:00", "activity": ["0s"]},
                ],
            }
        ],
    }


def test_a_session_across_the_reset_charges_both_months() -> None:
    r = simulate(parse_scenario(crossing()), record_units=True)
    consumed = r.capacity.set_index("month")["used_minutes"]
    assert consumed.to_dict() == {"2026-01": 18.0, "2026-02": 18.0}
    per = user_capacity_minutes(r).set_index("month")
    assert per["capacity_minutes"].to_dict() == {"2026-01": 18.0, "2026-02": 18.0}
    # sessions started in the month: two in January, one in February
    assert per["sessions"].to_dict() == {"2026-01": 2, "2026-02": 1}
    use = r.capacity_use.set_index("month")
    assert use["units"].to_dict() == {"2026-01": 3, "2026-02": 3}
    # the crossing session itself still carries its 18 minutes
    s = r.sessions.sort_values("start")
    assert s["capacity_minutes"].tolist() == [12.0, 18.0, 6.0]


@pytest.mark.parametrize("record_units", [True, False])
def test_burn_down_ends_each_month_at_its_consumption(record_units: bool) -> None:
    r = simulate(parse_scenario(crossing()), record_units=record_units)
    b = burn_down(r)
    last = b.groupby("month")["used"].last()
    assert last.to_dict() == {"2026-01": 18.0, "2026-02": 18.0}
    feb = b[b["month"] == "2026-02"]
    assert feb["used"].is_monotonic_increasing


def busy_tokyo() -> dict:
    """Tokyo's working day begins at 00:00 UTC: many sessions run across the reset."""
    return {
        "name": "tokyo-month-end",
        "seed": 11,
        "start": "2026-01-26T00:00",
        "duration": "10d",
        "timezone": "Asia/Tokyo",
        "licenses": [{"id": "cap", "capacity_minutes": 100000}],
        "servers": [{"id": "tokyo", "license": "cap"}, {"id": "osaka", "license": "cap"}],
        "users": [
            {
                "group": "field",
                "count": 40,
                "access": "capacity",
                "servers": ["tokyo", "osaka"],
                "behaviour": {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "day_start": {"mean": "08:50", "sd": "10min"},
                    "sessions_per_day": 2,
                    "clicks_per_session": 30,
                },
            }
        ],
    }


@pytest.mark.parametrize("fast", [True, False])
def test_per_user_minutes_agree_with_the_capacity_table(fast: bool) -> None:
    sc = parse_scenario(busy_tokyo())
    world, rec = run_engine(sc, record_units=True, fast=fast)
    r = build_result(world, rec)
    units = r.units
    assert units is not None
    month = units["time"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
    # the scenario does what it is for: some session has units on both sides of the reset
    s = r.sessions[r.sessions["capacity_minutes"] > 0]
    across = s[
        (s["start"].dt.tz_convert("UTC").dt.strftime("%Y-%m") == "2026-01")
        & (s["end"] > pd.Timestamp("2026-02-01", tz="UTC"))
    ]
    assert len(across) > 0
    # capacity_use is the recorded units counted by month of their start
    expected = (
        units.assign(month=month, license=units["license"].astype(str))
        .groupby(["license", "month"])
        .size()
        * 6.0
    )
    use = r.capacity_use.assign(license=r.capacity_use["license"].astype(str))
    assert use.groupby(["license", "month"])["capacity_minutes"].sum().to_dict() == (
        expected.to_dict()
    )
    consumed = r.capacity.set_index("month")["used_minutes"]
    per = user_capacity_minutes(r).groupby("month")["capacity_minutes"].sum()
    assert per.to_dict() == consumed[consumed > 0].to_dict()
    by_server = user_capacity_minutes(r, by="server").groupby("month")["capacity_minutes"].sum()
    assert by_server.to_dict() == per.to_dict()
    # and the run without recorded units gives the same split
    plain = simulate(sc)
    pd.testing.assert_frame_equal(plain.capacity_use, r.capacity_use)
