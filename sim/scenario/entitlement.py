"""Entitlements: what one license key holds, and which combinations Qlik does not sell.

A license's entitlement is its activation, its term and what it holds: Professional and
Analyzer seats, Analyzer Capacity minutes with an overage allowance, legacy tokens or
QlikView CALs. The same rules (licensing-rules.md §3–§6) apply to the license as written
and again after each of its scheduled changes, so they live here, apart from the models:
:func:`violations` takes an :class:`Entitlement` and names each broken rule, the key it
is reported at and what to do about it. The overage type is defined here too, because both
a license and a change of license may set it.
"""

from dataclasses import dataclass, replace
from typing import Annotated, Literal

from pydantic import AfterValidator, PlainValidator

from sim.rules.passes import LOGIN_PASSES_PER_TOKEN, TOKENS_PER_USER_PASS

from .fields import NonNegativeInt

__all__ = [
    "LOGIN_PASSES_PER_TOKEN",
    "TOKENS_PER_USER_PASS",
    "Entitlement",
    "LoginPasses",
    "OptionalOverage",
    "Overage",
    "Violation",
    "product_problem",
    "violations",
]



def _whole_tokens(value: int) -> int:
    if value % LOGIN_PASSES_PER_TOKEN:
        tokens = value / LOGIN_PASSES_PER_TOKEN
        below = value - value % LOGIN_PASSES_PER_TOKEN
        raise ValueError(
            f"expected a multiple of {LOGIN_PASSES_PER_TOKEN}: one token buys "
            f"{LOGIN_PASSES_PER_TOKEN} login access passes (licensing-rules §5), and {value} "
            f"passes would be {tokens:g} tokens; write {below} or "
            f"{below + LOGIN_PASSES_PER_TOKEN}"
        )
    return value


LoginPasses = Annotated[NonNegativeInt, AfterValidator(_whole_tokens)]
"""A number of login access passes: whole tokens, so a multiple of 10."""

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


def _optional_overage(value: object) -> str | int | None:
    return None if value is None else _overage(value)


Overage = Annotated[
    Literal["none", "unlimited"] | int,
    PlainValidator(_overage, json_schema_input_type=str | int),
]
"""Capacity use beyond the purchase: ``none``, ``unlimited`` or a ceiling in minutes."""

OptionalOverage = Annotated[
    Literal["none", "unlimited"] | int | None,
    PlainValidator(_optional_overage, json_schema_input_type=str | int | None),
]
"""An :data:`Overage`, or None for "unchanged"."""


@dataclass(frozen=True)
class Entitlement:
    """What one license holds at one moment: the keys the legality rules look at."""

    activation: str
    term: str
    professional: int
    analyzer: int
    capacity_minutes: int
    overage: str | int
    tokens: bool
    qlikview_cals: bool

    def changed(
        self,
        professional: int | None = None,
        analyzer: int | None = None,
        capacity_minutes: int | None = None,
        overage: str | int | None = None,
        tokens: bool | None = None,
    ) -> "Entitlement":
        """This entitlement with the given counts replaced (None means unchanged)."""
        return replace(
            self,
            tokens=self.tokens if tokens is None else tokens,
            professional=self.professional if professional is None else professional,
            analyzer=self.analyzer if analyzer is None else analyzer,
            capacity_minutes=self.capacity_minutes
            if capacity_minutes is None
            else capacity_minutes,
            overage=self.overage if overage is None else overage,
        )

    @property
    def seats(self) -> bool:
        """Whether it holds any Professional, Analyzer or capacity."""
        return self.professional > 0 or self.analyzer > 0 or self.capacity_minutes > 0


@dataclass(frozen=True)
class Violation:
    """One broken rule: which (``rule``), the key it is reported at, and the message.

    ``state`` names the keys that break it, for messages about a license after a change.
    """

    rule: str
    key: str
    expected: str
    state: tuple[str, ...]


