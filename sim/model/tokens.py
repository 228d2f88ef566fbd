"""Token licenses on the engine's exact path: user access passes and login access passes.

The rules are in :mod:`sim.rules.passes`; the pass ledger holds each token license's
login passes and who is covered until when, the resolver applies the rules to logins.
A session on the user's own access pass is a use of that pass: its last use decides its
quarantine and the idle reclaim, as for any seat (:mod:`sim.rules.pool`). A login-pass
session takes its passes in time order with everything else (the first at login, then
one every 60 minutes while the session lasts, including the 30 idle minutes before Qlik
Sense closes a session the user did not log out of), and every pass taken goes back to the
pool 28 days later. On a signed key a pass is taken through the license
backend, like a new allocation: an online site that cannot reach it refuses the login, or
cuts the session at its next pass (``backend_unreachable``); user passes already allocated
keep working, as seats do during grace.
"""

from __future__ import annotations

import numpy as np

from sim.model.lookup import Lookup
from sim.model.outcomes import SessionLog
from sim.model.pools import SeatLedger
from sim.model.scheduler import END, UNIT, Scheduler
from sim.model.session import Session
from sim.model.world import ServerRuntime, World
from sim.recorder import Recorder
from sim.rules.anonymous import carried
from sim.rules.parallel import ParallelSessions
from sim.rules.passes import (
    LOGIN_PASS,
    USER_PASS,
    LoginPassPool,
    login_pass_starts,
    token_access,
)
from sim.rules.pool import record_use, refusal
from sim.rules.reasons import DenialReason


class PassLedger:
    """The login passes of every token license, and until when each user is covered."""

    def __init__(self, world: World) -> None:
        sc = world.scenario
        self.pools = [
            None
            if lic.tokens is None
            else LoginPassPool(lic.tokens.login_passes, sc.rules.login_pass_return)
            for lic in sc.licenses
        ]
        self.until = np.full((len(sc.licenses), len(world.user_names)), -np.inf)
        """Per license and user: when the user's current login pass runs out."""
        self.remixed: set[int] = set()
        """Token licenses the admin exchanged for Professional/Analyzer seats."""

    def is_token_license(self, li: int) -> bool:
        """Whether license ``li`` holds tokens now (not yet remixed into seats)."""
        return self.pools[li] is not None and li not in self.remixed


class TokenResolver:
    """User and login access passes of token licenses on the exact path."""

    def __init__(
        self,
        world: World,
        lookup: Lookup,
        seats: SeatLedger,
        passes: PassLedger,
        parallel: ParallelSessions,
        scheduler: Scheduler,
        log: SessionLog,
        rec: Recorder,
    ) -> None:
        self.world = world
        self.lookup = lookup
        self.seats = seats
        self.passes = passes
        self.parallel = parallel
        self.scheduler = scheduler
        self.log = log
        self.rec = rec

    def start(self, t: float, s: Session, srv: ServerRuntime) -> None:
        """A login on a token license: the user's pass, else a login pass, else denied."""
        rules = self.world.scenario.rules
        pool = self.world.pools[srv.pool].pool
        li = srv.license
        passes = self.passes.pools[li]
        eligible = self.lookup.eligible[self.lookup.group_of(s.user)]
        decision = token_access(pool.seat_of(s.user), eligible, passes is not None, srv.product)
        access = decision.access
        if access is None:
            assert decision.reason is not None
            quarantined = bool(self.seats.in_quarantine[srv.pool, s.user])
            return self.log.deny(s, refusal(decision.reason, quarantined))
        if not self.parallel.can_open(srv.pool, s.user, t):
            return self.log.deny(s, DenialReason.PARALLEL_LIMIT)
        if access == LOGIN_PASS:
            assert passes is not None
            anonymous = self.world.scenario.users[self.lookup.group_of(s.user)].anonymous
            until = float(carried(float(self.passes.until[li, s.user]), anonymous))
            starts = login_pass_starts(t, s.end, until, rules.login_pass_period)
            if starts and starts[0] == t:
                if not self._pass_reachable(t, srv):
                    return self.log.deny(s, DenialReason.BACKEND_UNREACHABLE)
                if not passes.take(t):
                    return self.log.deny(s, DenialReason.NO_LOGIN_PASS)
                self._passed(t, s, li)
                starts = starts[1:]
            s.units = np.asarray(starts, dtype=np.float64)
            s.next_unit = 0
        s.slot = self.parallel.open(srv.pool, s.user, t)
        if access == USER_PASS:
            record_use(self.seats.last_used, (srv.pool, s.user), t)
        s.access = access
        self.log.cut_by_expiry(t, s, srv)
        if access == LOGIN_PASS and s.units is not None and s.units.size and s.units[0] < s.end:
            self.scheduler.push(float(s.units[0]), UNIT, s)
        else:
            self.scheduler.push(min(s.end, self.world.horizon), END, s)
        return None

    def _pass_reachable(self, t: float, srv: ServerRuntime) -> bool:
        """Whether the server may take a login pass now: on an online signed key only
        while the backend answers (a token license on an SLK, licensing-rules §1, §5)."""
        span = srv.timeline.at(t)
        return srv.abilities.pass_allowed(span.state, not srv.unreachable.contains(t))

    def _passed(self, t: float, s: Session, li: int) -> None:
        s.passes += 1
        self.passes.until[li, s.user] = t + self.world.scenario.rules.login_pass_period
        lic = self.world.licenses[li].id
        self.rec.event(
            t, "login_pass", lic, self.world.servers[s.server].id, self.world.user_names[s.user]
        )

    def next_pass(self, t: float, s: Session) -> None:
        """At a pass boundary of a running login-pass session: take the next pass."""
        srv = self.world.servers[s.server]
        passes = self.passes.pools[srv.license]
        assert passes is not None and s.units is not None
        s.next_unit += 1
        if not self._pass_reachable(t, srv):
            self.parallel.close(srv.pool, s.user, t)
            return self.log.interrupt(t, s, DenialReason.BACKEND_UNREACHABLE)
        if not passes.take(t):
            self.parallel.close(srv.pool, s.user, t)
            return self.log.interrupt(t, s, DenialReason.NO_LOGIN_PASS)
        self._passed(t, s, srv.license)
        if s.next_unit < s.units.size and s.units[s.next_unit] < s.end:
            self.scheduler.push(float(s.units[s.next_unit]), UNIT, s)
        else:
            self.scheduler.push(min(s.end, self.world.horizon), END, s)
        return None
