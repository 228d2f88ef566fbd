"""The recorder: append-only rows, turned into DataFrames once at the end of a run.

The model tells the recorder what happened and when (seconds since the start); it never
builds a DataFrame or formats a timestamp. Rows are plain tuples in lists, which is two
orders of magnitude cheaper than growing a DataFrame per event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

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
    "client",
)
"""Session rows hold codes: access 0 for none, else the index in
:data:`sim.model.codes.ACCESS_CODES`; reasons 0 for none, else 1 + the index in
:data:`sim.rules.reasons.DENIAL_REASONS`; client the index in :data:`sim.rules.qmc.CLIENTS`."""
EVENT_COLUMNS = ("time", "kind", "license", "server", "user", "detail")


class EventKind(StrEnum):
    """The closed vocabulary of ``events.kind``: what happened to a license, a pool, a
    server's license state or a CAL. Each member's docstring is the documentation."""

    ALLOCATE = "allocate"
    """A seat or user pass was allocated to a user (detail: type and how: manual, dynamic,
    local, reinstated)."""
    ALLOCATE_REFUSED = "allocate_refused"
    """A scripted allocation found no free seat."""
    DEALLOCATE = "deallocate"
    """A seat or pass was taken from its user (detail: type and why)."""
    QUARANTINE = "quarantine"
    """A deallocated seat used within the quarantine period is held for its user (detail:
    type and the time it returns to the pool)."""
    QUARANTINE_END = "quarantine_end"
    """A quarantined seat returned to the pool."""
    RECONCILE = "reconcile"
    """A server pushed an allocation made offline at its next successful contact."""
    EXCESS = "excess"
    """The pool holds more allocations than seats."""
    LICENSE_CHANGE = "license_change"
    """A scheduled license change took effect (detail: the changed keys)."""
    OUTAGE_START = "outage_start"
    """The backend or a server's link went down (detail: target and cause)."""
    OUTAGE_END = "outage_end"
    """The backend or a server's link came back."""
    SYNC_FAILED = "sync_failed"
    """A server's first failed contact with the license backend."""
    GRACE_START = "grace_start"
    """The server entered the grace period (detail: the time of its last contact)."""
    GRACE_EXPIRED = "grace_expired"
    """The grace period ran out."""
    UNLICENSED = "unlicensed"
    """The server became unlicensed: every session is denied."""
    SYNC_OK = "sync_ok"
    """The first successful contact after failures (or the end of a delayed-sync wait)."""
    RELICENSED = "relicensed"
    """An unlicensed server is licensed again (it synced, or its license became valid)."""
    SLD_APPLIED = "sld_applied"
    """An admin applied a Signed License Definition to an offline server that was
    unlicensed (its first SLD or a late renewal): the server is licensed offline again."""
    CAPACITY_EXHAUSTED = "capacity_exhausted"
    """The month's capacity minutes can no longer cover a unit."""
    CAPACITY_RESET = "capacity_reset"
    """A new UTC month: the capacity allowance starts again."""
    LOGIN_PASS = "login_pass"
    """A login access pass was used."""
    SESSION_CAL_TAKEN = "session_cal_taken"
    """A QlikView Session CAL was taken."""
    SESSION_CAL_FREED = "session_cal_freed"
    """A QlikView Session CAL returned to the pool."""
    DOCUMENT_CAL = "document_cal"
    """A QlikView Document CAL was assigned to a user."""
    USAGE_CAL = "usage_cal"
    """A QlikView Usage CAL was used."""
    DESKTOP_LOCKED = "desktop_locked"
    """A Qlik Sense Desktop went without authenticating for the unlock period."""


EVENT_KINDS = tuple(k.value for k in EventKind)


@dataclass(frozen=True)
class At:
    """An event detail that names a moment: ``text`` with ``{at}`` where the time goes.

    The model keeps times in seconds; the result writes them as timestamps in the
    scenario's timezone when it builds the ``events`` table (:meth:`render`).
    """

    text: str
    seconds: float
    others: tuple[tuple[str, float], ...] = ()
    """Further moments, each written where ``{name}`` stands in ``text``."""

    def render(self, stamp: Callable[[float], str]) -> str:
        return self.text.format(
            at=stamp(self.seconds), **{name: stamp(t) for name, t in self.others}
        )


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


DENSE_KEYS = 1 << 22
"""Up to this many (server, user, month) keys, units are counted in an array of every key
(32 MB): one add per unit, where a batch's own counts need a sort of its keys."""


