"""The shared user pool and the access order at login."""

import numpy as np

from sim.rules.access import decide_access
from sim.rules.pool import (
    NEVER_USED,
    SeatType,
    UserPool,
    idle_for,
    quarantine_end,
    record_use,
)
from sim.rules.reasons import DenialReason

PRO, AN = SeatType.PROFESSIONAL, SeatType.ANALYZER


def login(pool: UserPool, user: int, eligible: tuple[str, ...], **kw: bool):  # type: ignore[no-untyped-def]
    args = {
        "can_allocate": True,
        "can_start_unit": True,
        "capacity_allowed": True,
        "unit_running": False,
        "capacity_exhausted": False,
    }
    args.update(kw)
    return decide_access(user=user, eligible=eligible, pool=pool, **args)


def test_allocated_seats_come_first_even_offline() -> None:
    pool = UserPool(1, 1)
    pool.allocate(7, AN)
    d = login(
        pool, 7, ("professional", "analyzer", "capacity"), can_allocate=False, can_start_unit=False
    )
    assert d.access == "analyzer" and d.allocate is None


def test_dynamic_order_professional_then_analyzer_then_capacity() -> None:
    pool = UserPool(1, 1, frozenset({PRO, AN}))
    elig = ("capacity", "analyzer", "professional")  # the order in the file does not matter
    d = login(pool, 1, elig)
    assert d.allocate is PRO
    pool.allocate(1, PRO)
    d = login(pool, 2, elig)
    assert d.allocate is AN
    pool.allocate(2, AN)
    d = login(pool, 3, elig)
    assert d.access == "capacity" and d.charge_unit


def test_manual_type_without_allocation_is_no_seat() -> None:
    pool = UserPool(5, 5)  # both manual
    d = login(pool, 1, ("analyzer",))
    assert d.access is None and d.reason is DenialReason.NO_SEAT


def test_new_allocation_needs_the_backend() -> None:
    pool = UserPool(0, 3, frozenset({AN}))
    d = login(pool, 1, ("analyzer",), can_allocate=False, can_start_unit=False)
    assert d.reason is DenialReason.BACKEND_UNREACHABLE


def test_full_pool_falls_through_to_capacity_and_its_reason() -> None:
    pool = UserPool(1, 1, frozenset({AN}))
    pool.allocate(9, AN)
    assert login(pool, 1, ("analyzer",)).reason is DenialReason.NO_SEAT
    assert login(pool, 1, ("analyzer", "capacity"), capacity_exhausted=True).reason is (
        DenialReason.CAPACITY_EXHAUSTED
    )
    assert (
        login(pool, 1, ("capacity",), can_allocate=False, can_start_unit=False).reason
        is DenialReason.BACKEND_UNREACHABLE
    )
    assert login(pool, 1, ("capacity",), capacity_allowed=False).reason is (
        DenialReason.NOT_LICENSED_FOR_PRODUCT
    )


def test_a_running_unit_covers_a_new_session_without_the_backend() -> None:
    pool = UserPool(0, 0)
    d = login(pool, 1, ("capacity",), can_allocate=False, can_start_unit=False, unit_running=True)
    assert d.access == "capacity" and not d.charge_unit


def test_pool_never_over_allocates() -> None:
    pool = UserPool(2, 0, frozenset({PRO}))
    assert pool.allocate(1, PRO) and pool.allocate(2, PRO)
    assert not pool.allocate(3, PRO)
    assert not pool.allocate(1, PRO)  # already holds one
    assert pool.counts[PRO].available == 0 and pool.counts[PRO].excess == 0


DAY = 86400.0
WEEK = 7 * DAY


def test_deallocating_a_recently_used_seat_quarantines_it() -> None:
    pool = UserPool(1, 1)
    assert pool.allocate(1, AN)
    until = pool.deallocate(1, 10 * DAY, last_used=8 * DAY, quarantine=WEEK)
    assert until == 15 * DAY  # 7 days after its last use, not after the deallocation
    c = pool.counts[AN]
    assert (c.allocated, c.quarantined, c.available) == (0, 1, 0)
    assert not pool.allocate(2, AN)  # another user cannot take it
    assert pool.expire(1, 14 * DAY) == []
    assert pool.expire(1, 15 * DAY) == [AN]
    assert pool.allocate(2, AN)


