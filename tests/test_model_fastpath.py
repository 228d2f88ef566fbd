"""The fast path and the exact event-ordered path give identical tables.

The fast path resolves a day's independent sessions with numpy; the exact path resolves
every session in strict time order. Any routing mistake (a session sent to the fast path
whose outcome depends on another's) or any difference in the vectorised rules shows up
here as a table that differs.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from strategies import scenarios

from sim import load_scenario, parse_scenario
from sim.model.codes import LOGIN_PASS_CODE
from sim.model.engine import run_engine
from sim.model.fastpath import PARALLEL_LIMIT, first_true, gather_segments
from sim.result import Result, build_result
from sim.rules.qlikview import CAL_ACCESS
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    *sorted((ROOT / "scenarios").glob("*.yaml")),
    ROOT / "tests/scenarios/fastpath-mix.yaml",
    ROOT / "tests/scenarios/capacity-offline.yaml",
    ROOT / "tests/scenarios/capacity-raise.yaml",
    ROOT / "tests/scenarios/capacity-cut.yaml",
]


def both_ways(sc: Scenario) -> tuple[Result, Result, int]:
    world, rec = run_engine(sc, fast=True, record_units=True)
    fast_rows = sum(len(c[0]) for c in rec.session_chunks)
    exact = build_result(*run_engine(sc, fast=False, record_units=True))
    return build_result(world, rec), exact, fast_rows


def assert_same(a: Result, b: Result) -> None:
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name], obj=name)
    assert a.units is not None and b.units is not None
    pd.testing.assert_frame_equal(a.units, b.units, obj="units")


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_examples_are_identical_both_ways(path: Path) -> None:
    sc = load_scenario(path)
    a, b, fast_rows = both_ways(sc)
    if not any(set(g.access_types) & CAL_ACCESS for g in sc.users):
        assert fast_rows > 0.5 * len(a.sessions)  # the fast path is really exercised
    assert_same(a, b)


def test_a_raise_after_the_month_ran_out_is_reported_when_it_runs_out_anew() -> None:
    # 6 minutes: spent by the first unit on the 26th; raised to 30 on the 27th, four more
    # units fit, and the month runs out again at the last of them (found by hypothesis:
    # the exact path kept the first exhaustion and reported no second one).
    a, b, _ = both_ways(load_scenario(ROOT / "tests/scenarios/capacity-raise.yaml"))
    assert_same(a, b)
    spent = a.events[a.events["kind"] == "capacity_exhausted"]["time"]
    assert len(spent) == 2 and spent.iloc[0].day == 26 and spent.iloc[1].day == 28
    assert a.capacity["exhausted_at"].tolist() == [spent.iloc[1]]
    assert a.capacity["used_minutes"].tolist() == [30.0]


def test_a_cut_below_what_was_used_spends_the_month_at_the_change() -> None:
    # 600 minutes, then 6 from the change on 30 Jan 12:00, which reaches the site at the
    # next daily definition refresh (31 Jan 00:00). Each session has no clicks after the
    # first, so it charges one unit at its start unless the device's unit still runs.
    a, b, _ = both_ways(load_scenario(ROOT / "tests/scenarios/capacity-cut.yaml"))
    assert_same(a, b)
    s, c = a.sessions, a.capacity.set_index("month")
    cut, february = pd.Timestamp("2026-01-31", tz="UTC"), pd.Timestamp("2026-02-01", tz="UTC")
    before, after = s[s["start"] < cut], s[s["start"] >= cut]
    assert before["denied_reason"].isna().all()
    assert (after["denied_reason"] == "capacity_exhausted").sum() == len(after) - 1
    first_feb = after[after["start"] >= february].iloc[0]
    assert first_feb["capacity_minutes"] == 6.0  # February's 6 minutes: one unit
    assert c.loc["2026-01", "exhausted_at"] == cut
    assert c.loc["2026-01", "used_minutes"] == before["capacity_minutes"].sum() > 6
    assert c.loc["2026-02", "exhausted_at"] == first_feb["start"]
    spent = a.events[a.events["kind"] == "capacity_exhausted"]
    assert spent["time"].tolist() == [cut, first_feb["start"]]
    used = c.loc["2026-01", "used_minutes"]
    assert spent["detail"].iloc[0] == f"{used:g} of 6 minutes used when the allowance changed"


@settings(max_examples=30)
@given(scenarios())
def test_random_scenarios_are_identical_both_ways(data: dict[str, Any]) -> None:
    a, b, _ = both_ways(parse_scenario(data))
    assert_same(a, b)


def test_first_true_per_segment() -> None:
    flags = np.array([False, True, True, False, False, True])
    ptr = np.array([0, 3, 3, 5, 6])
    assert first_true(flags, ptr).tolist() == [1, 0, 2, 0]


def test_gather_segments() -> None:
    values = np.arange(10.0)
    out, ptr = gather_segments(values, np.array([2, 0, 7]), np.array([4, 0, 10]))
    assert out.tolist() == [2.0, 3.0, 7.0, 8.0, 9.0]
    assert ptr.tolist() == [0, 2, 2, 5]


def test_idle_tails_that_reach_the_parallel_limit_are_identical_both_ways() -> None:
    """Sessions stay open 30 min after their last click, so short sessions with short breaks
    pile up on one or two devices; days arrive around the clock, so many sessions are still
    open at midnight (their slots carry into the next day)."""
    busy = {
        "sessions_per_day": 8,
        "clicks_per_session": 6,
        "click_gap": "30s",
        "session_break": "4min",
        "devices": 2,
        "logout_share": 0.2,
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "day_start": {"spread": "uniform"},
    }
    sc = parse_scenario(
        {
            "name": "tails",
            "start": "2026-02-02T00:00",
            "duration": "10d",
            "licenses": [{"id": "corp", "professional": 10, "analyzer": 40}],
            "servers": [{"id": "prod", "license": "corp"}],
            "users": [
                {
                    "group": "busy",
                    "count": 10,
                    "access": "professional",
                    "servers": ["prod"],
                    "behaviour": busy,
                },
                {"group": "calm", "count": 40, "access": "analyzer", "servers": ["prod"]},
            ],
        }
    )
    a, b, fast_rows = both_ways(sc)
    assert (a.sessions["denied_reason"] == "parallel_limit").sum() > 0
    assert fast_rows > 0.3 * len(a.sessions)
    assert_same(a, b)


def test_five_devices_reach_the_limit_on_the_fast_path_identically() -> None:
    """Five devices a user, each with its own sessions and idle tails: the limit refuses
    sessions on most days. Those days are resolved on the fast path, in time order through
    the parallel-session rule, with the same tables as the exact path."""
    sc = parse_scenario(
        {
            "name": "roaming",
            "seed": 4,
            "start": "2026-02-02T00:00",
            "duration": "5d",
            "licenses": [{"id": "corp", "professional": 1, "analyzer": 30}],
            "servers": [{"id": "prod", "license": "corp"}],
            "users": [
                {
                    "group": "roaming",
                    "count": 30,
                    "access": "analyzer",
                    "servers": ["prod"],
                    "behaviour": {"devices": 5},
                }
            ],
        }
    )
    world, rec = run_engine(sc, fast=True, record_units=True)
    refused_fast = sum(int((c[7] == PARALLEL_LIMIT).sum()) for c in rec.session_chunks)
    a = build_result(world, rec)
    b = build_result(*run_engine(sc, fast=False, record_units=True))
    assert refused_fast > 0
    assert refused_fast == (a.sessions["denied_reason"] == "parallel_limit").sum()
    assert_same(a, b)


def test_sessions_of_no_length_at_a_limit_of_one_are_identical_both_ways() -> None:
    """Found by the random scenarios: with a limit of 1, a session of no length closes at
    the limit, so the next one, at the same instant, waits; routing must count it."""
    sc = parse_scenario(
        {
            "name": "zero",
            "seed": 1,
            "start": "2026-01-26T00:00",
            "duration": "3d",
            "rules": {"max_parallel_sessions": 1, "session_inactivity": "1min"},
            "licenses": [{"id": "lic", "professional": 1}],
            "servers": [{"id": "s0", "license": "lic"}],
            "users": [
                {
                    "group": "g0",
                    "count": 1,
                    "access": "professional",
                    "servers": ["s0"],
                    "behaviour": {
                        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                        "sessions_per_day": 0.5,
                        "clicks_per_session": 0,
                        "click_gap": "20s",
                        "session_break": "0s",
                        "logout_share": 1.0,
                    },
                }
            ],
        }
    )
    a, b, _ = both_ways(sc)
    assert (a.sessions["denied_reason"] == "parallel_limit").any()
    assert_same(a, b)


def test_login_passes_take_the_fast_path_on_days_the_pool_cannot_run_short() -> None:
    def login_rows(sc: Scenario) -> tuple[int, Result, Result]:
        world, rec = run_engine(sc, fast=True, record_units=True)
        fast = sum(int((c[6] == LOGIN_PASS_CODE).sum()) for c in rec.session_chunks)
        exact = build_result(*run_engine(sc, fast=False, record_units=True))
        return fast, build_result(world, rec), exact

    short = load_scenario(ROOT / "scenarios/token-site.yaml")
    ample = short.with_overrides({"licenses.tokens.tokens.login_passes": 5000})
    fast, a, b = login_rows(ample)
    assert_same(a, b)
    granted = int((a.sessions["access"] == "login_pass").sum())
    assert granted > 500 and fast > 0.9 * granted
    assert (a.sessions["denied_reason"] == "no_login_pass").sum() == 0
    # A pool that runs short most days keeps them in time order, and still agrees.
    fast, a, b = login_rows(short)
    assert_same(a, b)
    assert (a.sessions["denied_reason"] == "no_login_pass").sum() > 100
    assert fast < 0.2 * (a.sessions["access"] == "login_pass").sum()


def test_a_day_on_which_capacity_runs_out_is_swept_on_the_fast_path() -> None:
    # Three months that each run out mid-month: the day it happens is resolved by the dry
    # run (the month ends at the last of the units it can still take, in time order), and
    # still agrees with one unit at a time on the exact path.
    sc = load_scenario(ROOT / "scenarios/capacity-runs-out.yaml")
    a, b, fast_rows = both_ways(sc)
    assert_same(a, b)
    assert fast_rows == len(a.sessions)
    assert a.capacity["exhausted_at"].notna().all()
    assert (a.capacity["denied_units"] > 0).all()
    exhausted = a.events[a.events["kind"] == "capacity_exhausted"]
    assert len(exhausted) == 3 and exhausted["server"].notna().all()


def test_sessions_around_the_clock_keep_units_after_midnight_in_time_order() -> None:
    # With day starts uniform over the day, a day's plan reaches into the next morning; a
    # unit charged there ahead of that morning's own made the month run out 5 minutes too
    # early on the fast path. Found by hand: the tables must not differ by a unit.
    sc = load_scenario(ROOT / "scenarios/capacity-runs-out.yaml").with_overrides(
        {"users.field.behaviour.day_start.spread": "uniform"}
    )
    a, b, _ = both_ways(sc)
    assert_same(a, b)
    assert (a.sessions["start"].dt.hour < 6).sum() > 100
    assert a.capacity["exhausted_at"].notna().all()


def test_a_run_out_day_with_sessions_past_midnight_is_swept_on_the_fast_path() -> None:
    # Evening workers: every day some capacity sessions run past midnight, on the exact
    # path (their units there would be charged before the next morning's). The day the
    # month runs out still takes the fast path: yesterday's late units are resolved before
    # the day's first session (the named users come in at 11:00, after the last of them),
    # and its own units after midnight are refused anyway.
    sc = load_scenario(ROOT / "scenarios/capacity-runs-out.yaml").with_overrides(
        {
            "users.field.behaviour.day_start.mean": "21:00",
            "users.admins.behaviour.day_start.mean": "11:00",
            "users.managers.behaviour.day_start.mean": "11:00",
        }
    )
    world, rec = run_engine(sc, fast=True, record_units=True)
    fast_starts = np.concatenate([c[3] for c in rec.session_chunks])
    a = build_result(world, rec)
    assert_same(a, build_result(*run_engine(sc, fast=False, record_units=True)))
    s = a.sessions
    late = s["group"].eq("field") & (s["planned_end"].dt.normalize() > s["start"].dt.normalize())
    assert late.sum() > 300
    origin = pd.Timestamp(sc.start_at)
    for at in a.capacity["exhausted_at"]:
        # From noon: the sessions of the day's own plan, not the night's of the day before.
        noon = at.normalize() + pd.Timedelta(hours=12)
        on_day = s["start"].between(noon, noon + pd.Timedelta(hours=12), inclusive="left")
        assert (late & on_day).any()
        lo = (noon - origin).total_seconds()
        assert ((fast_starts >= lo) & (fast_starts < lo + 12 * 3600.0)).sum() == on_day.sum()
