"""The scenario: one deployment over one simulated period, validated as a whole.

A scenario describes the licenses bought, the servers and desktops that use them, the
people who log in and how they behave, and what goes wrong (backend outages, broken
network links, people away from the office). :class:`Scenario` is the contract between the
file and the engine: after validation every default is filled in, every duration is a
float number of seconds, every timestamp is an aware ``datetime`` and every
cross-reference (a server's license, a group's servers, a desktop's users) is known to
point at something that exists. It also answers the engine's questions about time (the
period's start, end and length in seconds), looks entries up by id and finds users by
name (``readers-01``: see :meth:`UserGroup.user_name`).
"""

import difflib
import zoneinfo
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .admin_checks import check_admin_work
from .deployment import Deployment, deployment_problems
from .durations import DAY, format_duration
from .errors import (
    Invalid,
    Loc,
    Problem,
    ScenarioError,
    format_path,
    problems_from_validation_error,
)
from .fields import (
    _ZONE,
    PositiveDuration,
    Timestamp,
    _choices,
    _elapsed,
    _fmt_time,
    _Model,
    _not_bool,
    _span_length,
    _span_problem,
    _span_stop,
    plain_text,
)
from .licenses import License
from .network import Backend, Desktop, Server
from .paths import Experiment, _assign, _check_path
from .prices import Prices
from .rules import Rules
from .users import UserGroup, match_user, user_name_hint
from .workload import (
    MAX_ESTIMATED_SESSIONS,
    MAX_SESSION_LENGTH,
    Load,
    estimate,
    long_sessions,
)

__all__ = ["MAX_ESTIMATED_SESSIONS", "MAX_HORIZON", "MAX_TOTAL_USERS", "Scenario", "zone_of"]

MAX_HORIZON = 20 * 365.25 * DAY
MAX_TOTAL_USERS = 1_000_000
# A run keeps every session as a table row until it is written: measured at about 450 bytes
# and 50 µs of writing per session, ten million sessions need some 4.5 GB and ten minutes.


def _check_reference(
    problems: list[tuple[Loc, object, str]], loc: Loc, name: str, known: list[str], what: str
) -> None:
    """Note a problem at ``loc`` if ``name`` is not one of the ``known`` ids."""
    if name not in known:
        problems.append((loc, name, f"expected one of the {what}: {_choices(known)}"))


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


HOST_ZONES = frozenset({"localtime", "posixrules", "Factory"})
"""Names the zone database may resolve that mean the host's own setting, not a place: the
same file would give other tables on another machine."""


