"""The parallel-session limit: 5 at once per user and pool, and a 5-minute wait for a slot
closed at the limit."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.rules.parallel import ParallelSessions, may_reach_limit, peak_open, resolve_in_order


def test_sixth_parallel_session_is_refused() -> None:
    p = ParallelSessions(limit=5, wait=300.0)
    assert all(p.open(0, 1, float(t)) for t in range(5))
    assert not p.open(0, 1, 10.0)
    assert p.open(0, 2, 10.0)  # the limit is per user


def test_the_limit_is_per_pool() -> None:
    p = ParallelSessions(limit=5, wait=300.0)
    assert all(p.open(0, 1, float(t)) for t in range(3))
    assert all(p.open(1, 1, float(t)) for t in range(3, 6))  # another key: its own five
    assert p.open(0, 1, 6.0) and p.open(0, 1, 7.0)
    assert not p.open(0, 1, 8.0)
    assert p.can_open(1, 1, 8.0)


def test_slot_closed_at_the_limit_waits_five_minutes() -> None:
    p = ParallelSessions(limit=5, wait=300.0)
    for t in range(5):
        p.open(0, 1, float(t))
    p.close(0, 1, 100.0)  # closed while 5 were open
    assert not p.open(0, 1, 100.0)
    assert not p.open(0, 1, 399.0)
    assert p.open(1, 1, 399.0)  # the wait holds only in its own pool
    assert p.open(0, 1, 400.0)


def test_slot_closed_below_the_limit_is_free_at_once() -> None:
    p = ParallelSessions(limit=5, wait=300.0)
    for t in range(4):
        p.open(0, 1, float(t))
    p.close(0, 1, 100.0)
    assert p.open(0, 1, 100.0)
    assert p.open(0, 1, 101.0)
    assert not p.open(0, 1, 102.0)


def test_peak_open_counts_each_users_overlaps_with_touching_sessions_as_open_together() -> None:
    # user 7: [0, 10] and [5, 20] overlap: 2 at 5..10; [20, 30] starts as the second ends,
    # which counts as open together: 2 at 20 (the first ended at 10). user 3: one session
    # of no length is open at its instant: 1.
    user = np.array([7, 7, 7, 3])
    start = np.array([0.0, 5.0, 20.0, 4.0])
    end = np.array([10.0, 20.0, 30.0, 4.0])
    assert peak_open(user, start, end).tolist() == [2, 2, 2, 1]


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 40), st.integers(0, 30)),
        max_size=40,
    ),
    st.lists(st.integers(0, 5), min_size=7, max_size=7),
    st.integers(1, 6),
)
def test_may_reach_limit_is_the_peak_plus_held_slots_against_the_limit(
    rows: list[tuple[int, int, int]], held: list[int], limit: int
) -> None:
    # Sweeping only users with enough sessions must not change any answer of the full
    # sweep, including users with few sessions but many slots held from earlier days.
    user = np.array([r[0] for r in rows], dtype=np.int64)
    start = np.array([float(r[1]) for r in rows])
    end = start + np.array([float(r[2]) for r in rows])
    before = np.array(held, dtype=np.int64)[user]
    expected = before + peak_open(user, start, end) >= limit
    assert may_reach_limit(user, start, end, before, limit).tolist() == expected.tolist()


def test_busy_users_counts_open_and_waiting_slots_over_pools() -> None:
    p = ParallelSessions(limit=1, wait=300.0)
    p.open(0, 1, 0.0)
    p.close(0, 1, 10.0)  # closed at the limit: busy until 310
    p.open(1, 1, 20.0)  # another pool: open
    p.open(0, 2, 20.0)
    p.close(0, 2, 30.0)  # busy until 330
    assert p.busy_users(100.0) == {1: 2, 2: 1}
    assert p.busy_users(320.0) == {1: 1, 2: 1}
    assert p.busy_users(400.0) == {1: 1}
    assert list(p.slots) == [(1, 1)]  # users with nothing busy are forgotten


def _sweep(start: list[float], end: list[float], until: float = 86400.0, user=None):
    n = len(start)
    user = np.zeros(n, dtype=np.int64) if user is None else np.asarray(user)
    return resolve_in_order(
        np.zeros(n, dtype=np.int64),
        user,
        np.asarray(start, dtype=float),
        np.asarray(end, dtype=float),
        ParallelSessions(limit=5, wait=300.0),
        until,
    )


def test_a_day_in_time_order_refuses_the_sixth_and_the_start_in_the_wait() -> None:
    # Five open from 100..104; the sixth at 200 is refused; the first closes at 1000 with
    # five open, so its slot waits until 1300: a start at 1100 is refused, one at 1400 is
    # granted. The rows come in no particular order.
    start = [1100.0, 100, 101, 102, 103, 104, 200, 1400]
    end = [5000.0, 1000, 5000, 5000, 5000, 5000, 5000, 5000]
    granted, alone = _sweep(start, end)
    assert granted.tolist() == [False, True, True, True, True, True, False, True]
    assert alone.all()


def test_a_day_stands_alone_only_without_ties_and_waits_past_its_end() -> None:
    tie = _sweep([100.0, 200.0], [200.0, 300.0], user=[0, 0])  # a start as one closes
    assert not tie[1].any()
    # A close at the limit at 86,300 starts a wait to 86,600, past the day's end.
    start = [100.0, 101, 102, 103, 104]
    late = _sweep(start, [86300.0, 90000, 90000, 90000, 90000])
    assert late[0].all() and not late[1].any()
    # Another user's day is not affected by either.
    both = _sweep([100.0, 200.0, 50.0], [200.0, 300.0, 60.0], user=[0, 0, 1])
    assert both[1].tolist() == [False, False, True]
