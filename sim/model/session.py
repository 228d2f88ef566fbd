"""The items of the exact path's heap: sessions, held slots and admin work.

A :class:`Session` carries its plan and, once resolved, its outcome; a :class:`HeldSlot`
keeps a fast-path session's parallel slot open past its day; an :class:`AdminItem` is a
piece of scheduled admin work (:mod:`sim.model.admin`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.rules.pool import SeatType
from sim.rules.qmc import Client


class Session:
    """One session on the exact path and, once resolved, its outcome."""

    __slots__ = (
        "access",
        "activity",
        "clicks",
        "client",
        "device",
        "document",
        "end",
        "group",
        "interrupted",
        "key",
        "logged_out",
        "minutes",
        "next_unit",
        "order",
        "passes",
        "planned_end",
        "server",
        "slot",
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
        order: int,
        key: tuple[int, ...],
        units: np.ndarray | None = None,
        unit_ready: float = -math.inf,
        activity: np.ndarray | None = None,
    ) -> None:
        self.user = user
        self.device = device
        self.server = server
        self.start = start
        self.end = end
        """The close (:func:`sim.rules.session.session_close`), once the session starts; or
        earlier, where it is cut or denied."""
        self.planned_end = end
        """When the user leaves the session: the last click, or a scripted duration."""
        self.clicks = clicks
        self.order = order
        self.key = key
        self.units = units
        self.unit_ready = unit_ready
        self.activity = activity
        self.access: str | None = None
        self.interrupted: str | None = None
        self.minutes = 0.0
        self.passes = 0
        self.logged_out = False
        """The user logs out at ``planned_end``: the session closes then, with no idle tail."""
        self.document = -1
        self.next_unit = 0
        self.client = Client.HUB
        """The console it opens: the hub, or the QMC (its access decides full or limited)."""
        self.slot = False
        """It holds one of its user's parallel-session slots in its pool until it ends."""


class HeldSlot:
    """The parallel-session slot of a session the fast path granted that is still open when
    its day ends: opened at its start and closed at its close on the exact path's heap, so
    that the user's later sessions count it as the exact path would (:mod:`sim.model.routing`).
    """

    __slots__ = ("pool", "user")

    def __init__(self, pool: int, user: int) -> None:
        self.pool = pool
        self.user = user


@dataclass(frozen=True)
class AdminItem:
    """One piece of scheduled admin work on some pools of one license."""

    kind: str
    """``allocate``, ``deallocate``, ``change``, ``quarantine_end`` or ``reconcile``."""
    license: int
    pools: tuple[int, ...]
    user: int = -1
    seat: SeatType | None = None
    change: int = -1
    server: int = -1
