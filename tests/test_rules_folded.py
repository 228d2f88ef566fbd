"""Rules both engine paths share, in scalar and array form, checked by hand.

Each rule here used to be written twice, once per engine path; now the exact path calls
the scalar form and the fast path the array form (or a table built from the scalar form).
"""

import math

import numpy as np

from sim.rules.access import CAPACITY, settled_access
from sim.rules.capacity import CapacityMeter, chain_holds, unit_minutes
from sim.rules.connectivity import expiry_cut
from sim.rules.pool import SeatType, refusal
from sim.rules.qmc import holds_parallel_slot
from sim.rules.reasons import DenialReason

MIN = 60.0
HOUR = 60 * MIN


def never(seat: SeatType) -> bool:
    return False


def test_settled_logins_walk_the_access_order() -> None:
    pro = ("professional", "capacity")
    # A held seat comes first, whatever else the user may have.
    assert settled_access(SeatType.ANALYZER, pro, never, True).access == "analyzer"
    # No seat to be had: Analyzer Capacity, whose unit is the unit's own question.
    d = settled_access(None, pro, never, True)
    assert (d.access, d.charge_unit) == (CAPACITY, True)
    # Capacity on a product that cannot use it, and no rule at all.
    assert settled_access(None, pro, never, False).reason is DenialReason.NOT_LICENSED_FOR_PRODUCT
    assert settled_access(None, ("analyzer",), never, True).reason is DenialReason.NO_SEAT
    # A dynamic rule with no seat left is still "no seat", not "backend unreachable".
    dynamic = settled_access(None, ("analyzer",), lambda seat: True, True)
    assert dynamic.reason is DenialReason.NO_SEAT


def test_a_seatless_user_in_quarantine_is_refused_as_quarantined() -> None:
    assert refusal(DenialReason.NO_SEAT, True) is DenialReason.QUARANTINED
    assert refusal(DenialReason.NO_CAL, True) is DenialReason.QUARANTINED
    assert refusal(DenialReason.NO_SEAT, False) is DenialReason.NO_SEAT
    # Other reasons stand: the backend is down whatever the quarantine.
    assert refusal(DenialReason.BACKEND_UNREACHABLE, True) is DenialReason.BACKEND_UNREACHABLE


def test_a_session_is_cut_where_its_server_becomes_unlicensed() -> None:
    # Closes at 10:30 (last click 10:00 + 30 min idle); unlicensed from 10:20: cut at 10:20.
    assert expiry_cut(10.5 * HOUR, 10 * HOUR + 20 * MIN) == (10 * HOUR + 20 * MIN, True)
    # Unlicensed only from 11:00, or never: it closes at 10:30, not cut.
    assert expiry_cut(10.5 * HOUR, 11 * HOUR) == (10.5 * HOUR, False)
    assert expiry_cut(10.5 * HOUR, math.inf) == (10.5 * HOUR, False)
    end, cut = expiry_cut(np.array([10.5, 10.5]) * HOUR, np.array([10.25, math.inf]) * HOUR)
    assert end.tolist() == [10.25 * HOUR, 10.5 * HOUR] and cut.tolist() == [True, False]


def test_a_planned_unit_chain_holds_only_if_the_running_unit_is_the_planned_one() -> None:
    # The plan saw a unit running until 9:04 at a 9:00 start; it is.
    assert chain_holds(9 * HOUR, 9 * HOUR + 4 * MIN, 9 * HOUR + 4 * MIN)
    # No unit planned, none running (the last ended 8:58): holds.
    assert chain_holds(9 * HOUR, 8 * HOUR, 8 * HOUR + 58 * MIN)
    # Planned running, but the unit was refused (none running): void.
    assert not chain_holds(9 * HOUR, 9 * HOUR + 4 * MIN, -math.inf)
    # A different running unit (until 9:02, not 9:04): void.
    assert not chain_holds(9 * HOUR, 9 * HOUR + 4 * MIN, 9 * HOUR + 2 * MIN)
    got = chain_holds(np.full(2, 9 * HOUR), np.full(2, 9 * HOUR + 4 * MIN), np.array([9.0, -1]))
    assert got.tolist() == [False, False]


def test_the_unit_is_six_minutes_and_a_bulk_charge_counts_like_single_units() -> None:
    assert unit_minutes(360.0) == 6.0
    meter = CapacityMeter(60, unit_minutes(360.0), "none", [0.0])
    assert meter.try_start_unit(0.0)
    meter.charge(meter.months[0], 8)
    # 1 + 8 units of 6 minutes: 54 of 60 used, one unit left.
    assert meter.months[0].consumed == 54.0
    assert not meter.exhausted(1.0)
    assert meter.month_indices(np.array([0.0, 5.0])).tolist() == [0, 0]


def test_which_granted_hub_sessions_hold_a_parallel_slot() -> None:
    access = np.array(["professional", "analyzer", "capacity", "root_admin", "user_pass"])
    assert holds_parallel_slot(access, False, False).tolist() == [True, True, False, False, True]
