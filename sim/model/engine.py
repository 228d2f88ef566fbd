"""The engine: SimPy processes that decide when, rules that decide what.

SimPy's clock carries four kinds of process. Outage processes mark the backend and each
server link going down and up; license-state processes mark each server entering grace,
becoming unlicensed and relicensed; a month process marks each capacity reset; and the
population process steps through the local calendar one day at a time. At each day it draws
the day's session plans for every group and resolves them.

Sessions that cannot influence one another go to the fast path (:mod:`sim.model.fastpath`)
and are resolved as arrays. The rest (a dynamic allocation while seats remain, a day on
which a capacity allowance may run out, users who can reach the parallel-session limit,
scripted sessions, administrators' groups with their QMC sessions) are resolved here in
exact time order from one small heap of session starts, capacity unit starts and session
ends (:class:`~sim.model.scheduler.Scheduler`). There is no SimPy event per click or per
session and no polling: a server's license state is a timeline known ahead.

The engine itself only wires its parts and runs the processes. Each part has one owner:
the ledgers hold the state (:class:`~sim.model.pools.SeatLedger`,
:class:`~sim.model.capacity.CapacityLedger`, :class:`~sim.rules.parallel.ParallelSessions`,
:class:`~sim.model.tokens.PassLedger`), one resolver per license family applies the rules
to a session (seats and capacity, tokens, CALs, desktops), the router splits each day
between the fast path and the exact path, and the administration applies admin work.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.model.admin import Administration
from sim.model.behaviour import Batch, GroupPlanner, QmcPlanner
from sim.model.cals import CalResolver
from sim.model.capacity import CapacityLedger
from sim.model.desktops import DesktopResolver
from sim.model.fastpath import FastPath
from sim.model.lookup import Lookup
from sim.model.outcomes import SessionLog
from sim.model.pools import SeatLedger
from sim.model.progress import Progress, count_days
from sim.model.routing import Router
from sim.model.scheduler import ADMIN, EXPIRE, LAUNCH, START, UNIT, Scheduler
from sim.model.seats import SeatResolver
from sim.model.session import AdminItem, HeldSlot, Session
from sim.model.sources import SessionSources
from sim.model.tokens import PassLedger, TokenResolver
from sim.model.world import World, build_world
from sim.recorder import At, Recorder, UnitCounts
from sim.rules.access import CAPACITY
from sim.rules.connectivity import LicenseState
from sim.rules.parallel import ParallelSessions
from sim.rules.passes import LOGIN_PASS
from sim.rules.qlikview import CAL_ACCESS
from sim.rules.reasons import DenialReason
from sim.rules.session import session_close
from sim.scenario import Scenario


class Engine:
    """One run of one scenario: wire the parts, run SimPy, hand the rows to a Result."""

    world: World
    rec: Recorder
    env: simpy.Environment
    lookup: Lookup
    """Per-run arrays by server and group."""
    scheduler: Scheduler
    """The exact path's heap."""
    log: SessionLog
    """Every exact-path session row."""
    seats: SeatLedger
    capacity: CapacityLedger
    parallel: ParallelSessions
    passes: PassLedger
    seat_access: SeatResolver
    """Professional, Analyzer and Analyzer Capacity logins."""
    tokens: TokenResolver
    cals: CalResolver
    desktops: DesktopResolver
    admin: Administration
    fastpath: FastPath
    router: Router
    sources: SessionSources
    """Scripted, QMC and replayed sessions."""

    def __init__(self, world: World, record_units: bool = False, fast: bool = True) -> None:
        self.world = world
        sc = world.scenario
        self.rec = Recorder(
            units=[] if record_units else None,
            capacity_use=UnitCounts((len(world.servers), len(world.user_names), len(world.months))),
        )
        self.env = simpy.Environment()
        self.lookup = Lookup(world)
        self.scheduler = Scheduler()
        self.log = SessionLog(self.rec, world.horizon)
        self.seats = SeatLedger(world, self.rec, sc.rules.offline_allocation, self.schedule_admin)
        self.capacity = CapacityLedger(world, self.rec, self.lookup.devices)
        self.parallel = ParallelSessions(
            sc.rules.max_parallel_sessions, sc.rules.parallel_session_wait
        )
        self.passes = PassLedger(world)
        self.seat_access = SeatResolver(
            world, self.lookup, self.seats, self.capacity, self.parallel, self.scheduler, self.log
        )
        self.tokens = TokenResolver(
            world,
            self.lookup,
            self.seats,
            self.passes,
            self.parallel,
            self.scheduler,
            self.log,
            self.rec,
        )
        self.cals = CalResolver(world, self.lookup, self.seats, self.scheduler, self.log, self.rec)
        self.desktops = DesktopResolver(world, self.scheduler, self.rec)
        self.admin = Administration(
            world, self.seats, self.passes, self.capacity, self.schedule_admin, self.rec
        )
        self.fastpath = FastPath(
            world, self.lookup, self.seats, self.capacity, self.passes, self.scheduler, self.rec
        )
        self.router = Router(
            world,
            self.lookup,
            self.seats,
            self.capacity,
            self.parallel,
            self.passes,
            self.scheduler,
            self.fastpath,
            fast,
        )
        self.sources = SessionSources(world, self.scheduler, self.capacity.unit)
        self.reclaiming = any(lic.reclaim is not None for lic in sc.licenses)
        self.planners = [
            (
                gi,
                GroupPlanner(
                    g,
                    world.group_first_user[gi],
                    world.group_servers[gi],
                    world.streams,
                    self.capacity.unit,
                    with_units=CAPACITY in g.access_types,
                    documents=world.documents,
                ),
            )
            for gi, g in enumerate(sc.users)
            if g.generated
        ]
        self.qmc_planners = [
            (gi, QmcPlanner(g, world.group_first_user[gi], world.streams))
            for gi, g in enumerate(sc.users)
            if g.qmc is not None and g.sessions is None
        ]

    def schedule_admin(self, t: float, item: AdminItem) -> None:
        """Admin work onto the scheduler, if it falls within the run."""
        if t < self.world.horizon:
            self.scheduler.push(t, EXPIRE if item.kind == "quarantine_end" else ADMIN, item)

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
                    else At("last contact at {at}", span.last_contact)
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
            until = min(days[k + 1].midnight if k + 1 < len(days) else w.horizon, w.horizon)
            if self.reclaiming:
                self._resolve(max(day.midnight, 0.0))
                self.admin.reclaim(max(day.midnight, 0.0))
            # Replayed and QMC sessions first: routing must see their capacity work pending
            # on the heap.
            self.sources.push_replayed(until)
            for gi, qmc_planner in self.qmc_planners:
                if (q := qmc_planner.plan(day, k)) is not None:
                    self.sources.push_qmc(gi, q, k)
            plans = [(gi, p) for gi, planner in self.planners if (p := planner.plan(day, k))]
            if plans:
                batch = Batch(plans, k)
                # What the exact path has due before the batch's first session cannot
                # depend on the batch: resolve it first, so routing sees the ledgers as
                # the batch's first session finds them (yesterday's late capacity units
                # are then charged, not pending).
                now = batch.first_start(max(day.midnight, 0.0), until)
                self._resolve(now)
                self.router.dispatch(batch, day, now, until)
            self._resolve(until)
        self._flush()

    # -- the exact path: each item to the part that owns it ---------------------------------

    def _resolve(self, until: float) -> None:
        for t, kind, s in self.scheduler.pop_before(until):
            if isinstance(s, HeldSlot):
                self._held(t, kind, s)
            elif kind == START:
                self._start(t, s)
            elif kind in (ADMIN, EXPIRE):
                self.admin.apply(t, s)
            elif kind == LAUNCH:
                self.desktops.launch(t, s)
            elif kind == UNIT:
                if s.access == LOGIN_PASS:
                    self.tokens.next_pass(t, s)
                else:
                    self.seat_access.unit(t, s)
            else:
                self._end(t, s)

    def _held(self, t: float, kind: int, slot: HeldSlot) -> None:
        if kind == START:
            opened = self.parallel.open(slot.pool, slot.user, t)
            assert opened, "routing sent a session that reaches the parallel limit to the fast path"
        else:
            self.parallel.close(slot.pool, slot.user, t)

    def _start(self, t: float, s: Session) -> None:
        """A session starts: denied on an unlicensed server, else to its family's resolver."""
        srv = self.world.servers[s.server]
        span = srv.timeline.at(t)
        if span.state is LicenseState.UNLICENSED:
            return self.log.deny(s, span.reason or DenialReason.GRACE_EXPIRED)
        s.end = session_close(s.planned_end, s.logged_out, float(self.lookup.timeout[s.server]))
        if self.passes.is_token_license(srv.license):
            return self.tokens.start(t, s, srv)
        if self.cals.is_cal_site(srv.pool):
            return self.cals.start(t, s, srv)
        return self.seat_access.start(t, s, srv, span)

    def _end(self, t: float, s: Session) -> None:
        if s.access in CAL_ACCESS:
            self.cals.end(t, s)
        elif s.slot:
            self.parallel.close(self.world.servers[s.server].pool, s.user, t)
        self.log.record(s)

    def _flush(self) -> None:
        """Close what is still open at the horizon; drop what had not started."""
        self._resolve(self.world.horizon)
        h = self.world.horizon
        for _, kind, s in self.scheduler.drain():
            if kind in (START, ADMIN, EXPIRE, LAUNCH) or isinstance(s, HeldSlot):
                continue
            s.end = min(s.end, h)
            if s.access in CAL_ACCESS:
                self.cals.end(h, s)
            elif s.slot:
                self.parallel.close(self.world.servers[s.server].pool, s.user, h)
            self.log.record(s)

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> Recorder:
        w = self.world
        env = self.env
        for pi in range(len(w.pools)):
            self.seats.open_pool(pi)
        self.capacity.report_spent_months()
        env.process(self._outages("backend", None, w.backend_outages))
        for si, srv in enumerate(w.servers):
            env.process(self._outages("link", srv.id, srv.outages))
            env.process(self._license_states(si))
        env.process(self._months())
        self.sources.push_scripted()
        for t, item in self.admin.scheduled():
            self.schedule_admin(t, item)
        self.desktops.schedule_launches()
        env.process(self._population())
        env.run(until=w.horizon)
        if self.scheduler:
            self._flush()
        self.cals.release_pending()
        return self.rec