def violations(e: Entitlement) -> list[Violation]:
    """Every rule of licensing-rules.md that this entitlement breaks, in a stable order."""
    found: list[Violation] = []
    if e.analyzer > 0 and e.professional == 0:
        found.append(
            Violation(
                "analyzer_needs_professional",
                "analyzer",
                "Analyzer requires at least 1 Professional (licensing-rules §3); "
                "set professional to 1 or more",
                ("professional", "analyzer"),
            )
        )
    if e.capacity_minutes > 0 and e.term == "perpetual":
        found.append(
            Violation(
                "capacity_subscription_only",
                "capacity_minutes",
                "Analyzer Capacity is subscription only (licensing-rules §4); "
                "use term: subscription or capacity_minutes: 0",
                ("term", "capacity_minutes"),
            )
        )
    if e.capacity_minutes > 0 and e.activation == "lef":
        found.append(
            Violation(
                "capacity_needs_signed_key",
                "capacity_minutes",
                "Analyzer Capacity needs a signed key (licensing-rules §4); use activation "
                "slk, sld or delayed_sync, or capacity_minutes: 0",
                ("activation", "capacity_minutes"),
            )
        )
    if e.overage not in ("none", 0) and e.capacity_minutes == 0:
        found.append(
            Violation(
                "overage_needs_capacity",
                "overage",
                "overage only extends a capacity purchase (licensing-rules §4); set "
                "capacity_minutes above 0 or overage: none",
                ("capacity_minutes", "overage"),
            )
        )
    if e.tokens and e.seats:
        found.append(
            Violation(
                "tokens_alone",
                "tokens",
                "a license holds either tokens or Professional/Analyzer/capacity, "
                "never both (licensing-rules §5); split it into two licenses",
                ("professional", "analyzer", "capacity_minutes"),
            )
        )
    if e.qlikview_cals:
        if e.activation != "lef":
            found.append(
                Violation(
                    "cals_lef_only",
                    "activation",
                    "QlikView CAL licenses cannot use an SLK (licensing-rules §1, §6); "
                    "use activation: lef",
                    ("activation",),
                )
            )
        if e.seats or e.tokens:
            found.append(
                Violation(
                    "cals_alone",
                    "qlikview_cals",
                    "QlikView CALs cannot share a license with Professional/Analyzer/"
                    "capacity or tokens (licensing-rules §6); split it into two licenses",
                    ("professional", "analyzer", "capacity_minutes"),
                )
            )
    return found


def product_problem(e: Entitlement, product: str, unified: bool) -> str | None:
    """Why a license holding ``e`` cannot be applied to a server of ``product``, if so.

    Each product uses only the license kinds Qlik sells for it (licensing-rules §1, §5,
    §6): QlikView CALs are QlikView's, tokens are Qlik Sense's, QlikView's
    Professional/Analyzer access comes on a signed key and its Analyzer Capacity only
    through a unified (AMP) key, and NPrinting is never activated offline.
    """
    if e.qlikview_cals and product != "qlikview":
        what = (
            "Qlik Sense has no concurrent license and cannot use them"
            if product == "qlik_sense"
            else "NPrinting cannot use them"
        )
        return (
            "QlikView CALs (Named, Document, Session, Usage) license QlikView Server only "
            f"(licensing-rules §6), and {what}; expected a qlikview server, or a license "
            "with Professional/Analyzer seats or tokens for this one"
        )
    if e.tokens and product != "qlik_sense":
        return (
            "tokens (user and login access passes) are a Qlik Sense license "
            f"(licensing-rules §5) that {product} cannot use; expected a qlik_sense server"
            + (
                ", or QlikView CALs or a signed Professional/Analyzer key for QlikView"
                if product == "qlikview"
                else ""
            )
        )
    if product == "qlikview" and not e.qlikview_cals:
        if e.activation == "lef":
            return (
                "QlikView Professional/Analyzer access needs a signed key (licensing-rules "
                "§1: QlikView on an SLK from April 2019; §6: a QlikView LEF holds CALs); "
                "expected activation slk, delayed_sync or sld, or qlikview_cals on the LEF"
            )
        if (e.capacity_minutes > 0 or e.overage not in ("none", 0)) and not unified:
            return (
                "QlikView uses Analyzer Capacity only through a unified (AMP) license "
                "(licensing-rules §6); expected unified: true on the license, or "
                "capacity_minutes: 0 and overage: none"
            )
    if product == "nprinting" and e.activation in ("sld", "delayed_sync"):
        how = (
            "an offline SLD"
            if e.activation == "sld"
            else "a delayed-sync key, which starts offline"
        )
        return (
            "NPrinting cannot be activated offline (licensing-rules §1, since May 2022) and "
            "stops whenever its licensing service does not answer, so it has no offline "
            f"window; this license is {how}: expected activation slk or lef"
        )
    return None
