"""Users: the people who log in, and when and how they work.

A user group is ``count`` similar people with one access type (or several, tried in
order) and the servers they use. Their sessions come from a random behaviour (working
days, a normally distributed start of the day, Poisson sessions and clicks, exponential
gaps), from hand-written scripted sessions that say exactly when each one opens and when
its user interacts, or from a site's recorded history (``replay``, :mod:`.replay`); a
group has one of them.

Users are anonymous in the simulation but have names where a person must point at one (an
admin allocating a seat to a named user): ``<group>-<n>``, with n counted from 1 and
zero-padded to the width of the group's count, so group ``readers`` of 12 is
``readers-01`` … ``readers-12``. A replayed group's users keep the names the site gave
them, ``DIRECTORY\\user``.
"""

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.rules.anonymous import ANONYMOUS_ACCESS, needs_identity

from .durations import format_duration
from .errors import Invalid, Loc
from .fields import (
    Duration,
    Identifier,
    NonNegativeInt,
    PositiveDuration,
    Timestamp,
    _add,
    _choices,
    _Model,
    _not_bool,
)
from .replay import Replay, ReplayRows, replayed_rows

__all__ = [
    "ACCESS_TYPES",
    "QMC_CLIENTS",
    "SESSION_COUNTS",
    "SESSION_LENGTH_LAWS",
    "WEEKDAYS",
    "AccessType",
    "Behaviour",
    "DayStart",
    "MonthEnd",
    "QmcUse",
    "ScriptedSession",
    "SessionLength",
    "UserGroup",
    "Weekday",
    "match_user",
    "user_name_hint",
]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)

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

ScriptedClient = Literal["hub", "qmc"]
QMC_CLIENTS: tuple[str, ...] = get_args(ScriptedClient)


