"""Scenario models: the validated, typed form of a scenario file.

A scenario describes one deployment over one period: the licenses bought, the servers and
desktops that use them, the people who log in and how they behave, and what goes wrong
(backend outages, broken network links, people away from the office). These pydantic
models are the contract between the file and the engine: after validation every default
is filled in, every duration is a float number of seconds, every timestamp is an aware
``datetime`` and every cross-reference (a server's license, a group's servers, a desktop's
users) is known to point at something that exists. Combinations that Qlik does not sell
(licensing-rules.md) are refused here, with the rule's section in the message, so the
engine never has to wonder about them.

Timestamps without an offset are read in the scenario's ``timezone``. Validation receives
it through pydantic's context (``context={"tz": ZoneInfo(...)}``). When there is no such
context (``Scenario(...)``, ``Scenario.model_validate(data)``), :class:`Scenario` takes the
zone from its own ``timezone`` key, so naive timestamps mean the same thing however the
scenario is built. Sub-models validated on their own read naive timestamps as UTC.

Elapsed time is always computed in UTC: Python's arithmetic on datetimes that share a
``ZoneInfo`` is wall-clock arithmetic, which would make a 90-day run across a DST change
last 90 days minus an hour.
"""

import difflib
import re
import zoneinfo
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .durations import DAY, format_duration, parse_duration
from .errors import (
    MISSING,
    Invalid,
    Loc,
    Problem,
    ScenarioError,
    format_path,
    problems_from_validation_error,
)

__all__ = [
    "ACCESS_TYPES",
    "MAX_HORIZON",
    "MAX_TOTAL_USERS",
    "WEEKDAYS",
    "AccessType",
    "Allocation",
    "Backend",
    "Behaviour",
    "DayStart",
    "Desktop",
    "Duration",
    "Experiment",
    "License",
    "Outage",
    "QlikViewCals",
    "RandomOutages",
    "Rules",
    "Scenario",
    "ScriptedSession",
    "Server",
    "Timestamp",
    "Tokens",
    "UserGroup",
    "Weekday",
    "zone_of",
]

MAX_HORIZON = 20 * 365.25 * DAY
MAX_TOTAL_USERS = 1_000_000
MIN_YEAR, MAX_YEAR = 1970, 2200

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)

AccessType = Literal[
    "professional",
    "analyzer",
    "capacity",
    "user_pass",
    "login_pass",
    "named_cal",
    "document_cal",
    "session_cal",
    "usage_cal",
]
ACCESS_TYPES: tuple[str, ...] = get_args(AccessType)


# --- value types ----------------------------------------------------------------------


def _positive_duration(value: object) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError("expected a duration greater than zero, such as 45s, 6min or 72h")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration, json_schema_input_type=str | float)]
"""Seconds; written as ``45s``, ``6min``, ``72h``, ``30d``, ``2w`` or a number of seconds."""

PositiveDuration = Annotated[
    float, BeforeValidator(_positive_duration, json_schema_input_type=str | float)
]

TIMESTAMP_EXPECTED = (
    "expected an ISO 8601 timestamp such as 2026-01-05T08:00 or 2026-01-05 "
    "(read in the scenario's timezone unless it ends in Z or an offset like +01:00)"
)


_ZONE: ContextVar[tzinfo] = ContextVar("scenario_zone", default=UTC)


def _timestamp(value: object, info: ValidationInfo) -> datetime:
    context = info.context if isinstance(info.context, dict) else {}
    tz = context.get("tz") or _ZONE.get()
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            detail = f" ({exc})" if "Invalid isoformat" not in str(exc) else ""
            raise ValueError(TIMESTAMP_EXPECTED + detail) from None
    else:
        raise ValueError(TIMESTAMP_EXPECTED)
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        # Result tables are pandas, whose timestamps end in 2262.
        raise ValueError(f"expected a timestamp between {MIN_YEAR} and {MAX_YEAR}")
    return moment


Timestamp = Annotated[
    datetime, BeforeValidator(_timestamp, json_schema_input_type=str | datetime | date)
]
"""An aware datetime; naive input is read in the scenario's timezone."""


