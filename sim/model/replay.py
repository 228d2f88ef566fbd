"""Replayed sessions: a site's recorded history on the engine's exact path.

A replayed group's sessions (:mod:`sim.scenario.replay`) are known ahead, like scripted
ones, and are resolved on the exact path in time order with everything else, through the
same license rules. They are handed to the engine a day at a time, so a year of history
never sits on the heap at once.

A recorded session ends where the log says: its end is its close (the Engine session log
writes a session once it has ended, after a logout or the inactivity timeout), so no
timeout is added. What a log does not record is when inside the session the user was
active, and Analyzer Capacity is charged on activity (6-minute units started by
interactions; licensing-rules §4). The activity is drawn: the session opens with an
interaction, the user's last interaction ends the active part (the whole session, or the
session less ``rules.session_inactivity`` when it ended at its timeout), and the
selections the log counts (or, where it has none, one per ``behaviour.click_gap`` of the
group) fall uniformly in between. The draws come from the run's random streams, keyed by
the group and the session's place in the replay, so every license variant of one replay
sees the same activity (common random numbers).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np

from sim.model.streams import Streams
from sim.scenario import Scenario, UserGroup
from sim.scenario.replay import ReplayRows, active_seconds, server_id

CHUNK = 4096
"""Sessions whose activity is drawn from one random stream."""


@dataclass
class ReplaySchedule:
    """One replayed group's sessions in start order, as the engine takes them."""

    group: int
    name: str
    start: np.ndarray
    """Seconds from the start of the run."""
    end: np.ndarray
    user: np.ndarray
    """The engine's user index."""
    server: np.ndarray
    """The engine's server index."""
    clicks: np.ndarray
    active: np.ndarray
    """Seconds from the start to the last interaction."""
    with_activity: bool
    """Whether the group may use Analyzer Capacity, which needs the interactions."""
    streams: Streams
    taken: int = 0
    """Sessions handed to the engine so far."""
    _drawn: dict[int, list[np.ndarray]] = field(default_factory=dict)

    def due(self, until: float) -> Iterator[int]:
        """The sessions starting before ``until`` not yet taken, in start order."""
        stop = int(np.searchsorted(self.start, until, side="left"))
        while self.taken < stop:
            i = self.taken
            self.taken += 1
            yield i

    def activity(self, i: int) -> np.ndarray | None:
        """Times of session ``i``'s interactions (None where only the seat matters)."""
        if not self.with_activity:
            return None
        chunk, k = divmod(i, CHUNK)
        if chunk not in self._drawn:
            self._drawn = {chunk: self._draw(chunk)}
        return self.start[i] + self._drawn[chunk][k]

    def _draw(self, chunk: int) -> list[np.ndarray]:
        rng = self.streams.generator("replay", self.name, chunk)
        lo, hi = chunk * CHUNK, min((chunk + 1) * CHUNK, len(self.start))
        offsets = []
        for i in range(lo, hi):
            active, inner = float(self.active[i]), max(int(self.clicks[i]) - 1, 0)
            if active <= 0.0:
                offsets.append(np.zeros(1))
                continue
            between = np.sort(rng.uniform(0.0, active, inner))
            offsets.append(np.concatenate(([0.0], between, [active])))
        return offsets


def replay_schedule(
    scenario: Scenario,
    gi: int,
    group: UserGroup,
    rows: ReplayRows,
    first_user: int,
    servers: list[int],
    streams: Streams,
) -> ReplaySchedule:
    """The engine's schedule of a replayed group: times in run seconds, the group's users
    and servers (a session recorded on a host the group does not list runs on its first
    server, so ``servers: [one]`` replays a consolidated site)."""
    naive = rows.start.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    origin = np.datetime64(scenario.start_at.astimezone(UTC).replace(tzinfo=None), "us")
    start = (naive - origin).astype(np.float64) / 1e6
    by_id = {sid: servers[k] for k, sid in enumerate(group.servers)}
    server = np.fromiter(
        (by_id.get(server_id(host), servers[0]) for host in rows.server),
        dtype=np.int64,
        count=len(rows),
    )
    inactivity = scenario.rules.session_inactivity
    active = active_seconds(rows.duration, rows.timed_out, inactivity)
    gap = group.behaviour.click_gap
    clicks = np.where(
        rows.selections >= 0,
        rows.selections,
        np.rint(active / gap).astype(np.int64) if gap > 0 else 0,
    )
    return ReplaySchedule(
        gi,
        group.group,
        start,
        start + rows.duration,
        first_user + rows.user,
        server,
        clicks.astype(np.int64),
        active,
        "capacity" in group.access_types,
        streams,
    )
