"""Hand-worked timelines through the whole engine, from scenario files in tests/scenarios."""

from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, simulate

HERE = Path(__file__).parent / "scenarios"


def run(name: str):  # type: ignore[no-untyped-def]
    return simulate(load_scenario(HERE / name))


def local(ts: str, tz: str = "UTC") -> pd.Timestamp:
    return pd.Timestamp(ts, tz=tz)


def lst(series: pd.Series) -> list:  # type: ignore[type-arg]
    """Values with missing ones as None, whatever the string dtype."""
    return [None if pd.isna(x) else x for x in series]


def rows(result, group: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    s = result.sessions
    return s[s["group"] == group].sort_values("start").reset_index(drop=True)


def test_link_outage_grace_timeline() -> None:
    r = run("link-outage-grace.yaml")
    readers = rows(r, "readers")
    assert lst(readers["access"]) == ["analyzer", "analyzer", "analyzer", None, None, "analyzer"]
    assert lst(readers["denied_reason"])[3:5] == ["grace_expired", "grace_expired"]
    cut = readers.iloc[2]
    assert cut["interrupted"] == "grace_expired"
    assert cut["end"] == local("2026-03-07T12:00")  # last contact 12:00 on the 4th + 72 h

    casual = rows(r, "casual")
    assert lst(casual["access"]) == ["capacity", None, None, "capacity"]
    assert lst(casual["denied_reason"])[1:3] == ["backend_unreachable", "grace_expired"]
    assert casual["capacity_minutes"].tolist() == [6.0, 0.0, 0.0, 6.0]

    states = r.server_states
    assert states[["state", "start"]].values.tolist() == [
        ["licensed", local("2026-03-02T00:00")],
        ["grace", local("2026-03-04T12:10")],
        ["unlicensed", local("2026-03-07T12:00")],
        ["licensed", local("2026-03-08T12:10")],
    ]
    kinds = r.events.loc[r.events["server"] == "prod", "kind"].tolist()
    assert kinds == [
        "outage_start",
        "sync_failed",
        "grace_start",
        "grace_expired",
        "unlicensed",
        "outage_end",
        "sync_ok",
        "relicensed",
    ]
    assert r.kpi("unlicensed_hours[prod]") == pytest.approx(24 + 10 / 60)


def test_capacity_exhaustion_and_reset_at_midnight_utc() -> None:
    r = run("capacity-reset.yaml")
    tz = "America/New_York"
    s = rows(r, "field")
    assert lst(s["access"]) == ["capacity", "capacity", None, None, "capacity"]
    assert s.loc[1, "interrupted"] == "capacity_exhausted"
    assert s.loc[1, "end"] == local("2026-01-30T11:07", tz)
    assert lst(s["denied_reason"])[2:4] == ["capacity_exhausted", "capacity_exhausted"]
    assert s["capacity_minutes"].tolist() == [6.0, 6.0, 0.0, 0.0, 6.0]
    cap = r.capacity.set_index("month")
    assert cap.loc["2026-01", "used_minutes"] == 12
    assert cap.loc["2026-01", "denied_units"] == 3  # 11:07 on the 30th and two refused starts
    assert cap.loc["2026-01", "exhausted_at"] == local("2026-01-30T11:00", tz)
    assert cap.loc["2026-02", "used_minutes"] == 6
    assert pd.isna(cap.loc["2026-02", "exhausted_at"])
    resets = r.events[r.events["kind"] == "capacity_reset"]["time"].tolist()
    assert resets == [local("2026-02-01T00:00")]


def test_parallel_session_limit_and_wait() -> None:
    s = rows(run("parallel-limit.yaml"), "power")
    assert lst(s["access"]) == ["professional"] * 5 + [None, None, "professional"]
    assert lst(s["denied_reason"])[5:7] == ["parallel_limit", "parallel_limit"]


def test_parallel_limit_counts_per_user_per_pool() -> None:
    """Hand-worked (parallel-per-pool.yaml): 3 + 3 sessions on two keys at once are all
    granted; 6 on one key refuse the sixth (limit 5)."""
    s = rows(run("parallel-per-pool.yaml"), "power")
    feb2 = s[s["start"] < local("2026-02-03")]
    assert feb2["server"].tolist() == ["sense-a"] * 3 + ["sense-b"] * 3
    assert lst(feb2["access"]) == ["professional"] * 6
    feb3 = s[s["start"] >= local("2026-02-03")]
    assert lst(feb3["access"]) == ["professional"] * 5 + [None]
    assert lst(feb3["denied_reason"]) == [None] * 5 + ["parallel_limit"]


def test_dynamic_allocation_order_and_shared_pool_across_servers() -> None:
    r = run("dynamic-allocation.yaml")
    s = rows(r, "team")
    assert s["user"].tolist() == ["team-1", "team-2", "team-3", "team-2"]
    assert lst(s["access"]) == ["professional", "analyzer", None, "analyzer"]
    assert s.loc[2, "denied_reason"] == "no_seat"
    assert s["server"].tolist() == ["prod", "prod", "test", "test"]
    allocs = r.events[r.events["kind"] == "allocate"]
    assert allocs["user"].tolist() == ["team-1", "team-2"]  # no second seat on test
    last = r.allocations.groupby("type").last()
    assert last.loc["analyzer", "allocated"] == 1 and last.loc["professional", "allocated"] == 1


def test_seed_examples_through_the_engine() -> None:
    from sim import parse_scenario, simulate

    sc = parse_scenario(
        {
            "name": "seed-example",
            "start": "2026-02-02T00:00",
            "duration": "2d",
            "licenses": [{"id": "cap", "capacity_minutes": 1000}],
            "servers": [{"id": "prod", "license": "cap"}],
            "users": [
                {
                    "group": "field",
                    "count": 2,
                    "access": "capacity",
                    "servers": ["prod"],
                    "sessions": [
                        # open an app and click; idle 20 min; click again → 12 minutes
                        {"at": "2026-02-02T09:00", "user": 0, "activity": ["0s", "30s", "26min"]},
                        # 26 minutes of continuous activity (a click every 30 s) → 30 minutes
                        {
                            "at": "2026-02-02T09:00",
                            "user": 1,
                            "activity": [f"{30 * k}s" for k in range(53)],
                        },
                    ],
                }
            ],
        }
    )
    s = simulate(sc).sessions.sort_values("user")
    assert s["capacity_minutes"].tolist() == [12.0, 30.0]


def test_users_keep_their_local_day_start_across_a_dst_change() -> None:
    from sim import parse_scenario, simulate

    sc = parse_scenario(
        {
            "name": "dst",
            "start": "2026-03-20T00:00",
            "duration": "20d",
            "timezone": "Europe/Stockholm",  # clocks go forward on 29 March
            "licenses": [{"id": "k", "professional": 50}],
            "servers": [{"id": "prod", "license": "k"}],
            "users": [
                {
                    "group": "g",
                    "count": 50,
                    "access": "professional",
                    "servers": ["prod"],
                    "behaviour": {
                        "days": ["mon", "tue", "wed", "thu", "fri"],
                        "sessions_per_day": 1,
                        "day_start": {"mean": "09:00", "sd": "1s"},
                    },
                }
            ],
        }
    )
    s = simulate(sc).sessions
    local = s["start"].dt.tz_convert("Europe/Stockholm")
    first = local.groupby([s["user"].astype(str), local.dt.date]).min()
    hours = first.dt.hour + first.dt.minute / 60 + first.dt.second / 3600
    assert len(first) > 300  # 50 users, 14 working days, Poisson(1) sessions
    assert ((hours - 9.0).abs() < 10 / 3600).all(), sorted(set(hours.round(3)))