def _not_bool(value: object) -> object:
    # pydantic's lax mode turns true/false into 1/0; in YAML that is almost always a typo.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


NonNegativeInt = Annotated[int, BeforeValidator(_not_bool), Field(ge=0)]
NonNegativeFloat = Annotated[float, BeforeValidator(_not_bool), Field(ge=0, allow_inf_nan=False)]


def _identifier(value: str) -> str:
    if not value.strip():
        raise ValueError("expected a non-empty name")
    if value != value.strip():
        raise ValueError("expected a name without leading or trailing spaces")
    if "." in value:
        raise ValueError("expected a name without dots (dots separate keys in sweep paths)")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]

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


def _choices(names: list[str]) -> str:
    return ", ".join(dict.fromkeys(names)) if names else "(none defined)"


def _add(moment: datetime, seconds: float) -> datetime:
    """Elapsed-time addition that stays right across DST changes."""
    return (moment.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(moment.tzinfo)


def _elapsed(start: datetime, stop: datetime) -> float:
    return (stop.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def _fmt_time(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- rules and outages ----------------------------------------------------------------


class Rules(_Model):
    """Overrides of the licensing-rules.md defaults; every key is optional."""

    grace: Duration = Field(
        72 * 3600.0,
        description="How long an SLK site keeps working without the backend, counted from "
        "the last successful contact. Default 72h (licensing-rules §2).",
    )
    delayed_sync_window: Duration = Field(
        60 * DAY,
        description="How long a delayed-sync site may run before it must reach the backend. "
        "Default 60d (licensing-rules §1).",
    )
    desktop_unlock: Duration = Field(
        30 * DAY,
        description="How long Qlik Sense Desktop stays unlocked after authenticating; also "
        "the QlikView Desktop lease. Default 30d (licensing-rules §2, §6).",
    )
    capacity_unit: PositiveDuration = Field(
        360.0,
        description="Length of one Analyzer Capacity unit, charged when it starts. "
        "Default 6min (licensing-rules §4).",
    )
    max_parallel_sessions: Annotated[int, BeforeValidator(_not_bool), Field(ge=1)] = Field(
        5,
        description="Most sessions one user may have open at once. Default 5 (licensing-rules §3).",
    )
    parallel_session_wait: Duration = Field(
        300.0,
        description="Wait after closing a session at the parallel limit before another may "
        "open. Default 5min (licensing-rules §3).",
    )
    user_sync_interval: PositiveDuration = Field(
        600.0,
        description="How often sites on one SLK sync user assignments. Default 10min "
        "(licensing-rules §1).",
    )
    definition_refresh_interval: PositiveDuration = Field(
        24 * 3600.0,
        description="How often an SLK site refreshes its license definition (and a LEF site "
        "its LEF). Default 24h (licensing-rules §1).",
    )


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
        None, description="Free text shown in reports, e.g. firewall (model choice)."
    )

    @model_validator(mode="after")
    def _one_length(self) -> "Outage":
        if self.duration is None and self.end is None:
            raise Invalid(
                [(("duration",), MISSING, "required key is missing: give duration or end")]
            )
        if self.duration is not None and self.end is not None:
            raise Invalid([(("end",), self.end, "expected either duration or end, not both")])
        if self.end is not None and _elapsed(self.start, self.end) <= 0:
            raise Invalid(
                [(("end",), self.end, f"expected a time after start ({_fmt_time(self.start)})")]
            )
        return self

    @property
    def stop(self) -> datetime:
        """When the outage is over (start + duration, or end)."""
        if self.end is not None:
            return self.end
        assert self.duration is not None
        return _add(self.start, self.duration)


class RandomOutages(_Model):
    """Outages drawn at random: exponential times between failures and to repair."""

    mtbf: PositiveDuration = Field(
        description="Mean time between failures (exponential). Required (model choice)."
    )
    mttr: PositiveDuration = Field(
        description="Mean time to repair (exponential). Required (model choice)."
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


# --- licenses -------------------------------------------------------------------------


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


# --- servers and desktops -------------------------------------------------------------


class Server(_Model):
    """A Qlik Sense, QlikView or NPrinting site using one license."""

    id: Identifier = Field(description="Name other entries refer to. Required (model choice).")
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


# --- users ----------------------------------------------------------------------------


class DayStart(_Model):
    """When a working day starts: normally distributed around a local time of day."""

    mean: str = Field(
        "09:00",
        description='Mean local start time, "HH:MM" in quotes. Default "09:00" (model choice).',
    )
    sd: Duration = Field(
        1800.0, description="Standard deviation of the start time. Default 30min (model choice)."
    )

    @field_validator("mean", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> object:
        if isinstance(value, time):
            return value.strftime("%H:%M")
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            # YAML 1.1 reads an unquoted 9:30 as the base-60 number 570.
            hours, minutes = divmod(value, 60)
            raise ValueError(
                f'expected a time of day in quotes, such as "{hours:02d}:{minutes:02d}" '
                f"(YAML reads an unquoted {hours}:{minutes:02d} as the number {value})"
            )
        expected = 'expected a time of day in quotes, such as "09:00" (00:00 to 23:59)'
        if not isinstance(value, str):
            raise ValueError(expected)
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if match is None:
            raise ValueError(expected)
        hours, minutes = int(match[1]), int(match[2])
        if hours > 23 or minutes > 59:
            raise ValueError(expected)
        return f"{hours:02d}:{minutes:02d}"

    @property
    def mean_seconds(self) -> float:
        """The mean start time as seconds after local midnight."""
        hours, minutes = self.mean.split(":")
        return int(hours) * 3600.0 + int(minutes) * 60.0


class Behaviour(_Model):
    """How the users of a group work: when, how often and how intensely."""

    days: list[Weekday] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
        min_length=1,
        description="Working days. Default mon–fri (model choice).",
    )
    day_start: DayStart = Field(
        default_factory=DayStart,
        description='Start of the working day. Default "09:00" ± 30min (model choice).',
    )
    sessions_per_day: Annotated[float, BeforeValidator(_not_bool)] = Field(
        2.0,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Poisson mean of sessions per working day. Default 2 (model choice).",
    )
    clicks_per_session: Annotated[float, BeforeValidator(_not_bool)] = Field(
        40.0,
        ge=0,
        le=10_000,
        allow_inf_nan=False,
        description="Poisson mean of clicks per session. Default 40 (model choice).",
    )
    click_gap: PositiveDuration = Field(
        45.0,
        description="Mean of the exponential gap between clicks. Default 45s (model choice).",
    )
    session_break: Duration = Field(
        3600.0,
        description="Mean of the exponential break between sessions. Default 1h (model choice).",
    )
    devices: Annotated[int, BeforeValidator(_not_bool)] = Field(
        1,
        ge=1,
        le=10,
        description="Devices per user, each with its own daily sessions; capacity counts "
        "per device. Default 1 (licensing-rules §3, §4).",
    )

    @field_validator("days")
    @classmethod
    def _no_repeats(cls, days: list[str]) -> list[str]:
        problems: list[tuple[Loc, object, str]] = []
        for i, day in enumerate(days):
            if day in days[:i]:
                problems.append(((i,), day, f"expected each day once; {day} is listed twice"))
        if problems:
            raise Invalid(problems)
        return days

    @property
    def weekday_numbers(self) -> tuple[int, ...]:
        """The working days as ``datetime.weekday()`` numbers (Monday is 0), in order."""
        return tuple(sorted(WEEKDAYS.index(day) for day in self.days))


class ScriptedSession(_Model):
    """One hand-written session: when it starts, who opens it and when they interact."""

    at: Timestamp = Field(description="When the session opens. Required (model choice).")
    user: NonNegativeInt = Field(
        0, description="Which user of the group (0 to count-1). Default 0 (model choice)."
    )
    server: Identifier | None = Field(
        None,
        description="Server id, one of the group's servers. Default: the group's first "
        "server, filled in during validation (model choice).",
    )
    device: NonNegativeInt = Field(
        0,
        description="Which of the user's devices (capacity counts per device). Default 0 "
        "(licensing-rules §4).",
    )
    activity: list[Duration] = Field(
        default_factory=lambda: [0.0],
        min_length=1,
        description="Offsets from at of each interaction; starts at 0, never decreases. "
        "Default [0] (model choice).",
    )
    duration: Duration | None = Field(
        None,
        description="Session length from at. Default: ends at the last activity (model choice).",
    )

    @model_validator(mode="after")
    def _timeline(self) -> "ScriptedSession":
        problems: list[tuple[Loc, object, str]] = []
        if self.activity[0] != 0:
            problems.append(
                (
                    ("activity", 0),
                    self.activity[0],
                    "expected 0: the first activity is the session opening, at `at`",
                )
            )
        for i in range(1, len(self.activity)):
            if self.activity[i] < self.activity[i - 1]:
                problems.append(
                    (
                        ("activity", i),
                        self.activity[i],
                        "expected offsets in non-decreasing order (the previous one is "
                        f"{format_duration(self.activity[i - 1])})",
                    )
                )
        if self.duration is not None and self.duration < self.activity[-1]:
            problems.append(
                (
                    ("duration",),
                    self.duration,
                    "expected at least the last activity offset "
                    f"({format_duration(self.activity[-1])})",
                )
            )
        if problems:
            raise Invalid(problems)
        return self

    @property
    def length(self) -> float:
        """Seconds from ``at`` to the end of the session."""
        return self.duration if self.duration is not None else self.activity[-1]

    @property
    def stop(self) -> datetime:
        """When the session ends."""
        return _add(self.at, self.length)


class UserGroup(_Model):
    """A group of ``count`` similar users with one access type and shared behaviour.

    Either ``behaviour`` (random sessions) or ``sessions`` (exactly these, hand-written)
    drives the group; giving both is an error.
    """

    group: Identifier = Field(description="Name of the group. Required (model choice).")
    count: Annotated[int, BeforeValidator(_not_bool)] = Field(
        ge=1, description="Number of users. Required (model choice)."
    )
    directory: str | None = Field(
        None,
        description="User directory (domain), for splitting reports. Default none "
        "(licensing-rules §3).",
    )
    access: AccessType | list[AccessType] = Field(
        description="The access type(s) the users rely on, in the order tried. Required "
        "(licensing-rules §3–§6)."
    )
    servers: list[Identifier] = Field(
        min_length=1, description="Ids of the servers the users log in to. Required (model choice)."
    )
    behaviour: Behaviour = Field(
        default_factory=Behaviour,
        description="Random session behaviour. Default: Behaviour's defaults (model choice).",
    )
    sessions: list[ScriptedSession] | None = Field(
        None,
        description="Hand-written sessions replacing behaviour. Default none (model choice).",
    )

    @field_validator("access", mode="before")
    @classmethod
    def _access(cls, value: object) -> object:
        expected = f"expected one of: {', '.join(ACCESS_TYPES)}"
        if isinstance(value, str):
            if value not in ACCESS_TYPES:
                raise ValueError(expected)
            return value
        if not isinstance(value, list | tuple):
            raise ValueError(f"{expected}, or a list of them")
        if not value:
            raise ValueError(f"expected at least one access type ({', '.join(ACCESS_TYPES)})")
        problems: list[tuple[Loc, object, str]] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or item not in ACCESS_TYPES:
                problems.append(((i,), item, expected))
            elif item in value[:i]:
                problems.append(((i,), item, f"expected each access type once; {item} repeats"))
        if problems:
            raise Invalid(problems)
        return list(value)

    @model_validator(mode="before")
    @classmethod
    def _default_session_server(cls, data: Any) -> Any:
        # Filled in here so that the effective scenario says which server each scripted
        # session uses, and the engine need not know about the default.
        if not isinstance(data, Mapping):
            return data
        sessions, servers = data.get("sessions"), data.get("servers")
        if not (isinstance(sessions, list) and isinstance(servers, list) and servers):
            return data
        first = servers[0]
        if not isinstance(first, str):
            return data
        filled: list[Any] = []
        for session in sessions:
            if isinstance(session, Mapping) and session.get("server") is None:
                session = {**session, "server": first}
            elif isinstance(session, ScriptedSession) and session.server is None:
                session = session.model_copy(update={"server": first})
            filled.append(session)
        return {**data, "sessions": filled}

    @model_validator(mode="after")
    def _consistent(self) -> "UserGroup":
        problems: list[tuple[Loc, object, str]] = []
        # A behaviour equal to the defaults is tolerated so that a full model_dump() of a
        # scripted group validates again; only a behaviour that would be ignored is refused.
        if (
            self.sessions is not None
            and "behaviour" in self.model_fields_set
            and self.behaviour != Behaviour()
        ):
            problems.append(
                (
                    ("behaviour",),
                    self.behaviour.model_dump(exclude_unset=True),
                    "expected either behaviour or sessions, not both (scripted sessions "
                    "replace the random behaviour)",
                )
            )
        for i, server in enumerate(self.servers):
            if server in self.servers[:i]:
                problems.append(
                    (("servers", i), server, f"expected each server once; {server} is listed twice")
                )
        for j, session in enumerate(self.sessions or []):
            if session.server not in self.servers:
                problems.append(
                    (
                        ("sessions", j, "server"),
                        session.server,
                        f"expected one of this group's servers: {_choices(self.servers)}",
                    )
                )
            if session.user >= self.count:
                problems.append(
                    (
                        ("sessions", j, "user"),
                        session.user,
                        f"expected a user number from 0 to {self.count - 1} (count is "
                        f"{self.count})",
                    )
                )
        if problems:
            raise Invalid(problems)
        return self

    @property
    def access_types(self) -> tuple[str, ...]:
        """The access types as a tuple, whether one or several were given."""
        return (self.access,) if isinstance(self.access, str) else tuple(self.access)


# --- experiment -----------------------------------------------------------------------


class Experiment(_Model):
    """Replications and a parameter sweep over this scenario."""

    replications: Annotated[int, BeforeValidator(_not_bool)] = Field(
        1,
        ge=1,
        le=10_000,
        description="Independent runs per variant, each with its own seed. Default 1 "
        "(model choice).",
    )
    sweep: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="Dotted paths into the scenario (list items by id or index) mapped to "
        "the values to try. Default none (model choice).",
    )

    @field_validator("sweep")
    @classmethod
    def _non_empty(cls, sweep: dict[str, list[Any]]) -> dict[str, list[Any]]:
        problems: list[tuple[Loc, object, str]] = []
        for key, values in sweep.items():
            if not key.strip():
                problems.append(((key,), key, "expected a dotted path such as rules.grace"))
            elif not values:
                problems.append(((key,), values, "expected at least one value to try"))
        if problems:
            raise Invalid(problems)
        return sweep


# --- dotted paths (sweeps and overrides) ----------------------------------------------


def _list_index(items: list[Any], segment: str) -> int | None:
    """Find a list item by index or by its id/group name."""
    if segment.isascii() and segment.isdigit():
        index = int(segment)
        return index if index < len(items) else None
    for i, item in enumerate(items):
        name = (
            item.get("id", item.get("group"))
            if isinstance(item, Mapping)
            else (getattr(item, "id", None) or getattr(item, "group", None))
        )
        if name == segment:
            return i
    return None


def _item_names(items: list[Any]) -> list[str]:
    names = []
    for item in items:
        name = getattr(item, "id", None) or getattr(item, "group", None)
        if isinstance(name, str):
            names.append(name)
    return names


def _check_path(scenario: "Scenario", path: str) -> str | None:
    """Why ``path`` does not lead to a value in the scenario, or None if it does."""
    segments = path.split(".")
    if segments[0] == "experiment":
        return "expected a path outside experiment (the sweep cannot vary itself)"
    tp: Any = Scenario
    obj: Any = scenario
    for depth, segment in enumerate(segments):
        where = ".".join(segments[:depth]) or "the scenario"
        while get_origin(tp) is Annotated or (
            get_origin(tp) is not None and type(None) in get_args(tp)
        ):
            tp = next(a for a in get_args(tp) if a is not type(None))
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if segment not in tp.model_fields:
                return (
                    f"{where} has no key {segment!r} (expected one of: "
                    + ", ".join(tp.model_fields)
                    + ")"
                )
            obj = getattr(obj, segment) if obj is not None else None
            tp = tp.model_fields[segment].annotation
        elif get_origin(tp) is list:
            items = obj if isinstance(obj, list) else []
            index = _list_index(items, segment)
            if index is None:
                names = _item_names(items)
                choices = f"an index below {len(items)}" + (
                    f" or one of: {', '.join(names)}" if names else ""
                )
                if not items:
                    choices = "nothing: the list is empty"
                return f"{where} has no item {segment!r} (expected {choices})"
            obj, tp = items[index], get_args(tp)[0]
        elif get_origin(tp) is dict:
            obj = obj.get(segment) if isinstance(obj, dict) else None
            tp = get_args(tp)[1]
        else:
            return f"{where} is a single value; it has no key {segment!r}"
    return None


def zone_of(data: object) -> ZoneInfo:
    """The time zone a scenario's naive timestamps are read in (UTC if not valid)."""
    if isinstance(data, Scenario):
        return data.tz
    name = data.get("timezone", "UTC") if isinstance(data, Mapping) else "UTC"
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except Exception:
            # The timezone field's own validator reports the bad name.
            pass
    return ZoneInfo("UTC")


# --- the scenario ---------------------------------------------------------------------


class Scenario(_Model):
    """A whole deployment over one simulated period. See docs/scenario-reference.md."""

    name: str = Field(min_length=1, description="Name of the scenario. Required (model choice).")
    seed: Annotated[int, BeforeValidator(_not_bool)] = Field(
        0,
        ge=0,
        lt=2**63,
        description="Root random seed. Default 0 (model choice).",
    )
    start: Timestamp = Field(description="Start of the simulated period. Required (model choice).")
    duration: PositiveDuration | None = Field(
        None, description="Length of the period; give this or end (model choice)."
    )
    end: Timestamp | None = Field(
        None, description="End of the period; give this or duration (model choice)."
    )
    timezone: str = Field(
        "UTC",
        description="IANA time zone for naive timestamps and user behaviour; capacity still "
        "resets at 00:00 UTC. Default UTC (model choice; licensing-rules §4 for the reset).",
    )
    rules: Rules = Field(
        default_factory=Rules,
        description="Licensing rule parameters. Default: each rule's default in "
        "licensing-rules.md.",
    )
    backend: Backend = Field(
        default_factory=Backend,
        description="The license backend. Default: always reachable (licensing-rules §1, §2).",
    )
    licenses: list[License] = Field(
        min_length=1, description="The licenses. Required, at least one (model choice)."
    )
    servers: list[Server] = Field(
        min_length=1, description="The servers. Required, at least one (model choice)."
    )
    desktops: list[Desktop] = Field(
        default_factory=list, description="Desktop fleets. Default none (model choice)."
    )
    users: list[UserGroup] = Field(
        default_factory=list, description="User groups. Default none (model choice)."
    )
    experiment: Experiment | None = Field(
        None, description="Replications and sweeps. Default none (model choice)."
    )

    _by_id: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _zone_for_timestamps(
        cls, data: Any, handler: ModelWrapValidatorHandler["Scenario"], info: ValidationInfo
    ) -> "Scenario":
        # Scenario(...) and model_validate() without a context still read naive timestamps
        # in the scenario's own timezone: the Timestamp validator falls back to this.
        context = info.context if isinstance(info.context, dict) else {}
        if "tz" in context:
            return handler(data)
        token = _ZONE.set(zone_of(data))
        try:
            return handler(data)
        finally:
            _ZONE.reset(token)

    def model_post_init(self, context: Any, /) -> None:
        self._by_id = {
            "license": {item.id: item for item in self.licenses},
            "server": {item.id: item for item in self.servers},
            "group": {item.group: item for item in self.users},
        }

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except Exception:
            try:
                known = sorted(zoneinfo.available_timezones())
            except Exception:
                known = []
            hint = difflib.get_close_matches(name, known, n=1)
            suggestion = f" (did you mean {hint[0]}?)" if hint else ""
            raise ValueError(
                "expected an IANA time zone name such as UTC or Europe/Stockholm" + suggestion
            ) from None
        return name

    @model_validator(mode="after")
    def _cross_check(self) -> "Scenario":
        problems: list[tuple[Loc, object, str]] = []
        period_ok = self._check_period(problems)
        self._check_unique(problems)
        self._check_references(problems, period_ok)
        total = sum(group.count for group in self.users)
        if total > MAX_TOTAL_USERS:
            problems.append(
                (
                    ("users",),
                    total,
                    f"expected at most {MAX_TOTAL_USERS:,} users in total across all groups",
                )
            )
        if self.experiment is not None:
            for path, values in self.experiment.sweep.items():
                if not path.strip():
                    continue
                reason = _check_path(self, path)
                if reason is not None:
                    problems.append((("experiment", "sweep", path), values, reason))
        if problems:
            raise Invalid(problems)
        return self

    def _check_period(self, problems: list[tuple[Loc, object, str]]) -> bool:
        if self.duration is None and self.end is None:
            problems.append(
                (
                    ("duration",),
                    MISSING,
                    "required key is missing: give duration (e.g. 90d) or end (a timestamp)",
                )
            )
            return False
        if self.duration is not None and self.end is not None:
            problems.append((("end",), self.end, "expected either duration or end, not both"))
            return False
        key = "duration" if self.duration is not None else "end"
        value = self.duration if self.duration is not None else self.end
        horizon = self.duration if self.duration is not None else _elapsed(self.start, self.end)  # type: ignore[arg-type]
        if horizon <= 0:
            problems.append(
                ((key,), value, f"expected a time after start ({_fmt_time(self.start)})")
            )
            return False
        if horizon > MAX_HORIZON:
            problems.append(((key,), value, "expected a simulated period of at most 20 years"))
            return False
        return True

    def _check_unique(self, problems: list[tuple[Loc, object, str]]) -> None:
        collections: list[tuple[str, str, list[Any]]] = [
            ("licenses", "id", self.licenses),
            ("servers", "id", self.servers),
            ("desktops", "id", self.desktops),
            ("users", "group", self.users),
        ]
        for name, key, items in collections:
            first: dict[str, int] = {}
            for i, item in enumerate(items):
                value = getattr(item, key)
                if value in first:
                    problems.append(
                        (
                            (name, i, key),
                            value,
                            f"expected a unique {key}; already used by "
                            f"{format_path((name, first[value]))}",
                        )
                    )
                else:
                    first[value] = i

    def _check_references(self, problems: list[tuple[Loc, object, str]], period_ok: bool) -> None:
        license_ids = [item.id for item in self.licenses]
        servers = {item.id: item for item in self.servers}
        server_ids = list(servers)
        groups = [item.group for item in self.users]
        for i, server in enumerate(self.servers):
            if server.license not in license_ids:
                problems.append(
                    (
                        ("servers", i, "license"),
                        server.license,
                        f"expected one of the license ids: {_choices(license_ids)}",
                    )
                )
        for g, group in enumerate(self.users):
            for k, name in enumerate(group.servers):
                if name not in servers:
                    problems.append(
                        (
                            ("users", g, "servers", k),
                            name,
                            f"expected one of the server ids: {_choices(server_ids)}",
                        )
                    )
            if not period_ok:
                continue
            for j, session in enumerate(group.sessions or []):
                if not 0 <= self.seconds(session.at) < self.horizon:
                    problems.append(
                        (
                            ("users", g, "sessions", j, "at"),
                            session.at,
                            "expected a time within the simulated period "
                            f"({_fmt_time(self.start_at)} to {_fmt_time(self.end_at)})",
                        )
                    )
        for d, desktop in enumerate(self.desktops):
            if desktop.users not in groups:
                problems.append(
                    (
                        ("desktops", d, "users"),
                        desktop.users,
                        f"expected one of the user groups: {_choices(groups)}",
                    )
                )
            target = servers.get(desktop.server)
            product = "qlik_sense" if desktop.product == "qlik_sense_desktop" else "qlikview"
            suitable = [
                s.id for s in self.servers if s.product == product and s.role == "production"
            ]
            if target is None:
                message = f"expected one of the server ids: {_choices(server_ids)}"
            elif target.role == "test":
                reason = (
                    "Qlik Sense Desktop cannot authenticate against a test server "
                    "(licensing-rules §2)"
                    if desktop.product == "qlik_sense_desktop"
                    else "QlikView Desktop cannot lease from a test server (licensing-rules §6)"
                )
                message = f"{reason}; expected a production {product} server: {_choices(suitable)}"
            elif target.product != product:
                message = (
                    f"a {desktop.product} must point at a {product} server, and "
                    f"{target.id} is {target.product}; expected one of: {_choices(suitable)}"
                )
            else:
                continue
            problems.append((("desktops", d, "server"), desktop.server, message))

    # --- time helpers -----------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        """The scenario's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def start_at(self) -> datetime:
        """Start of the simulated period (aware)."""
        return self.start

    @property
    def end_at(self) -> datetime:
        """End of the simulated period (aware): ``end``, or start + duration in elapsed time."""
        if self.end is not None:
            return self.end
        assert self.duration is not None
        return _add(self.start, self.duration)

    @property
    def horizon(self) -> float:
        """Length of the simulated period in seconds."""
        if self.duration is not None:
            return self.duration
        return _elapsed(self.start, self.end_at)

    def seconds(self, moment: datetime) -> float:
        """Seconds from the start of the period to ``moment``.

        A naive ``moment`` is read in the scenario's time zone, as in the file.
        """
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=self.tz)
        return _elapsed(self.start, moment)

    # --- lookups ----------------------------------------------------------------------

    def _lookup(self, kind: str, key: str) -> Any:
        try:
            return self._by_id[kind][key]
        except KeyError:
            known = ", ".join(self._by_id.get(kind, {})) or "(none defined)"
            raise KeyError(
                f"no {kind} {key!r} in scenario {self.name!r} (known: {known})"
            ) from None

    def license(self, license_id: str) -> License:
        """The license with this id (``KeyError`` if none)."""
        return self._lookup("license", license_id)

    def server(self, server_id: str) -> Server:
        """The server with this id (``KeyError`` if none)."""
        return self._lookup("server", server_id)

    def group(self, name: str) -> UserGroup:
        """The user group with this name (``KeyError`` if none)."""
        return self._lookup("group", name)

    # --- variants ---------------------------------------------------------------------

    def with_overrides(
        self, overrides: Mapping[str, Any], source: str = "<overrides>"
    ) -> "Scenario":
        """A new, fully validated scenario with values replaced at dotted paths.

        Paths use the sweep syntax: keys separated by dots, list items by index or by
        id/group name (``servers.prod.link_outages.0.duration``). Raises
        :class:`ScenarioError` if a path leads nowhere or the result is invalid.
        """
        problems: list[Problem] = []
        for path in overrides:
            reason = _check_path(self, path) if path.strip() else "expected a dotted path"
            if reason is not None:
                problems.append(Problem(format_path((path,)), path, reason))
        if problems:
            raise ScenarioError(source, problems)
        # Only what was written is kept, so defaults stay defaults and "was behaviour
        # given?" keeps its answer.
        data: dict[str, Any] = self.model_dump(exclude_unset=True)
        data.setdefault("timezone", self.timezone)
        for path, value in overrides.items():
            _assign(data, path.split("."), value)
        try:
            return Scenario.model_validate(data, context={"tz": self.tz})
        except ValidationError as exc:
            raise ScenarioError(source, problems_from_validation_error(exc, Scenario)) from None


def _assign(data: dict[str, Any], segments: list[str], value: Any) -> None:
    current: Any = data
    for segment in segments[:-1]:
        if isinstance(current, list):
            index = _list_index(current, segment)
            assert index is not None  # checked by _check_path
            current = current[index]
        else:
            if current.get(segment) is None:
                current[segment] = {}
            current = current[segment]
    last = segments[-1]
    if isinstance(current, list):
        index = _list_index(current, last)
        assert index is not None
        current[index] = value
    else:
        current[last] = value
