"""Capacity reports: the monthly table, burn-down, minutes per user and the break-even."""

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from reports_frames import tiny_result

from sim import load_scenario, simulate
from sim.reports import (
    analyzer_candidates,
    breakeven_minutes,
    burn_down,
    capacity_months,
    user_capacity_minutes,
)
from sim.scenario import ScenarioError
from sim.scenario.prices import Prices

ROOT = Path(__file__).parent.parent


def test_breakeven_is_analyzer_price_over_minute_price() -> None:
    assert Prices(analyzer=20, capacity_minutes=0.02).breakeven() == pytest.approx(1000.0)
    assert Prices(analyzer=35, capacity_minutes=0.05).breakeven() == pytest.approx(700.0)
    # written directly, it wins over the prices
    assert Prices(analyzer=20, capacity_minutes=0.02, breakeven_minutes=600).breakeven() == 600
    assert Prices(analyzer=20).breakeven() is None
    assert Prices(analyzer=20, capacity_minutes=0).breakeven() is None


def test_prices_are_validated_strictly() -> None:
    sc = load_scenario(ROOT / "scenarios" / "enterprise.yaml")
    assert sc.prices is None
    with pytest.raises(ScenarioError, match=r"prices\.analyzer"):
        sc.with_overrides({"prices": {"analyzer": -5}})
    with pytest.raises(ScenarioError, match="unknown key"):
        sc.with_overrides({"prices": {"analyser": 5}})
    priced = sc.with_overrides({"prices": {"analyzer": 30, "capacity_minutes": 0.03}})
    assert priced.prices is not None and priced.prices.currency == "USD"


def test_candidates_are_users_above_the_breakeven() -> None:
    # break-even 20 / 0.02 = 1000 minutes a month
    r = tiny_result(
        [
            ("sales-1", "alpha", "2026-02-02T09:00", 600, "capacity", None, 600.0),
            ("sales-1", "alpha", "2026-02-03T09:00", 600, "capacity", None, 600.0),
            ("sales-2", "alpha", "2026-02-02T09:00", 900, "capacity", None, 900.0),
            ("finance-1", "beta", "2026-02-04T09:00", 1002, "capacity", None, 1002.0),
        ]
    )
    assert breakeven_minutes(r) == pytest.approx(1000.0)
    per = user_capacity_minutes(r).set_index("user")
    assert per.loc["sales-1", "capacity_minutes"] == 1200.0
    assert per.loc["sales-1", "sessions"] == 2
    c = analyzer_candidates(r)
    assert list(c["user"]) == ["sales-1", "finance-1"]
    first = c.iloc[0]
    assert first["capacity_cost"] == pytest.approx(1200 * 0.02)  # 24 a month on capacity
    assert first["analyzer_cost"] == 20
    assert first["saving"] == pytest.approx(4.0)
    assert list(analyzer_candidates(r, breakeven=850)["user"]) == [
        "sales-1",
        "finance-1",
        "sales-2",
    ]


def test_no_prices_no_candidates() -> None:
    r = tiny_result([("sales-1", "alpha", "2026-02-02T09:00", 600, "capacity", None, 5000.0)])
    r = dataclasses.replace(r, scenario=r.scenario.with_overrides({"prices": None}))
    assert analyzer_candidates(r).empty


def test_minutes_per_user_by_server() -> None:
    r = tiny_result(
        [
            ("sales-1", "alpha", "2026-02-02T09:00", 6, "capacity", None, 6.0),
            ("sales-1", "beta", "2026-02-02T10:00", 12, "capacity", None, 12.0),
        ]
    )
    per = user_capacity_minutes(r, by="server")
    assert dict(zip(per["server"], per["capacity_minutes"], strict=True)) == {
        "alpha": 6.0,
        "beta": 12.0,
    }


def test_burn_down_ends_at_each_months_consumption() -> None:
    sc = load_scenario(ROOT / "scenarios" / "capacity-runs-out.yaml")
    r = simulate(sc.with_overrides({"duration": "45d"}), record_units=True)
    months = capacity_months(r).set_index("month")
    b = burn_down(r)
    for month, m in b.groupby("month"):
        assert m["used"].iloc[-1] == pytest.approx(months.loc[month, "used_minutes"])
        assert m["used"].is_monotonic_increasing
        assert m["run_rate"].iloc[0] == pytest.approx(0.0)
    # January runs out before its end and the run rate reaches the purchase on 1 February
    jan = b[b["month"] == "2026-01"]
    assert jan["run_rate"].iloc[-1] == pytest.approx(75000.0)
    assert months.loc["2026-01", "exhausted_at"] < pd.Timestamp("2026-02-01", tz="UTC")
    assert months.loc["2026-01", "available_minutes"] == 0.0


def test_burn_down_without_units_uses_session_minutes() -> None:
    sc = load_scenario(ROOT / "scenarios" / "capacity-runs-out.yaml")
    r = simulate(sc.with_overrides({"duration": "14d"}))
    b = burn_down(r)
    assert b["used"].iloc[-1] == pytest.approx(r.capacity["used_minutes"].sum())


def test_capacity_months_unmet_demand_share_headroom_and_forecast() -> None:
    # capacity-reset: 12 minutes (2 units) a month; the run covers 26 Jan 05:00 UTC to
    # 5 Feb 05:00 UTC. January: 2 units used, 3 refused after it ran out (11:07, 10:00 and
    # 18:59 on 30/31 Jan); February: the unit at 00:00 UTC on the 1st.
    r = simulate(load_scenario(ROOT / "tests" / "scenarios" / "capacity-reset.yaml"))
    m = capacity_months(r).set_index("month")
    assert m.loc["2026-01", "unmet_minutes"] == 18.0  # 3 units × 6 min
    assert m.loc["2026-02", "unmet_minutes"] == 0.0
    # January: 26 Jan 05:00 to 1 Feb 00:00 is 139 h of its 744 h; February 101 h of 672 h.
    assert m.loc["2026-01", "share_of_month"] == pytest.approx(139 / 744)
    assert m.loc["2026-02", "share_of_month"] == pytest.approx(101 / 672)
    assert m.loc["2026-01", "headroom_pct"] == 0.0
    assert m.loc["2026-02", "headroom_pct"] == pytest.approx(50.0)
    # Only the month the run stops in is forecast: 6 minutes in 101 h is 6 × 672 / 101
    # minutes by the month's end, so the 12 minutes run out after 202 h, 9 Feb 10:00 UTC.
    assert pd.isna(m.loc["2026-01", "forecast_minutes"])
    assert m.loc["2026-02", "forecast_minutes"] == pytest.approx(6 * 672 / 101)
    assert m.loc["2026-02", "forecast_exhausted_at"] == pd.Timestamp("2026-02-09T10:00", tz="UTC")
    assert pd.isna(m.loc["2026-01", "forecast_exhausted_at"])


def test_a_whole_month_has_no_forecast() -> None:
    sc = load_scenario(ROOT / "scenarios" / "capacity-runs-out.yaml")
    r = simulate(sc.with_overrides({"duration": "45d"}))
    m = capacity_months(r).set_index("month")
    assert m.loc["2026-01", "share_of_month"] == pytest.approx(1.0)
    assert pd.isna(m.loc["2026-01", "forecast_minutes"])
    assert m["unmet_minutes"].sum() == pytest.approx(
        r.capacity["denied_units"].sum() * sc.rules.capacity_unit / 60.0
    )
