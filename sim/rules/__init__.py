"""Licensing rules: pure functions and small classes with no clock and no I/O.

Everything licsim knows about Qlik licensing lives here, so it can be unit-tested
without SimPy. The model layer asks these objects what happens; it only decides when.
"""

from sim.rules.access import AccessDecision, decide_access
from sim.rules.capacity import CapacityMeter, MonthRecord, unit_starts
from sim.rules.connectivity import LicenseState, StateSpan, StateTimeline, license_timeline
from sim.rules.intervals import Intervals
from sim.rules.parallel import ParallelSessions
from sim.rules.pool import SeatType, UserPool
from sim.rules.reasons import DenialReason

__all__ = [
    "AccessDecision",
    "CapacityMeter",
    "DenialReason",
    "Intervals",
    "LicenseState",
    "MonthRecord",
    "ParallelSessions",
    "SeatType",
    "StateSpan",
    "StateTimeline",
    "UserPool",
    "decide_access",
    "license_timeline",
    "unit_starts",
]
