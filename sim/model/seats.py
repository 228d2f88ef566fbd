"""The seat resolver: logins on Professional, Analyzer and Analyzer Capacity, in time order.

A login walks Qlik's access order (:func:`sim.rules.access.decide_access`) against the
pool as its server sees it; the resolver applies the decision to the ledgers: a new
allocation to the seat ledger, a parallel slot to the parallel-session ledger, a capacity
unit to the capacity ledger, and then follows a capacity session unit by unit until it ends
or a unit is refused. It sees only the ledgers, the scheduler and the session log.
"""

from __future__ import annotations

import numpy as np

from sim.model.behaviour import replanned_units
from sim.model.capacity import CapacityLedger
from sim.model.lookup import Lookup
from sim.model.outcomes import SessionLog
from sim.model.pools import SeatLedger
from sim.model.scheduler import END, UNIT, Scheduler
from sim.model.session import Session
from sim.model.world import ServerRuntime, World
from sim.rules.access import CAPACITY, decide_access
from sim.rules.capacity import chain_holds, unit_refusal, unit_starts
from sim.rules.connectivity import StateSpan
from sim.rules.parallel import ParallelSessions
from sim.rules.pool import record_use, refusal
from sim.rules.qmc import ROOT_ADMIN, Client, holds_parallel_slot, qmc_client, qmc_decision
from sim.rules.reasons import DenialReason
from sim.rules.sync import LocalView


class SeatResolver:
    """User-based access (seats and capacity) on the exact path."""

    def __init__(
        self,
        world: World,
        lookup: Lookup,
        seats: SeatLedger,
        capacity: CapacityLedger,
        parallel: ParallelSessions,
        scheduler: Scheduler,
        log: SessionLog,
    ) -> None:
        self.world = world
        self.lookup = lookup
        self.seats = seats
        self.capacity = capacity
        self.parallel = parallel
        self.scheduler = scheduler
        self.log = log

    def start(self, t: float, s: Session, srv: ServerRuntime, span: StateSpan) -> None:
        w, lk, seats = self.world, self.lookup, self.seats
        lic = w.licenses[srv.license]
        reachable = not srv.unreachable.contains(t)
        gi = lk.group_of(s.user)
        running = self.capacity.running_until(srv.license, s, bool(lk.group_anonymous[gi]))
        view, can_allocate = seats.view(t, s.server, span, reachable)
        qmc = w.scenario.users[gi].qmc if s.client is Client.QMC else None
        decision = decide_access(
            user=s.user,
            eligible=lk.eligible_for(s),
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
            return self.log.deny(s, refusal(reason, bool(seats.in_quarantine[srv.pool, s.user])))
        s.access = decision.access
        self.log.cut_by_expiry(t, s, srv)
        if decision.access != CAPACITY:
            if holds_parallel_slot(decision.access, qmc is not None, lk.signed[srv.license]):
                if not self.parallel.open(srv.pool, s.user, t):
                    s.access = None
                    s.end = s.planned_end
                    s.interrupted = None
                    return self.log.deny(s, DenialReason.PARALLEL_LIMIT)
                s.slot = True
            if (
                decision.allocate is not None
                and isinstance(view, LocalView)
                and not view.joins_at_once(s.user, decision.allocate)
            ):
                seats.allocate_locally(t, s.server, s.user, decision.allocate)
            elif decision.allocate is not None:
                seats.allocate(t, srv.pool, s.user, decision.allocate, s.server, "dynamic")
            if decision.access != ROOT_ADMIN:
                record_use(seats.last_used, (srv.pool, s.user), t)
            if qmc is not None:
                s.client = qmc_client(decision.access)
            self.scheduler.push(min(s.end, w.horizon), END, s)
            return None
        if qmc is not None:
            s.client = qmc_client(decision.access)
        if decision.charge_unit:
            self.capacity.charge_one(t, s, srv.license)
        s.units = self._capacity_units(s, running)
        s.next_unit = int(np.searchsorted(s.units, t, side="right"))
        return self._next_unit(s)

    def _capacity_units(self, s: Session, running: float) -> np.ndarray:
        unit = self.capacity.unit
        if s.activity is not None:
            return np.asarray(unit_starts(s.activity, running, unit))
        assert s.units is not None
        if chain_holds(s.start, s.unit_ready, running):
            return s.units
        day, order = s.key
        return replanned_units(
            self.world.streams,
            unit,
            s.user,
            s.device,
            day,
            order,
            s.start,
            s.planned_end,
            s.clicks,
            running,
        )

    def _next_unit(self, s: Session) -> None:
        units = s.units
        assert units is not None
        if s.next_unit < len(units) and units[s.next_unit] <= s.end:
            self.scheduler.push(float(units[s.next_unit]), UNIT, s)
        else:
            self.log.record(s)

    def unit(self, t: float, s: Session) -> None:
        """A capacity unit of running session ``s`` is due at ``t``."""
        w = self.world
        if t >= w.horizon:
            s.end = w.horizon
            return self.log.record(s)
        srv = w.servers[s.server]
        span = srv.timeline.at(t)
        s.next_unit += 1
        allowed = srv.abilities.unit_allowed(span.state, not srv.unreachable.contains(t))
        if not allowed or not self.capacity.charge_one(t, s, srv.license):
            return self.log.interrupt(t, s, unit_refusal(allowed, span.reason))
        return self._next_unit(s)
