"""User behaviour: each day's session plan of a user group, drawn with numpy.

The behaviour model (design.md): on each working day a user starts at a normally
distributed time, opens Poisson(2) sessions one after another with exponential breaks; a
session opens an app and makes Poisson(40) clicks at exponential gaps, and the user leaves it
at its last click: by logging out (a share of sessions, drawn on a stream of its own), or by
closing the tab, which leaves the session open until the idle timeout
(:mod:`sim.rules.session`). Each of a user's devices runs such a stream of its own.

Clicks are never drawn one by one. For user-based access only a session's end matters, and
the sum of k exponential gaps is Gamma(k). Analyzer Capacity needs the 6-minute units: once
a unit is running, the clicks in the rest of its window are Poisson(window / gap) because
click gaps are memoryless; if they include the session's last (k-th remaining) click, the
session ends at a Beta(k, n - k + 1) point of the window (the k-th of n uniform arrivals),
otherwise the next click comes one exponential gap after the window and starts the next
unit. A session is a
few unit draws, exact in distribution. The plan is drawn for a whole group-day at once and
assumes every unit is granted; the engine falls back to :func:`replan_activity` in the rare
case where a denial changed which unit was running when a session began.

Calibrated groups (:mod:`sim.calibration`) may say more, each key absent by default and
then drawing nothing: ``attendance`` (a user comes in on a weekday with that probability,
drawn per user and day after the session counts), ``month_end`` (attendance raised on the
month's last working days), ``holidays``, ``session_count: one_plus_poisson`` and
``session_length`` (a session lasts a draw from a heavy-tailed law instead of clicks at
``click_gap``; a capacity group's clicks then come at the pace length / clicks).

A device runs one session at a time: a day's first session waits for the device's last
session of the day before if that one is still running. An anonymous group's sessions are
each their own user and device: no unit carries from one to the next
(:func:`sim.rules.anonymous.carried`).

An administrators' group also opens the QMC (:class:`QmcPlanner`): Poisson openings per
admin and working day, each starting uniformly within the working hours after the mean day
start and lasting an exponential time; QMC sessions come from a stream of their own, so
adding QMC use leaves the hub sessions as they were. Behaviour is exogenous: a denial or
an interrupted session does not move the user's later sessions, so every what-if variant
faces the same demand (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sim.model import draws
from sim.model.calendar import LocalDay
from sim.model.streams import Streams
from sim.rules.anonymous import carried
from sim.rules.capacity import unit_starts
from sim.scenario import UserGroup
from sim.scenario.users import WEEKDAYS


@dataclass
class DayPlan:
    """The sessions one group plans on one day, as parallel arrays."""

    user: np.ndarray
    device: np.ndarray
    server: np.ndarray
    start: np.ndarray
    end: np.ndarray
    clicks: np.ndarray
    order: np.ndarray
    """Session ``order[i]`` of its device on this day (0, 1, …): sessions of one device are
    consecutive and in time order."""
    document: np.ndarray
    """Index of the QlikView document each session opens (-1: none named)."""
    logged_out: np.ndarray
    """Whether the user logs out at the session's last click (else it stays open until the
    idle timeout, :mod:`sim.rules.session`)."""
    unit_ready: np.ndarray | None = None
    """Planned end of the device's running unit when each session starts (capacity groups)."""
    unit_ptr: np.ndarray | None = None
    """Session ``i``'s planned unit starts are ``units[unit_ptr[i]:unit_ptr[i + 1]]``."""
    units: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.start)