class Scenario(_Model):
    """A whole deployment over one simulated period. See docs/scenario-reference.md."""

    name: Annotated[str, AfterValidator(lambda v: plain_text(v, "scenario name"))] = Field(
        min_length=1, description="Name of the scenario. Required (model choice)."
    )
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
    prices: Prices | None = Field(
        None, description="License prices, for reports only. Default none (model choice)."
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
        if name in HOST_ZONES:
            raise ValueError(
                f"{name!r} depends on the machine that runs the scenario; expected an IANA "
                "time zone name such as UTC or Europe/Stockholm"
            )
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
        period = (self.start_at, self.end_at) if period_ok else None
        problems += check_admin_work(self.licenses, self.servers, self.users, period)
        problems += deployment_problems(
            Deployment(
                self.licenses, self.servers, self.rules, self.backend, self.start_at, self.seconds
            )
        )
        total = sum(group.count for group in self.users)
        if total > MAX_TOTAL_USERS:
            problems.append(
                (
                    ("users",),
                    total,
                    f"expected at most {MAX_TOTAL_USERS:,} users in total across all groups",
                )
            )
        if period_ok and total <= MAX_TOTAL_USERS:
            self._check_size(problems)
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
        problem = _span_problem(
            self.start,
            self.duration,
            self.end,
            "give duration (e.g. 90d) or end (a timestamp)",
        )
        if problem is not None:
            problems.append(problem)
            return False
        if self.horizon > MAX_HORIZON:
            key, value = (
                ("duration", format_duration(self.duration))
                if self.duration is not None
                else ("end", self.end)
            )
            problems.append(((key,), value, "expected a simulated period of at most 20 years"))
            return False
        return True

    def _workload(self) -> list[Load]:
        return estimate(self.users, self.desktops, self.rules, self.horizon)

    def estimated_sessions(self) -> float:
        """The expected number of sessions in a run: what its memory and time grow with.

        Per behaviour group users × devices × sessions per day × working days in the
        period; per scripted group the sessions written (:mod:`.workload`).
        """
        return next(load.estimate for load in self._workload() if load.what == "sessions")

    def _check_size(self, problems: list[tuple[Loc, object, str]]) -> None:
        for i, length in long_sessions(self.users):
            by_law = self.users[i].behaviour.session_length is not None
            problems.append(
                (
                    ("users", i, "behaviour", "session_length" if by_law else "clicks_per_session"),
                    f"a mean session of {format_duration(length)}",
                    f"expected sessions of at most {format_duration(MAX_SESSION_LENGTH)} "
                    "on average ("
                    + ("session_length" if by_law else "clicks_per_session × click_gap")
                    + ")",
                )
            )
        for load in self._workload():
            if load.over:
                problems.append(
                    (
                        ("users",) if load.what != "desktop launches" else ("desktops",),
                        f"about {load.estimate:,.0f} {load.what}",
                        f"expected at most {load.limit:,.0f} {load.what} in one run (estimated as "
                        f"{load.keys}); shorten duration or make the groups smaller",
                    )
                )

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
        # A person recorded in the trace is one user: two replays may not both take them.
        taken: dict[str, int] = {}
        for i, group in enumerate(self.users):
            if group.replay is None:
                continue
            for name in group.user_names():
                if name in taken:
                    problems.append(
                        (
                            ("users", i, "replay"),
                            name,
                            f"expected each recorded user in one group; {name} is also "
                            f"replayed by {format_path(('users', taken[name]))}",
                        )
                    )
                    break
                taken[name] = i

    def _check_references(self, problems: list[tuple[Loc, object, str]], period_ok: bool) -> None:
        license_ids = [item.id for item in self.licenses]
        servers = {item.id: item for item in self.servers}
        server_ids = list(servers)
        groups = [item.group for item in self.users]
        for i, server in enumerate(self.servers):
            _check_reference(
                problems, ("servers", i, "license"), server.license, license_ids, "license ids"
            )
        for g, group in enumerate(self.users):
            for k, name in enumerate(group.servers):
                _check_reference(
                    problems, ("users", g, "servers", k), name, server_ids, "server ids"
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
            _check_reference(
                problems, ("desktops", d, "users"), desktop.users, groups, "user groups"
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
                message = ""
            if message:
                problems.append((("desktops", d, "server"), desktop.server, message))
            self._check_desktop_users(problems, d, desktop)

    def _check_desktop_users(
        self, problems: list[tuple[Loc, object, str]], d: int, desktop: Desktop
    ) -> None:
        """``local_license`` and ``lease_prohibited`` are QlikView Desktop settings naming
        members of the fleet's group (licensing-rules §6)."""
        group = next((g for g in self.users if g.group == desktop.users), None)
        for key in ("local_license", "lease_prohibited"):
            value = getattr(desktop, key)
            if value is False or value == []:
                continue
            if desktop.product != "qlikview_desktop":
                problems.append(
                    (
                        ("desktops", d, key),
                        value,
                        f"{key} is a QlikView Desktop setting; this fleet is "
                        f"{desktop.product}: expected product qlikview_desktop or no {key}",
                    )
                )
            elif group is not None and isinstance(value, list):
                for k, user in enumerate(value):
                    if user >= group.count:
                        problems.append(
                            (
                                ("desktops", d, key, k),
                                user,
                                f"a user of group {group.group} (0 to {group.count - 1})",
                            )
                        )

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
        return _span_stop(self.start, self.duration, self.end)

    @property
    def horizon(self) -> float:
        """Length of the simulated period in seconds."""
        return _span_length(self.start, self.duration, self.end)

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

    def _locate_user(self, name: str) -> tuple[int, int]:
        found = match_user(self.users, name)
        if found is None:
            reason = user_name_hint(self.users, name)
            raise KeyError(f"no user {name!r} in scenario {self.name!r}: {reason}")
        return found

    def find_user(self, name: str) -> tuple[UserGroup, int]:
        """The group of the user called ``name`` and their number in it (0-based).

        ``KeyError`` (saying what the names look like) if no user has the name.
        """
        g, k = self._locate_user(name)
        return self.users[g], k

    def user_index(self, name: str) -> int:
        """The user's position among all users, groups in order (``KeyError`` if none).

        Users are numbered group by group: the first group's users 0 to count-1, then the
        next group's; the inverse is :meth:`user_name`.
        """
        g, k = self._locate_user(name)
        return sum(group.count for group in self.users[:g]) + k

    def user_name(self, index: int) -> str:
        """The name of the user at ``index`` among all users (``IndexError`` if none)."""
        if index >= 0:
            for g in self.users:
                if index < g.count:
                    return g.user_name(index)
                index -= g.count
        raise IndexError(f"no user {index} in scenario {self.name!r}")

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
