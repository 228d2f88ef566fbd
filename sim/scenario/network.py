"""The network: the license backend, the sites that reach it, and the times they cannot.

Servers (Qlik Sense, QlikView, NPrinting) each use one license and keep in touch with the
Qlik License Service backend; desktop fleets authenticate against, or lease from, a
production server. What goes wrong is written as outages: the backend being down, a
server's link to it being broken, or desktop users being away from the office. An outage
is scheduled (a start plus a duration or an end) or drawn at random from a mean time
between failures and a mean time to repair.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .errors import Invalid
from .fields import (
    Identifier,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveDuration,
    Timestamp,
    _Model,
    _span_problem,
    _span_stop,
)
from .versions import Release, parse_release, release_expected

__all__ = [
    "ADDRESS_CHANGE",
    "Backend",
    "Desktop",
    "Firewall",
    "Launch",
    "Outage",
    "RandomAddressChanges",
    "RandomOutages",
    "Server",
]

ADDRESS_CHANGE = "backend address change"
"""The cause of the link outages a backend address change makes on servers that allow-list
the backend by IP; reserved, so a scenario's own outage cannot pass for one."""


class Outage(_Model):
    """A period during which something is unavailable: from ``start`` for a ``duration``
    or until an ``end``."""

    start: Timestamp = Field(description="When the outage begins. Required (model choice).")
    duration: PositiveDuration | None = Field(
        None, description="How long it lasts; give this or end (model choice)."
    )
    end: Timestamp | None = Field(
        None, description="When it ends; give this or duration (model choice)."
    )
    cause: str | None = Field(
        None,
        description="Free text shown in reports, e.g. firewall (model choice); not "
        f"`{ADDRESS_CHANGE}`, which names the outages of backend.address_changes.",
    )

    @model_validator(mode="after")
    def _one_length(self) -> "Outage":
        problem = _span_problem(self.start, self.duration, self.end, "give duration or end")
        if problem is not None:
            raise Invalid([problem])
        if self.cause is not None and self.cause.strip().casefold() == ADDRESS_CHANGE:
            raise Invalid(
                [
                    (
                        ("cause",),
                        self.cause,
                        f"another cause: {ADDRESS_CHANGE!r} names the outages made by "
                        "backend.address_changes",
                    )
                ]
            )
        return self

    @property
    def stop(self) -> datetime:
        """When the outage is over (start + duration, or end)."""
        return _span_stop(self.start, self.duration, self.end)


class RandomOutages(_Model):
    """Outages drawn at random: exponential times between failures and to repair."""

    mtbf: PositiveDuration = Field(
        description="Mean time between failures (exponential). Required (model choice)."
    )
    mttr: PositiveDuration = Field(
        description="Mean time to repair (exponential). Required (model choice)."
    )


class RandomAddressChanges(_Model):
    """Backend address changes drawn at random: exponential times between them."""

    mean_interval: PositiveDuration = Field(
        description="Mean time between address changes (exponential). Required (model choice)."
    )


class Backend(_Model):
    """The Qlik License Service backend that SLK sites talk to."""

    outages: list[Outage] = Field(
        default_factory=list,
        description="Scheduled backend outages. Default none (licensing-rules §2).",
    )
    random_outages: RandomOutages | None = Field(
        None, description="Random backend outages. Default none (model choice)."
    )
    address_changes: list[Timestamp] = Field(
        default_factory=list,
        description="Instants at which the backend host's IP address changes; a server whose "
        "firewall allow-lists the backend by IP loses its link from each one until the rule "
        "is fixed. Default none (licensing-rules §1: the IP address is not fixed).",
    )
    random_address_changes: RandomAddressChanges | None = Field(
        None, description="Random address changes. Default none (model choice)."
    )


class Firewall(_Model):
    """How a server's firewall lets it reach the license backend."""

    allow_by: Literal["name", "ip"] = Field(
        "name",
        description="name (the rule names the host license.qlik.com) or ip (the rule names "
        "its address, and breaks at every backend address change). Default name "
        "(licensing-rules §1: allow-list by name, not IP).",
    )
    fix_after: PositiveDuration = Field(
        2 * 86400.0,
        description="How long after an address change an IP rule is fixed and the link "
        "is back. Default 2d (inferred: the digest gives no figure; two days for someone "
        "to notice the failed syncs and update the rule).",
    )


RESERVED_SERVER_IDS = frozenset({"backend"})
"""Names that mean something else where a server is named (``whatif --outage backend``)."""


def _not_reserved(value: str) -> str:
    if value.casefold() in RESERVED_SERVER_IDS:
        raise ValueError(
            f"expected another id: {value!r} names the license backend (licsim whatif "
            "--outage backend)"
        )
    return value


