"""Desktop unlocks and license leases, hand-worked."""

from sim.rules.desktops import DesktopLicensing, LeaseRegistry, SenseDesktop, qlikview_launch

DAY = 86400.0


def test_sense_desktop_locks_30_days_into_an_away_period() -> None:
    d = SenseDesktop()
    assert d.launch(0.0, server_reachable=True, allocated=True)
    # away from day 1: launches cannot renew
    assert d.launch(29 * DAY, server_reachable=False, allocated=True)
    assert not d.launch(30 * DAY, server_reachable=False, allocated=True)
    assert d.locked(35 * DAY)
    # back: the next launch with the server reachable unlocks it
    assert d.launch(41 * DAY, server_reachable=True, allocated=True)
    assert not d.locked(70 * DAY)


def test_sense_desktop_needs_an_allocation_to_unlock() -> None:
    d = SenseDesktop()
    assert not d.launch(0.0, server_reachable=True, allocated=False)


def test_sense_desktop_locks_when_a_launch_reaches_the_server_after_a_revoke() -> None:
    d = SenseDesktop()
    assert d.launch(0.0, server_reachable=True, allocated=True)
    # seat revoked on day 3; a launch without a route cannot know and stays unlocked
    assert d.launch(5 * DAY, server_reachable=False, allocated=False)
    # the first launch that reaches the server must re-authenticate: locked at once
    assert not d.launch(6 * DAY, server_reachable=True, allocated=False)
    assert not d.launch(7 * DAY, server_reachable=False, allocated=False)
    assert d.locked(7 * DAY)
    # a seat again: the next launch that reaches the server unlocks it
    assert d.launch(8 * DAY, server_reachable=True, allocated=True)


def test_lease_expires_after_30_days_unless_renewed() -> None:
    r = LeaseRegistry()
    assert r.lease("ann", "laptop", 0.0)
    assert r.valid("ann", "laptop", 29 * DAY)
    assert not r.valid("ann", "laptop", 30 * DAY)
    assert r.lease("ann", "laptop", 20 * DAY)  # opening a server document renews it
    assert r.valid("ann", "laptop", 49 * DAY)


def test_at_most_two_machines_per_named_cal() -> None:
    r = LeaseRegistry()
    assert r.lease("ann", "laptop", 0.0)
    assert r.lease("ann", "desktop", 0.0)
    assert not r.lease("ann", "tablet", 1.0)  # Personal Edition there
    assert r.lease("ann", "laptop", 2.0)  # a leased machine renews
    assert r.lease("ann", "tablet", 30 * DAY)  # the desktop's lease ran out


LEASING = DesktopLicensing(local_license=False, lease_allowed=True, lease_prohibited=False)


def launch(licensing: DesktopLicensing, r: LeaseRegistry, t: float, **kw: bool):  # type: ignore[no-untyped-def]
    args = {"reachable": True, "named_cal": True, **kw}
    outcome, reason = qlikview_launch(r, licensing, "ann", "laptop", t, **args)
    return str(outcome), None if reason is None else str(reason)


def test_qlikview_launch_leases_then_falls_back_on_the_lease() -> None:
    r = LeaseRegistry()
    assert launch(LEASING, r, 0.0) == ("leased", None)
    assert launch(LEASING, r, 29 * DAY, reachable=False) == ("lease_valid", None)
    assert launch(LEASING, r, 30 * DAY, reachable=False) == ("personal_edition", "personal_edition")
    assert launch(LEASING, r, 31 * DAY, named_cal=False) == ("personal_edition", "personal_edition")


def test_a_local_license_needs_no_lease_nor_cal() -> None:
    r = LeaseRegistry()
    local = DesktopLicensing(local_license=True, lease_allowed=False, lease_prohibited=True)
    assert launch(local, r, 0.0, reachable=False, named_cal=False) == ("local_license", None)
    assert r.leases == {}


def test_no_lease_where_the_server_does_not_lease_or_the_user_is_barred() -> None:
    r = LeaseRegistry()
    closed = DesktopLicensing(local_license=False, lease_allowed=False, lease_prohibited=True)
    barred = DesktopLicensing(local_license=False, lease_allowed=True, lease_prohibited=True)
    assert launch(closed, r, 0.0) == ("personal_edition", "lease_not_allowed")
    assert launch(barred, r, 0.0) == ("personal_edition", "lease_prohibited")
    assert r.leases == {}
