"""Licenses: the keys a deployment has bought and what each one holds.

A license is one key, activated as a legacy LEF, an online SLK, an offline SLD or a
delayed-sync SLK. It holds Professional and Analyzer seats and Analyzer Capacity minutes
(with an overage allowance), or legacy Qlik Sense tokens converted into passes, or
QlikView CALs. Combinations Qlik does not sell (licensing-rules.md) are refused here, each
with the rule's section in the message, so the engine never has to wonder about them.
"""

from typing import Annotated, Literal

from pydantic import Field, PlainValidator, model_validator

from .errors import Invalid, Loc
from .fields import Identifier, NonNegativeInt, Timestamp, _elapsed, _fmt_time, _Model

__all__ = ["Allocation", "License", "QlikViewCals", "Tokens"]

OVERAGE_EXPECTED = (
    "expected none, unlimited, or a ceiling in minutes above the purchase (a whole number >= 0)"
)


def _overage(value: object) -> str | int:
    if isinstance(value, str):
        text = value.strip()
        if text in ("none", "unlimited"):
            return text
        if text.isascii() and text.isdigit():
            return int(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        if value >= 0:
            return value
    elif isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    raise ValueError(OVERAGE_EXPECTED)


Overage = Annotated[
    Literal["none", "unlimited"] | int,
    PlainValidator(_overage, json_schema_input_type=str | int),
]


class Allocation(_Model):
    """How seats of each user type are handed out: by name or by access rule."""

    professional: Literal["manual", "dynamic"] = Field(
        "manual",
        description="Professional allocation: manual (named users) or dynamic (access rule). "
        "Default manual (licensing-rules §3).",
    )
    analyzer: Literal["manual", "dynamic"] = Field(
        "manual",
        description="Analyzer allocation: manual or dynamic. Default manual (licensing-rules §3).",
    )


class Tokens(_Model):
    """Legacy Qlik Sense tokens, already converted into passes."""

    user_passes: NonNegativeInt = Field(
        0, description="User access passes (1 token each). Default 0 (licensing-rules §5)."
    )
    login_passes: NonNegativeInt = Field(
        0, description="Login access passes (1 token = 10 passes). Default 0 (licensing-rules §5)."
    )


class QlikViewCals(_Model):
    """QlikView client access licenses on a LEF."""

    named: NonNegativeInt = Field(0, description="Named User CALs. Default 0 (licensing-rules §6).")
    document: NonNegativeInt = Field(
        0, description="Document CALs. Default 0 (licensing-rules §6)."
    )
    session: NonNegativeInt = Field(0, description="Session CALs. Default 0 (licensing-rules §6).")
    usage: NonNegativeInt = Field(0, description="Usage CALs. Default 0 (licensing-rules §6).")


class License(_Model):
    """One license key (LEF, SLK or SLD) and what it holds.

    Combinations Qlik does not sell are refused, each with its licensing-rules section.
    """

    id: Identifier = Field(description="Name other entries refer to. Required (model choice).")
    activation: Literal["lef", "slk", "sld", "delayed_sync"] = Field(
        "slk",
        description="lef (legacy License Enabler File), slk (Signed License Key, online), "
        "sld (offline Signed License Definition) or delayed_sync (SLK allowed to start "
        "offline). Default slk (licensing-rules §1).",
    )
    term: Literal["subscription", "perpetual"] = Field(
        "subscription",
        description="subscription or perpetual. Default subscription (licensing-rules §4).",
    )
    valid_from: Timestamp | None = Field(
        None, description="Start of validity. Default: valid from the beginning (model choice)."
    )
    valid_until: Timestamp | None = Field(
        None,
        description="End of validity (an SLD stops here). Default: no end (licensing-rules §1).",
    )
    professional: NonNegativeInt = Field(
        0, description="Professional seats. Default 0 (licensing-rules §3)."
    )
    analyzer: NonNegativeInt = Field(
        0,
        description="Analyzer seats; needs at least 1 Professional. Default 0 "
        "(licensing-rules §3).",
    )
    capacity_minutes: NonNegativeInt = Field(
        0,
        description="Analyzer Capacity minutes per calendar month (reset 00:00 UTC on the "
        "1st). Default 0 (licensing-rules §4).",
    )
    overage: Overage = Field(
        "none",
        description="Capacity use beyond the purchase: none, unlimited or a ceiling in "
        "minutes. Default none (licensing-rules §4).",
    )
    allocation: Allocation = Field(
        default_factory=Allocation,
        description="Manual or dynamic allocation per user type. Default manual for both "
        "(licensing-rules §3).",
    )
    tokens: Tokens | None = Field(
        None, description="Legacy token license (LEF only). Default none (licensing-rules §5)."
    )
    qlikview_cals: QlikViewCals | None = Field(
        None, description="QlikView CALs (LEF only). Default none (licensing-rules §6)."
    )

    @model_validator(mode="after")
    def _legal(self) -> "License":
        problems: list[tuple[Loc, object, str]] = []
        seats = self.professional > 0 or self.analyzer > 0 or self.capacity_minutes > 0
        if self.analyzer > 0 and self.professional == 0:
            problems.append(
                (
                    ("analyzer",),
                    self.analyzer,
                    "Analyzer requires at least 1 Professional (licensing-rules §3); "
                    "set professional to 1 or more",
                )
            )
        if self.capacity_minutes > 0 and self.term == "perpetual":
            problems.append(
                (
                    ("capacity_minutes",),
                    self.capacity_minutes,
                    "Analyzer Capacity is subscription only (licensing-rules §4); "
                    "use term: subscription or capacity_minutes: 0",
                )
            )
        if self.capacity_minutes > 0 and self.activation == "lef":
            problems.append(
                (
                    ("capacity_minutes",),
                    self.capacity_minutes,
                    "Analyzer Capacity needs a signed key (licensing-rules §4); use activation "
                    "slk, sld or delayed_sync, or capacity_minutes: 0",
                )
            )
        if self.overage not in ("none", 0) and self.capacity_minutes == 0:
            problems.append(
                (
                    ("overage",),
                    self.overage,
                    "overage only extends a capacity purchase (licensing-rules §4); set "
                    "capacity_minutes above 0 or overage: none",
                )
            )
        if self.tokens is not None:
            if seats:
                problems.append(
                    (
                        ("tokens",),
                        self.tokens.model_dump(),
                        "a license holds either tokens or Professional/Analyzer/capacity, "
                        "never both (licensing-rules §5); split it into two licenses",
                    )
                )
            if self.activation != "lef":
                problems.append(
                    (
                        ("activation",),
                        self.activation,
                        "tokens are a legacy LEF license (licensing-rules §5); use activation: lef",
                    )
                )
        if self.qlikview_cals is not None:
            if self.activation != "lef":
                problems.append(
                    (
                        ("activation",),
                        self.activation,
                        "QlikView CAL licenses cannot use an SLK (licensing-rules §1, §6); "
                        "use activation: lef",
                    )
                )
            if seats or self.tokens is not None:
                problems.append(
                    (
                        ("qlikview_cals",),
                        self.qlikview_cals.model_dump(),
                        "QlikView CALs cannot share a license with Professional/Analyzer/"
                        "capacity or tokens (licensing-rules §6); split it into two licenses",
                    )
                )
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and _elapsed(self.valid_from, self.valid_until) <= 0
        ):
            problems.append(
                (
                    ("valid_until",),
                    self.valid_until,
                    f"expected a time after valid_from ({_fmt_time(self.valid_from)})",
                )
            )
        if problems:
            raise Invalid(problems)
        return self
