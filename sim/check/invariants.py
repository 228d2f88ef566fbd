"""Every invariant by name, and the checker that runs them over a result.

:data:`CHECKS` lists the checks of every family of the package in one fixed order, the
order in which :func:`check_result` reports their violations; the names are what a
violation reports.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.check.backend import capacity_needs_the_backend, units_need_the_backend
from sim.check.capacity import (
    capacity_accounted,
    capacity_denials_after_exhaustion,
    capacity_use_accounted,
    capacity_within_allowance,
    whole_capacity_units,
)
from sim.check.desktops import desktop_unlocked_with_access, qlikview_desktop_licensing
from sim.check.outages import address_change_outages
from sim.check.pools import excess_explained, pool_counts, seats_within_purchase
from sim.check.quarantine import last_use_vs_sessions
from sim.check.records import event_kinds, summary_from_tables, summary_peaks
from sim.check.sessions import (
    anonymous_without_seats,
    denial_reasons,
    parallel_limit,
    session_close,
    session_times,
)
from sim.check.states import (
    no_access_when_unlicensed,
    no_allocation_without_backend,
    server_state_timeline,
)
from sim.check.sync import excess_at_sync, local_allocations_synced
from sim.check.violation import Violation
from sim.result import Result

CHECKS: dict[str, Callable[[Result], Violation | None]] = {
    f.__name__: f
    for f in (
        pool_counts,
        excess_explained,
        no_access_when_unlicensed,
        no_allocation_without_backend,
        session_times,
        denial_reasons,
        session_close,
        parallel_limit,
        anonymous_without_seats,
        whole_capacity_units,
        capacity_within_allowance,
        capacity_accounted,
        capacity_use_accounted,
        capacity_denials_after_exhaustion,
        server_state_timeline,
        event_kinds,
        summary_from_tables,
        summary_peaks,
        units_need_the_backend,
        capacity_needs_the_backend,
        address_change_outages,
        desktop_unlocked_with_access,
        qlikview_desktop_licensing,
        last_use_vs_sessions,
        seats_within_purchase,
        local_allocations_synced,
        excess_at_sync,
    )
}
"""Every invariant by name; the names are what a violation reports."""


def check_result(result: Result) -> list[Violation]:
    """Every invariant over an in-memory result; an empty list when all hold."""
    found = [check(result) for check in CHECKS.values()]
    return [v for v in found if v is not None]


def describe(violations: list[Violation]) -> str:
    """The violations as printed by ``licsim check``."""
    return "\n".join(str(v) for v in violations)
