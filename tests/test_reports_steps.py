"""Step-series statistics against hand-computed values."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.reports.steps import (
    concurrency,
    duration_curve,
    exceeded_level,
    peak,
    share_at_or_above,
    time_weighted_mean,
    utilisation,
)

T0 = pd.Timestamp("2026-01-01T00:00", tz="UTC")


def hours(*h: float) -> list[pd.Timestamp]:
    return [T0 + pd.Timedelta(hours=x) for x in h]


# allocated 2 for 1 h, 4 for 2 h, 1 for 1 h, out of 4 seats; a repeated instant keeps its last row
SERIES = pd.DataFrame({"time": hours(0, 1, 1, 3), "allocated": [2, 3, 4, 1], "total": [4, 4, 4, 4]})
END = T0 + pd.Timedelta(hours=4)


def test_time_weighted_mean_and_utilisation() -> None:
    # (2·1 + 4·2 + 1·1) / 4 h; the utilisation divides by 4 seats · 4 h instead
    assert time_weighted_mean(SERIES, "allocated", T0, END) == pytest.approx(11 / 4)
    assert utilisation(SERIES, T0, END) == pytest.approx(11 / 16)


def test_window_clips_the_series() -> None:
    # from 2 h to 4 h: 4 for 1 h, 1 for 1 h
    mid = T0 + pd.Timedelta(hours=2)
    assert time_weighted_mean(SERIES, "allocated", mid, END) == pytest.approx(5 / 2)


def test_peak_and_time_at_90_percent() -> None:
    assert peak(SERIES, "allocated") == (4.0, T0 + pd.Timedelta(hours=1))
    assert share_at_or_above(SERIES, T0, END, 0.9) == pytest.approx(0.5)


def test_duration_curve_by_hand() -> None:
    curve = duration_curve(SERIES, T0, END, column="allocated")
    assert list(curve["level"]) == [4.0, 2.0, 1.0]
    assert list(curve["share_of_time"]) == pytest.approx([0.5, 0.75, 1.0])
    assert list(curve["hours"]) == pytest.approx([2.0, 3.0, 4.0])


def test_p95_and_p99_by_hand() -> None:
    # over 100 h: level 0 for 90 h, 1 for 6 h, 2 for 3 h, 3 for 1 h
    series = pd.DataFrame({"time": hours(0, 90, 96, 99), "level": [0, 1, 2, 3]})
    end = T0 + pd.Timedelta(hours=100)
    assert exceeded_level(series, T0, end, 0.05) == 1  # above 1 only 4 % of the time
    assert exceeded_level(series, T0, end, 0.01) == 2  # above 2 exactly 1 % of the time
    assert exceeded_level(series, T0, end, 0.10) == 0


def test_concurrency_counts_open_intervals() -> None:
    starts = pd.Series(hours(1, 2, 2))
    ends = pd.Series(hours(3, 3, 5))
    c = concurrency(starts, ends, T0)
    assert list(c["level"]) == [0, 1, 3, 1, 0]
    assert list(c["time"]) == hours(0, 1, 2, 3, 5)


def test_empty_window() -> None:
    empty = pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]"), "level": []})
    assert time_weighted_mean(empty, "level", T0, END) == 0.0
    assert duration_curve(empty, T0, END).empty
    assert exceeded_level(empty, T0, END, 0.05) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8)), max_size=40))
def test_concurrency_equals_counting_open_intervals_at_every_change(
    intervals: list[tuple[int, int]],
) -> None:
    # Counted by brute force at every instant that changes something (minutes from T0):
    # an interval [s, s + d) is open at x if s <= x < s + d; zero-length ones never are.
    starts = pd.Series([T0 + pd.Timedelta(minutes=s) for s, _ in intervals], dtype="M8[ns, UTC]")
    ends = pd.Series([T0 + pd.Timedelta(minutes=s + d) for s, d in intervals], dtype="M8[ns, UTC]")
    c = concurrency(starts.sample(frac=1, random_state=1), ends, T0)
    instants = sorted({0, *(s for s, _ in intervals), *(s + d for s, d in intervals)})
    assert list(c["time"]) == [T0 + pd.Timedelta(minutes=x) for x in instants]
    assert list(c["level"]) == [sum(s <= x < s + d for s, d in intervals) for x in instants]


def test_duration_curve_and_percentiles_of_fractional_levels() -> None:
    # Levels that are not whole counts take the sorting path: 0.5 for 1 h, 2.5 for 3 h.
    series = pd.DataFrame({"time": hours(0, 1), "level": [0.5, 2.5]})
    curve = duration_curve(series, T0, END)
    assert list(curve["level"]) == [2.5, 0.5]
    assert list(curve["share_of_time"]) == [0.75, 1.0]
    assert exceeded_level(series, T0, END, 0.05) == 2.5
