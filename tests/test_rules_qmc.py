"""The QMC and anonymous-user rules as pure functions (sim.rules.qmc, sim.rules.anonymous)."""

import math

import numpy as np

from sim.rules.access import AccessDecision
from sim.rules.anonymous import carried, needs_identity
from sim.rules.capacity import unit_starts
from sim.rules.qmc import (
    ROOT_ADMIN,
    Client,
    holds_parallel_slot,
    qmc_activity,
    qmc_client,
    qmc_decision,
    qmc_eligible,
)
from sim.rules.reasons import DenialReason


def test_a_qmc_session_holds_a_slot_on_a_signed_key_only() -> None:
    assert holds_parallel_slot("professional", qmc=True, signed=True)
    assert not holds_parallel_slot("professional", qmc=True, signed=False)
    assert holds_parallel_slot("analyzer", qmc=False, signed=False)  # hub on a LEF
    assert not holds_parallel_slot("capacity", qmc=True, signed=True)
    assert not holds_parallel_slot(ROOT_ADMIN, qmc=True, signed=True)
    got = holds_parallel_slot(
        np.array(["professional", "professional", None], dtype=object),
        np.array([True, False, True]),
        np.array([False, False, True]),
    )
    assert list(got) == [False, True, False]


def test_fourteen_minutes_in_the_qmc_start_three_units() -> None:
    # Activity at 0, 6, 12 and 14 min; units of 6 min at 0, 6, 12: 3 units = 18 minutes.
    activity = qmc_activity(0.0, 14 * 60.0, 360.0)
    assert unit_starts(activity, -math.inf, 360.0) == [0.0, 360.0, 720.0]
    assert len(unit_starts(qmc_activity(0.0, 0.0, 360.0), -math.inf, 360.0)) == 1


def test_root_admin_and_the_capacity_rule() -> None:
    assert qmc_eligible(("capacity",), excluded_from_capacity=False) == ("capacity",)
    assert qmc_eligible(("analyzer", "capacity"), excluded_from_capacity=True) == ("analyzer",)
    no_seat = AccessDecision(None, reason=DenialReason.NO_SEAT)
    assert qmc_decision(no_seat, root_admin=True).access == ROOT_ADMIN
    assert qmc_decision(no_seat, root_admin=False).access is None
    spent = AccessDecision(None, reason=DenialReason.CAPACITY_EXHAUSTED)
    assert qmc_decision(spent, root_admin=True).access is None
    assert qmc_client("analyzer") is Client.QMC_LIMITED
    assert qmc_client("capacity") is Client.QMC_LIMITED
    assert qmc_client("professional") is Client.QMC
    assert qmc_client(ROOT_ADMIN) is Client.QMC


def test_anonymous_sessions_inherit_nothing() -> None:
    assert carried(100.0, False) == 100.0
    assert carried(100.0, True) == -math.inf
    assert list(carried(np.array([5.0, 7.0]), np.array([True, False]))) == [-math.inf, 7.0]
    assert needs_identity(("capacity", "analyzer", "login_pass", "named_cal")) == (
        "analyzer",
        "named_cal",
    )
