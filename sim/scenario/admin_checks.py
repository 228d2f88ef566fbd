"""Admin work seen from the whole scenario: within the run, on users who use the license.

Each license checks its own renewals, changes and admin actions (:mod:`.admin`); these
checks need the servers, the user groups and the period as well, so they run once the
whole scenario is read.
"""

from collections.abc import Sequence
from datetime import datetime

from .errors import Loc
from .fields import _choices, _elapsed, _fmt_time
from .licenses import License
from .network import Server
from .users import UserGroup, match_user, user_name_hint

__all__ = ["check_admin_work"]


def check_admin_work(
    licenses: Sequence[License],
    servers: Sequence[Server],
    groups: Sequence[UserGroup],
    period: tuple[datetime, datetime] | None,
) -> list[tuple[Loc, object, str]]:
    """Problems with the licenses' changes and admin actions, seen from the whole scenario.

    ``period`` is the run's start and end (None if the period itself is wrong, in which
    case the times are not checked). A change is not before the start; an action happens
    within the run and names a user of a group that logs in to a server on its license.
    """
    problems: list[tuple[Loc, object, str]] = []
    for i, lic in enumerate(licenses):
        if period is not None:
            problems += _check_times(i, lic, *period)
        on_license = [s.id for s in servers if s.license == lic.id]
        for k, action in enumerate(lic.actions):
            reason = _user_problem(action.user, groups, lic.id, on_license)
            if reason is not None:
                problems.append((("licenses", i, "actions", k, "user"), action.user, reason))
    return problems


def _check_times(
    i: int, lic: License, start: datetime, end: datetime
) -> list[tuple[Loc, object, str]]:
    problems: list[tuple[Loc, object, str]] = []
    for j, change in enumerate(lic.changes):
        if _elapsed(start, change.at) < 0:
            problems.append(
                (
                    ("licenses", i, "changes", j, "at"),
                    change.at,
                    f"expected a time at or after the start ({_fmt_time(start)}); write what "
                    "the license holds at the start into the license itself",
                )
            )
    for k, action in enumerate(lic.actions):
        if not 0 <= _elapsed(start, action.at) < _elapsed(start, end):
            problems.append(
                (
                    ("licenses", i, "actions", k, "at"),
                    action.at,
                    "expected a time within the simulated period "
                    f"({_fmt_time(start)} to {_fmt_time(end)})",
                )
            )
    return problems


def _user_problem(
    name: str, groups: Sequence[UserGroup], license_id: str, on_license: list[str]
) -> str | None:
    """Why ``name`` is not a user an admin of license ``license_id`` can act on, if so."""
    found = match_user(groups, name)
    if found is None:
        return user_name_hint(groups, name)
    group = groups[found[0]]
    if group.anonymous:
        return (
            f"expected an identified user: {name} is in group {group.group}, which is "
            "anonymous, and no seat is ever allocated to an anonymous user (licensing-rules §4)"
        )
    if set(group.servers) & set(on_license):
        return None
    return (
        f"expected a user who logs in to a server on license {license_id} "
        f"({_choices(on_license)}); {name} is in group {group.group}, whose servers are: "
        f"{_choices(group.servers)}"
    )
