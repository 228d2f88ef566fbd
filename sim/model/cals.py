"""QlikView CAL licenses on the engine's exact path: Named, Session and Usage CALs.

A mixin of :class:`sim.model.engine.Engine`; the rules are in :mod:`sim.rules.qlikview`.
At each document opening the server tries the user's Named User CAL, then a Session CAL
from its concurrent pool, then a Usage CAL, and otherwise denies (``no_cal``). A QlikView
session stays open until the idle timeout (1,800 s) after its last activity. A Session
CAL is held at least 15 minutes and reused by the same client (user and device) within
that time. A Usage CAL gives the user 60 minutes within 28 days; the session is cut when
they run out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.session import Session
from sim.model.world import ServerRuntime, World
from sim.recorder import Recorder
from sim.rules.pool import SeatType
from sim.rules.qlikview import SessionCals, UsageCalPool
from sim.rules.reasons import DenialReason

CAL_ACCESS = frozenset({"named_cal", "session_cal", "usage_cal"})


class CalAccess:
    """QlikView Named, Session and Usage CALs, per site."""

    world: World
    rec: Recorder
    eligible: list[tuple[str, ...]]
    in_quarantine: np.ndarray
    session_cals: dict[int, SessionCals]
    usage_cals: dict[int, UsageCalPool]
    usage_grants: dict[tuple[int, int], tuple[float, float]]
    cal_release: dict[tuple[int, str], tuple[float, str, int, int]]

    if TYPE_CHECKING:

        def _deny(self, s: Session, reason: str) -> None: ...
        def _push(self, t: float, kind: int, s: Any) -> None: ...
        def _cut_by_expiry(self, t: float, s: Session, srv: ServerRuntime) -> None: ...

    def _init_cals(self) -> None:
        w = self.world
        rules = w.scenario.rules
        self.session_cals, self.usage_cals, self.usage_grants = {}, {}, {}
        self.cal_release = {}
        for pi, p in enumerate(w.pools):
            cals = w.scenario.licenses[p.license].qlikview_cals
            if cals is None:
                continue
            self.session_cals[pi] = SessionCals(cals.session, rules.session_cal_minimum)
            self.usage_cals[pi] = UsageCalPool(cals.usage, rules.usage_cal_period / 86400.0)

    def _is_cal_site(self, pool: int) -> bool:
        return pool in self.session_cals

    def _start_cals(self, t: float, s: Session, srv: ServerRuntime, end_kind: int) -> None:
        rules = self.world.scenario.rules
        pi = srv.pool
        eligible = self.eligible[int(self.world.user_group[s.user])]
        s.end = s.planned_end + (0.0 if s.closed else rules.qlikview_idle_timeout)
        client = f"{s.user}:{s.device}"
        access: str | None = None
        if self.world.pools[pi].pool.seat_of(s.user) is SeatType.NAMED_CAL:
            access = "named_cal"
        elif (
            "session_cal" in eligible
            and (got := self.session_cals[pi].open(client, t)) is not False
        ):
            access = "session_cal"
            if got:
                self._cal_event(t, "session_cal_taken", pi, s.user)
        elif "usage_cal" in eligible:
            left = self._usage_left(t, pi, s.user)
            if left > 0:
                access = "usage_cal"
                if t + left < s.end:
                    s.end = t + left
                    s.interrupted = DenialReason.NO_CAL
                self.usage_grants[(pi, s.user)] = (
                    self.usage_grants[(pi, s.user)][0],
                    left - (s.end - t),
                )
        if access is None:
            quarantined = self.in_quarantine[pi, s.user]
            return self._deny(s, DenialReason.QUARANTINED if quarantined else DenialReason.NO_CAL)
        s.access = access
        self._cut_by_expiry(t, s, srv)
        self._push(min(s.end, self.world.horizon), end_kind, s)
        return None

    def _usage_left(self, t: float, pi: int, user: int) -> float:
        """Seconds of Usage CAL time the user has at ``t``, taking a new CAL if needed."""
        rules = self.world.scenario.rules
        granted, left = self.usage_grants.get((pi, user), (-np.inf, 0.0))
        if t - granted < rules.usage_cal_period and left > 0:
            return left
        if not self.usage_cals[pi].take(t):
            return 0.0
        self.usage_grants[(pi, user)] = (t, rules.usage_cal_minutes)
        self._cal_event(t, "usage_cal", pi, user)
        return rules.usage_cal_minutes

    def _end_cal(self, t: float, s: Session) -> None:
        if s.access == "session_cal":
            pi = self.world.servers[s.server].pool
            client = f"{s.user}:{s.device}"
            free = self.session_cals[pi].close(client, t)
            if free is not None:
                self.cal_release[(pi, client)] = (free, "session_cal_freed", pi, s.user)

    def _release_cals(self) -> None:
        """Record the Session CAL releases still pending at the end of the run."""
        for args in self.cal_release.values():
            self._cal_event(*args)
        self.cal_release.clear()

    def _cal_event(self, t: float, kind: str, pi: int, user: int) -> None:
        p = self.world.pools[pi]
        lic = self.world.licenses[p.license].id
        self.rec.event(t, kind, lic, p.id.split("@")[-1], self.world.user_names[user])
