"""The work a scenario asks for, estimated before anything runs, and its limits.

A valid file of a few hundred bytes can ask for hours of work and gigabytes of memory: a
million users stepped through twenty years, a session of 10,000 clicks ten minutes apart,
a desktop launched four million times a week. The engine's cost grows with a handful of
counts: the days it steps through each user's devices, the sessions, the capacity units
and login passes those sessions take, and the desktop launches. Each is estimated here from
the scenario's own keys (expected values of the behaviour model) and bounded, so that a
run that would exceed a limit is refused up front with the keys that drive it, never
stopped by the machine running out of memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .durations import DAY
from .network import Desktop
from .rules import Rules
from .users import UserGroup

__all__ = [
    "LIMITS",
    "MAX_ESTIMATED_SESSIONS",
    "MAX_SESSION_LENGTH",
    "Load",
    "estimate",
    "long_sessions",
]

MAX_SESSION_LENGTH = DAY
"""Longest mean generated session (``Behaviour.mean_session_seconds``): a Qlik session lasting
days is a typing slip, and its capacity units and passes would be drawn one by one."""


@dataclass(frozen=True)
class Load:
    """One kind of work: how much a run is expected to do, its limit, and what drives it."""

    what: str
    estimate: float
    limit: float
    keys: str

    @property
    def over(self) -> bool:
        return self.estimate > self.limit


MAX_ESTIMATED_SESSIONS = 10_000_000
"""Most sessions one run may be expected to have."""

LIMITS = {
    "sessions": MAX_ESTIMATED_SESSIONS,
    "user-days": 1_000_000_000,
    "capacity units": 50_000_000,
    "login passes": 10_000_000,
    "desktop launches": 10_000_000,
}
"""The most of each kind of work one run may ask for (each session costs about 450 bytes
and 50 µs; a user-day of stepping about 40 ns, measured)."""

_KEYS = {
    "sessions": "users[].count × behaviour.devices × sessions_per_day × working days, "
    "plus scripted sessions",
    "user-days": "users[].count × behaviour.devices × days in the period",
    "capacity units": "capacity sessions × (1 + clicks_per_session × click_gap / "
    "rules.capacity_unit)",
    "login passes": "login_pass sessions × (clicks_per_session × click_gap + "
    "rules.session_inactivity) / rules.login_pass_period",
    "desktop launches": "desktops[]: users × machines × launches_per_week × weeks, plus "
    "scripted launches",
}


def estimate(
    users: Sequence[UserGroup], desktops: Sequence[Desktop], rules: Rules, horizon: float
) -> list[Load]:
    """Every kind of work a run of ``horizon`` seconds is expected to do, with its limit."""
    days = horizon / DAY
    totals = dict.fromkeys(LIMITS, 0.0)
    counts = {g.group: g.count for g in users}
    for group in users:
        access = group.access if isinstance(group.access, list) else [group.access]
        replayed = group.replayed
        if group.sessions is not None:
            sessions = float(len(group.sessions))
            length = 0.0
        elif replayed is not None:
            sessions = float(len(replayed))
            length = float(replayed.duration.mean()) if len(replayed) else 0.0
        else:
            b = group.behaviour
            totals["user-days"] += group.count * b.devices * days
            sessions = group.count * b.devices * b.sessions_per_day * len(b.days) / 7 * days
            length = b.mean_session_seconds
        totals["sessions"] += sessions
        if "capacity" in access:
            totals["capacity units"] += sessions * (1 + length / rules.capacity_unit)
        if "login_pass" in access:
            held = length + rules.session_inactivity
            totals["login passes"] += sessions * math.ceil(held / rules.login_pass_period)
    for desktop in desktops:
        if desktop.launches is not None:
            totals["desktop launches"] += len(desktop.launches)
        else:
            holders = counts.get(desktop.users, 0)
            weeks = days / 7
            per_week = holders * desktop.machines * desktop.launches_per_week
            totals["desktop launches"] += per_week * weeks
    return [Load(what, totals[what], limit, _KEYS[what]) for what, limit in LIMITS.items()]


def long_sessions(users: Sequence[UserGroup]) -> list[tuple[int, float]]:
    """Groups (by index) whose mean generated session is longer than the limit."""
    return [
        (i, g.behaviour.mean_session_seconds)
        for i, g in enumerate(users)
        if g.generated and g.behaviour.mean_session_seconds > MAX_SESSION_LENGTH
    ]
