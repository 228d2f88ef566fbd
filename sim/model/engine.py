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
ends. There is no SimPy event per click or per
session and no polling: a server's license state is a timeline known ahead.
"""

from __future__ import annotations

import heapq
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.model.admin import Administration, AdminItem
from sim.model.behaviour import Batch, GroupPlanner, QmcDay, QmcPlanner, replan_activity
from sim.model.cals import CAL_ACCESS, CalAccess
from sim.model.desktops import DesktopFleets
from sim.model.fastpath import (
    ACCESS_CODES,
    FastPath,
    ServerArrays,
    reason_code,
)
from sim.model.pools import SEAT_CODE, PoolKeeping
from sim.model.progress import Progress, count_days
from sim.model.replay import replay_schedule
from sim.model.routing import Routing
from sim.model.session import ADMIN, END, EXPIRE, LAUNCH, START, UNIT, HeldSlot, Session
from sim.model.tokens import LOGIN_PASS, TokenAccess
from sim.model.world import ServerRuntime, World, build_world
from sim.recorder import At, Recorder
from sim.rules.access import CAPACITY, decide_access
from sim.rules.anonymous import carried
from sim.rules.capacity import unit_starts
from sim.rules.connectivity import LicenseState
from sim.rules.parallel import PARALLEL_ACCESS, ParallelSessions
from sim.rules.pool import record_use
from sim.rules.qmc import (
    CLIENTS,
    ROOT_ADMIN,
    SIGNED_ACTIVATIONS,
    Client,
    holds_parallel_slot,
    qmc_activity,
    qmc_client,
    qmc_decision,
    qmc_eligible,
)
from sim.rules.reasons import DenialReason
from sim.rules.session import idle_timeout, session_close
from sim.rules.sync import LocalView
from sim.scenario import Scenario

# Token and CAL access is resolved on the exact path only.
LEGACY_ACCESS = frozenset({"user_pass", "login_pass"}) | CAL_ACCESS

ACCESS_CODE = {name or None: code for code, name in enumerate(ACCESS_CODES)}
CLIENT_CODE = {name: code for code, name in enumerate(CLIENTS)}


class Engine(Routing, PoolKeeping, TokenAccess, CalAccess, DesktopFleets):
    """One run of one scenario: build, run, hand the rows to a Result."""

    def __init__(self, world: World, record_units: bool = False, fast: bool = True) -> None:
        self.world = world
        sc = world.scenario
        self.rec = Recorder(units=[] if record_units else None)
        self.env = simpy.Environment()
        self.fast = fast
        self.unit = sc.rules.capacity_unit
        self.unit_minutes = self.unit / 60.0
        self.limit = sc.rules.max_parallel_sessions
        self.parallel = ParallelSessions(self.limit, sc.rules.parallel_session_wait)
        self.eligible = [g.access_types for g in sc.users]
        self.heap: list[tuple[float, int, int, Any]] = []
        self.seq = 0
        n_users = len(world.user_names)
        # An admin's QMC sessions from behaviour run on a device of their own, after the
        # hub devices.
        self.devices = max(
            [1]
            + [g.behaviour.devices + (g.qmc is not None) for g in sc.users]
            + [ss.device + 1 for g in sc.users for ss in (g.sessions or [])]
        )
        n_lic = len(world.licenses)
        self._init_pools(n_users, sc.rules.offline_allocation)
        self._init_tokens(n_users)
        self._init_cals()
        self.running = np.full((n_lic, n_users * self.devices), -np.inf)
        self.slow_busy = np.full(n_users * self.devices, -np.inf)
        self.timeout = np.array(
            [
                idle_timeout(s.product, sc.rules.session_inactivity, sc.rules.qlikview_idle_timeout)
                for s in world.servers
            ]
        )
        self.server_license = np.array([s.license for s in world.servers], dtype=np.int64)
        self.server_pool = np.array([s.pool for s in world.servers], dtype=np.int64)
        self.backend_bound = np.array([s.abilities.backend_bound for s in world.servers])
        self.capacity_ok = np.array([s.capacity_ok for s in world.servers], dtype=bool)
        self.arrays = [ServerArrays.of(s) for s in world.servers]
        self.fastpath = FastPath(self)
        self.admin = Administration(self)
        self._dynamic_rule = np.array(
            [
                [
                    any(s.value in g.access_types and p.pool.is_dynamic(s) for s in SEAT_CODE)
                    for p in world.pools
                ]
                for g in sc.users
            ],
            dtype=bool,
        ).reshape(len(sc.users), len(world.pools))
        self.reclaiming = any(lic.reclaim is not None for lic in sc.licenses)
        self.month_starts = np.array([m[1] for m in world.months])
        self.planners = [
            (
                gi,
                GroupPlanner(
                    g,
                    world.group_first_user[gi],
                    world.group_servers[gi],
                    world.streams,
                    self.unit,
                    with_units=CAPACITY in g.access_types,
                    documents=world.documents,
                ),
            )
            for gi, g in enumerate(sc.users)
            if g.generated
        ]
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
        self.qmc_planners = [
            (gi, QmcPlanner(g, world.group_first_user[gi], world.streams))
            for gi, g in enumerate(sc.users)
            if g.qmc is not None and g.sessions is None
        ]
        self.group_capacity = np.array([CAPACITY in g.access_types for g in sc.users], dtype=bool)
        self.group_anonymous = np.array([g.anonymous for g in sc.users], dtype=bool)
        self.signed = [lic.activation in SIGNED_ACTIVATIONS for lic in sc.licenses]
        # An admin's QMC sessions share the exact path with their hub sessions; who may
        # reach the parallel limit is decided per day (sim.model.routing).
        self.group_exact = np.array(
            [
                not g.generated or g.qmc is not None or bool(set(g.access_types) & LEGACY_ACCESS)
                for g in sc.users
            ],
            dtype=bool,
        )
        # Whose sessions the parallel limit counts on the fast path (routing decides per day).
        self.group_parallel = np.array(
            [bool(set(g.access_types) & set(PARALLEL_ACCESS)) for g in sc.users], dtype=bool
        )

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
            self._push_replayed(until)
            for gi, qmc_planner in self.qmc_planners:
                if (q := qmc_planner.plan(day, k)) is not None:
                    self._push_qmc(gi, q, k)
            plans = [(gi, p) for gi, planner in self.planners if (p := planner.plan(day, k))]
            if plans:
                self._dispatch(Batch(plans, k), day, until)
            self._resolve(until)
        self._flush()

    # -- the exact path ------------------------------------------------------------------

    def _push(self, t: float, kind: int, s: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, kind, self.seq, s))

    def push_admin(self, t: float, item: AdminItem) -> None:
        if t < self.world.horizon:
            self._push(t, EXPIRE if item.kind == "quarantine_end" else ADMIN, item)

    def _push_planned(self, b: Batch, i: int) -> None:
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
        if b.unit_hi[i] > b.unit_lo[i] or self.group_capacity[b.group[i]]:
            s.units = b.units[b.unit_lo[i] : b.unit_hi[i]]
            s.unit_ready = float(b.unit_ready[i])
        self._push(s.start, START, s)

    def _eligible(self, s: Session) -> tuple[str, ...]:
        """The access rules that cover session ``s``: its group's, as a QMC session covers
        them for an admin (:func:`sim.rules.qmc.qmc_eligible`)."""
        gi = int(self.world.user_group[s.user])
        qmc = self.world.scenario.users[gi].qmc
        if s.client is Client.QMC and qmc is not None:
            return qmc_eligible(self.eligible[gi], qmc.exclude_from_capacity_rule)
        return self.eligible[gi]

    def may_charge(self, s: Session) -> bool:
        """Whether session ``s`` could start a capacity unit once it starts."""
        return CAPACITY in self._eligible(s)

    def _push_qmc(self, gi: int, q: QmcDay, day: int) -> None:
        """A day's QMC sessions of an admin group, on the device after its hub devices."""
        w = self.world
        g = w.scenario.users[gi]
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
            self._push(start, START, s)

    def _push_scripted(self) -> None:
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
                    self._push(at, START, s)

    def _push_replayed(self, until: float) -> None:
        """Hand the engine the replayed sessions that start before ``until``."""
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
                self._push(start, START, s)

    def hold_slot(self, pool: int, user: int, start: float, close: float) -> None:
        """Keep the slot of a fast-path session open past its day from start to close."""
        slot = HeldSlot(pool, user)
        self._push(start, START, slot)
        self._push(close, END, slot)

    def _resolve(self, until: float) -> None:
        heap = self.heap
        while heap and heap[0][0] < until:
            t, kind, _, s = heapq.heappop(heap)
            if isinstance(s, HeldSlot):
                self._held(t, kind, s)
            elif kind == START:
                self._start(t, s)
            elif kind in (ADMIN, EXPIRE):
                self.admin.apply(t, s)
            elif kind == LAUNCH:
                self._launch(t, s)
            elif kind == UNIT:
                self._unit(t, s)
            else:
                self._end(t, s)

    def _held(self, t: float, kind: int, slot: HeldSlot) -> None:
        if kind == START:
            opened = self.parallel.open(slot.pool, slot.user, t)
            assert opened, "routing sent a session that reaches the parallel limit to the fast path"
        else:
            self.parallel.close(slot.pool, slot.user, t)

    def _flush(self) -> None:
        """Close what is still open at the horizon; drop what had not started."""
        self._resolve(self.world.horizon)
        h = self.world.horizon
        for _, kind, _, s in sorted(self.heap, key=lambda item: item[:3]):
            if kind in (START, ADMIN, EXPIRE, LAUNCH) or isinstance(s, HeldSlot):
                continue
            s.end = min(s.end, h)
            if s.access in CAL_ACCESS:
                self._end_cal(h, s)
            elif s.slot:
                self.parallel.close(self.world.servers[s.server].pool, s.user, h)
            self._record(s)
        self.heap.clear()

    def _start(self, t: float, s: Session) -> None:
        w = self.world
        srv = w.servers[s.server]
        span = srv.timeline.at(t)
        if span.state is LicenseState.UNLICENSED:
            return self._deny(s, span.reason or DenialReason.GRACE_EXPIRED)
        s.end = session_close(s.planned_end, s.logged_out, float(self.timeout[s.server]))
        if self._is_token_license(srv.license):
            return self._start_tokens(t, s, srv, END, UNIT)
        if self._is_cal_site(srv.pool):
            return self._start_cals(t, s, srv, END)
        lic = w.licenses[srv.license]
        reachable = not srv.unreachable.contains(t)
        gi = int(w.user_group[s.user])
        slot = s.user * self.devices + s.device
        running = carried(float(self.running[srv.license, slot]), self.group_anonymous[gi])
        view, can_allocate = self._view(t, s.server, span, reachable)
        qmc = w.scenario.users[gi].qmc if s.client is Client.QMC else None
        decision = decide_access(
            user=s.user,
            eligible=self._eligible(s),
            pool=view,
            can_allocate=can_allocate,
            can_start_unit=srv.abilities.unit_allowed(span.state, reachable),
            capacity_allowed=srv.capacity_ok,
            unit_running=t < running,
            capacity_exhausted=lic.meter.exhausted(t),
        )
        if qmc is not None:
            decision = qmc_decision(decision, qmc.root_admin)
        if decision.access is None:
            reason = decision.reason or DenialReason.NO_SEAT
            if reason is DenialReason.CAPACITY_EXHAUSTED:
                lic.meter.refuse(t)
            if reason is DenialReason.NO_SEAT and self.in_quarantine[srv.pool, s.user]:
                reason = DenialReason.QUARANTINED
            return self._deny(s, reason)
        s.access = decision.access
        self._cut_by_expiry(t, s, srv)
        if decision.access != CAPACITY:
            if holds_parallel_slot(decision.access, qmc is not None, self.signed[srv.license]):
                if not self.parallel.open(srv.pool, s.user, t):
                    s.access = None
                    s.end = s.planned_end
                    s.interrupted = None
                    return self._deny(s, DenialReason.PARALLEL_LIMIT)
                s.slot = True
            if (
                decision.allocate is not None
                and isinstance(view, LocalView)
                and not view.joins_at_once(s.user, decision.allocate)
            ):
                self._allocate_locally(t, s.server, s.user, decision.allocate)
            elif decision.allocate is not None:
                self.allocate(t, srv.pool, s.user, decision.allocate, s.server, "dynamic")
            if decision.access != ROOT_ADMIN:
                record_use(self.last_used, (srv.pool, s.user), t)
            if qmc is not None:
                s.client = qmc_client(decision.access)
            self._push(min(s.end, w.horizon), END, s)
            return None
        if qmc is not None:
            s.client = qmc_client(decision.access)
        if decision.charge_unit:
            self._charge(t, s, srv.license)
        s.units = self._capacity_units(s, running)
        s.next_unit = int(np.searchsorted(s.units, t, side="right"))
        return self._next_unit(s)

    def _cut_by_expiry(self, t: float, s: Session, srv: ServerRuntime) -> None:
        """A granted session ends when its server next becomes unlicensed."""
        cut = srv.timeline.unlicensed_from(t)
        if cut is not None and cut.start < s.end:
            s.end = cut.start
            s.interrupted = cut.reason

    def _capacity_units(self, s: Session, running: float) -> np.ndarray:
        if s.activity is not None:
            return np.asarray(unit_starts(s.activity, running, self.unit))
        assert s.units is not None
        plan_covered = s.start < s.unit_ready
        if plan_covered == (s.start < running) and (not plan_covered or s.unit_ready == running):
            return s.units
        day, order = s.key
        return self._replan(s.user, s.device, day, order, s.start, s.planned_end, s.clicks, running)

    def _replan(
        self,
        user: int,
        device: int,
        day: int,
        order: int,
        start: float,
        end: float,
        clicks: int,
        running: float,
    ) -> np.ndarray:
        """Units of a session whose planned unit chain no longer holds (see behaviour)."""
        rng = self.world.streams.generator("replan", user, device, day, order)
        activity = replan_activity(rng, start, end, clicks)
        return np.asarray(unit_starts(activity, running, self.unit), dtype=np.float64)

    def _next_unit(self, s: Session) -> None:
        units = s.units
        assert units is not None
        if s.next_unit < len(units) and units[s.next_unit] <= s.end:
            self._push(float(units[s.next_unit]), UNIT, s)
        else:
            self._record(s)

    def _unit(self, t: float, s: Session) -> None:
        w = self.world
        if s.access == LOGIN_PASS:
            return self._next_pass(t, s, END, UNIT)
        if t >= w.horizon:
            s.end = w.horizon
            return self._record(s)
        srv = w.servers[s.server]
        span = srv.timeline.at(t)
        s.next_unit += 1
        if not srv.abilities.unit_allowed(span.state, not srv.unreachable.contains(t)):
            return self._interrupt(t, s, span.reason or DenialReason.BACKEND_UNREACHABLE)
        if not self._charge(t, s, srv.license):
            return self._interrupt(t, s, DenialReason.CAPACITY_EXHAUSTED)
        return self._next_unit(s)

    def _charge(self, t: float, s: Session, li: int) -> bool:
        lic = self.world.licenses[li]
        month = lic.meter.month(t)
        was_exhausted = month.exhausted_at
        if not lic.meter.try_start_unit(t):
            return False
        s.minutes += self.unit_minutes
        self.running[li, s.user * self.devices + s.device] = t + self.unit
        server = self.world.servers[s.server].id
        self.rec.unit(t, lic.meter.month_index(t), li, s.server, s.user, s.device)
        if was_exhausted is None and month.exhausted_at is not None:
            self.rec.event(
                t,
                "capacity_exhausted",
                lic.id,
                server,
                None,
                f"{month.consumed:g} of {month.purchased} minutes used",
            )
        return True

    def _end(self, t: float, s: Session) -> None:
        if s.access in CAL_ACCESS:
            self._end_cal(t, s)
        elif s.slot:
            self.parallel.close(self.world.servers[s.server].pool, s.user, t)
        self._record(s)

    def _deny(self, s: Session, reason: str) -> None:
        s.access = None
        s.end = s.start
        s.interrupted = None
        self._row(s, reason_code(reason))

    def _interrupt(self, t: float, s: Session, reason: str) -> None:
        s.end = t
        s.interrupted = str(reason)
        self._record(s)

    def _record(self, s: Session) -> None:
        self._row(s, 0)

    def _row(self, s: Session, denied: int) -> None:
        self.rec.sessions.append(
            (
                s.user,
                s.server,
                s.device,
                s.start,
                min(s.end, self.world.horizon),
                s.planned_end,
                ACCESS_CODE[s.access],
                denied,
                reason_code(s.interrupted),
                s.clicks,
                s.minutes,
                s.order,
                s.passes,
                s.document,
                CLIENT_CODE[s.client],
            )
        )

    # -- the run ---------------------------------------------------------------------------

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
        for t, item in self.admin.scheduled():
            self.push_admin(t, item)
        self._init_desktops(LAUNCH)
        env.process(self._population())
        env.run(until=w.horizon)
        if self.heap:
            self._flush()
        self._release_cals()
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
