"""Licenses: the keys a deployment has bought and what each one holds.

A license is one key, activated as a legacy LEF, an online SLK, an offline SLD or a
delayed-sync SLK. It holds Professional and Analyzer seats and Analyzer Capacity minutes
(with an overage allowance), or legacy Qlik Sense tokens converted into passes, or
QlikView CALs. Over the run an admin may change it (new counts, SLD renewals), allocate
seats to named users and reclaim idle ones. Combinations Qlik does not sell
(licensing-rules.md, checked in :mod:`.entitlement`) are refused here, for the license as
written and again after each scheduled change in turn, each with the rule's section in the
message, so the engine never has to wonder about them.
"""

from typing import Literal

from pydantic import Field, model_validator

from .admin import TOKEN_KEYS, AdminAction, LicenseChange, Reclaim, Renewal
from .entitlement import Entitlement, LoginPasses, Overage, violations
from .errors import MISSING, Invalid, Loc
from .fields import Identifier, NonNegativeInt, Timestamp, _elapsed, _fmt_time, _Model

__all__ = ["Allocation", "License", "QlikViewCals", "Tokens"]


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
    login_passes: LoginPasses = Field(
        0,
        description="Login access passes, a multiple of 10 (1 token = 10 passes). Default 0 "
        "(licensing-rules §5).",
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
    capacity_used_at_start: NonNegativeInt = Field(
        0,
        description="Analyzer Capacity minutes of the run's first month already consumed "
        "before the run starts (a run starting mid-month); at most capacity_minutes plus "
        "the overage ceiling. Default 0 (model choice: the month is untouched).",
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
    license_lease: bool = Field(
        True,
        description="false for a LEF carrying the line LICENSE_LEASE;NO;;, which stops its "
        "QlikView servers leasing to QlikView Desktop (LEF only). Default true "
        "(licensing-rules §1, §6).",
    )
    unified: bool = Field(
        False,
        description="A unified (AMP) key applied to Qlik Sense and QlikView servers alike: "
        "QlikView users may also consume its Analyzer Capacity. Default false: QlikView on "
        "a signed key shares Professional/Analyzer only (licensing-rules §6).",
    )
    over_deployed: bool = Field(
        False,
        description="Deliberately model a LEF or SLD applied to several servers: each server "
        "holds its own copy of every seat, and the seats held beyond what was bought are "
        "reported as excess. Default false: a LEF or SLD on more than one server is refused "
        "(licensing-rules §1: only servers that connect and sync may share one license).",
    )
    test_and_development: Literal["shared", "separate"] = Field(
        "shared",
        description="shared: the license's test servers (role: test) share its seat pool "
        "with production, one seat per user across both. separate: the subscription "
        "includes a Test & Development license with the same user allocation, so its test "
        "servers form a pool of their own with as many Professional and Analyzer seats, "
        "allocated independently of production (its Analyzer Capacity minutes stay one "
        "account: inferred). Signed keys only. Default shared (licensing-rules §3; the "
        "project's rules digest §4.5).",
    )
    activated: Timestamp | None = Field(
        None,
        description="When the key was activated on its servers; a delayed-sync window runs "
        "from here. Default: the run's start (licensing-rules §1).",
    )
    renewals: list[Renewal] = Field(
        default_factory=list,
        description="New SLDs re-applied by the admin (activation: sld only). Default none "
        "(licensing-rules §1).",
    )
    changes: list[LicenseChange] = Field(
        default_factory=list,
        description="Scheduled changes of the entitlement, in time order. Default none "
        "(licensing-rules §1: a renewal or change is a new license definition).",
    )
    actions: list[AdminAction] = Field(
        default_factory=list,
        description="Admin allocations and deallocations of named users. Default none "
        "(licensing-rules §3).",
    )
    reclaim: Reclaim | None = Field(
        None,
        description="Admin policy releasing idle seats. Default none (licensing-rules §3: "
        "no built-in reclaim).",
    )

    @property
    def entitlement(self) -> Entitlement:
        """What the license holds as written, before any change."""
        return Entitlement(
            activation=self.activation,
            term=self.term,
            professional=self.professional,
            analyzer=self.analyzer,
            capacity_minutes=self.capacity_minutes,
            overage=self.overage,
            tokens=self.tokens is not None,
            qlikview_cals=self.qlikview_cals is not None,
        )

    @model_validator(mode="after")
    def _legal(self) -> "License":
        problems: list[tuple[Loc, object, str]] = []
        for v in violations(self.entitlement):
            value = getattr(self, v.key)
            if isinstance(value, _Model):
                value = value.model_dump()
            problems.append(((v.key,), value, v.expected))
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
        if self.activation == "sld" and self.valid_until is None:
            problems.append(
                (
                    ("valid_until",),
                    MISSING,
                    "an offline SLD is valid until an end date: set valid_until "
                    "(licensing-rules §1, §2)",
                )
            )
        if self.renewals and self.activation != "sld":
            problems.append(
                (
                    ("renewals",),
                    [{"at": _fmt_time(r.at), "until": _fmt_time(r.until)} for r in self.renewals],
                    "renewals are re-applied Signed License Definitions: only for "
                    f"activation: sld (licensing-rules §1); this license is {self.activation}",
                )
            )
        if self.unified and (self.activation == "lef" or self.tokens or self.qlikview_cals):
            problems.append(
                (
                    ("unified",),
                    True,
                    "a unified (AMP) license is a signed Professional/Analyzer/Capacity key: "
                    "not on a LEF, nor with tokens or QlikView CALs (licensing-rules §6)",
                )
            )
        if not self.license_lease and self.activation != "lef":
            problems.append(
                (
                    ("license_lease",),
                    False,
                    "LICENSE_LEASE;NO;; is a line of a LEF (licensing-rules §1); this license "
                    f"is {self.activation}: expected activation lef, or turn the server's "
                    "allow_license_lease off instead",
                )
            )
        if self.test_and_development == "separate" and self.activation in ("lef", "sld"):
            problems.append(
                (
                    ("test_and_development",),
                    "separate",
                    "a separate Test & Development pool is for a signed key shared by "
                    "production and test servers (licensing-rules §3); a "
                    f"{self.activation} already keeps one pool per server: expected "
                    "test_and_development: shared, or activation slk or delayed_sync",
                )
            )
        problems += self._check_used_at_start()
        problems += self._check_over_deployment()
        problems += self._check_changes()
        if problems:
            raise Invalid(problems)
        return self

    def _check_used_at_start(self) -> list[tuple[Loc, object, str]]:
        """Minutes used before the start fit in the first month's allowance (§4)."""
        used, overage = self.capacity_used_at_start, self.overage
        if used == 0 or overage == "unlimited":
            return []
        ceiling = 0 if overage == "none" else int(overage)
        if used <= self.capacity_minutes + ceiling:
            return []
        allowance = f"capacity_minutes ({self.capacity_minutes})"
        if ceiling:
            allowance += f" plus the overage ceiling ({ceiling})"
        return [
            (
                ("capacity_used_at_start",),
                used,
                f"expected at most {self.capacity_minutes + ceiling} minutes: a month cannot use "
                f"more than its {allowance} (licensing-rules §4)",
            )
        ]

    def _check_over_deployment(self) -> list[tuple[Loc, object, str]]:
        """``over_deployed`` copies the named seats of a per-site license per server; the
        engine reports their excess only, so consumable pools that would be copied silently
        (login passes, Session, Document and Usage CALs) are refused with it."""
        if not self.over_deployed:
            return []
        if self.activation not in ("lef", "sld"):
            return [
                (
                    ("over_deployed",),
                    True,
                    "over_deployed models a LEF or SLD applied to several servers, each with "
                    "its own copy of the seats (licensing-rules §1); a signed key online "
                    f"shares one pool between its servers, and this license is {self.activation}:"
                    " expected activation lef or sld, or over_deployed: false",
                )
            ]
        copied = []
        if self.tokens is not None and self.tokens.login_passes:
            copied.append("tokens.login_passes")
        if self.qlikview_cals is not None:
            copied += [
                f"qlikview_cals.{k}"
                for k in ("document", "session", "usage")
                if getattr(self.qlikview_cals, k)
            ]
        if not copied:
            return []
        return [
            (
                ("over_deployed",),
                True,
                "over_deployed reports the excess of named seats only (Professional, "
                "Analyzer, user passes, Named CALs); this license also holds "
                f"{_listing(copied)}, whose copies would not be reported (not simulated): "
                "expected those at 0, or over_deployed: false",
            )
        ]

    def _check_changes(self) -> list[tuple[Loc, object, str]]:
        """Each change in time order, applied on top of the previous state, stays legal.

        Only rules a change newly breaks are reported against it, so a mistake in the
        license itself (or in an earlier change) is reported once.
        """
        problems: list[tuple[Loc, object, str]] = []
        state = self.entitlement
        broken = {v.rule for v in violations(state)}
        for j, change in enumerate(self.changes):
            had_tokens = state.tokens
            if j > 0 and _elapsed(self.changes[j - 1].at, change.at) < 0:
                problems.append(
                    (
                        ("changes", j, "at"),
                        change.at,
                        "expected changes in time order (the previous one is at "
                        f"{_fmt_time(self.changes[j - 1].at)})",
                    )
                )
            moved = [k for k in TOKEN_KEYS if getattr(change, k) is not None]
            if moved and not had_tokens:
                problems.append(
                    (
                        ("changes", j, moved[0]),
                        getattr(change, moved[0]),
                        "token moves need a token license (licensing-rules §5)"
                        + ("; its tokens were remixed earlier" if self.tokens else ""),
                    )
                )
            state = state.changed(
                professional=change.professional,
                analyzer=change.analyzer,
                capacity_minutes=change.capacity_minutes,
                overage=change.overage,
                tokens=False if had_tokens and change.remix else None,
            )
            now = violations(state)
            for v in now:
                if v.rule in broken:
                    continue
                held = _listing([f"{key} {getattr(state, key)}" for key in v.state])
                hint = (
                    "; to exchange the tokens for these seats (a remix), set user_passes: 0 "
                    "and login_passes: 0 in this change"
                    if v.rule == "tokens_alone"
                    else ""
                )
                problems.append(
                    (
                        ("changes", j),
                        change.written(),
                        f"after this change the license would have {held}: {v.expected}{hint}",
                    )
                )
            broken = {v.rule for v in now}
        return problems


def _listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
