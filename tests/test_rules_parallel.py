"""The parallel-session limit: 5 at once per user and pool, and a 5-minute wait for a slot
closed at the limit."""

import numpy as np

from sim.rules.parallel import ParallelSessions, peak_open


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
