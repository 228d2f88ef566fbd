"""Login access passes: 60 minutes from first login, 28-day return; hand-worked."""

import math

from sim.rules.passes import PASSES_PER_TOKEN, LoginPassPool, login_pass_starts

MIN = 60.0
HOUR = 60 * MIN
DAY = 24 * HOUR


def test_a_130_minute_session_uses_three_passes() -> None:
    assert login_pass_starts(0.0, 130 * MIN, -math.inf, HOUR) == [0.0, HOUR, 2 * HOUR]


def test_a_session_of_exactly_60_minutes_uses_one_pass() -> None:
    assert login_pass_starts(0.0, HOUR, -math.inf, HOUR) == [0.0]


def test_the_clock_keeps_running_after_logout() -> None:
    # logged in at 0 for 10 minutes, back at 0:40 for 30 minutes: the first pass covers
    # until 1:00, a second pass starts then.
    assert login_pass_starts(40 * MIN, 70 * MIN, covered_until=HOUR, period=HOUR) == [HOUR]
    assert login_pass_starts(40 * MIN, 55 * MIN, covered_until=HOUR, period=HOUR) == []


def test_used_passes_return_exactly_28_days_after_use() -> None:
    pool = LoginPassPool(passes=1 * PASSES_PER_TOKEN, return_after=28 * DAY)
    for k in range(10):
        assert pool.take(k * HOUR)
    assert not pool.take(DAY)
    assert pool.available(28 * DAY - 1) == 0
    assert pool.available(28 * DAY) == 1  # the pass used at 0 is back
    assert pool.available(28 * DAY + 9 * HOUR) == 10
    assert pool.take(28 * DAY)


def test_moving_tokens_between_pass_types() -> None:
    pool = LoginPassPool(passes=20, return_after=28 * DAY)
    pool.take(0.0)
    pool.set_passes(10)  # one token moved to a user pass
    assert pool.available(1.0) == 9