class GroupPlanner:
    """Draws the daily session plans of one user group."""

    def __init__(
        self,
        group: UserGroup,
        first_user: int,
        servers: list[int],
        streams: Streams,
        unit: float,
        with_units: bool,
        documents: list[str] | None = None,
    ) -> None:
        self.group = group
        self.b = group.behaviour
        self.first_user = first_user
        self.servers = np.asarray(servers, dtype=np.int64)
        self.streams = streams
        self.unit = unit
        self.with_units = with_units
        self.devices = group.count * self.b.devices
        self.running_until = np.full(self.devices, -np.inf)
        self.busy_until = np.full(self.devices, -np.inf)
        self.weekdays = frozenset(self.b.weekday_numbers)
        names = list(self.b.documents)
        self.doc_codes = np.array([(documents or []).index(d) for d in names], dtype=np.int64)
        weights = np.array([self.b.documents[d] for d in names], dtype=np.float64)
        self.doc_weights = weights / weights.sum() if names else weights
        self.holidays = frozenset(d.isoformat() for d in self.b.holidays)

    def _count(self, rng: np.random.Generator, day: LocalDay) -> np.ndarray:
        """Sessions of each device on ``day``; zero for the users who do not come in."""
        b = self.b
        if b.session_count == "one_plus_poisson":
            count = 1 + rng.poisson(b.sessions_per_day - 1.0, self.devices)
        else:
            count = rng.poisson(b.sessions_per_day, self.devices)
        p = self._attendance(day)
        if p < 1.0:
            present = rng.random(self.group.count) < p
            count = count * np.repeat(present, b.devices)
        return count

    def _attendance(self, day: LocalDay) -> float:
        """The probability that a user of the group works on ``day``."""
        b = self.b
        p = b.attendance.get(WEEKDAYS[day.weekday], 1.0)
        if b.month_end is not None and self._working_days_left(day) < b.month_end.days:
            p = min(1.0, p * b.month_end.factor)
        return p

    def _working_days_left(self, day: LocalDay) -> int:
        """The group's working days after ``day`` in its calendar month."""
        d = date.fromisoformat(day.date)
        left = 0
        nxt = d + timedelta(days=1)
        while nxt.month == d.month:
            if nxt.weekday() in self.weekdays and nxt.isoformat() not in self.holidays:
                left += 1
            nxt += timedelta(days=1)
        return left

    def _lengths(self, rng: np.random.Generator, size: int) -> np.ndarray | None:
        """Session lengths drawn from ``session_length`` (None when the group has none)."""
        law = self.b.session_length
        if law is None:
            return None
        if law.distribution == "lognormal":
            x = rng.lognormal(np.log(law.scale), law.shape, size)
        elif law.distribution == "gamma":
            x = rng.gamma(law.shape, law.scale, size)
        elif law.distribution == "weibull":
            x = law.scale * rng.weibull(law.shape, size)
        else:
            x = rng.exponential(law.scale, size)
        # a gamma or Weibull draw of small shape can underflow to 0; a capacity session's
        # click pace is length / clicks, so lengths start at a millisecond
        return np.clip(x, 1e-3, law.max)

    def plan(self, day: LocalDay, index: int) -> DayPlan | None:
        """The plan of the run's ``index``-th local day.

        The stream is keyed by the day's index in the run, not its date: a scenario moved
        by whole weeks replays the same behaviour on the same weekdays.
        """
        if day.weekday not in self.weekdays or self.b.sessions_per_day <= 0:
            return None
        if day.date in self.holidays:
            return None
        b = self.b
        rng = self.streams.generator("behaviour", self.group.group, index)
        n = self.devices
        if b.day_start.spread == "uniform":
            wall = rng.uniform(0.0, 86400.0, n)
        else:
            wall = np.clip(rng.normal(b.day_start.mean_seconds, b.day_start.sd, n), 0.0, 86399.0)
        next_start = np.maximum(day.wall_clock(wall), self.busy_until)
        count = self._count(rng, day)
        parts: list[tuple[np.ndarray, ...]] = []
        unit_parts: list[tuple[np.ndarray, np.ndarray]] = []
        done = 0
        for j in range(int(count.max(initial=0))):
            dev = np.flatnonzero(count > j)
            start = next_start[dev]
            clicks = rng.poisson(b.clicks_per_session, dev.size)
            length = self._lengths(rng, dev.size)
            if length is not None:
                clicks = np.maximum(clicks, 1)
            if self.group.anonymous:
                self.running_until[dev] = carried(self.running_until[dev], True)
            if self.with_units:
                ready = self.running_until[dev]
                gap = b.click_gap if length is None else length / clicks
                end, u_sess, u_time = self._units(rng, dev, start, clicks, gap)
                unit_parts.append((u_sess + done, u_time))
            else:
                ready = np.full(dev.size, -np.inf)
                end = (
                    start + draws.gamma(rng, np.maximum(clicks, 1), b.click_gap) * (clicks > 0)
                    if length is None
                    else start + length
                )
            pause = rng.exponential(b.session_break, dev.size) if b.session_break > 0 else 0.0
            next_start[dev] = end + pause
            server = self.servers[draws.integers(rng, self.servers.size, dev.size)]
            document = (
                self.doc_codes[rng.choice(self.doc_codes.size, dev.size, p=self.doc_weights)]
                if self.doc_codes.size
                else np.full(dev.size, -1, dtype=np.int64)
            )
            self.busy_until[dev] = end
            parts.append((dev, start, end, clicks, server, ready, np.full(dev.size, j), document))
            done += dev.size
        if not parts:
            return None
        dev, start, end, clicks, server, ready, order, document = (
            np.concatenate(p) for p in zip(*parts, strict=True)
        )
        plan = DayPlan(
            user=self.first_user + dev // b.devices,
            device=dev % b.devices,
            server=server,
            start=start,
            end=end,
            clicks=clicks,
            order=order,
            document=document,
            logged_out=self._logouts(index, len(start)),
        )
        if self.with_units:
            sess = np.concatenate([u[0] for u in unit_parts])
            times = np.concatenate([u[1] for u in unit_parts])
            by_session = np.argsort(sess, kind="stable")
            plan.unit_ready = ready
            plan.units = times[by_session]
            plan.unit_ptr = np.searchsorted(sess[by_session], np.arange(len(start) + 1))
        return plan

    def _logouts(self, index: int, n: int) -> np.ndarray:
        """Which of the day's ``n`` sessions end by logout. The draw has a stream of its own,
        so the share leaves every other behaviour draw as it was (common random numbers)
        and a variant with a larger share logs out a superset of the same sessions."""
        rng = self.streams.generator("logout", self.group.group, index)
        return rng.random(n) < self.b.logout_share

    def _units(
        self,
        rng: np.random.Generator,
        dev: np.ndarray,
        start: np.ndarray,
        clicks: np.ndarray,
        gap: float | np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit starts and session ends for one round of sessions (one per device).

        ``gap`` is the mean click gap: the group's, or one per session (``session_length``).
        """
        unit = self.unit

        def pace(rows: np.ndarray) -> float | np.ndarray:
            return gap[rows] if isinstance(gap, np.ndarray) else gap

        window_end = self.running_until[dev].copy()
        at = start.copy()
        left = clicks.astype(np.float64)
        end = start.copy()
        fresh = at >= window_end
        u_sess = [np.flatnonzero(fresh)]
        u_time = [at[fresh]]
        window_end[fresh] = at[fresh] + unit
        active = np.flatnonzero(left > 0)
        while active.size:
            inside = draws.poisson(rng, (window_end[active] - at[active]) / pace(active))
            last = inside >= left[active]
            fin = active[last]
            if fin.size:
                share = draws.beta(rng, left[fin], inside[last] - left[fin] + 1.0)
                end[fin] = at[fin] + (window_end[fin] - at[fin]) * share
            go = active[~last]
            # The first click after the window is one of the session's clicks too.
            left[go] -= inside[~last] + 1
            at[go] = window_end[go] + draws.exponential(rng, pace(go), go.size)
            end[go] = at[go]
            u_sess.append(go)
            u_time.append(at[go])
            window_end[go] = at[go] + unit
            active = go[left[go] > 0]
        self.running_until[dev] = window_end
        return end, np.concatenate(u_sess), np.concatenate(u_time)


@dataclass
class QmcDay:
    """The QMC sessions an admin group opens on one day, as parallel arrays."""

    user: np.ndarray
    start: np.ndarray
    end: np.ndarray
    order: np.ndarray
    """Session ``order[i]`` of its admin's QMC sessions that day (0, 1, …), by start."""


class QmcPlanner:
    """Draws the daily QMC openings of an administrators' group (``UserGroup.qmc``)."""

    def __init__(self, group: UserGroup, first_user: int, streams: Streams) -> None:
        assert group.qmc is not None
        self.group = group
        self.q = group.qmc
        self.first_user = first_user
        self.streams = streams
        self.weekdays = frozenset(group.behaviour.weekday_numbers)

    def plan(self, day: LocalDay, index: int) -> QmcDay | None:
        """The QMC sessions of the run's ``index``-th local day (None if there are none)."""
        if day.weekday not in self.weekdays or self.q.sessions_per_day <= 0:
            return None
        rng = self.streams.generator("qmc", self.group.group, index)
        count = rng.poisson(self.q.sessions_per_day, self.group.count)
        total = int(count.sum())
        if total == 0:
            return None
        user = np.repeat(np.arange(self.group.count), count)
        wall = self.group.behaviour.day_start.mean_seconds + rng.uniform(0.0, self.q.hours, total)
        start = day.wall_clock(wall)
        end = start + rng.exponential(self.q.duration, total)
        by = np.lexsort((start, user))
        user, start, end = user[by], start[by], end[by]
        first = np.searchsorted(user, user)
        return QmcDay(self.first_user + user, start, end, np.arange(total) - first)


def replan_activity(rng: np.random.Generator, start: float, end: float, clicks: int) -> np.ndarray:
    """Activity instants of a session known only by its start, end and click count.

    Given the last of ``clicks`` Poisson clicks at ``end``, the others are uniform on
    ``(start, end)``: the exact conditional law, used when a planned unit chain is void.
    """
    inner = np.sort(rng.uniform(start, end, max(clicks - 1, 0)))
    tail = [end] if clicks > 0 else []
    return np.concatenate(([start], inner, tail))


def replanned_units(
    streams: Streams,
    unit: float,
    user: int,
    device: int,
    day: int,
    order: int,
    start: float,
    end: float,
    clicks: int,
    running: float,
) -> np.ndarray:
    """Units of a session whose planned unit chain no longer holds: its activity drawn
    again from its own stream (:func:`replan_activity`), charged from ``running`` on."""
    rng = streams.generator("replan", user, device, day, order)
    activity = replan_activity(rng, start, end, clicks)
    return np.asarray(unit_starts(activity, running, unit), dtype=np.float64)


class Batch:
    """A day's session plans of every group, concatenated; units addressed by row."""

    def __init__(self, plans: list[tuple[int, DayPlan]], day_index: int) -> None:
        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for _, p in plans])

        self.day_index = day_index
        self.group = np.concatenate([np.full(len(p), gi, dtype=np.int64) for gi, p in plans])
        self.user, self.device, self.server = cat("user"), cat("device"), cat("server")
        self.start, self.end = cat("start"), cat("end")
        self.clicks, self.order = cat("clicks"), cat("order")
        self.document = cat("document")
        self.logged_out = cat("logged_out")
        ready, lo, hi, units = [], [], [], []
        offset = 0
        for _, p in plans:
            if p.units is None or p.unit_ptr is None or p.unit_ready is None:
                ready.append(np.full(len(p), -np.inf))
                lo.append(np.full(len(p), offset, dtype=np.int64))
                hi.append(np.full(len(p), offset, dtype=np.int64))
                continue
            ready.append(p.unit_ready)
            lo.append(p.unit_ptr[:-1] + offset)
            hi.append(p.unit_ptr[1:] + offset)
            units.append(p.units)
            offset += len(p.units)
        self.unit_ready = np.concatenate(ready)
        self.unit_lo = np.concatenate(lo)
        self.unit_hi = np.concatenate(hi)
        self.units = np.concatenate(units) if units else np.zeros(0)

    def first_start(self, midnight: float, until: float) -> float:
        """When the first of the batch's sessions from ``midnight`` on starts, but no later
        than ``until``."""
        return float(self.start[self.start >= midnight].min(initial=until))
