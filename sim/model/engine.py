"""The engine: SimPy processes that decide when, rules that decide what.

SimPy's clock carries four kinds of process. Outage processes mark the backend and each
server link going down and up; license-state processes mark each server entering grace,
becoming unlicensed and relicensed; a month process marks each capacity reset; and the
population process steps through the local calendar one day at a time. At each day it draws
the day's session plans for every group and resolves the license decisions of everything
that happens before the next day in exact time order: session starts, capacity unit
starts and session ends, from one small heap. There is no SimPy event per click or per
session, and no polling: a server's license state is a timeline known ahead, looked up in
O(log n).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.model.behaviour import DayPlan, GroupPlanner, replan_activity
from sim.model.world import World, build_world
from sim.recorder import Recorder
from sim.rules.access import CAPACITY, decide_access
from sim.rules.capacity import unit_starts
from sim.rules.connectivity import LicenseState
from sim.rules.parallel import ParallelSessions
from sim.rules.pool import SeatType
from sim.rules.reasons import DenialReason
from sim.scenario import Scenario

END, UNIT, START = 0, 1, 2


class Session:
    """One planned session and, once resolved, its outcome."""

    __slots__ = (
        "access",
        "activity",
        "clicks",
        "device",
        "end",
        "interrupted",
        "minutes",
        "next_unit",
        "planned_end",
        "server",
        "start",
        "unit_ready",
        "units",
        "user",
    )

    def __init__(
        self,
        user: int,
        device: int,
        server: int,
        start: float,
        end: float,
        clicks: int,
        units: np.ndarray | None = None,
        unit_ready: float = -math.inf,
        activity: np.ndarray | None = None,
    ) -> None:
        self.user = user
        self.device = device
        self.server = server
        self.start = start
        self.end = end
        self.planned_end = end
        self.clicks = clicks
        self.units = units
        self.unit_ready = unit_ready
        self.activity = activity
        self.access: str | None = None
        self.interrupted: str | None = None
        self.minutes = 0.0
        self.next_unit = 0


class Engine:
    """One run of one scenario: build, run, hand the rows to a Result."""

    def __init__(self, world: World, record_units: bool = False) -> None:
        self.world = world
        sc = world.scenario
        self.rec = Recorder(units=[] if record_units else None)
        self.env = simpy.Environment()
        self.unit = sc.rules.capacity_unit
        self.unit_minutes = self.unit / 60.0
        self.parallel = ParallelSessions(
            sc.rules.max_parallel_sessions, sc.rules.parallel_session_wait
        )
        self.eligible = [g.access_types for g in sc.users]
        self.heap: list[tuple[float, int, int, Session]] = []
        self.seq = 0
        self.unit_running: dict[tuple[int, int, int], float] = {}
        self.replan_rng = world.streams.generator("replan")
        self.planners = [
            GroupPlanner(
                g,
                world.group_first_user[gi],
                world.group_servers[gi],
                world.streams,
                self.unit,
                with_units=CAPACITY in g.access_types,
            )
            for gi, g in enumerate(sc.users)
            if g.sessions is None
        ]

    # -- processes ---------------------------------------------------------------------

    def _outages(
        self, target: str, server: str | None, outages: list[tuple[float, float, str]]
    ) -> Generator[Any, Any, None]:
        env, h = self.env, self.world.horizon
        marks = sorted(
            [(a, "outage_start", c) for a, b, c in outages if a < h]
            + [(b, "outage_end", c) for a, b, c in outages if b < h]
        )
        for t, kind, cause in marks:
            yield env.timeout(max(0.0, t - env.now))
            self.rec.event(env.now, kind, None, server, None, f"{target}: {cause}")

    def _license_states(self, si: int) -> Generator[Any, Any, None]:
        env, srv = self.env, self.world.servers[si]
        lic = self.world.licenses[srv.license].id
        previous = None
        for span in srv.timeline.spans:
            yield env.timeout(max(0.0, span.start - env.now))
            self.rec.server_states.append(
                (srv.id, span.state.value, span.start, span.end, span.reason)
            )
            for kind in _transition_events(previous, span.state, span.reason):
                detail = (
                    None
                    if span.last_contact is None
                    else f"last contact at {span.last_contact:.0f} s"
                )
                self.rec.event(env.now, kind, lic, srv.id, None, detail)
            previous = span.state

    def _months(self) -> Generator[Any, Any, None]:
        env = self.env
        for _, start in self.world.months[1:]:
            yield env.timeout(start - env.now)
            for lic in self.world.licenses:
                if lic.has_capacity:
                    self.rec.event(env.now, "capacity_reset", lic.id)

    def _population(self) -> Generator[Any, Any, None]:
        env, w = self.env, self.world
        days = w.days
        for k, day in enumerate(days):
            yield env.timeout(max(0.0, day.midnight - env.now))
            for planner in self.planners:
                plan = planner.plan(day)
                if plan is not None:
                    self._push_plan(plan)
            until = days[k + 1].midnight if k + 1 < len(days) else w.horizon
            self._resolve(min(until, w.horizon))
        self._flush()

    # -- resolution ----------------------------------------------------------------------

    def _push(self, t: float, kind: int, s: Session) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, kind, self.seq, s))

    def _push_plan(self, p: DayPlan) -> None:
        horizon = self.world.horizon
        keep = np.flatnonzero((p.start >= 0.0) & (p.start < horizon))
        user, device, server = p.user.tolist(), p.device.tolist(), p.server.tolist()
        start, end, clicks = p.start.tolist(), p.end.tolist(), p.clicks.tolist()
        for i in keep.tolist():
            s = Session(user[i], device[i], server[i], start[i], end[i], clicks[i])
            if p.units is not None and p.unit_ptr is not None and p.unit_ready is not None:
                s.units = p.units[p.unit_ptr[i] : p.unit_ptr[i + 1]]
                s.unit_ready = float(p.unit_ready[i])
            self._push(s.start, START, s)

    def _push_scripted(self) -> None:
        w = self.world
        sc = w.scenario
        for gi, g in enumerate(sc.users):
            if g.sessions is None:
                continue
            servers = w.group_servers[gi]
            for ss in g.sessions:
                at = sc.seconds(ss.at)
                activity = at + np.asarray(ss.activity, dtype=np.float64)
                end = at + (ss.duration if ss.duration is not None else float(ss.activity[-1]))
                server = servers[0] if ss.server is None else servers[g.servers.index(ss.server)]
                s = Session(
                    w.group_first_user[gi] + ss.user,
                    ss.device,
                    server,
                    at,
                    end,
                    len(ss.activity) - 1,
                    activity=activity,
                )
                if 0.0 <= at < w.horizon:
                    self._push(at, START, s)

    def _resolve(self, until: float) -> None:
        heap = self.heap
        while heap and heap[0][0] < until:
            t, kind, _, s = heapq.heappop(heap)
            if kind == START:
                self._start(t, s)
            elif kind == UNIT:
                self._unit(t, s)
            else:
                self._end(t, s)

    def _flush(self) -> None:
        """Close what is still open at the horizon; drop what had not started."""
        self._resolve(self.world.horizon)
        h = self.world.horizon
        for _, kind, _, s in sorted(self.heap):
            if kind == START:
                continue
            s.end = min(s.planned_end, h)
            if kind == END and s.access != CAPACITY:
                self.parallel.close(s.user, h)
            self._record(s)
        self.heap.clear()

    def _start(self, t: float, s: Session) -> None:
        w = self.world
        srv = w.servers[s.server]
        span = srv.timeline.at(t)
        if span.state is LicenseState.UNLICENSED:
            return self._deny(s, span.reason or DenialReason.GRACE_EXPIRED)
        lic = w.licenses[srv.license]
        online = span.state is LicenseState.LICENSED and not srv.unreachable.contains(t)
        key = (s.user, s.device, srv.license)
        running = self.unit_running.get(key, -math.inf)
        decision = decide_access(
            user=s.user,
            eligible=self.eligible[w.user_group[s.user]],
            pool=lic.pool,
            reachable=online,
            capacity_allowed=srv.capacity_ok,
            unit_running=t < running,
            capacity_exhausted=lic.meter.exhausted(t),
        )
        if decision.access is None:
            if decision.reason is DenialReason.CAPACITY_EXHAUSTED:
                lic.meter.refuse(t)
            return self._deny(s, decision.reason or DenialReason.NO_SEAT)
        s.access = decision.access
        cut = srv.timeline.unlicensed_from(t)
        if cut is not None and cut.start < s.end:
            s.end = cut.start
            s.interrupted = cut.reason
        if decision.access != CAPACITY:
            if not self.parallel.open(s.user, t):
                s.access = None
                s.end = s.planned_end
                s.interrupted = None
                return self._deny(s, DenialReason.PARALLEL_LIMIT)
            if decision.allocate is not None:
                self._allocate(t, lic.id, lic.pool, s.user, decision.allocate, srv.id)
            self._push(min(s.end, w.horizon), END, s)
            return None
        if decision.charge_unit:
            self._charge(t, s, key, lic)
        s.units = self._capacity_units(s, running)
        s.next_unit = int(np.searchsorted(s.units, t, side="right"))
        return self._next_unit(s)

    def _capacity_units(self, s: Session, running: float) -> np.ndarray:
        if s.activity is not None:
            return np.asarray(unit_starts(s.activity, running, self.unit))
        assert s.units is not None
        plan_covered = s.start < s.unit_ready
        if plan_covered == (s.start < running) and (not plan_covered or s.unit_ready == running):
            return s.units
        activity = replan_activity(self.replan_rng, s.start, s.planned_end, s.clicks)
        return np.asarray(unit_starts(activity, running, self.unit))

    def _next_unit(self, s: Session) -> None:
        units = s.units
        assert units is not None
        if s.next_unit < len(units) and units[s.next_unit] <= s.end:
            self._push(float(units[s.next_unit]), UNIT, s)
        else:
            self._record(s)

    def _unit(self, t: float, s: Session) -> None:
        w = self.world
        if t >= w.horizon:
            s.end = w.horizon
            return self._record(s)
        srv = w.servers[s.server]
        lic = w.licenses[srv.license]
        span = srv.timeline.at(t)
        s.next_unit += 1
        if span.state is not LicenseState.LICENSED or srv.unreachable.contains(t):
            return self._interrupt(t, s, span.reason or DenialReason.BACKEND_UNREACHABLE)
        if not self._charge(t, s, (s.user, s.device, srv.license), lic):
            return self._interrupt(t, s, DenialReason.CAPACITY_EXHAUSTED)
        return self._next_unit(s)

    def _charge(self, t: float, s: Session, key: tuple[int, int, int], lic: Any) -> bool:
        month = lic.meter.month(t)
        was_exhausted = month.exhausted_at
        if not lic.meter.try_start_unit(t):
            return False
        s.minutes += self.unit_minutes
        self.unit_running[key] = t + self.unit
        if self.rec.units is not None:
            self.rec.units.append((t, lic.id, self.world.servers[s.server].id, s.user, s.device))
        if was_exhausted is None and month.exhausted_at is not None:
            self.rec.event(
                t,
                "capacity_exhausted",
                lic.id,
                self.world.servers[s.server].id,
                None,
                f"{month.consumed:g} of {month.purchased} minutes used",
            )
        return True

    def _end(self, t: float, s: Session) -> None:
        self.parallel.close(s.user, t)
        self._record(s)

    def _deny(self, s: Session, reason: str) -> None:
        s.access = None
        self.rec.sessions.append(
            (
                s.user,
                s.server,
                s.device,
                s.start,
                s.start,
                s.planned_end,
                None,
                str(reason),
                None,
                s.clicks,
                0.0,
            )
        )

    def _interrupt(self, t: float, s: Session, reason: str) -> None:
        s.end = t
        s.interrupted = str(reason)
        self._record(s)

    def _record(self, s: Session) -> None:
        self.rec.sessions.append(
            (
                s.user,
                s.server,
                s.device,
                s.start,
                s.end,
                s.planned_end,
                s.access,
                None,
                None if s.interrupted is None else str(s.interrupted),
                s.clicks,
                s.minutes,
            )
        )

    def _allocate(
        self, t: float, lic_id: str, pool: Any, user: int, seat: SeatType, server: str | None
    ) -> None:
        pool.allocate(user, seat)
        self.rec.event(
            t,
            "allocate",
            lic_id,
            server,
            self.world.user_names[user],
            f"{seat.value} ({'dynamic' if pool.is_dynamic(seat) else 'manual'})",
        )
        self._allocation_row(t, lic_id, pool, seat)

    def _allocation_row(self, t: float, lic_id: str, pool: Any, seat: SeatType) -> None:
        c = pool.counts[seat]
        self.rec.allocations.append(
            (t, lic_id, seat.value, c.total, c.allocated, c.quarantined, c.available, c.excess)
        )

    # -- the run ---------------------------------------------------------------------------

    def _manual_allocations(self) -> None:
        w = self.world
        sc = w.scenario
        for li, lic in enumerate(w.licenses):
            for seat in (SeatType.PROFESSIONAL, SeatType.ANALYZER):
                self._allocation_row(0.0, lic.id, lic.pool, seat)
            for gi, g in enumerate(sc.users):
                if not any(w.servers[si].license == li for si in w.group_servers[gi]):
                    continue
                first = w.group_first_user[gi]
                for seat in (SeatType.PROFESSIONAL, SeatType.ANALYZER):
                    if seat.value not in g.access_types or lic.pool.is_dynamic(seat):
                        continue
                    for u in range(first, first + g.count):
                        if lic.pool.seat_of(u) is None and lic.pool.available(seat) > 0:
                            self._allocate(0.0, lic.id, lic.pool, u, seat, None)
            for m in lic.meter.months:
                if lic.has_capacity and m.exhausted_at is not None:
                    self.rec.event(
                        m.start,
                        "capacity_exhausted",
                        lic.id,
                        None,
                        None,
                        "the allowance is smaller than one unit",
                    )

    def run(self) -> Recorder:
        w = self.world
        env = self.env
        self._manual_allocations()
        env.process(self._outages("backend", None, w.backend_outages))
        for si, srv in enumerate(w.servers):
            env.process(self._outages("link", srv.id, srv.outages))
            env.process(self._license_states(si))
        env.process(self._months())
        self._push_scripted()
        env.process(self._population())
        env.run(until=w.horizon)
        if self.heap:
            self._flush()
        return self.rec


def _transition_events(
    previous: LicenseState | None, state: LicenseState, reason: Any
) -> list[str]:
    if previous is None or previous is state:
        return []
    if state is LicenseState.GRACE:
        return ["sync_failed", "grace_start"]
    if state is LicenseState.UNLICENSED:
        return (
            ["grace_expired", "unlicensed"]
            if reason == DenialReason.GRACE_EXPIRED
            else ["unlicensed"]
        )
    return ["sync_ok", "relicensed"] if previous is LicenseState.UNLICENSED else ["sync_ok"]


def run_engine(
    scenario: Scenario, replication: int = 0, seed: int | None = None, record_units: bool = False
) -> tuple[World, Recorder]:
    """Build the world for one replication and run it to the horizon."""
    world = build_world(scenario, replication, seed)
    return world, Engine(world, record_units).run()
