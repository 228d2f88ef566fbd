"""Where exact-path sessions come from: plans, QMC days, scripts and replayed traces.

Each source turns its rows into :class:`~sim.model.session.Session` objects on the
scheduler; none of them decides anything about licensing. A planned session carries its
planned capacity unit chain (:mod:`sim.model.behaviour`), a QMC session its one activity
per unit (:func:`sim.rules.qmc.qmc_activity`), a scripted or replayed one its own activity.
"""

from __future__ import annotations

import numpy as np

from sim.model.behaviour import Batch, QmcDay
from sim.model.lookup import Lookup
from sim.model.replay import replay_schedule
from sim.model.scheduler import START, Scheduler
from sim.model.session import Session
from sim.model.world import World
from sim.rules.qmc import Client, qmc_activity


def planned_session(b: Batch, i: int, lookup: Lookup) -> Session:
    """Row ``i`` of a day's batch as an exact-path session."""
    s = Session(
        int(b.user[i]),
        int(b.device[i]),
        int(b.server[i]),
        float(b.start[i]),
        float(b.end[i]),
        int(b.clicks[i]),
        int(b.order[i]),
        (b.day_index, int(b.order[i])),
    )
    s.document = int(b.document[i])
    s.logged_out = bool(b.logged_out[i])
    if b.unit_hi[i] > b.unit_lo[i] or lookup.group_capacity[b.group[i]]:
        s.units = b.units[b.unit_lo[i] : b.unit_hi[i]]
        s.unit_ready = float(b.unit_ready[i])
    return s


class SessionSources:
    """Scripted, replayed and QMC sessions, pushed onto the scheduler when due."""

    def __init__(self, world: World, scheduler: Scheduler, unit: float) -> None:
        self.world = world
        self.scheduler = scheduler
        self.unit = unit
        sc = world.scenario
        self.replays = [
            replay_schedule(
                sc,
                gi,
                g,
                rows,
                world.group_first_user[gi],
                world.group_servers[gi],
                world.streams,
            )
            for gi, g in enumerate(sc.users)
            if (rows := g.replayed) is not None
        ]

    def push_qmc(self, gi: int, q: QmcDay, day: int) -> None:
        """A day's QMC sessions of an admin group, on the device after its hub devices."""
        w = self.world
        g = w.scenario.users[gi]
        assert g.qmc_server is not None, "only a group with QMC use has QMC days"
        server = w.group_servers[gi][g.servers.index(g.qmc_server)]
        for i in range(q.start.size):
            start, end = float(q.start[i]), float(q.end[i])
            if not 0.0 <= start < w.horizon:
                continue
            s = Session(
                int(q.user[i]),
                g.behaviour.devices,
                server,
                start,
                end,
                0,
                int(q.order[i]),
                (day, int(q.order[i])),
                activity=qmc_activity(start, end, self.unit),
            )
            s.client = Client.QMC
            self.scheduler.push(start, START, s)

    def push_scripted(self) -> None:
        w = self.world
        sc = w.scenario
        for gi, g in enumerate(sc.users):
            if g.sessions is None:
                continue
            servers = w.group_servers[gi]
            for n, ss in enumerate(g.sessions):
                at = sc.seconds(ss.at)
                activity = at + np.asarray(ss.activity, dtype=np.float64)
                end = at + ss.length
                server = servers[0] if ss.server is None else servers[g.servers.index(ss.server)]
                s = Session(
                    w.group_first_user[gi] + ss.user,
                    ss.device,
                    server,
                    at,
                    end,
                    len(ss.activity) - 1,
                    n,
                    (-1, n),
                    activity=activity,
                )
                s.logged_out = ss.logs_out
                s.document = w.documents.index(ss.document) if ss.document else -1
                if ss.client == "qmc":
                    s.client = Client.QMC
                    s.activity = qmc_activity(at, end, self.unit)
                if 0.0 <= at < w.horizon:
                    self.scheduler.push(at, START, s)

    def push_replayed(self, until: float) -> None:
        """The replayed sessions that start before ``until``."""
        h = self.world.horizon
        for r in self.replays:
            for i in r.due(min(until, h)):
                start = float(r.start[i])
                if start < 0.0:
                    continue
                s = Session(
                    int(r.user[i]),
                    0,
                    int(r.server[i]),
                    start,
                    float(r.end[i]),
                    int(r.clicks[i]),
                    i,
                    (-1, i),
                    activity=r.activity(i),
                )
                # The recorded end is the session's close: no idle timeout is added.
                s.logged_out = True
                self.scheduler.push(start, START, s)
