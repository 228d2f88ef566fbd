"""``capacity_exhausted`` events of months spent without a unit charged: at the start (an
allowance below one unit) and by a license change, one event per month however many
pools the run has."""

import pandas as pd

from sim import parse_scenario, simulate


def utc(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts, tz="UTC")


def spent_events(data: dict) -> pd.DataFrame:  # type: ignore[type-arg]
    e = simulate(parse_scenario(data)).events
    return e[e["kind"] == "capacity_exhausted"][["time", "license", "detail"]]


def test_a_month_spent_from_the_start_is_reported_once_with_two_pools() -> None:
    # 3 minutes: less than a unit, so February (from the 2nd) and March are spent at their
    # start. License b's pool makes two pools; the report is per month, not per pool.
    e = spent_events(
        {
            "name": "spent-two-pools",
            "start": "2026-02-02T00:00",
            "duration": "40d",
            "licenses": [{"id": "a", "capacity_minutes": 3}, {"id": "b", "professional": 2}],
            "servers": [{"id": "s1", "license": "a"}, {"id": "s2", "license": "b"}],
            "users": [{"group": "staff", "count": 1, "access": "capacity", "servers": ["s1"]}],
        }
    )
    assert e["time"].tolist() == [utc("2026-02-02"), utc("2026-03-01")]
    assert set(e["detail"]) == {"the allowance is smaller than one unit"}
    assert set(e["license"]) == {"a"}  # b holds no capacity: nothing to run out of


def test_a_remix_into_a_key_with_minutes_gives_the_license_capacity() -> None:
    # Tokens until 4 Feb (a signed key takes the change at its daily refresh, 00:00), then
    # a key with 1 Professional and 600 capacity minutes. staff-1 is named on the
    # Professional seat; staff-2's session on 5 Feb charges one unit. The license holds
    # capacity from the remix: February is open again, and March resets.
    data = {
        "name": "remix-to-capacity",
        "start": "2026-02-02T00:00",
        "duration": "40d",
        "licenses": [
            {
                "id": "tok",
                "activation": "slk",
                "tokens": {"user_passes": 2, "login_passes": 10},
                "changes": [
                    {
                        "at": "2026-02-04T00:00",
                        "professional": 1,
                        "capacity_minutes": 600,
                        "user_passes": 0,
                        "login_passes": 0,
                    }
                ],
            }
        ],
        "servers": [{"id": "qs", "license": "tok"}],
        "users": [
            {
                "group": "staff",
                "count": 2,
                "access": ["user_pass", "professional", "capacity"],
                "servers": ["qs"],
                "sessions": [{"at": "2026-02-05T09:00", "user": 1, "activity": ["0s"]}],
            },
        ],
    }
    r = simulate(parse_scenario(data))
    assert r.sessions["access"].tolist() == ["capacity"]
    c = r.capacity.set_index("month")
    assert c["allocated_minutes"].tolist() == [600, 600]
    assert c["used_minutes"].tolist() == [6.0, 0.0]
    assert c["exhausted_at"].isna().all()
    kinds = r.events.set_index("time")["kind"]
    assert kinds[kinds == "capacity_reset"].index.tolist() == [utc("2026-03-01")]
    assert not (kinds == "capacity_exhausted").any()
