"""The integer codes of the engine's tables: access types, license states, reasons, clients.

Both engine paths write session rows as small integers so that a day of sessions is a few
numpy arrays; :mod:`sim.result` turns them back into names. The vocabularies themselves are
the enums of :mod:`sim.rules` (:class:`~sim.rules.reasons.DenialReason`,
:class:`~sim.rules.connectivity.LicenseState`, :class:`~sim.rules.qmc.Client`,
:class:`~sim.rules.pool.SeatType`); this module only numbers them, once.
"""

from __future__ import annotations

import numpy as np

from sim.rules.capacity import unit_refusal
from sim.rules.connectivity import LicenseState
from sim.rules.pool import SeatType, refusal
from sim.rules.qmc import CLIENTS, holds_parallel_slot
from sim.rules.reasons import DENIAL_REASONS, DenialReason

ACCESS_CODES = (
    "",
    "professional",
    "analyzer",
    "capacity",
    "user_pass",
    "login_pass",
    "named_cal",
    "session_cal",
    "usage_cal",
    "document_cal",
    "root_admin",
)
ACCESS_CODE = {name or None: code for code, name in enumerate(ACCESS_CODES)}
"""Access name (``None`` for none) → its code in a session row."""
CAPACITY_CODE = ACCESS_CODES.index("capacity")
LOGIN_PASS_CODE = ACCESS_CODES.index("login_pass")

SEAT_CODE = {seat: ACCESS_CODES.index(seat.value) for seat in SeatType}
"""Seat codes in the seat ledger's ``held`` are the access codes of the seat types."""

STATE_CODES = {state: code for code, state in enumerate(LicenseState)}
UNLICENSED_CODE = STATE_CODES[LicenseState.UNLICENSED]
LICENSED_CODE = STATE_CODES[LicenseState.LICENSED]
DELAYED_SYNC_CODE = STATE_CODES[LicenseState.DELAYED_SYNC]

CLIENT_CODE = {name: code for code, name in enumerate(CLIENTS)}


def reason_code(reason: str | None) -> int:
    """0 for none, else 1 + the reason's index in the closed vocabulary."""
    return 0 if reason is None else DENIAL_REASONS.index(str(reason)) + 1


BACKEND_UNREACHABLE = reason_code(DenialReason.BACKEND_UNREACHABLE)
CAPACITY_EXHAUSTED = reason_code(DenialReason.CAPACITY_EXHAUSTED)

AS_QUARANTINED = np.array(
    [0] + [reason_code(refusal(DenialReason(r), True)) for r in DENIAL_REASONS], dtype=np.int8
)
"""Reason code → the code :func:`sim.rules.pool.refusal` gives it for a user whose seat is
in quarantine (a table of the scalar rule, for arrays of denials)."""

HOLDS_SLOT = np.asarray(holds_parallel_slot(np.array(ACCESS_CODES), False, False), dtype=bool)
"""Access code → whether a hub session granted it holds a parallel slot
(:func:`sim.rules.qmc.holds_parallel_slot`)."""

REASONS_BY_CODE: tuple[DenialReason | None, ...] = (
    None,
    *(DenialReason(r) for r in DENIAL_REASONS),
)
"""Reason code → reason (None for code 0)."""

UNIT_REFUSAL = np.array(
    [[reason_code(unit_refusal(allowed, r)) for r in REASONS_BY_CODE] for allowed in (False, True)],
    dtype=np.int8,
)
"""(unit allowed, state's reason code) → the reason code :func:`sim.rules.capacity.
unit_refusal` gives a refused unit (a table of the scalar rule, for the fast path)."""
