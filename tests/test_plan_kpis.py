"""The KPIs a target may name, on a hand-made run whose every figure is counted by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario
from sim.plan.kpis import KPIS, measure
from sim.result import Result

SMALL = Path(__file__).resolve().parent / "scenarios" / "plan-enterprise.yaml"


def hand_run() -> Result:
    # 40 days from 1 Feb (Stockholm): February is covered whole, March for 12 of 31 days
    # (less than half, so its denials are no "month" of their own).
    sc = load_scenario(SMALL).with_overrides({"duration": "40d"})
    at = lambda day: pd.Timestamp(day, tz="Europe/Stockholm")  # noqa: E731
    sessions = pd.DataFrame(
        {
            "group": ["analysts"] * 3 + ["developers"] + ["occasional"] * 4 + ["analysts"],
            "start": [at("2026-02-02 09:00")] * 4
            + [at("2026-02-10 10:00")] * 4
            + [at("2026-03-05 09:00")],
            "denied_reason": [
                None,
                None,
                "no_seat",
                None,
                None,
                None,
                "capacity_exhausted",
                "capacity_exhausted",
                "no_seat",
            ],
        }
    )
    capacity = pd.DataFrame(
        {
            "license": ["corp"] * 3,
            "month": ["2026-01", "2026-02", "2026-03"],
            "allocated_minutes": [2000, 2000, 2000],
            "used_minutes": [0, 1500, 2000],
            "overage_minutes": [0, 0, 0],
            "denied_units": [0, 0, 5],
        }
    )
    summary = pd.DataFrame(
        {
            "metric": ["peak_allocated_professional", "peak_allocated_analyzer"],
            "value": [2.0, 55.0],
            "unit": ["seats", "seats"],
        }
    )
    empty = pd.DataFrame()
    return Result(sc, sessions, empty, empty, capacity, empty, empty, empty, summary)


def test_every_kpi_by_hand() -> None:
    run = hand_run()
    # 4 of 9 sessions denied; the analysts 2 of 4.
    assert measure(run, "denial_rate") == pytest.approx(100 * 4 / 9)
    assert measure(run, "denial_rate", "analysts") == pytest.approx(50.0)
    # February alone (March is too short a part): 3 of 8 denied; analysts 1 of 3.
    assert measure(run, "busiest_month_denial_rate") == pytest.approx(37.5)
    assert measure(run, "busiest_month_denial_rate", "analysts") == pytest.approx(100 / 3)
    # Headroom: January 100 %, February (2000 − 1500) / 2000 = 25 %, March 0 %: the least.
    assert measure(run, "busiest_month_capacity_headroom") == pytest.approx(0.0)
    # 5 units denied in March × 6 minutes.
    assert measure(run, "unmet_capacity_minutes") == pytest.approx(30.0)
    assert measure(run, "busiest_month_unmet_capacity_minutes") == pytest.approx(30.0)
    # 3 Professional and 60 Analyzer seats bought, peaks of 2 and 55 allocated.
    assert measure(run, "spare_professional_seats") == 1.0
    assert measure(run, "spare_analyzer_seats") == 5.0


def test_headroom_of_february_alone_and_of_nothing_bought() -> None:
    run = hand_run()
    run.capacity = run.capacity.iloc[:2]
    assert measure(run, "busiest_month_capacity_headroom") == pytest.approx(25.0)
    # Demand with nothing bought has no room at all; no demand and nothing bought is ignored.
    run.capacity = run.capacity.assign(
        allocated_minutes=[0, 0], used_minutes=[0, 0], denied_units=[0, 3]
    )
    assert measure(run, "busiest_month_capacity_headroom") == -100.0
    run.capacity = run.capacity.assign(denied_units=[0, 0])
    assert measure(run, "busiest_month_capacity_headroom") == 100.0


def test_each_kpi_says_which_way_licenses_move_it() -> None:
    lower = {k for k, v in KPIS.items() if v.better == "lower"}
    assert lower == {
        "denial_rate",
        "busiest_month_denial_rate",
        "unmet_capacity_minutes",
        "busiest_month_unmet_capacity_minutes",
    }
