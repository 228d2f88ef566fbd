"""Desktops on the engine's exact path: Qlik Sense Desktop unlocks, QlikView Desktop leases.

The rules are in :mod:`sim.rules.desktops`; the resolver owns each fleet's unlock and
lease state.
Each desktop fleet's users launch Desktop on each of their machines (a Poisson stream of
``launches_per_week``, or scripted ``launches``). A launch reaches the server unless the
user is ``away`` or the server is unlicensed, and counts only for a user who holds the
right access there: a Professional or Analyzer allocation for Qlik Sense Desktop, a Named
User CAL (Professional on a signed key) for a QlikView Desktop lease, which also needs a
server that leases (its "Allow license lease" on, no ``LICENSE_LEASE;NO;;`` on its LEF) and
a user not barred from leasing; a QlikView Desktop with a local license needs none of
it. A Qlik Sense Desktop
launch that reaches the server without such an allocation (the admin revoked it) locks
Desktop at once. Launches are resolved in time order with the sessions, so allocations and
deallocations made by then count. Every launch is a row of the ``launches`` table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.scheduler import LAUNCH, Scheduler
from sim.model.world import World
from sim.recorder import Recorder
from sim.rules.connectivity import LicenseState
from sim.rules.desktops import DesktopLicensing, LeaseRegistry, SenseDesktop, qlikview_launch
from sim.rules.intervals import Intervals
from sim.rules.pool import SeatType
from sim.rules.reasons import DenialReason, LaunchOutcome
from sim.scenario import ScenarioError
from sim.scenario.errors import Problem

WEEK = 7 * 86400.0
SENSE_SEATS = frozenset({SeatType.PROFESSIONAL, SeatType.ANALYZER})
LEASE_SEATS = frozenset({SeatType.NAMED_CAL, SeatType.PROFESSIONAL})


@dataclass(frozen=True)
class LaunchItem:
    """One desktop launch waiting on the engine's heap."""

    fleet: int
    user: int
    machine: int


class DesktopResolver:
    """Desktop unlock and lease state of every fleet, and the launches on the heap."""

    def __init__(self, world: World, scheduler: Scheduler, rec: Recorder) -> None:
        self.world = world
        self.scheduler = scheduler
        self.rec = rec
        self.sense: dict[tuple[int, int, int], SenseDesktop] = {}
        self.lock_reported: dict[tuple[int, int, int], float] = {}
        self.leases: dict[int, LeaseRegistry] = {}
        self.away: list[Intervals] = []
        self.desktop_licensing: list[dict[int, DesktopLicensing]] = []
        """Per fleet, each user's (global index) fixed QlikView Desktop licensing."""

    def schedule_launches(self) -> None:
        """Every fleet's launches of the run, onto the scheduler."""
        w = self.world
        sc = w.scenario
        for fi, d in enumerate(sc.desktops):
            self.away.append(
                Intervals.of((sc.seconds(a.start), sc.seconds(a.stop)) for a in d.away)
            )
            gi = [g.group for g in sc.users].index(d.users)
            first, count = w.group_first_user[gi], sc.users[gi].count
            server = sc.server(d.server)
            allowed = server.allow_license_lease and sc.license(server.license).license_lease
            local = d.members(d.local_license, count)
            barred = d.members(d.lease_prohibited, count)
            self.desktop_licensing.append(
                {
                    first + k: DesktopLicensing(k in local, allowed, k in barred)
                    for k in range(count)
                }
            )
            for t, user, machine in self._launch_times(fi, count):
                if user >= count:
                    raise ScenarioError(
                        getattr(sc, "source", None) or sc.name,
                        [Problem(f"desktops[{fi}].launches", user, f"a user below {count}")],
                    )
                if 0.0 <= t < w.horizon:
                    self.scheduler.push(t, LAUNCH, LaunchItem(fi, first + user, machine))

    def _launch_times(self, fi: int, count: int) -> list[tuple[float, int, int]]:
        w = self.world
        d = w.scenario.desktops[fi]
        if d.launches is not None:
            return [(w.scenario.seconds(x.at), x.user, x.machine) for x in d.launches]
        out: list[tuple[float, int, int]] = []
        if d.launches_per_week <= 0:
            return out
        rng = w.streams.generator("desktops", d.id)
        mean_gap = WEEK / d.launches_per_week
        for user in range(count):
            for machine in range(d.machines):
                n = int(rng.poisson(w.horizon / mean_gap * 1.2 + 10))
                times = np.cumsum(rng.exponential(mean_gap, n))
                out += [(float(t), user, machine) for t in times[times < w.horizon]]
        return out

    def launch(self, t: float, item: LaunchItem) -> None:
        w = self.world
        d = w.scenario.desktops[item.fleet]
        si = [s.id for s in w.servers].index(d.server)
        srv = w.servers[si]
        reachable = not self.away[item.fleet].contains(t) and (
            srv.timeline.at(t).state is not LicenseState.UNLICENSED
        )
        seat = w.pools[srv.pool].pool.seat_of(item.user)
        name = w.user_names[item.user]
        if d.product == "qlik_sense_desktop":
            key = (item.fleet, item.user, item.machine)
            desk = self.sense.setdefault(key, SenseDesktop(w.scenario.rules.desktop_unlock))
            if desk.authenticated is not None and desk.locked(t):
                # Report each lock once, at the moment the unlock period ran out.
                locked_at = desk.authenticated + desk.unlock
                if self.lock_reported.get(key, -np.inf) < locked_at:
                    self.lock_reported[key] = locked_at
                    self.rec.event(locked_at, "desktop_locked", None, d.server, name, d.id)
            renewed = reachable and seat in SENSE_SEATS
            was_unlocked = not desk.locked(t)
            usable = desk.launch(t, reachable, seat in SENSE_SEATS)
            if was_unlocked and not usable:
                # The user's access was revoked: this launch had to re-authenticate.
                self.lock_reported[key] = t
                self.rec.event(t, "desktop_locked", None, d.server, name, f"{d.id}: no access")
            outcome = (
                LaunchOutcome.RENEWED
                if renewed
                else (LaunchOutcome.UNLOCKED if usable else LaunchOutcome.LOCKED)
            )
            reason = None if usable else DenialReason.DESKTOP_LOCKED
        else:
            leases = self.leases.setdefault(
                item.fleet, LeaseRegistry(w.scenario.rules.desktop_unlock)
            )
            outcome, reason = qlikview_launch(
                leases,
                self.desktop_licensing[item.fleet][item.user],
                name,
                f"m{item.machine}",
                t,
                reachable=reachable,
                named_cal=seat in LEASE_SEATS,
            )
        why = None if reason is None else str(reason)
        self.rec.launches.append((t, d.id, d.product, name, item.machine, str(outcome), why))
