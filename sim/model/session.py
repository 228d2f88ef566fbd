"""A session on the engine's exact path: its plan, and once resolved, its outcome."""

from __future__ import annotations

import math

import numpy as np

from sim.rules.qmc import Client

# Kinds of heap item, in the order they are resolved at one instant: sessions end,
# quarantines end, admin work, capacity units and login passes, sessions start, launches.
END, EXPIRE, ADMIN, UNIT, START, LAUNCH = 0, 1, 2, 3, 4, 5


class Session:
    """One session on the exact path and, once resolved, its outcome."""

    __slots__ = (
        "access",
        "activity",
        "clicks",
        "client",
        "closed",
        "device",
        "document",
        "end",
        "group",
        "interrupted",
        "key",
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
        self.planned_end = end
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
        self.closed = False
        self.document = -1
        """Closed explicitly at ``end`` (a scripted duration): no idle timeout is added."""
        self.next_unit = 0
        self.client = Client.HUB
        """The console it opens: the hub, or the QMC (its access decides full or limited)."""
        self.slot = False
        """It holds one of its user's parallel-session slots in its pool until it ends."""
