"""Login access passes: 60 minutes from first login, 28-day return; hand-worked."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.rules.passes import (
    LOGIN_PASSES_PER_TOKEN,
    LoginPassPool,
    login_pass_starts,
    login_pass_times,
    token_access,
)
from sim.rules.pool import SeatType
from sim.rules.reasons import DenialReason

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
    pool = LoginPassPool(passes=1 * LOGIN_PASSES_PER_TOKEN, return_after=28 * DAY)
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


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.0, 3 * DAY),
            st.floats(0.0, 5 * HOUR),
            st.one_of(st.just(-math.inf), st.floats(0.0, 3 * DAY + 2 * HOUR)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_array_form_takes_the_scalar_rules_passes_to_the_bit(
    sessions: list[tuple[float, float, float]],
) -> None:
    start = np.array([s for s, _, _ in sessions])
    end = start + np.array([d for _, d, _ in sessions])
    covered = np.array([c for _, _, c in sessions])
    row, times = login_pass_times(start, end.copy(), covered.copy(), HOUR)
    for i in range(len(sessions)):
        expected = login_pass_starts(float(start[i]), float(end[i]), float(covered[i]), HOUR)
        # The same floats, not merely close ones: the fast and exact paths write them.
        assert times[row == i].tolist() == expected


def test_passes_taken_out_of_time_order_come_back_in_time_order() -> None:
    # A day of logins known to be granted is taken at once, before the exact path takes
    # an earlier pass of the same day.
    pool = LoginPassPool(passes=3, return_after=28 * DAY)
    pool.take_all([10 * HOUR, 9 * HOUR])
    assert pool.take(8 * HOUR)
    assert not pool.take(11 * HOUR)
    assert pool.available(28 * DAY + 8 * HOUR) == 1
    assert pool.available(28 * DAY + 9 * HOUR) == 2
    assert pool.available(28 * DAY + 10 * HOUR) == 3


def test_a_token_login_is_the_users_pass_then_a_login_pass_then_none() -> None:
    both = ("user_pass", "login_pass")
    assert token_access(SeatType.USER_PASS, both, True, "qlik_sense").access == "user_pass"
    assert token_access(None, both, True, "qlik_sense").access == "login_pass"
    # Login passes are Qlik Sense's, and only for users a login-pass rule covers.
    assert token_access(None, both, True, "qlikview").reason is DenialReason.NO_SEAT
    assert token_access(None, ("user_pass",), True, "qlik_sense").reason is DenialReason.NO_SEAT
    assert token_access(None, both, False, "qlik_sense").reason is DenialReason.NO_SEAT
