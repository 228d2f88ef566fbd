"""Desktop unlocks and license leases, hand-worked."""

from sim.rules.desktops import LeaseRegistry, SenseDesktop

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
