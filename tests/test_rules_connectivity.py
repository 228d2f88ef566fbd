"""License state timelines: contact schedule, grace from the last contact, recovery."""

import pytest

from sim.rules.connectivity import (
    ContactSchedule,
    LicenseState,
    license_timeline,
    restrict_validity,
)
from sim.rules.intervals import Intervals
from sim.rules.reasons import DenialReason

H = 3600.0
SCHED = ContactSchedule(600.0, 86400.0)


def states(outages, horizon=1000 * H, grace=72 * H):  # type: ignore[no-untyped-def]
    tl = license_timeline(Intervals.of(outages), horizon, SCHED, grace)
    return [(s.state.value, s.start, s.end) for s in tl.spans], tl


def test_no_outage_is_licensed_throughout() -> None:
    spans, _ = states([])
    assert spans == [("licensed", 0.0, 1000 * H)]


def test_short_outage_between_contacts_changes_nothing() -> None:
    spans, _ = states([(100.0, 500.0)])
    assert spans == [("licensed", 0.0, 1000 * H)]


def test_outage_longer_than_grace() -> None:
    t0 = 100 * H + 300  # between two syncs: last contact at 100 h, first failure at 100 h 10 min
    spans, tl = states([(t0, t0 + 4 * 24 * H)])
    back = t0 + 96 * H
    recover = 100 * H + 600 + 96 * H  # the first sync at or after the link is back
    assert spans == [
        ("licensed", 0.0, 100 * H + 600),
        ("grace", 100 * H + 600, 172 * H),
        ("unlicensed", 172 * H, recover),
        ("licensed", recover, 1000 * H),
    ]
    assert tl.at(t0 + 71 * H).state is LicenseState.GRACE
    assert tl.at(t0 + 72 * H).state is LicenseState.UNLICENSED
    assert tl.at(t0 + 72 * H).reason is DenialReason.GRACE_EXPIRED
    assert tl.at(back).state is LicenseState.UNLICENSED
    assert tl.unlicensed_from(t0).start == 172 * H


def test_recovery_sync_inside_a_second_outage_keeps_failing() -> None:
    spans, _ = states([(100 * H + 300, 200 * H + 60), (200 * H + 300, 200 * H + 900)])
    assert spans[-1] == ("licensed", 200 * H + 1200, 1000 * H)


def test_outage_at_the_start_counts_grace_from_the_start() -> None:
    spans, _ = states([(0.0, 100 * H)])
    assert spans[:2] == [("grace", 0.0, 72 * H), ("unlicensed", 72 * H, 100 * H)]


@pytest.mark.parametrize("grace", [0.0, 60.0])
def test_grace_shorter_than_the_sync_interval(grace: float) -> None:
    spans, _ = states([(1000.0, 5000.0)], grace=grace)
    assert spans[1] == ("unlicensed", 1200.0, 5400.0)


def test_validity_dates_make_the_server_unlicensed_outside_them() -> None:
    _, tl = states([])
    tl = restrict_validity(tl, 10 * H, 500 * H)
    assert [(s.state.value, s.start, s.end) for s in tl.spans] == [
        ("unlicensed", 0.0, 10 * H),
        ("licensed", 10 * H, 500 * H),
        ("unlicensed", 500 * H, 1000 * H),
    ]
    assert tl.at(600 * H).reason is DenialReason.LICENSE_NOT_VALID


def test_intervals_merge_and_lookup() -> None:
    iv = Intervals.of([(5.0, 10.0), (0.0, 3.0), (3.0, 4.0), (8.0, 12.0)])
    assert list(iv) == [(0.0, 4.0), (5.0, 12.0)]
    assert iv.contains(0.0) and not iv.contains(4.0) and iv.contains(11.9) and not iv.contains(12.0)
    assert iv.next_change(4.5) == 5.0 and iv.next_change(6.0) == 12.0
    assert iv.total() == 11.0
