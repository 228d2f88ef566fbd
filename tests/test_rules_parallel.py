"""The parallel-session limit: 5 at once per user and pool, and a 5-minute wait for a slot
closed at the limit."""

from sim.rules.parallel import ParallelSessions


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
