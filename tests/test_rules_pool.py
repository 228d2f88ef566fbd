"""The shared user pool and the access order at login."""

from sim.rules.access import decide_access
from sim.rules.pool import SeatType, UserPool
from sim.rules.reasons import DenialReason

PRO, AN = SeatType.PROFESSIONAL, SeatType.ANALYZER


def login(pool: UserPool, user: int, eligible: tuple[str, ...], **kw: bool):  # type: ignore[no-untyped-def]
    args = {
        "reachable": True,
        "capacity_allowed": True,
        "unit_running": False,
        "capacity_exhausted": False,
    }
    args.update(kw)
    return decide_access(user=user, eligible=eligible, pool=pool, **args)


def test_allocated_seats_come_first_even_offline() -> None:
    pool = UserPool(1, 1)
    pool.allocate(7, AN)
    d = login(pool, 7, ("professional", "analyzer", "capacity"), reachable=False)
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
    d = login(pool, 1, ("analyzer",), reachable=False)
    assert d.reason is DenialReason.BACKEND_UNREACHABLE


def test_full_pool_falls_through_to_capacity_and_its_reason() -> None:
    pool = UserPool(1, 1, frozenset({AN}))
    pool.allocate(9, AN)
    assert login(pool, 1, ("analyzer",)).reason is DenialReason.NO_SEAT
    assert login(pool, 1, ("analyzer", "capacity"), capacity_exhausted=True).reason is (
        DenialReason.CAPACITY_EXHAUSTED
    )
    assert login(pool, 1, ("capacity",), reachable=False).reason is DenialReason.BACKEND_UNREACHABLE
    assert login(pool, 1, ("capacity",), capacity_allowed=False).reason is (
        DenialReason.NOT_LICENSED_FOR_PRODUCT
    )


def test_a_running_unit_covers_a_new_session_without_the_backend() -> None:
    pool = UserPool(0, 0)
    d = login(pool, 1, ("capacity",), reachable=False, unit_running=True)
    assert d.access == "capacity" and not d.charge_unit


def test_pool_never_over_allocates() -> None:
    pool = UserPool(2, 0, frozenset({PRO}))
    assert pool.allocate(1, PRO) and pool.allocate(2, PRO)
    assert not pool.allocate(3, PRO)
    assert not pool.allocate(1, PRO)  # already holds one
    assert pool.counts[PRO].available == 0 and pool.counts[PRO].excess == 0
