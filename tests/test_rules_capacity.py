"""Analyzer Capacity units and the monthly allowance, checked by hand-worked arithmetic."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.rules.capacity import CapacityMeter, unit_starts

MIN = 60.0
UNIT = 6 * MIN


def minutes(units: list[float]) -> float:
    return len(units) * 6


def test_seed_example_open_click_idle_click_is_twelve_minutes() -> None:
    # Open an app and click (one unit), stay idle 20 minutes, click again (a second unit).
    units = unit_starts([0.0, 30.0, 26 * MIN], -math.inf, UNIT)
    assert units == [0.0, 26 * MIN]
    assert minutes(units) == 12


def test_twenty_six_minutes_of_continuous_activity_is_thirty_minutes() -> None:
    activity = [k * 30.0 for k in range(26 * 2 + 1)]  # a click every 30 s for 26 min
    units = unit_starts(activity, -math.inf, UNIT)
    assert units == [0.0, 6 * MIN, 12 * MIN, 18 * MIN, 24 * MIN]
    assert minutes(units) == 30


def test_fifteen_minutes_is_three_units() -> None:
    assert minutes(unit_starts([k * 10.0 for k in range(91)], -math.inf, UNIT)) == 18


def test_activity_inside_a_running_unit_is_not_charged_again() -> None:
    assert unit_starts([100.0, 200.0], running_until=300.0, unit=UNIT) == []
    assert unit_starts([100.0, 300.0], running_until=300.0, unit=UNIT) == [300.0]


def meter(purchased: int, overage: str | int = "none") -> CapacityMeter:
    return CapacityMeter(purchased, 6.0, overage, [0.0, 1000.0])


def test_allowance_runs_out_and_denies_until_the_reset() -> None:
    m = meter(30)
    assert all(m.try_start_unit(float(t)) for t in range(5))
    assert m.months[0].exhausted_at == 4.0  # the fifth unit spent the last 6 minutes
    assert m.exhausted(5.0)
    assert not m.try_start_unit(5.0)
    assert not m.try_start_unit(6.0)
    assert m.months[0].denied_units == 2
    assert m.months[0].consumed == 30
    assert not m.exhausted(1000.0)  # 00:00 UTC on the 1st
    assert m.try_start_unit(1000.0)
    assert m.months[1].consumed == 6


def test_a_remainder_smaller_than_a_unit_is_unusable() -> None:
    m = meter(1000)
    granted = sum(m.try_start_unit(float(t)) for t in range(200))
    assert granted == 166  # 996 minutes; the last 4 cannot start a unit
    assert m.months[0].consumed == 996
    assert m.months[0].exhausted_at == 165.0
    assert m.months[0].denied_units == 34


def test_unlimited_overage_never_denies_and_reports_the_overage() -> None:
    m = meter(12, "unlimited")
    assert all(m.try_start_unit(float(t)) for t in range(10))
    assert m.months[0].consumed == 60
    assert m.months[0].overage == 48
    assert m.months[0].exhausted_at is None


def test_overage_ceiling_caps_consumption() -> None:
    m = meter(30, 12)
    assert sum(m.try_start_unit(float(t)) for t in range(10)) == 7
    assert m.months[0].consumed == 42
    assert m.months[0].overage == 12


@pytest.mark.parametrize("purchased", [0, 5])
def test_an_allowance_below_one_unit_is_exhausted_from_the_month_start(purchased: int) -> None:
    m = meter(purchased)
    assert m.months[0].exhausted_at == 0.0
    assert m.months[1].exhausted_at == 1000.0
    assert not m.try_start_unit(1.0)


def test_a_raise_opens_a_spent_month_again_until_it_runs_out_anew() -> None:
    # 6 minutes bought: the first unit spends the month; raised to 60 at t = 10, nine
    # more units fit and the month runs out again at the last of them.
    m = meter(6)
    assert m.try_start_unit(1.0) and m.months[0].exhausted_at == 1.0
    m.change(10.0, 60, "none")
    assert m.months[0].exhausted_at is None and not m.exhausted(11.0)
    assert all(m.try_start_unit(float(t)) for t in range(11, 20))
    assert m.months[0].exhausted_at == 19.0 and m.months[0].consumed == 60
    assert not m.try_start_unit(20.0)


def test_a_raise_too_small_for_a_unit_leaves_the_month_spent() -> None:
    m = meter(6)
    assert m.try_start_unit(1.0)
    m.change(10.0, 10, "none")  # 4 more minutes: less than a unit
    assert m.months[0].exhausted_at == 1.0 and not m.try_start_unit(11.0)


def test_a_cut_below_what_was_used_spends_the_month_at_the_change() -> None:
    # 60 minutes bought, 30 used by t = 5; cut to 24 at t = 10: no unit fits from then on,
    # and the month ran out at the change, not at a unit. The next month keeps 24 minutes.
    m = meter(60)
    assert all(m.try_start_unit(float(t)) for t in range(5))
    spent = m.change(10.0, 24, "none")
    assert spent == [m.months[0]] and m.months[0].exhausted_at == 10.0
    assert not m.try_start_unit(11.0) and m.months[0].denied_units == 1
    assert m.months[1].exhausted_at is None and m.try_start_unit(1001.0)


def test_a_cut_that_leaves_room_spends_nothing() -> None:
    m = meter(60)
    assert m.try_start_unit(1.0)
    assert m.change(10.0, 12, "none") == []  # 6 used, one more unit fits
    assert m.months[0].exhausted_at is None
    assert m.try_start_unit(11.0) and m.months[0].exhausted_at == 11.0


def test_a_cut_below_one_unit_spends_every_later_month_at_its_start() -> None:
    m = meter(60)
    spent = m.change(10.0, 0, "none")
    assert spent == m.months and [x.exhausted_at for x in spent] == [10.0, 1000.0]


def test_a_month_already_spent_is_not_spent_again_by_a_cut() -> None:
    m = meter(6)
    assert m.try_start_unit(1.0)
    assert m.change(10.0, 3, "none") == [m.months[1]]
    assert m.months[0].exhausted_at == 1.0


@given(st.lists(st.floats(-10.0, 4000.0), max_size=40))
def test_refuse_many_counts_as_refusing_one_at_a_time(times: list[float]) -> None:
    one, many = (CapacityMeter(60, 6.0, "none", [0.0, 1000.0, 2500.0]) for _ in range(2))
    for t in times:
        one.refuse(t)
    many.refuse_many(np.asarray(times, dtype=np.float64))
    assert [m.denied_units for m in many.months] == [m.denied_units for m in one.months]
    assert sum(m.denied_units for m in many.months) == len(times)
