"""Usage reports: weekday × hour, concurrency and reclaim candidates."""

from pathlib import Path

import pytest
from reports_frames import local, tiny_result

from sim import load_scenario, simulate
from sim.reports import (
    concurrency_summary,
    concurrent_sessions,
    duration_curves,
    reclaim_candidates,
    weekday_hour,
)

ROOT = Path(__file__).parent.parent

ROWS = [
    # 2 February 2026 is a Monday; times are Stockholm local time
    ("sales-1", "alpha", "2026-02-02T09:10", 60, "capacity", None, 6.0),
    ("sales-2", "alpha", "2026-02-02T09:50", 30, "capacity", None, 6.0),
    ("finance-1", "beta", "2026-02-04T17:05", 10, "capacity", None, 6.0),
    ("finance-1", "beta", "2026-02-07T23:59", 10, "capacity", None, 6.0),
    ("sales-1", "alpha", "2026-02-03T08:00", 0, None, "no_seat", 0.0),  # denied: not counted
]


def test_weekday_hour_by_hand() -> None:
    m = weekday_hour(tiny_result(ROWS))
    assert m.shape == (7, 24)
    assert m.loc["Mon", 9] == 2
    assert m.loc["Wed", 17] == 1
    assert m.loc["Sat", 23] == 1
    assert m.to_numpy().sum() == 4


def test_concurrency_of_hand_built_sessions() -> None:
    r = tiny_result(ROWS)
    c = concurrent_sessions(r)["all"]
    at_950 = c.loc[c["time"] <= local("2026-02-02T09:55"), "level"].iloc[-1]
    assert at_950 == 2
    s = concurrency_summary(r).set_index("pool")
    assert s.loc["concurrent sessions", "peak"] == 2
    assert s.loc["concurrent sessions", "peak_at"] == local("2026-02-02T09:50")
    # 20 + 10 + 10 + 10 + 30 (the overlap counts twice) = 110 session-minutes over 7 days
    assert s.loc["concurrent sessions", "mean"] == pytest.approx(110 / (7 * 24 * 60))
    by_server = concurrent_sessions(r, by="server")
    assert by_server["beta"]["level"].max() == 1


def test_duration_curves_start_at_all_of_the_time() -> None:
    r = simulate(
        load_scenario(ROOT / "scenarios" / "qlikview-cal-estate.yaml").with_overrides(
            {"duration": "14d"}
        )
    )
    curves = duration_curves(r)
    assert set(curves) == {"concurrent sessions", "Session CALs"}
    for curve in curves.values():
        assert curve["share_of_time"].iloc[-1] == pytest.approx(1.0)
        assert curve["level"].is_monotonic_decreasing
        assert curve["share_of_time"].is_monotonic_increasing
    # the estate owns 12 Session CALs
    assert curves["Session CALs"]["level"].max() <= 12


def test_reclaim_candidates_are_allocated_users_by_idle_days() -> None:
    sc = load_scenario(ROOT / "scenarios" / "enterprise.yaml").with_overrides({"duration": "14d"})
    r = simulate(sc)
    rc = reclaim_candidates(r)
    allocated = r.allocations.groupby(["pool", "type"])["allocated"].last().sum()
    assert len(rc) == allocated
    assert rc["days_idle"].is_monotonic_decreasing
    assert (rc["days_idle"] >= 0).all() and (rc["days_idle"] <= 14).all()
    assert set(rc["type"]) <= {"professional", "analyzer"}
    user = rc.iloc[-1]
    s = r.sessions
    last = s[(s["user"] == user["user"]) & (s["access"] == user["type"])]["end"].max()
    assert user["last_used"] == last


def test_reclaim_candidates_of_seats_nobody_used_are_idle_since_allocation() -> None:
    # Manual allocations at the start and not one session: every holder is idle for the
    # whole 14 days, and last_used is NaT (this raised on a run without sessions).
    sc = load_scenario(ROOT / "scenarios" / "enterprise.yaml")
    idle = {f"users.{i}.behaviour.sessions_per_day": 0 for i in range(len(sc.users))}
    sc = sc.with_overrides({"duration": "14d", **idle})
    rc = reclaim_candidates(simulate(sc))
    assert len(rc) > 0 and rc["last_used"].isna().all()
    assert (rc["days_idle"] == 14).all()
