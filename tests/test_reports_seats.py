"""Seat reports: QMC levels, used seats and time-weighted utilisation."""

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario, simulate
from sim.reports import allocation_stack, seat_users, seats, seats_by_period, window

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def run() -> object:
    sc = load_scenario(ROOT / "scenarios" / "firewall-outage.yaml")
    return simulate(sc.with_overrides({"duration": "14d"}))


def test_levels_at_the_end_and_used_seats(run) -> None:
    t = seats(run).set_index("type")
    last = run.allocations.groupby("type")[["total", "allocated", "available"]].last()
    for typ in ("professional", "analyzer"):
        assert t.loc[typ, "total"] == last.loc[typ, "total"]
        assert t.loc[typ, "allocated"] == last.loc[typ, "allocated"]
        s = run.sessions
        assert t.loc[typ, "users_with_sessions"] == s.loc[s["access"] == typ, "user"].nunique()
        assert t.loc[typ, "users_with_sessions"] <= t.loc[typ, "allocated"]


def test_utilisation_is_time_weighted(run) -> None:
    end = window(run)[1]
    a = run.allocations[run.allocations["type"] == "analyzer"].drop_duplicates("time", keep="last")
    times = [*a["time"], end]
    dt = np.array([(b - c).total_seconds() for c, b in pairwise(times)])
    expected = 100 * (a["allocated"] * dt).sum() / (a["total"] * dt).sum()
    assert seats(run).set_index("type").loc["analyzer", "utilisation_pct"] == pytest.approx(
        expected
    )


def test_periods_and_stack(run) -> None:
    weeks = seats_by_period(run, "W")
    assert set(weeks["type"]) == {"professional", "analyzer"}
    assert (weeks["users_with_sessions"] <= weeks["allocated"]).all()
    used = seat_users(run, "W")
    # capacity users draw on no seat pool, so only the seat types are compared
    per_seat = used[used["type"].isin(["professional", "analyzer"])]
    assert per_seat["users_with_sessions"].sum() == weeks["users_with_sessions"].sum()
    assert set(used["type"]) == {"professional", "analyzer", "capacity"}
    stack = allocation_stack(run)
    assert stack["total"].iloc[-1] == 130  # 10 Professional + 120 Analyzer
    assert (stack.drop(columns="total").sum(axis=1) <= stack["total"]).all()