class DayStart(_Model):
    """When a working day starts: normally distributed around a local time of day, or
    uniform over the whole day for a population that arrives around the clock."""

    mean: str = Field(
        "09:00",
        description='Mean local start time, "HH:MM" in quotes. Default "09:00" (model choice).',
    )
    sd: Duration = Field(
        1800.0, description="Standard deviation of the start time. Default 30min (model choice)."
    )
    spread: Literal["normal", "uniform"] = Field(
        "normal",
        description="normal: around `mean` with `sd`; uniform: anywhere in the local day "
        "(`mean` and `sd` unused), which makes a large group a Poisson arrival stream. "
        "Default normal (model choice).",
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


SessionLengthLaw = Literal["lognormal", "gamma", "weibull", "exponential"]
SESSION_LENGTH_LAWS: tuple[str, ...] = get_args(SessionLengthLaw)
SessionCount = Literal["poisson", "one_plus_poisson"]
SESSION_COUNTS: tuple[str, ...] = get_args(SessionCount)


class SessionLength(_Model):
    """A session-length distribution, as scipy.stats names it (location 0).

    ``lognormal``: median ``scale``, log-sd ``shape``; ``gamma``: shape ``shape``, scale
    ``scale``; ``weibull``: shape ``shape`` (``weibull_min`` c), scale ``scale``;
    ``exponential``: mean ``scale`` (``shape`` unused). Calibration (:mod:`sim.calibration`)
    chooses the law by AIC among these.
    """

    distribution: SessionLengthLaw = Field(
        description="lognormal, gamma, weibull or exponential. Required (model choice)."
    )
    scale: PositiveDuration = Field(
        description="Scale: the median of a lognormal, the mean of an exponential. Required "
        "(model choice)."
    )
    shape: float = Field(
        1.0,
        gt=0,
        le=100,
        allow_inf_nan=False,
        description="Shape (lognormal sigma, gamma a, weibull c). Default 1 (model choice).",
    )
    max: PositiveDuration = Field(
        86400.0,
        description="Longest session drawn; longer draws are cut here (and draws start at "
        "1 ms). Default 24h (model choice).",
    )

    @property
    def mean_seconds(self) -> float:
        """The mean length, before the cut at ``max``."""
        if self.distribution == "lognormal":
            return self.scale * math.exp(self.shape**2 / 2.0)
        if self.distribution == "gamma":
            return self.shape * self.scale
        if self.distribution == "weibull":
            return self.scale * math.gamma(1.0 + 1.0 / self.shape)
        return self.scale


class MonthEnd(_Model):
    """A month-end peak: more users come in on the last working days of a month."""

    days: Annotated[int, BeforeValidator(_not_bool)] = Field(
        2, ge=1, le=10, description="Last working days of each month. Default 2 (model choice)."
    )
    factor: float = Field(
        1.0,
        gt=0,
        le=100,
        allow_inf_nan=False,
        description="Attendance on those days is multiplied by this (capped at 1). Default 1: "
        "no peak (model choice).",
    )


class Behaviour(_Model):
    """How the users of a group work: when, how often and how intensely."""

    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS[:5]),
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
    logout_share: Annotated[float, BeforeValidator(_not_bool)] = Field(
        0.1,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Share of sessions the user ends by logging out; the others stay open "
        "until the idle timeout after their last click (closing the browser tab does not "
        "end a session). Default 0.1 (inferred, licensing-rules §5, §6: Qlik documents no "
        "share; most users close the tab, so most sessions time out).",
    )
    documents: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=dict,
        description="QlikView documents the group opens, with relative weights: each session "
        "opens one, drawn by weight (Document and Usage CALs are per document). Default "
        "none: one unnamed document (licensing-rules §6).",
    )
    session_length: SessionLength | None = Field(
        None,
        description="Session-length distribution (heavy tails: lognormal, gamma, weibull). "
        "When given, a session lasts a draw from it (capacity groups: its clicks come at the "
        "pace that makes the draw its mean length) and has at least one click. Default none: "
        "clicks × click_gap (model choice).",
    )
    attendance: dict[Weekday, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]] = Field(
        default_factory=dict,
        description="Probability that a user works on a given working day, by weekday "
        "(drawn per user and day). Default none: every user on every day in `days` "
        "(model choice).",
    )
    session_count: SessionCount = Field(
        "poisson",
        description="Sessions per working day: Poisson(sessions_per_day), or one plus "
        "Poisson(sessions_per_day - 1) (every attending user opens one). Default poisson "
        "(model choice).",
    )
    month_end: MonthEnd | None = Field(
        None,
        description="Month-end peak of attendance. Default none (model choice).",
    )
    holidays: list[date] = Field(
        default_factory=list,
        description="Local dates nobody of the group works. Default none (model choice).",
    )

    @model_validator(mode="after")
    def _calibrated_keys(self) -> "Behaviour":
        problems: list[tuple[Loc, object, str]] = []
        for day in self.attendance:
            if day not in self.days:
                problems.append(
                    (("attendance", day), self.attendance[day], "expected a day listed in days")
                )
        if self.session_count == "one_plus_poisson" and 0 < self.sessions_per_day < 1:
            problems.append(
                (
                    ("sessions_per_day",),
                    self.sessions_per_day,
                    "expected 0 or at least 1 with session_count one_plus_poisson",
                )
            )
        if problems:
            raise Invalid(problems)
        return self

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
    def mean_session_seconds(self) -> float:
        """The mean generated session length: of ``session_length`` (at most its cut),
        else clicks_per_session × click_gap."""
        law = self.session_length
        if law is not None:
            return min(law.mean_seconds, law.max)
        return self.clicks_per_session * self.click_gap

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
        description="When the user leaves the session, as an offset from at. Default: at "
        "the last activity (model choice).",
    )
    logout: Annotated[bool, Field(strict=True)] | None = Field(
        None,
        description="Whether the user logs out when leaving (the session closes then) or "
        "just closes the tab (it stays open until the idle timeout after that). Default: "
        "logs out when duration is given, else times out (licensing-rules §5, §6).",
    )
    document: str | None = Field(
        None,
        description="The QlikView document opened. Default none: the unnamed document "
        "(licensing-rules §6).",
    )
    client: ScriptedClient = Field(
        "hub",
        description="Which client the session opens: the hub, or the QMC (the group needs a "
        "`qmc` block: its users are administrators). A QMC session is active throughout "
        "(activity only sets its length when duration is not given). Default hub "
        "(licensing-rules §3).",
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
        """Seconds from ``at`` to when the user leaves the session (before any idle tail)."""
        return self.duration if self.duration is not None else self.activity[-1]

    @property
    def logs_out(self) -> bool:
        """Whether the session closes when the user leaves it rather than at the timeout."""
        return self.logout if self.logout is not None else self.duration is not None

    @property
    def stop(self) -> datetime:
        """When the session ends."""
        return _add(self.at, self.length)


class QmcUse(_Model):
    """The users of a group are administrators who open the Qlik Management Console.

    Opening the QMC counts as a session against the parallel limit on a signed key; an
    admin on Analyzer (or Analyzer Capacity) gets limited QMC access; a root admin without
    a Professional/Analyzer allocation is served by a dynamic rule or the capacity rule that
    covers the group, else by the RootAdmin role alone (licensing-rules §3,
    licensing-research §4.1).
    """

    sessions_per_day: Annotated[float, BeforeValidator(_not_bool)] = Field(
        1.0,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Poisson mean of QMC openings per admin and working day (behaviour "
        "groups; scripted groups say `client: qmc` on a session instead). Default 1 "
        "(model choice).",
    )
    duration: PositiveDuration = Field(
        900.0,
        description="Mean of the exponential length of a QMC session; the admin is active "
        "throughout. Default 15min (model choice).",
    )
    hours: PositiveDuration = Field(
        8 * 3600.0,
        description="QMC openings start uniformly within this long after the mean day start "
        "(behaviour.day_start.mean), local time. Default 8h (model choice).",
    )
    server: Identifier | None = Field(
        None,
        description="The Qlik Sense server whose QMC the admins open, one of the group's "
        "servers. Default: the group's first server (model choice).",
    )
    root_admin: bool = Field(
        False,
        description="The admins are root admins (RootAdmin role): with no Professional/"
        "Analyzer allocation and no rule covering them they open the QMC under the role "
        "alone. Default false (licensing-research §4.1).",
    )
    exclude_from_capacity_rule: bool = Field(
        False,
        description="The Analyzer Capacity rule excludes the admins in the QMC (Qlik's fix "
        "for the legacy AnalyzerTimeAccessType rule): a QMC session never burns capacity; "
        "hub sessions are unchanged. Default false: a capacity rule covering the group "
        "covers its QMC use too (licensing-research §4.1).",
    )


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
    replay: Replay | None = Field(
        None,
        description="Take the users and their sessions from a site's trace (`licsim import`) "
        "instead of behaviour; `count` is then the number of users the replay selects and "
        "may be left out. Default none (model choice).",
    )
    anonymous: bool = Field(
        False,
        description="The users are anonymous: no identity, so no seat (Professional, "
        "Analyzer, user pass, Named/Document/Usage CAL) can be allocated to them, and each "
        "session is its own user and device (no capacity unit or login pass carries "
        "between sessions). Only capacity, login_pass and session_cal are allowed. Default "
        "false (licensing-rules §4, §5, §6).",
    )
    qmc: QmcUse | None = Field(
        None,
        description="The users are administrators who open the QMC. Default none: no QMC "
        "use (licensing-rules §3).",
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
    def _replayed_count(cls, data: Any, info: ValidationInfo) -> Any:
        # A replayed group's count is the trace's; it is filled in here so that the
        # effective scenario says it. A replay that cannot be read leaves a placeholder:
        # its own error is then the one reported.
        if not isinstance(data, Mapping) or data.get("replay") is None or "count" in data:
            return data
        try:
            replay = Replay.model_validate(data["replay"], context=info.context)
            count = len(replayed_rows(replay).identities)
        except (ValidationError, ValueError):
            count = 1
        return {**data, "count": max(count, 1)}

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
        if self.replay is not None:
            problems += self._replay_problems(self.replay)
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
        problems += self._identity_problems()
        problems += self._qmc_problems()
        if problems:
            raise Invalid(problems)
        return self

    def _replay_problems(self, replay: Replay) -> list[tuple[Loc, object, str]]:
        if self.sessions is not None:
            return [(("replay",), replay.trace, "expected replay or sessions, not both")]
        try:
            rows = replayed_rows(replay)
        except ValueError as err:
            return [(("replay", "trace"), replay.trace, str(err))]
        if not len(rows):
            return [(("replay",), replay.trace, "expected a replay that selects some sessions")]
        if self.count != len(rows.identities):
            return [
                (
                    ("count",),
                    self.count,
                    f"expected {len(rows.identities)}: the replay selects that many users "
                    "(leave count out to take it from the trace)",
                )
            ]
        return []

    @property
    def generated(self) -> bool:
        """Whether the group's sessions are drawn from its behaviour (not scripted, not
        replayed)."""
        return self.sessions is None and self.replay is None

    @property
    def replayed(self) -> ReplayRows | None:
        """The sessions a replayed group takes from its trace, or None."""
        return None if self.replay is None else replayed_rows(self.replay)

    def _identity_problems(self) -> list[tuple[Loc, object, str]]:
        if not self.anonymous:
            return []
        problems: list[tuple[Loc, object, str]] = []
        listed = isinstance(self.access, list)
        refused = needs_identity(self.access_types)
        for i, access in enumerate(self.access_types):
            if access in refused:
                problems.append(
                    (
                        ("access", i) if listed else ("access",),
                        access,
                        f"expected access an anonymous group can use "
                        f"({', '.join(ANONYMOUS_ACCESS)}): {access} is allocated to an "
                        "identified user, and anonymous users have no identity "
                        "(licensing-rules §4-§6)",
                    )
                )
        if self.qmc is not None:
            problems.append(
                (
                    ("qmc",),
                    self.qmc.model_dump(exclude_unset=True),
                    "expected no qmc block in an anonymous group (an administrator logs in "
                    "with an identity)",
                )
            )
        return problems

    def _qmc_problems(self) -> list[tuple[Loc, object, str]]:
        problems: list[tuple[Loc, object, str]] = []
        if self.qmc is not None and self.qmc.server not in (None, *self.servers):
            problems.append(
                (
                    ("qmc", "server"),
                    self.qmc.server,
                    f"expected one of this group's servers: {_choices(self.servers)}",
                )
            )
        for j, session in enumerate(self.sessions or []):
            if session.client == "qmc" and self.qmc is None:
                problems.append(
                    (
                        ("sessions", j, "client"),
                        session.client,
                        "expected hub: a QMC session needs the group to be administrators "
                        "(give the group a qmc block)",
                    )
                )
        return problems

    @property
    def qmc_server(self) -> str | None:
        """The server whose QMC the admins open (None: the group opens no QMC)."""
        if self.qmc is None:
            return None
        return self.qmc.server or self.servers[0]

    @property
    def access_types(self) -> tuple[str, ...]:
        """The access types as a tuple, whether one or several were given."""
        return (self.access,) if isinstance(self.access, str) else tuple(self.access)

    # --- user names -------------------------------------------------------------------

    @property
    def name_width(self) -> int:
        """Digits in a user number: the width of ``count`` (12 users → 2)."""
        return len(str(self.count))

    def user_name(self, k: int) -> str:
        """The name of user ``k`` (0-based, as in scripted sessions): ``readers-01``, or
        the recorded ``DIRECTORY\\user`` of a replayed group."""
        if not 0 <= k < self.count:
            raise IndexError(f"user {k} of group {self.group!r}: expected 0 to {self.count - 1}")
        if self.replay is not None:
            return replayed_rows(self.replay).identities[k]
        return f"{self.group}-{k + 1:0{self.name_width}d}"

    def user_names(self) -> list[str]:
        """Every user's name, in user order."""
        if self.replay is not None:
            return list(replayed_rows(self.replay).identities)
        return [f"{self.group}-{k + 1:0{self.name_width}d}" for k in range(self.count)]

    def user_directories(self) -> list[str | None]:
        """Every user's user directory, in user order: the group's, or for a replayed
        group each user's recorded one."""
        if self.replay is not None:
            rows = replayed_rows(self.replay)
            return [d or self.directory for d in rows.directories]
        return [self.directory] * self.count

    def user_number(self, name: str) -> int | None:
        """Which user (0-based) ``name`` is in this group, or None if it is not one of them."""
        if self.replay is not None:
            return replayed_rows(self.replay).number(name)
        prefix = self.group + "-"
        if not name.startswith(prefix):
            return None
        digits = name[len(prefix) :]
        if len(digits) != self.name_width or not (digits.isascii() and digits.isdigit()):
            return None
        n = int(digits)
        return n - 1 if 1 <= n <= self.count else None

    @property
    def name_pattern(self) -> str:
        """The group's names for messages: ``readers-01 … readers-12``."""
        first, last = self.user_name(0), self.user_name(self.count - 1)
        return first if self.count == 1 else f"{first} … {last}"


def match_user(groups: Sequence[UserGroup], name: str) -> tuple[int, int] | None:
    """The (group index, user number) that ``name`` names, or None.

    Names never collide: group names differ, and a number has no ``-`` in it, so only one
    group's name can be followed by ``-`` and digits alone to make ``name``.
    """
    for g, group in enumerate(groups):
        k = group.user_number(name)
        if k is not None:
            return g, k
    return None


def user_name_hint(groups: Sequence[UserGroup], name: str) -> str:
    """What a user name that names nobody should have been, for error messages."""
    rule = "n from 1, zero-padded to the width of the group's count"
    if not groups:
        return f"expected a user name <group>-<n> ({rule}), but the scenario has no user groups"
    near = [g for g in groups if name.startswith(g.group + "-")]
    if near:
        return "expected a user of group " + "; or of group ".join(
            f"{g.group}: {g.name_pattern} (n from 1 to {g.count}, {g.name_width} "
            f"digit{'s' if g.name_width > 1 else ''})"
            for g in near
        )
    shown = ", ".join(g.name_pattern for g in groups[:6]) + (", …" if len(groups) > 6 else "")
    return f"expected a user name <group>-<n> ({rule}): {shown}"