class UnitCounts:
    """Capacity units per (server, user, month index): the ``capacity_use`` table's counts.

    Given the run's ``shape`` (servers, users, months) and at most :data:`DENSE_KEYS` keys,
    they are counted in an array of every key. Otherwise each batch's keys, packed into
    one integer, are counted with a sort and the counts summed at the end, so memory
    follows the keys used, not the keys possible.
    """

    def __init__(self, shape: tuple[int, int, int] | None = None) -> None:
        servers, self.users, self.months = shape or (0, 0, 0)
        keys = servers * self.users * self.months
        self.dense = (
            np.zeros(keys, dtype=np.int64) if shape is not None and keys <= DENSE_KEYS else None
        )
        self.single: Counter[int] = Counter()
        self.chunks: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, server: int, user: int, month: int) -> None:
        """One unit."""
        if self.dense is not None:
            self.dense[(server * self.users + user) * self.months + month] += 1
        else:
            self.single[(server << _SERVER_SHIFT) | (user << _MONTH_BITS) | month] += 1

    def add_many(self, server: np.ndarray, user: np.ndarray, month: np.ndarray) -> None:
        """One unit per element."""
        server, user, month = (a.astype(np.int64) for a in (server, user, month))
        if self.dense is not None:
            np.add.at(self.dense, (server * self.users + user) * self.months + month, 1)
        else:
            packed = (server << _SERVER_SHIFT) | (user << _MONTH_BITS) | month
            self.chunks.append(np.unique(packed, return_counts=True))

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(server, user, month index, units) of every key that was charged, by key."""
        if self.dense is not None:
            key = np.flatnonzero(self.dense)
            server, rest = np.divmod(key, self.users * self.months)
            user, month = np.divmod(rest, self.months)
            return server, user, month, self.dense[key]
        keys = [k for k, _ in self.chunks]
        counts = [n for _, n in self.chunks]
        if self.single:
            keys.append(np.fromiter(self.single.keys(), dtype=np.int64))
            counts.append(np.fromiter(self.single.values(), dtype=np.int64))
        if not keys:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        packed, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        units = np.bincount(inverse, weights=np.concatenate(counts)).astype(np.int64)
        return (
            packed >> _SERVER_SHIFT,
            (packed >> _MONTH_BITS) & ((1 << _USER_BITS) - 1),
            packed & ((1 << _MONTH_BITS) - 1),
            units,
        )


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
    capacity_use: UnitCounts = field(default_factory=UnitCounts)
    """Capacity units charged per (server, user, month), from both paths, always kept: the
    split by the month each unit starts in, which a session's total cannot give (the
    server gives the license)."""

    def take_session_columns(self) -> dict[str, np.ndarray]:
        """Every session row, from both paths, as one array per column of
        :data:`SESSION_COLUMNS`, handed over: the recorder lets go of its rows a column at
        a time, so a year of sessions is held about once, not twice, while it is joined."""
        parts = [list(chunk) for chunk in self.session_chunks]
        self.session_chunks.clear()
        if self.sessions:
            parts.append([np.asarray(col) for col in zip(*self.sessions, strict=True)])
            self.sessions.clear()
        columns = {}
        for i, name in enumerate(SESSION_COLUMNS):
            pieces = [p[i] for p in parts]
            for p in parts:
                p[i] = None
            columns[name] = (
                np.concatenate(pieces, dtype=_narrowest(pieces))
                if pieces
                else np.zeros(0, dtype=np.int64)
            )
            del pieces
        return columns

    def unit_columns(self) -> list[np.ndarray]:
        return _columns(self.units or [], self.unit_chunks, len(UNIT_COLUMNS))

    def event(
        self,
        time: float,
        kind: str,
        license: str | None = None,
        server: str | None = None,
        user: str | None = None,
        detail: str | At | None = None,
    ) -> None:
        # EventKind(kind) refuses a kind outside the vocabulary; the row keeps the plain str.
        self.events.append((time, EventKind(kind).value, license, server, user, detail))

    def unit(
        self, time: float, month: int, license: int, server: int, user: int, device: int
    ) -> None:
        """One capacity unit charged (the exact path)."""
        self.capacity_use.add(server, user, month)
        if self.units is not None:
            self.units.append((time, license, server, user, device))

    def unit_chunk(
        self,
        time: np.ndarray,
        month: np.ndarray,
        license: np.ndarray,
        server: np.ndarray,
        user: np.ndarray,
        device: np.ndarray,
    ) -> None:
        """Capacity units charged together (the fast path), one array element per unit."""
        if not time.size:
            return
        self.capacity_use.add_many(server, user, month)
        if self.units is not None:
            self.unit_chunks.append((time, license, server, user, device))


# A capacity_use key packs (server, user, month) into one int64: months below 2¹⁰ (a run is
# at most 20 years), users below 2²¹ (at most 1,000,000), and 32 bits left for the server.
_MONTH_BITS = 10
_USER_BITS = 21
_SERVER_SHIFT = _MONTH_BITS + _USER_BITS


def _narrowest(pieces: list[np.ndarray]) -> np.dtype:
    """The narrowest type that holds every piece's values: the exact path's rows come as
    Python numbers (int64), the fast path's chunks in small codes, and a column of
    millions of rows should keep the small ones."""
    kinds: list[np.dtype] = []
    for piece in pieces:
        if piece.dtype.kind == "i" and piece.size:
            low, high = int(piece.min()), int(piece.max())
            kinds.append(
                next(
                    np.dtype(t)
                    for t in (np.int8, np.int16, np.int32, np.int64)
                    if np.iinfo(t).min <= low and high <= np.iinfo(t).max
                )
            )
        elif piece.size or not kinds:
            kinds.append(piece.dtype)
    return np.result_type(*kinds)


def _columns(rows: list[tuple], chunks: list[tuple], width: int) -> list[np.ndarray]:
    parts = [list(c) for c in chunks]
    if rows:
        parts.append([np.asarray(col) for col in zip(*rows, strict=True)])
    if not parts:
        return [np.zeros(0, dtype=np.int64) for _ in range(width)]
    return [np.concatenate([p[i] for p in parts]) for i in range(width)]
