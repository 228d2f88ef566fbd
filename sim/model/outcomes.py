"""Session outcomes on the exact path: the one place a resolved session becomes a row.

Every resolver ends a session here: denied at its start (with the reason), cut short
(with the reason it was interrupted), or ended normally. A granted session also ends when
its server next becomes unlicensed, which :meth:`SessionLog.cut_by_expiry` applies.
"""

from __future__ import annotations

from sim.model.codes import ACCESS_CODE, CLIENT_CODE, reason_code
from sim.model.session import Session
from sim.model.world import ServerRuntime
from sim.recorder import Recorder
from sim.rules.connectivity import expiry_cut


class SessionLog:
    """Writes the session rows of the exact path."""

    def __init__(self, rec: Recorder, horizon: float) -> None:
        self.rec = rec
        self.horizon = horizon

    def deny(self, s: Session, reason: str) -> None:
        s.access = None
        s.end = s.start
        s.interrupted = None
        self._row(s, reason_code(reason))

    def interrupt(self, t: float, s: Session, reason: str) -> None:
        s.end = t
        s.interrupted = str(reason)
        self._row(s, 0)

    def record(self, s: Session) -> None:
        self._row(s, 0)

    def cut_by_expiry(self, t: float, s: Session, srv: ServerRuntime) -> None:
        """A granted session ends when its server next becomes unlicensed."""
        cut = srv.timeline.unlicensed_from(t)
        if cut is None:
            return
        end, was_cut = expiry_cut(s.end, cut.start)
        if was_cut:
            s.end = end
            s.interrupted = cut.reason

    def _row(self, s: Session, denied: int) -> None:
        self.rec.sessions.append(
            (
                s.user,
                s.server,
                s.device,
                s.start,
                min(s.end, self.horizon),
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