class Server(_Model):
    """A Qlik Sense, QlikView or NPrinting site using one license."""

    id: Annotated[Identifier, AfterValidator(_not_reserved)] = Field(
        description="Name other entries refer to; not `backend`, which names the license "
        "backend. Required (model choice)."
    )
    product: Literal["qlik_sense", "qlikview", "nprinting"] = Field(
        "qlik_sense",
        description="qlik_sense, qlikview or nprinting. Default qlik_sense (licensing-rules §1).",
    )
    role: Literal["production", "test"] = Field(
        "production",
        description="production or test; test servers share the key's pool but cannot serve "
        "desktops. Default production (licensing-rules §3, §6).",
    )
    license: Identifier = Field(
        description="The id of the license applied to this server. Required "
        "(licensing-rules §1: one SLK may serve many servers)."
    )
    link_outages: list[Outage] = Field(
        default_factory=list,
        description="Periods when this server cannot reach the backend. Default none "
        "(licensing-rules §2).",
    )
    random_outages: RandomOutages | None = Field(
        None, description="Random link outages. Default none (model choice)."
    )
    firewall: Firewall = Field(
        default_factory=Firewall,
        description="How the server's firewall allow-lists the backend. Default by name "
        "(licensing-rules §1).",
    )
    allow_license_lease: bool = Field(
        True,
        description='The QMC setting "Allow license lease" of a QlikView server: whether '
        "QlikView Desktop may lease a Named CAL (Professional on a signed key) from it. "
        "Default true (model choice: the digest lists it as a lease prerequisite without "
        "a default; on keeps leasing as the rules describe it, licensing-rules §6).",
    )
    version: str | None = Field(
        None,
        description="The product release the server runs: a release name (February 2019, "
        "Feb 2019 or 2019-02), for QlikView also a version number (12.40). On a signed key "
        "it must be one that supports the license service. Default: a recent release "
        "(licensing-rules §1).",
    )

    @model_validator(mode="after")
    def _known_version(self) -> "Server":
        if self.version is not None and parse_release(self.version, self.product) is None:
            raise Invalid([(("version",), self.version, release_expected(self.product))])
        if not self.allow_license_lease and self.product != "qlikview":
            raise Invalid(
                [
                    (
                        ("allow_license_lease",),
                        False,
                        '"Allow license lease" is a QlikView Server setting; this server is '
                        f"{self.product}: expected product qlikview or no allow_license_lease",
                    )
                ]
            )
        return self

    @property
    def release(self) -> Release | None:
        """The parsed :attr:`version` (a :class:`~.versions.Release`), or None if not given."""
        return None if self.version is None else parse_release(self.version, self.product)


class Launch(_Model):
    """One scripted desktop launch (for hand-worked timelines)."""

    at: Timestamp = Field(description="When the desktop is started. Required (model choice).")
    user: NonNegativeInt = Field(
        0, description="Which member of the group (0-based). Default 0 (model choice)."
    )
    machine: NonNegativeInt = Field(
        0, description="Which of the user's machines (0-based). Default 0 (model choice)."
    )


class Desktop(_Model):
    """Qlik Sense Desktop or QlikView Desktop installs used by one user group."""

    id: Identifier = Field(description="Name of this desktop fleet. Required (model choice).")
    product: Literal["qlik_sense_desktop", "qlikview_desktop"] = Field(
        description="qlik_sense_desktop (unlocks by authenticating) or qlikview_desktop "
        "(leases a Named CAL). Required (licensing-rules §2, §6)."
    )
    users: Identifier = Field(
        description="The user group that runs these desktops. Required (model choice)."
    )
    server: Identifier = Field(
        description="The production server it authenticates against or leases from. "
        "Required (licensing-rules §2, §6)."
    )
    away: list[Outage] = Field(
        default_factory=list,
        description="Periods without a route to the server, e.g. travel. Default none "
        "(licensing-rules §2, §6).",
    )
    launches_per_week: NonNegativeFloat = Field(
        5.0,
        description="Mean desktop launches per user per week; each launch tries to renew. "
        "Default 5 (model choice).",
    )
    machines: Annotated[int, Field(ge=1, le=10)] = Field(
        1,
        description="Machines per user, each its own install (a Named CAL leases to at most "
        "two). Default 1 (licensing-rules §6).",
    )
    launches: list[Launch] | None = Field(
        None,
        description="Scripted launches replacing the Poisson ones. Default none (model choice).",
    )
    local_license: bool | list[NonNegativeInt] = Field(
        False,
        description="QlikView Desktop only: installs with a local license key of their own, "
        "which never lease, never run as Personal Edition and use no CAL: true for every "
        "user, or a list of users (0-based members of the group). Default false "
        "(licensing-rules §6).",
    )
    lease_prohibited: bool | list[NonNegativeInt] = Field(
        False,
        description="QlikView Desktop only: users the administrator barred from leasing, who "
        "run as Personal Edition without a local license: true for every user, or a list "
        "of users (0-based). Default false (licensing-rules §6).",
    )

    def members(self, which: bool | list[int], count: int) -> frozenset[int]:
        """The users (0-based) that a ``local_license`` or ``lease_prohibited`` value names."""
        if isinstance(which, bool):
            return frozenset(range(count)) if which else frozenset()
        return frozenset(which)
