"""Admin work on a license over time: renewals, changes, named allocations and reclaim.

A license is not fixed for the whole run. An offline site's admin re-applies a new Signed
License Definition before (or after) the old one runs out (:class:`Renewal`); a renewal or
an upgrade changes the seat counts or the capacity purchase on a given date
(:class:`LicenseChange`); an admin allocates a Professional or Analyzer seat to a named user,
or takes one away (:class:`AdminAction`); and an admin's script may release seats nobody
has used for a while (:class:`Reclaim`). Whether each of these is legal for its license is
checked by the license; :func:`sim.scenario.admin_checks.check_admin_work` checks, for the
scenario as a whole, that they happen within the run and that the users named exist and
use the license.
"""

from typing import Literal

from pydantic import Field, model_validator

from .entitlement import LoginPasses, OptionalOverage
from .errors import MISSING, Invalid
from .fields import (
    Identifier,
    NonNegativeInt,
    PositiveDuration,
    Timestamp,
    _elapsed,
    _fmt_time,
    _Model,
)

__all__ = [
    "CHANGE_KEYS",
    "AdminAction",
    "LicenseChange",
    "Reclaim",
    "Renewal",
]

CHANGE_KEYS: tuple[str, ...] = (
    "professional",
    "analyzer",
    "capacity_minutes",
    "overage",
    "user_passes",
    "login_passes",
    "key",
)
TOKEN_KEYS: tuple[str, ...] = ("user_passes", "login_passes")
"""The keys of a :class:`LicenseChange` besides ``at``; at least one must be given."""


class Renewal(_Model):
    """An offline SLD re-applied by hand: from ``at`` the site is valid until ``until``."""

    at: Timestamp = Field(
        description="When the admin applies the new SLD. Required (licensing-rules §1: an "
        "SLD never updates by itself)."
    )
    until: Timestamp = Field(
        description="The new SLD's end date, after at. Required (licensing-rules §1, §2: an "
        "SLD site stops at its end date)."
    )

    @model_validator(mode="after")
    def _after_at(self) -> "Renewal":
        if _elapsed(self.at, self.until) <= 0:
            raise Invalid(
                [
                    (
                        ("until",),
                        self.until,
                        f"expected an end date after at ({_fmt_time(self.at)})",
                    )
                ]
            )
        return self


class LicenseChange(_Model):
    """A scheduled change of what a license holds: the counts given become the new ones.

    Counts not given stay as they were; ``key`` labels a new key being applied (it appears
    in the events). Each change must leave the license legal. On a token license, a change
    that gives Professional or Analyzer seats and sets both pass counts to 0 is a *remix*:
    the tokens are exchanged for a key with those seats (licensing-research: "25 tokens →
    5 Professional + 20 Analyzer" is a commercial conversion, not an upgrade).
    """

    at: Timestamp = Field(
        description="When the change is made; online keys pick it up at the next license "
        "refresh. Required (licensing-rules §1)."
    )
    professional: NonNegativeInt | None = Field(
        None,
        description="New number of Professional seats. Default: unchanged (licensing-rules §3).",
    )
    analyzer: NonNegativeInt | None = Field(
        None, description="New number of Analyzer seats. Default: unchanged (licensing-rules §3)."
    )
    capacity_minutes: NonNegativeInt | None = Field(
        None,
        description="New monthly Analyzer Capacity purchase in minutes. Default: unchanged "
        "(licensing-rules §4).",
    )
    overage: OptionalOverage = Field(
        None,
        description="New overage: none, unlimited or a ceiling in minutes. Default: unchanged "
        "(licensing-rules §4).",
    )
    user_passes: NonNegativeInt | None = Field(
        None,
        description="New number of user access passes of a token license: the admin moving "
        "tokens between pass types (1 token = 1 user pass = 10 login passes). Applied at "
        "`at`. Default: unchanged (licensing-rules §5).",
    )
    login_passes: LoginPasses | None = Field(
        None,
        description="New number of login access passes of a token license, a multiple of 10 "
        "(1 token = 10 passes). Applied at `at`. "
        "Default: unchanged (licensing-rules §5).",
    )
    key: str | None = Field(
        None,
        min_length=1,
        description="Free label for the new key applied, recorded in the events. Default "
        "none (model choice).",
    )

    @property
    def remix(self) -> bool:
        """Whether this change exchanges every token for Professional/Analyzer seats."""
        return (
            self.user_passes == 0
            and self.login_passes == 0
            and bool(self.professional or self.analyzer)
        )

    @model_validator(mode="after")
    def _something(self) -> "LicenseChange":
        if all(getattr(self, name) is None for name in CHANGE_KEYS):
            raise Invalid(
                [
                    (
                        (),
                        self.written(),
                        "expected at least one of " + ", ".join(CHANGE_KEYS) + " besides at",
                    )
                ]
            )
        return self

    def written(self) -> dict[str, object]:
        """The change as written, for messages: the keys given, times in ISO text."""
        written: dict[str, object] = {"at": _fmt_time(self.at)}
        written.update(self.model_dump(exclude_none=True, exclude={"at"}))
        return written


class AdminAction(_Model):
    """An admin allocating a seat to, or taking it away from, one named user."""

    at: Timestamp = Field(
        description="When the admin acts; within the simulated period. Required (model choice)."
    )
    action: Literal["allocate", "deallocate"] = Field(
        description="allocate or deallocate. Required (licensing-rules §3: manual allocation)."
    )
    user: Identifier = Field(
        description="The user, <group>-<n>: n from 1, zero-padded to the width of the "
        "group's count (readers-01 … readers-12). Required (model choice)."
    )
    type: Literal["professional", "analyzer", "user_pass", "named_cal"] | None = Field(
        None,
        description="The seat type to allocate (a user access pass on a token license, a "
        "Named User CAL on QlikView); required for allocate, ignored for deallocate. Default "
        "none (licensing-rules §3, §5, §6).",
    )

    @model_validator(mode="after")
    def _type_for_allocate(self) -> "AdminAction":
        if self.action == "allocate" and self.type is None:
            raise Invalid(
                [
                    (
                        ("type",),
                        MISSING,
                        "required for action: allocate (the seat type to give): expected "
                        "professional or analyzer",
                    )
                ]
            )
        return self


class Reclaim(_Model):
    """An admin policy releasing seats nobody has used for a while: Professional, Analyzer,
    user access passes and Named User CALs, idle since their last use (or, unused, since
    their allocation). A released seat is quarantined like any deallocation; a quarantined
    seat is never released (it is not allocated to anyone).
    """

    idle: PositiveDuration = Field(
        description="Release a seat unused for this long. Required (licensing-rules §3: no "
        "built-in reclaim; an admin script)."
    )
