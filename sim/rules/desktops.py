"""Desktops: Qlik Sense Desktop's unlock period and QlikView Desktop's license lease.

**Qlik Sense Desktop** is unlocked for 30 days after it authenticates against a production
Qlik Sense server where the user holds an allocation; every launch tries to renew, which
succeeds when the server is reachable; 30 days without a renewal lock it (licensing-rules
§2; never against a test server). Desktop must also re-authenticate when the administrator
has revoked the user's access: a launch that reaches the server and finds the user without
an allocation locks it at once, whatever is left of the period. A launch that cannot reach
the server cannot learn of the revocation, so it stays unlocked until the period runs out.

**QlikView Desktop** leases a license from a production QlikView Server through a Named
User CAL (Professional on a signed key), valid 30 days and renewed whenever Desktop opens a
document from that server; one CAL leases to at most two machines. Without a lease Desktop
runs as Personal Edition (licensing-rules §6). A server leases only if its QMC setting
"Allow license lease" is on and its LEF has no ``LICENSE_LEASE;NO;;`` line, and never to a
user the administrator barred from leasing; a Desktop with a local license key of its own
needs no lease and uses no CAL (the project's rules digest, §6; research §7.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.rules.reasons import DenialReason, LaunchOutcome


@dataclass
class SenseDesktop:
    """One Qlik Sense Desktop installation's unlock state."""

    unlock: float = 30 * 86400.0
    authenticated: float | None = None

    def locked(self, t: float) -> bool:
        return self.authenticated is None or t - self.authenticated >= self.unlock

    def launch(self, t: float, server_reachable: bool, allocated: bool) -> bool:
        """A launch at ``t``: renew if possible; return whether Desktop may be used.

        A launch that reaches the server re-authenticates: it renews the unlock when the
        user holds an allocation there, and otherwise (access revoked, or never held) ends
        it, so Desktop is locked until a launch authenticates again.
        """
        if server_reachable:
            self.authenticated = t if allocated else None
        return not self.locked(t)


@dataclass
class LeaseRegistry:
    """The leases a QlikView Server has handed out, per Named CAL (user)."""

    period: float = 30 * 86400.0
    machines_per_cal: int = 2
    leases: dict[str, dict[str, float]] = field(default_factory=dict)
    """user → machine → lease expiry."""

    def valid(self, user: str, machine: str, t: float) -> bool:
        return self.leases.get(user, {}).get(machine, float("-inf")) > t

    def lease(self, user: str, machine: str, t: float) -> bool:
        """Grant or renew ``machine``'s lease for ``user`` at ``t``; False at the machine cap."""
        mine = self.leases.setdefault(user, {})
        live = {m for m, until in mine.items() if until > t}
        if machine not in live and len(live) >= self.machines_per_cal:
            return False
        mine[machine] = t + self.period
        return True


@dataclass(frozen=True)
class DesktopLicensing:
    """How one user's QlikView Desktop installs may be licensed: fixed for the whole run."""

    local_license: bool
    """The install has a local QlikView Desktop license key."""
    lease_allowed: bool
    """The server leases at all: "Allow license lease" on and no ``LICENSE_LEASE;NO;;``."""
    lease_prohibited: bool
    """The administrator barred this user's Named CAL from leasing."""


def qlikview_launch(
    leases: LeaseRegistry,
    licensing: DesktopLicensing,
    user: str,
    machine: str,
    t: float,
    *,
    reachable: bool,
    named_cal: bool,
) -> tuple[LaunchOutcome, DenialReason | None]:
    """A QlikView Desktop launch at ``t``: its outcome and, when unlicensed, why.

    A local license wins over everything and touches no lease. Otherwise a server that
    does not lease, or a user barred from leasing, means Personal Edition whatever the
    route (the switches hold for the whole run, so no earlier lease can exist). Else the
    launch leases or renews when it reaches the server and the user holds a Named CAL
    (Professional on a signed key), and falls back on a lease that has not run out.
    """
    if licensing.local_license:
        return LaunchOutcome.LOCAL_LICENSE, None
    if not licensing.lease_allowed:
        return LaunchOutcome.PERSONAL_EDITION, DenialReason.LEASE_NOT_ALLOWED
    if licensing.lease_prohibited:
        return LaunchOutcome.PERSONAL_EDITION, DenialReason.LEASE_PROHIBITED
    if reachable and named_cal:
        if leases.lease(user, machine, t):
            return LaunchOutcome.LEASED, None
    elif leases.valid(user, machine, t):
        return LaunchOutcome.LEASE_VALID, None
    return LaunchOutcome.PERSONAL_EDITION, DenialReason.PERSONAL_EDITION
