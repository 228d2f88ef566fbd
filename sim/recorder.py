"""The recorder: append-only rows, turned into DataFrames once at the end of a run.

The model tells the recorder what happened and when (seconds since the start); it never
builds a DataFrame or formats a timestamp. Rows are plain tuples in lists, which is two
orders of magnitude cheaper than growing a DataFrame per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SESSION_COLUMNS = (
    "user_id",
    "server_id",
    "device",
    "start",
    "end",
    "planned_end",
    "access",
    "denied_reason",
    "interrupted",
    "clicks",
    "capacity_minutes",
)
EVENT_COLUMNS = ("time", "kind", "license", "server", "user", "detail")
ALLOCATION_COLUMNS = (
    "time",
    "license",
    "type",
    "total",
    "allocated",
    "quarantined",
    "available",
    "excess",
)
STATE_COLUMNS = ("server", "state", "start", "end", "reason")
UNIT_COLUMNS = ("time", "license", "server", "user_id", "device")


@dataclass
class Recorder:
    """Rows of every result table, in the order things happened."""

    sessions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    allocations: list[tuple] = field(default_factory=list)
    server_states: list[tuple] = field(default_factory=list)
    units: list[tuple] | None = None
    """Every capacity unit charged, kept only when asked for (it is the largest table)."""

    def event(
        self,
        time: float,
        kind: str,
        license: str | None = None,
        server: str | None = None,
        user: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.events.append((time, kind, license, server, user, detail))
