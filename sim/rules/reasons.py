"""Why a session was denied or cut short: the closed vocabulary of licsim.

Every denial in the ``sessions`` table carries exactly one of these reasons, and an
interrupted session carries one in ``interrupted``; a desktop launch that cannot be used
carries one in the ``launches`` table, whose ``outcome`` is a :class:`LaunchOutcome`. The
lists are closed: reports, charts and the invariant checker may rely on them. Each
member's docstring is the documentation.
"""

from enum import StrEnum


class DenialReason(StrEnum):
    """The reasons a session attempt is refused or a running session is stopped."""

    NO_SEAT = "no_seat"
    """No Professional/Analyzer allocation and none could be made: the user is not
    allocated (manual allocation) or the dynamic rule found the pool empty ("no access pass")."""

    CAPACITY_EXHAUSTED = "capacity_exhausted"
    """An Analyzer Capacity unit could not start: the month's minutes (plus any overage
    ceiling) are used up until the reset at 00:00 UTC on the 1st."""

    BACKEND_UNREACHABLE = "backend_unreachable"
    """The step needs the license backend right now (a new allocation, or a capacity unit)
    and the server has no contact with it: the backend or this server's link to it is down,
    or the server has no connection to the backend at all (a capacity unit on an offline
    SLD site, or on a delayed-sync site before its first successful sync, unless the rules
    allow capacity there)."""

    GRACE_EXPIRED = "grace_expired"
    """The server has had no successful contact with the backend for longer than the grace
    period: every session is denied until a sync succeeds."""

    PARALLEL_LIMIT = "parallel_limit"
    """The user already holds the maximum number of parallel sessions (5), or closed one at
    the limit less than the wait (5 min) ago ("too many sessions active in parallel")."""

    NOT_LICENSED_FOR_PRODUCT = "not_licensed_for_product"
    """The user's access types cannot be used on this server's product (for example Analyzer
    Capacity on a QlikView server without a unified license)."""

    LICENSE_NOT_VALID = "license_not_valid"
    """The license is outside its ``valid_from`` / ``valid_until`` dates, or not activated yet."""

    DELAYED_SYNC_EXPIRED = "delayed_sync_expired"
    """A delayed-sync activation window ended without a successful sync: unlicensed until the
    first one succeeds."""

    SLD_EXPIRED = "sld_expired"
    """An offline site's Signed License Definition passed its end date and no renewal has
    been applied yet."""

    NO_LOGIN_PASS = "no_login_pass"
    """A token license's login access passes are all in use until their 28-day return."""

    NO_CAL = "no_cal"
    """A QlikView server found no CAL for the user: no Named CAL, every Session CAL in use,
    and no Usage CAL left (or the user's Usage CAL minutes are spent)."""

    DESKTOP_LOCKED = "desktop_locked"
    """Qlik Sense Desktop has not authenticated against its server for the unlock period
    (30 days) and is locked until a launch reaches the server again."""

    PERSONAL_EDITION = "personal_edition"
    """QlikView Desktop has no valid lease (none to be had: no route, no Named CAL, or the
    CAL's two machines taken) and runs as Personal Edition."""

    QUARANTINED = "quarantined"
    """The user's seat was deallocated and is in quarantine; only reinstating it to the same
    user gives access again."""

    LEASE_NOT_ALLOWED = "lease_not_allowed"
    """QlikView Desktop without a local license runs as Personal Edition because its server
    does not lease licenses at all: the QMC's "Allow license lease" is off, or the server's
    LEF carries ``LICENSE_LEASE;NO;;`` (licensing-rules §6)."""

    LEASE_PROHIBITED = "lease_prohibited"
    """QlikView Desktop without a local license runs as Personal Edition because the
    administrator barred this user's Named CAL from leasing (licensing-rules §6)."""


class LaunchOutcome(StrEnum):
    """What one desktop launch came to (the ``outcome`` of the ``launches`` table)."""

    RENEWED = "renewed"
    """Qlik Sense Desktop reached its server with the user's allocation: unlocked for
    another unlock period."""

    UNLOCKED = "unlocked"
    """Qlik Sense Desktop did not renew but is within the unlock period of its last renewal."""

    LOCKED = "locked"
    """Qlik Sense Desktop is locked (reason ``desktop_locked``)."""

    LEASED = "leased"
    """QlikView Desktop leased (or renewed its lease of) the user's Named CAL."""

    LEASE_VALID = "lease_valid"
    """QlikView Desktop could not lease now but holds a lease that has not run out."""

    PERSONAL_EDITION = "personal_edition"
    """QlikView Desktop has no license and runs as Personal Edition; the reason says why."""

    LOCAL_LICENSE = "local_license"
    """QlikView Desktop has a local license key of its own: licensed without a lease and
    without using a CAL of the server (licensing-rules §6)."""


DENIAL_REASONS: tuple[str, ...] = tuple(r.value for r in DenialReason)

LAUNCH_REASONS: tuple[str, ...] = tuple(
    r.value
    for r in (
        DenialReason.DESKTOP_LOCKED,
        DenialReason.PERSONAL_EDITION,
        DenialReason.LEASE_NOT_ALLOWED,
        DenialReason.LEASE_PROHIBITED,
    )
)
"""The reasons a desktop launch can carry (the ``launches`` table's ``denied_reason``)."""
