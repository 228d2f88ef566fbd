"""The recorder: append-only rows, turned into DataFrames once at the end of a run.

The model tells the recorder what happened and when (seconds since the start); it never
builds a DataFrame or formats a timestamp. Rows are plain tuples in lists, which is two
orders of magnitude cheaper than growing a DataFrame per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
    "order",
    "login_passes",
    "document",
)
"""Session rows hold codes: access 0–3 (none, professional, analyzer, capacity); reasons 0
for none, else 1 + the index in :data:`sim.rules.reasons.DENIAL_REASONS`."""
EVENT_COLUMNS = ("time", "kind", "license", "server", "user", "detail")
ALLOCATION_COLUMNS = (
    "time",
    "license",
    "pool",
    "type",
    "total",
    "allocated",
    "quarantined",
    "available",
    "excess",
)
STATE_COLUMNS = ("server", "state", "start", "end", "reason")
LAUNCH_COLUMNS = ("time", "desktop", "product", "user", "machine", "outcome", "denied_reason")
UNIT_COLUMNS = ("time", "license_id", "server_id", "user_id", "device")


@dataclass
class Recorder:
    """Rows of every result table, in the order things happened."""

    sessions: list[tuple] = field(default_factory=list)
    session_chunks: list[tuple] = field(default_factory=list)
    """Column arrays of sessions resolved together on the fast path."""
    events: list[tuple] = field(default_factory=list)
    allocations: list[tuple] = field(default_factory=list)
    server_states: list[tuple] = field(default_factory=list)
    launches: list[tuple] = field(default_factory=list)
    units: list[tuple] | None = None
    """Every capacity unit charged, kept only when asked for (it is the largest table)."""
    unit_chunks: list[tuple] = field(default_factory=list)

    def session_columns(self) -> list[np.ndarray]:
        """Every session row, from both paths, as one array per column."""
        return _columns(self.sessions, self.session_chunks, len(SESSION_COLUMNS))

    def unit_columns(self) -> list[np.ndarray]:
        return _columns(self.units or [], self.unit_chunks, len(UNIT_COLUMNS))

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


def _columns(rows: list[tuple], chunks: list[tuple], width: int) -> list[np.ndarray]:
    parts = [list(c) for c in chunks]
    if rows:
        parts.append([np.asarray(col) for col in zip(*rows, strict=True)])
    if not parts:
        return [np.zeros(0, dtype=np.int64) for _ in range(width)]
    return [np.concatenate([p[i] for p in parts]) for i in range(width)]
