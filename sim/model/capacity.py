"""The capacity ledger: each license's meter and the unit running on each device.

Analyzer Capacity is charged per device in units (:mod:`sim.rules.capacity`): a session
starts a unit at an activity when none is running on its device. The ledger owns the two
pieces of state this needs, always changed together: the meters of the licenses (minutes
consumed per month) and, per license and device, when the device's running unit ends. The
exact path charges one unit at a time (:meth:`CapacityLedger.charge_one`), the fast path a
day's units at once (:meth:`CapacityLedger.charge_many`); both record them the same way.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.behaviour import Batch
from sim.model.session import Session
from sim.model.world import LicenseRuntime, World
from sim.recorder import Recorder
from sim.rules.anonymous import carried
from sim.rules.capacity import MonthRecord, unit_minutes


class CapacityLedger:
    """Meters and running units of every capacity license of a run."""

    def __init__(self, world: World, rec: Recorder, devices: int) -> None:
        self.world = world
        self.rec = rec
        self.devices = devices
        self.unit = world.scenario.rules.capacity_unit
        self.unit_minutes = unit_minutes(self.unit)
        self.month_starts = np.array([m[1] for m in world.months])
        n_users = len(world.user_names)
        self.running = np.full((len(world.licenses), n_users * devices), -np.inf)
        """Per license and device (``user * devices + device``): when its running unit ends."""

    def running_until(self, li: int, s: Session, anonymous: bool) -> float:
        """When the unit running on session ``s``'s device ends, as it covers ``s``."""
        return float(carried(float(self.running[li, s.user * self.devices + s.device]), anonymous))

    def charge_one(self, t: float, s: Session, li: int) -> bool:
        """Start a unit of session ``s`` at ``t`` on license ``li``, if the month allows."""
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
                used(month),
            )
        return True

    def charge_many(
        self,
        lic: np.ndarray,
        key: np.ndarray,
        rounds: np.ndarray,
        units: np.ndarray,
        ptr: np.ndarray,
        charged: np.ndarray,
        exhausted_hits: np.ndarray,
        start: np.ndarray,
        server: np.ndarray,
        user: np.ndarray,
        device: np.ndarray,
    ) -> None:
        """Charge the granted units of sessions to their months and move each device's
        running unit: the first ``charged[i]`` of ``units[ptr[i]:ptr[i+1]]``.

        ``rounds`` is each session's number on its device that day. A unit of a fraction
        of a minute is charged round after round, as a device's sessions follow one
        another, so that a month's minutes add up in the same order (and to the same
        float) however many rounds come at once."""
        keep = np.arange(units.size) < np.repeat(ptr[:-1] + charged, np.diff(ptr))
        seg = np.repeat(np.arange(charged.size), np.diff(ptr))
        t = units[keep]
        li = lic[seg[keep]]
        month = np.zeros(t.size, dtype=np.int64)
        unit_round = np.zeros(t.size, dtype=np.int64)
        if not float(self.unit_minutes).is_integer():
            unit_round = rounds[seg[keep]].astype(np.int64)
        for l_idx, licr in enumerate(self.world.licenses):
            mask = li == l_idx
            if mask.any():
                month[mask] = licr.meter.month_indices(t[mask])
                n = len(licr.meter.months)
                # Round by round, and month by month within a round.
                counts = np.bincount(unit_round[mask] * n + month[mask])
                for at in np.flatnonzero(counts).tolist():
                    licr.meter.charge(licr.meter.months[at % n], int(counts[at]))
            hits = exhausted_hits & (lic == l_idx)
            if hits.any():
                licr.meter.refuse_many(start[hits])
        has = charged > 0
        last = units[ptr[:-1][has] + charged[has] - 1]
        # A device has one session per round; a later round's unit replaces an earlier one's.
        device_lic, device_key, device_round = lic[has], key[has], rounds[has]
        for j in range(int(device_round.max(initial=-1)) + 1):
            now = device_round == j
            self.running[device_lic[now], device_key[now]] = last[now] + self.unit
        self.rec.unit_chunk(t, month, li, server[seg[keep]], user[seg[keep]], device[seg[keep]])

    def outlook(
        self,
        licr: LicenseRuntime,
        b: Batch,
        rows: np.ndarray,
        extra: float = 0.0,
        extra_end: float = -math.inf,
    ) -> tuple[bool, float, float]:
        """(order matters today, and the span in which every unit finds its month spent)
        for one license; ``extra`` more units may be charged until ``extra_end`` by
        sessions already under way on the exact path.

        Units of one session are at least a unit apart, so a session from ``s`` to ``e``
        starts at most ``(e - s) // unit + 1`` of them; a month that can take all of the
        day's possible units and one more cannot run out whatever the order, and a month
        that cannot take one refuses them all. Order does not matter when the day's
        months are some spent ones followed by ones that cannot run out.
        """
        meter = licr.meter
        lo = float(b.start[rows].min())
        hi = max(float(b.end[rows].max()), extra_end)
        first = int(np.searchsorted(self.month_starts, lo, side="right") - 1)
        last = int(np.searchsorted(self.month_starts, hi, side="right") - 1)
        months = meter.months[max(first, 0) : last + 1]
        bound = float(((b.end[rows] - b.start[rows]) // self.unit + 1).sum()) + extra
        spent = [m.consumed + meter.unit > m.limit for m in months]
        safe = [m.consumed + (bound + 1) * meter.unit <= m.limit for m in months]
        k = spent.index(False) if False in spent else len(months)
        if k == len(months):
            return False, -math.inf, math.inf
        if all(safe[k:]):
            return (False, -math.inf, months[k].start) if k else (False, math.inf, math.inf)
        return True, math.inf, math.inf

    def free_units(self, licr: LicenseRuntime, b: Batch, rows: np.ndarray) -> int | None:
        """How many more units license ``licr`` can charge in the month of the day's
        sessions ``rows``, if they all fall in one month (None if they span two)."""
        meter = licr.meter
        first = meter.month_index(float(b.start[rows].min()))
        if meter.month_index(float(b.end[rows].max())) != first:
            return None
        m = meter.months[first]
        if not math.isfinite(m.limit):
            return None
        # The meter's test (consumed + unit <= limit) for the next ``free`` units in turn.
        free = max(int((m.limit - m.consumed) // meter.unit) - 1, 0)
        while m.consumed + (free + 1) * meter.unit <= m.limit:
            free += 1
        return free

    def exhaust(self, li: int, t: float, server: int) -> None:
        """License ``li``'s month ran out at the unit charged at ``t`` on ``server`` (the
        fast path's units were charged together): mark it, as :meth:`charge_one` does."""
        lic = self.world.licenses[li]
        month = lic.meter.month(t)
        month.exhausted_at = t
        self.rec.event(
            t,
            "capacity_exhausted",
            lic.id,
            self.world.servers[server].id,
            None,
            used(month),
        )

    def change(self, t: float, li: int, purchased: int, overage: str | int) -> None:
        """License ``li``'s allowance changed at ``t`` (:meth:`CapacityMeter.change`): a
        ``capacity_exhausted`` event for each month the change spent, when it was spent."""
        lic = self.world.licenses[li]
        for m in lic.meter.change(t, purchased, overage):
            self._spent(lic, m, "when the allowance changed")

    def report_spent_months(self) -> None:
        """A ``capacity_exhausted`` event at the start for each month spent before any unit
        (a purchase smaller than one unit, or minutes used before the run)."""
        for lic in self.world.licenses:
            for m in lic.meter.months:
                self._spent(lic, m, "before the start")

    def _spent(self, lic: LicenseRuntime, m: MonthRecord, when: str) -> None:
        # A month with no allowance at all (no minutes, no overage) has none to run out of.
        if m.limit > 0 and m.exhausted_at is not None:
            self.rec.event(
                m.exhausted_at,
                "capacity_exhausted",
                lic.id,
                None,
                None,
                f"{used(m)} {when}" if m.consumed else "the allowance is smaller than one unit",
            )


def used(month: MonthRecord) -> str:
    """A ``capacity_exhausted`` event's account of the month: minutes used of those bought."""
    return f"{month.consumed:g} of {month.purchased} minutes used"
