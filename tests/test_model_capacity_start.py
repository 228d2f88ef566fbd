"""Minutes already used when a run starts mid-month (``capacity_used_at_start``)."""

import pandas as pd
import pytest

from sim import ScenarioError, parse_scenario, simulate


def utc(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts, tz="UTC")


def mid_month(**license: object) -> dict:  # type: ignore[type-arg]
    """A run from 20 January: one capacity user clicks every minute from 10:00 to 10:59,
    and once more on 2 February."""
    return {
        "name": "mid-month",
        "start": "2026-01-20T00:00",
        "duration": "15d",
        "licenses": [{"id": "cap", "capacity_minutes": 1000, **license}],
        "servers": [{"id": "prod", "license": "cap"}],
        "users": [
            {
                "group": "field",
                "count": 1,
                "access": "capacity",
                "servers": ["prod"],
                "sessions": [
                    {"at": "2026-01-20T10:00", "activity": [f"{k}min" for k in range(60)]},
                    {"at": "2026-02-02T10:00", "activity": ["0s"]},
                ],
            }
        ],
    }


def test_minutes_used_before_the_start_bring_the_exhaustion_forward() -> None:
    """967 of 1,000 minutes used: 33 left, five 6-minute units (10:00 … 10:24) fit and
    leave 3 unusable minutes, so the month is spent at 10:24 and the unit due at 10:30 is
    refused."""
    r = simulate(parse_scenario(mid_month(capacity_used_at_start=967)))
    s = r.sessions.sort_values("start").reset_index(drop=True)
    assert s["access"].tolist() == ["capacity", "capacity"]
    assert s["capacity_minutes"].tolist() == [30.0, 6.0]
    assert s.loc[0, "end"] == utc("2026-01-20T10:30")
    assert s.loc[0, "interrupted"] == "capacity_exhausted"
    cap = r.capacity.set_index("month")
    assert cap.loc["2026-01", "used_minutes"] == 997
    assert cap.loc["2026-01", "denied_units"] == 1
    assert cap.loc["2026-01", "exhausted_at"] == utc("2026-01-20T10:24")
    assert cap.loc["2026-02", "used_minutes"] == 6  # the reset on 1 February starts afresh
    ev = r.events[r.events["kind"] == "capacity_exhausted"]
    assert ev["time"].tolist() == [utc("2026-01-20T10:24")]
    assert ev["detail"].tolist() == ["997 of 1000 minutes used"]


def test_without_minutes_used_the_whole_hour_is_charged() -> None:
    r = simulate(parse_scenario(mid_month()))
    s = r.sessions.sort_values("start").reset_index(drop=True)
    assert s["capacity_minutes"].tolist() == [60.0, 6.0]  # units at 10:00, 10:06 … 10:54
    assert r.capacity.set_index("month").loc["2026-01", "used_minutes"] == 60


def test_a_month_spent_before_the_start_refuses_the_first_unit() -> None:
    r = simulate(parse_scenario(mid_month(capacity_used_at_start=995)))
    first = r.sessions.sort_values("start").iloc[0]
    assert pd.isna(first["access"]) and first["denied_reason"] == "capacity_exhausted"
    cap = r.capacity.set_index("month")
    assert cap.loc["2026-01", "exhausted_at"] == utc("2026-01-20T00:00")
    ev = r.events[r.events["kind"] == "capacity_exhausted"]
    assert ev["detail"].tolist() == ["995 of 1000 minutes used before the start"]


@pytest.mark.parametrize(
    ("overage", "used"),
    [("none", 1000), (50, 1050), ("unlimited", 5000)],
)
def test_minutes_used_up_to_the_ceiling_are_accepted(overage: object, used: int) -> None:
    sc = parse_scenario(mid_month(overage=overage, capacity_used_at_start=used))
    assert sc.licenses[0].capacity_used_at_start == used


@pytest.mark.parametrize(
    ("overage", "used", "expected"),
    [
        ("none", 1001, "expected at most 1000 minutes"),
        (50, 1051, "expected at most 1050 minutes"),
    ],
)
def test_minutes_used_beyond_the_ceiling_are_refused(
    overage: object, used: int, expected: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(mid_month(overage=overage, capacity_used_at_start=used))
    [p] = err.value.problems
    assert p.path == "licenses[0].capacity_used_at_start"
    assert p.value == used
    assert expected in p.expected