def test_the_same_user_is_reinstated_from_quarantine() -> None:
    pool = UserPool(1, 1)
    pool.allocate(1, AN)
    pool.deallocate(1, 10 * DAY, last_used=9 * DAY, quarantine=WEEK)
    assert pool.allocate(1, AN)
    c = pool.counts[AN]
    assert (c.allocated, c.quarantined) == (1, 0)


def test_a_seat_of_another_type_is_allocated_beside_the_quarantined_one() -> None:
    pool = UserPool(1, 1)
    pool.allocate(1, PRO)
    pool.deallocate(1, 10 * DAY, last_used=9 * DAY, quarantine=WEEK)
    assert pool.allocate(1, AN)  # from the free Analyzer seat: no reinstatement
    assert pool.seat_of(1) is AN and pool.in_quarantine(1, PRO)
    assert pool.deallocate(1, 11 * DAY, last_used=11 * DAY, quarantine=WEEK) == 18 * DAY
    assert (pool.counts[PRO].quarantined, pool.counts[AN].quarantined) == (1, 1)
    assert pool.expire(1, 16 * DAY) == [PRO]
    assert pool.in_quarantine(1) and not pool.in_quarantine(1, PRO)
    assert pool.expire(1, 18 * DAY) == [AN]
    assert not pool.in_quarantine(1)


def test_a_seat_idle_for_longer_than_the_quarantine_is_released_at_once() -> None:
    pool = UserPool(1, 1)
    pool.allocate(1, AN)
    assert pool.deallocate(1, 10 * DAY, last_used=2 * DAY, quarantine=WEEK) is None
    assert pool.counts[AN].available == 1
    pool.allocate(1, AN)
    assert pool.deallocate(1, 10 * DAY, last_used=9 * DAY, quarantine=None) is None


def test_removing_seats_below_the_allocations_leaves_excess() -> None:
    pool = UserPool(1, 3)
    for u in range(3):
        pool.allocate(u, AN)
    pool.set_total(AN, 1)
    c = pool.counts[AN]
    assert (c.total, c.allocated, c.available, c.excess) == (1, 3, 0, 2)
    pool.deallocate(0, 0.0, -WEEK, WEEK)
    assert pool.counts[AN].excess == 1


def test_quarantine_counts_seven_days_from_the_last_use() -> None:
    # used 10 Jan 09:00 (day 9.375), removed on the 11th: free 17 Jan 09:00 (day 16.375)
    assert quarantine_end(10 * DAY, 9.375 * DAY, WEEK) == 16.375 * DAY
    # last used 10 days before the removal, or never: released at once
    assert quarantine_end(12 * DAY, 2 * DAY, WEEK) is None
    assert quarantine_end(3 * DAY, NEVER_USED, WEEK) is None
    # exactly 7 days after the use is no longer within them
    assert quarantine_end(9 * DAY, 2 * DAY, WEEK) is None
    assert quarantine_end(10 * DAY, 9 * DAY, None) is None


def test_a_seat_is_idle_since_its_last_use_or_else_its_allocation() -> None:
    assert idle_for(10 * DAY, 8 * DAY, 1 * DAY) == 2 * DAY
    assert idle_for(10 * DAY, NEVER_USED, 9 * DAY) == 1 * DAY
    # reinstated on day 6 after a use on day 2: idle since the reinstatement
    assert idle_for(10 * DAY, 2 * DAY, 6 * DAY) == 4 * DAY


def test_record_use_keeps_the_latest_start_per_seat() -> None:
    last = np.full((2, 3), NEVER_USED)
    record_use(last, (0, 1), 5.0)
    record_use(last, (np.array([0, 0, 1]), np.array([1, 1, 2])), np.array([9.0, 7.0, 3.0]))
    record_use(last, (0, 1), 6.0)  # an earlier start does not move it back
    assert last.tolist() == [[NEVER_USED, 9.0, NEVER_USED], [NEVER_USED, NEVER_USED, 3.0]]