def _transition_events(
    previous: LicenseState | None, state: LicenseState, reason: Any
) -> list[str]:
    if previous is None or previous is state:
        return []
    if state is LicenseState.GRACE:
        return ["sync_failed", "grace_start"]
    if state is LicenseState.UNLICENSED:
        if reason == DenialReason.GRACE_EXPIRED:
            return ["grace_expired", "unlicensed"]
        return ["unlicensed"]
    if state is LicenseState.OFFLINE_SLD:
        # No contact on an offline site: the admin applied an SLD (its first, or a late renewal).
        return ["sld_applied"]
    return ["sync_ok", "relicensed"] if previous is LicenseState.UNLICENSED else ["sync_ok"]


def run_engine(
    scenario: Scenario,
    replication: int = 0,
    seed: int | None = None,
    record_units: bool = False,
    fast: bool = True,
    progress: Progress | None = None,
) -> tuple[World, Recorder]:
    """Build the world for one replication and run it to the horizon.

    ``fast=False`` resolves every session on the exact event-ordered path; the tables are
    the same, only slower (the equivalence is tested). ``progress`` is told the days done
    (:mod:`sim.model.progress`).
    """
    world = build_world(scenario, replication, seed)
    engine = Engine(world, record_units, fast)
    if progress is not None:
        engine.env.process(count_days(engine.env, world.days, world.horizon, progress))
    rec = engine.run()
    if progress is not None:
        progress(len(world.days), len(world.days))
    return world, rec
