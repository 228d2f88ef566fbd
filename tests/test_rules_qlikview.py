"""QlikView CALs: fallback order, Session CAL minimum and reuse, Usage CAL recharge."""

from collections.abc import Callable

import pytest

from sim.rules.qlikview import Cal, SessionCals, UsageCalPool, first_cal

MIN = 60.0
DAY = 86400.0


def offers(**gives: bool) -> dict[Cal, Callable[[], bool]]:
    return {Cal(f"{name}_cal"): (lambda g=g: g) for name, g in gives.items()}


def test_fallback_order_named_document_session_usage() -> None:
    everything = {"named": True, "document": True, "session": True, "usage": True}
    assert first_cal(offers(**everything)) is Cal.NAMED
    assert first_cal(offers(**{**everything, "named": False})) is Cal.DOCUMENT
    assert first_cal(offers(session=True, usage=True)) is Cal.SESSION
    assert first_cal(offers(usage=True)) is Cal.USAGE
    assert first_cal({}) is None


def test_a_type_is_tried_only_after_every_earlier_type_gave_none() -> None:
    tried: list[str] = []

    def attempt(name: str, gives: bool) -> Callable[[], bool]:
        return lambda: tried.append(name) is None and gives

    tries = {Cal.USAGE: attempt("usage", True), Cal.SESSION: attempt("session", True)}
    assert first_cal({**tries, Cal.NAMED: attempt("named", False)}) is Cal.SESSION
    # The Usage CAL was never tried: trying it would have taken one.
    assert tried == ["named", "session"]


def test_a_five_minute_session_is_charged_fifteen_minutes() -> None:
    pool = SessionCals(cals=1)
    assert pool.open("pc-1", 0.0)
    assert pool.close("pc-1", 5 * MIN) == 15 * MIN
    assert not pool.open("pc-2", 10 * MIN)  # the one CAL is still charged
    assert pool.open("pc-2", 15 * MIN)


def test_overlapping_sessions_on_one_client_share_its_cal_until_both_close() -> None:
    pool = SessionCals(cals=1)
    assert pool.open("pc-1", 0.0)
    assert pool.open("pc-1", 20 * MIN) is None  # a reopen while the first is still idle
    assert pool.close("pc-1", 30 * MIN) is None  # the first closes: the second holds on
    assert not pool.open("pc-2", 31 * MIN)
    assert pool.close("pc-1", 40 * MIN) == 40 * MIN
    assert pool.open("pc-2", 40 * MIN)


def test_a_reopen_on_the_same_client_within_fifteen_minutes_reuses_the_cal() -> None:
    pool = SessionCals(cals=1)
    pool.open("pc-1", 0.0)
    pool.close("pc-1", 5 * MIN)
    assert pool.open("pc-1", 12 * MIN) is None  # same CAL, no second one needed
    assert pool.in_use(12 * MIN) == 1
    assert pool.close("pc-1", 40 * MIN) == 40 * MIN  # the minimum counts from the first take


def test_long_sessions_hold_their_cal_until_closed() -> None:
    pool = SessionCals(cals=2)
    assert pool.open("a", 0.0) and pool.open("b", 1.0)
    assert not pool.open("c", 2.0)
    pool.close("a", 3600.0)
    assert pool.open("c", 3600.0)


def test_usage_cals_recharge_n_over_28_a_day() -> None:
    pool = UsageCalPool(cals=28)
    assert all(pool.take(0.0) for _ in range(28))
    assert not pool.take(0.0)
    assert pool.level_at(0.5 * DAY) == pytest.approx(0.5)
    assert not pool.take(0.5 * DAY)
    assert pool.level_at(DAY) == pytest.approx(1.0)  # one a day for a pool of 28
    assert pool.take(DAY)
    assert not pool.take(DAY)
    assert pool.level_at(3 * DAY) == pytest.approx(2.0)
    assert pool.level_at(100 * DAY) == 28.0  # never above the pool
