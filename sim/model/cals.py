"""QlikView CAL licenses on the engine's exact path: Named, Session and Usage CALs.

The rules are in :mod:`sim.rules.qlikview`; the resolver owns the CAL pools of each site.
At each document opening the server tries the user's Named User CAL, then a Session CAL
from its concurrent pool, then a Usage CAL, and otherwise denies (``no_cal``). A QlikView
session stays open until the idle timeout (1,800 s) after its last activity. A Session
CAL is held at least 15 minutes and reused by the same client (user and device) within
that time. A Usage CAL gives the user 60 minutes within 28 days; the session is cut when
they run out. A session on the user's Named User CAL or Document CAL is a use of that CAL:
its last use is kept as for every seat kind (:func:`sim.rules.pool.record_use`) and decides
the quarantine when a Named CAL is removed, and the idle reclaim.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model.lookup import Lookup
from sim.model.outcomes import SessionLog
from sim.model.pools import SeatLedger
from sim.model.scheduler import END, Scheduler
from sim.model.session import Session
from sim.model.world import ServerRuntime, World
from sim.recorder import Recorder
from sim.rules.pool import NEVER_USED, SeatType, record_use, refusal
from sim.rules.qlikview import Cal, SessionCals, UsageCalPool, first_cal
from sim.rules.reasons import DenialReason


class CalResolver:
    """QlikView Named, Document, Session and Usage CALs, per site, on the exact path."""

    def __init__(
        self,
        world: World,
        lookup: Lookup,
        seats: SeatLedger,
        scheduler: Scheduler,
        log: SessionLog,
        rec: Recorder,
    ) -> None:
        self.world = world
        self.lookup = lookup
        self.seats = seats
        self.scheduler = scheduler
        self.log = log
        self.rec = rec
        w = world
        rules = w.scenario.rules
        self.session_cals: dict[int, SessionCals] = {}
        self.usage_cals: dict[int, UsageCalPool] = {}
        self.usage_grants: dict[tuple[int, int, int], tuple[float, float]] = {}
        self.cal_release: dict[tuple[int, str], tuple[float, str, int, int]] = {}
        self.document_cals: dict[int, dict[tuple[int, int], float]] = {}
        """pool → (user, document) → when its Document CAL was assigned."""
        self.document_last_used: dict[int, np.ndarray] = {}
        """pool → last use of each Document CAL by user and document (the last column is
        the unnamed document, index -1)."""
        shape = (len(w.user_names), len(w.documents) + 1)
        for pi, p in enumerate(w.pools):
            cals = w.scenario.licenses[p.license].qlikview_cals
            if cals is None:
                continue
            self.session_cals[pi] = SessionCals(cals.session, rules.session_cal_minimum)
            self.document_cals[pi] = {}
            if cals.document:
                self.document_last_used[pi] = np.full(shape, NEVER_USED)
            self.usage_cals[pi] = UsageCalPool(cals.usage, rules.usage_cal_period / 86400.0)

    def is_cal_site(self, pool: int) -> bool:
        return pool in self.session_cals

    def start(self, t: float, s: Session, srv: ServerRuntime) -> None:
        pi = srv.pool
        eligible = self.lookup.eligible[self.lookup.group_of(s.user)]
        # Each CAL type is tried only if every type before it gave none (Qlik's order,
        # sim.rules.qlikview.first_cal): trying a Session or Usage CAL takes one.
        tries: dict[Cal, Callable[[], bool]] = {
            Cal.NAMED: lambda: self.world.pools[pi].pool.seat_of(s.user) is SeatType.NAMED_CAL
        }
        if Cal.DOCUMENT in eligible:
            tries[Cal.DOCUMENT] = lambda: self._document_cal(t, pi, s.user, s.document)
        if Cal.SESSION in eligible:
            tries[Cal.SESSION] = lambda: self._session_cal(t, pi, s)
        if Cal.USAGE in eligible:
            tries[Cal.USAGE] = lambda: self._usage_cal(t, pi, s)
        cal = first_cal(tries)
        if cal is None:
            quarantined = bool(self.seats.in_quarantine[pi, s.user])
            return self.log.deny(s, refusal(DenialReason.NO_CAL, quarantined))
        if cal is Cal.NAMED:
            record_use(self.seats.last_used, (pi, s.user), t)
        elif cal is Cal.DOCUMENT:
            record_use(self.document_last_used[pi], (s.user, s.document), t)
        s.access = cal.value
        self.log.cut_by_expiry(t, s, srv)
        self.scheduler.push(min(s.end, self.world.horizon), END, s)
        return None

    def _session_cal(self, t: float, pi: int, s: Session) -> bool:
        """A Session CAL for the session's client: its own still held, or a free one."""
        client = f"{s.user}:{s.device}"
        got = self.session_cals[pi].open(client, t)
        if got is False:
            return False
        # A reopen within the hold keeps the CAL: its pending release is void; a new CAL
        # means the previous one was released when its hold ended.
        held = self.cal_release.pop((pi, client), None)
        if got:
            if held is not None:
                self._cal_event(*held)
            self._cal_event(t, "session_cal_taken", pi, s.user)
        return True

    def _usage_cal(self, t: float, pi: int, s: Session) -> bool:
        """Usage CAL time for the user on the document; the session is cut when it runs out."""
        grant = (pi, s.user, s.document)
        left = self._usage_left(t, grant)
        if left <= 0:
            return False
        if t + left < s.end:
            s.end = t + left
            s.interrupted = DenialReason.NO_CAL
        self.usage_grants[grant] = (self.usage_grants[grant][0], left - (s.end - t))
        return True

    def _document_cal(self, t: float, pi: int, user: int, document: int) -> bool:
        """The user's Document CAL for this document, assigned at first opening while the
        server has unassigned ones (dynamic Document CAL assignment)."""
        assigned = self.document_cals[pi]
        if (user, document) in assigned:
            return True
        lic = self.world.scenario.licenses[self.world.pools[pi].license]
        total = lic.qlikview_cals.document if lic.qlikview_cals else 0
        if len(assigned) >= total:
            return False
        assigned[(user, document)] = t
        self._cal_event(t, "document_cal", pi, user)
        p = self.world.pools[pi]
        self.rec.allocations.append(
            (
                t,
                self.world.licenses[p.license].id,
                p.id,
                "document_cal",
                total,
                len(assigned),
                0,
                total - len(assigned),
                0,
            )
        )
        return True

    def _usage_left(self, t: float, grant: tuple[int, int, int]) -> float:
        """Seconds of Usage CAL time the user has on the document at ``t``, taking a new CAL
        if needed (60 minutes per document per 28 days)."""
        rules = self.world.scenario.rules
        granted, left = self.usage_grants.get(grant, (-np.inf, 0.0))
        if t - granted < rules.usage_cal_period and left > 0:
            return left
        pi, user, _ = grant
        if not self.usage_cals[pi].take(t):
            return 0.0
        self.usage_grants[grant] = (t, rules.usage_cal_minutes)
        self._cal_event(t, "usage_cal", pi, user)
        return rules.usage_cal_minutes

    def end(self, t: float, s: Session) -> None:
        if s.access == "session_cal":
            pi = self.world.servers[s.server].pool
            client = f"{s.user}:{s.device}"
            free = self.session_cals[pi].close(client, t)
            if free is not None:
                self.cal_release[(pi, client)] = (free, "session_cal_freed", pi, s.user)

    def release_pending(self) -> None:
        """Record the Session CAL releases still pending at the end of the run."""
        for args in self.cal_release.values():
            self._cal_event(*args)
        self.cal_release.clear()

    def _cal_event(self, t: float, kind: str, pi: int, user: int) -> None:
        p = self.world.pools[pi]
        lic = self.world.licenses[p.license].id
        self.rec.event(t, kind, lic, p.site, self.world.user_names[user])
