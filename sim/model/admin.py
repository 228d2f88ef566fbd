"""The license administrator: scheduled allocations, deallocations, license changes,
quarantine ends and the idle-seat reclaim policy.

Admin work changes a pool while users are logging in, so it is resolved on the engine's
exact path in time order with the sessions: each piece is an item on the engine's heap,
and a day with admin work on a pool sends that pool's sessions down the exact path.

When a scheduled license change takes effect depends on how the key is activated: an
online signed key picks it up at the next license definition refresh (every 24 h) that
reaches the backend, a LEF at its next daily refresh, and an offline SLD when the admin
applies it, that is at the change's own date (licensing-rules §1).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.model.capacity import CapacityLedger
from sim.model.pools import SeatLedger
from sim.model.session import AdminItem
from sim.model.tokens import PassLedger
from sim.model.world import World
from sim.recorder import At, Recorder
from sim.rules.pool import SeatType, idle_for

ENTITLEMENT_KEYS = ("professional", "analyzer", "capacity_minutes", "overage", "key")


class Administration:
    """Applies admin items to the ledgers and records what happened."""

    def __init__(
        self,
        world: World,
        seats: SeatLedger,
        passes: PassLedger,
        capacity: CapacityLedger,
        schedule: Callable[[float, AdminItem], None],
        rec: Recorder,
    ) -> None:
        self.world = world
        self.seats = seats
        self.passes = passes
        self.capacity = capacity
        self.schedule = schedule
        self.rec = rec
        w = world
        sc = w.scenario
        self.user_index = {name: i for i, name in enumerate(w.user_names)}
        self.quarantine = {
            li: sc.rules.quarantine
            if lic.activation == "lef" or sc.rules.quarantine_on_slk
            else None
            for li, lic in enumerate(w.licenses)
        }

    def _pools(self, li: int, user: int) -> tuple[int, ...]:
        w = self.world
        mine = set(w.group_servers[int(w.user_group[user])])
        return tuple(
            pi for pi, p in enumerate(w.pools) if p.license == li and mine & set(p.servers)
        )

    def scheduled(self) -> list[tuple[float, AdminItem]]:
        """Every admin action and license change of the scenario, at the time it applies."""
        w = self.world
        sc = w.scenario
        out: list[tuple[float, AdminItem]] = []
        for li, lic in enumerate(sc.licenses):
            every = tuple(pi for pi, p in enumerate(w.pools) if p.license == li)
            for a in lic.actions:
                user = self.user_index[a.user]
                seat = None if a.type is None else SeatType(a.type)
                out.append(
                    (sc.seconds(a.at), AdminItem(a.action, li, self._pools(li, user), user, seat))
                )
            for k, c in enumerate(lic.changes):
                at = sc.seconds(c.at)
                # Moving tokens between pass types is the admin's own act in the QMC; an
                # entitlement change reaches the site with its license refresh.
                if any(getattr(c, key) is not None for key in ENTITLEMENT_KEYS):
                    at = self._takes_effect(li, at)
                if at < w.horizon:
                    out.append((at, AdminItem("change", li, every, change=k)))
        return out

    def _takes_effect(self, li: int, t: float) -> float:
        w = self.world
        activation = w.licenses[li].activation
        if activation == "sld":
            return t
        refresh = w.scenario.rules.definition_refresh_interval
        at = math.ceil(max(t, 0.0) / refresh) * refresh
        if activation == "lef":
            return at
        while at < w.horizon and w.backend_down.contains(at):
            at += refresh
        return at

    def apply(self, t: float, item: AdminItem) -> None:
        if item.kind == "change":
            self._change(t, item)
            return
        if item.kind == "reconcile":
            self.seats.reconcile(t, item.server)
            return
        for pi in item.pools:
            if item.kind == "allocate":
                self._allocate(t, pi, item)
            elif item.kind == "deallocate":
                self.deallocate(t, pi, item.user, "admin")
            else:
                self._quarantine_end(t, pi, item.user)

    def _allocate(self, t: float, pi: int, item: AdminItem) -> None:
        pool = self.world.pools[pi].pool
        seat = item.seat or SeatType.ANALYZER
        if pool.seat_of(item.user) is not None:
            return
        if not self._may_allocate(t, pi):
            self._event(
                t, "allocate_refused", pi, item.user, f"{seat.value}: no server can allocate now"
            )
        elif pool.in_quarantine(item.user, seat) or pool.available(seat) > 0:
            self.seats.allocate(t, pi, item.user, seat, -1, "admin")
        else:
            self._event(t, "allocate_refused", pi, item.user, f"{seat.value}: no seat available")

    def _may_allocate(self, t: float, pi: int) -> bool:
        """Whether a server of pool ``pi`` may allocate at ``t``: an admin's allocation in
        the QMC needs what a dynamic one does (the license service, on a signed key)."""
        for si in self.world.pools[pi].servers:
            srv = self.world.servers[si]
            reachable = not srv.unreachable.contains(t)
            if srv.abilities.allocation_allowed(srv.timeline.at(t).state, reachable):
                return True
        return False

    def deallocate(self, t: float, pi: int, user: int, why: str) -> None:
        seats = self.seats
        p = self.world.pools[pi]
        seat = p.pool.seat_of(user)
        if seat is None:
            return
        # Quarantine counts from the seat's last use; one not used within the period (or
        # never) is released at once, however recently it was allocated. A user access pass
        # is quarantined whatever the key (licensing-rules §5); seats follow the license's
        # activation (§3).
        last = float(seats.last_used[pi, user])
        period = (
            self.world.scenario.rules.quarantine
            if seat is SeatType.USER_PASS
            else self.quarantine[p.license]
        )
        until = seats.release(t, pi, user, period)
        self._event(t, "deallocate", pi, user, f"{seat.value} ({why})")
        if until is not None:
            self._event(
                t,
                "quarantine",
                pi,
                user,
                At(f"{seat.value} until {{at}} (last used {{last}})", until, (("last", last),)),
            )
            self.schedule(until, AdminItem("quarantine_end", p.license, (pi,), user))
        seats.allocation_row(t, p, seat)

    def _quarantine_end(self, t: float, pi: int, user: int) -> None:
        p = self.world.pools[pi]
        for seat in self.seats.expire(t, pi, user):
            self._event(t, "quarantine_end", pi, user, seat.value)
            self.seats.allocation_row(t, p, seat)

    def _change(self, t: float, item: AdminItem) -> None:
        seats = self.seats
        lic = self.world.scenario.licenses[item.license]
        c = lic.changes[item.change]
        if c.remix:
            self._remix(t, item)
        for pi in item.pools:
            for seat, total in (
                (SeatType.PROFESSIONAL, c.professional),
                (SeatType.ANALYZER, c.analyzer),
            ):
                if total is not None:
                    seats.set_total(t, pi, seat, total)
        if c.user_passes is not None:
            for pi in item.pools:
                seats.set_total(t, pi, SeatType.USER_PASS, c.user_passes)
        passes = self.passes.pools[item.license]
        if c.login_passes is not None and passes is not None:
            passes.set_passes(c.login_passes)
        meter = self.world.licenses[item.license].meter
        if c.capacity_minutes is not None or c.overage is not None:
            month = meter.month(t)
            purchased = month.purchased if c.capacity_minutes is None else c.capacity_minutes
            overage = lic.overage if c.overage is None else c.overage
            self.capacity.change(t, item.license, purchased, overage)
        if c.remix:
            for pi in item.pools:
                seats.allocate_by_name(t, pi)
        values = {k: v for k, v in c.model_dump().items() if k != "at" and v is not None}
        self.rec.event(
            t,
            "license_change",
            lic.id,
            None,
            None,
            ", ".join(f"{k}={v}" for k, v in values.items()),
        )

    def _remix(self, t: float, item: AdminItem) -> None:
        """Tokens exchanged for a key with Professional/Analyzer seats: every user pass,
        held or in quarantine, goes with the tokens (there is nothing left to reinstate),
        and from now on logins follow the access order of a user-based license."""
        seats = self.seats
        self.passes.remixed.add(item.license)
        for pi in item.pools:
            p = self.world.pools[pi]
            for user in [u for u, seat in p.pool.holders.items() if seat is SeatType.USER_PASS]:
                seats.release(t, pi, user, None)
                self._event(t, "deallocate", pi, user, "user_pass (remix)")
            for user in p.pool.quarantined_users(SeatType.USER_PASS):
                seats.expire(math.inf, pi, user)
            seats.sell_by_name(pi, (SeatType.PROFESSIONAL, SeatType.ANALYZER))

    def reclaim(self, t: float) -> None:
        """The idle-seat policy: release seats of every kind (Professional, Analyzer, user
        access pass, Named User CAL) unused for ``reclaim.idle``, checked daily."""
        seats = self.seats
        for pi, p in enumerate(self.world.pools):
            policy = self.world.scenario.licenses[p.license].reclaim
            if policy is None:
                continue
            for user in list(p.pool.holders):
                idle = idle_for(
                    t, float(seats.last_used[pi, user]), float(seats.allocated_at[pi, user])
                )
                if idle >= policy.idle:
                    self.deallocate(t, pi, user, f"reclaim: idle {idle / 86400:.0f} d")

    def _event(self, t: float, kind: str, pi: int, user: int, detail: str | At) -> None:
        """A pool event: on a per-site pool (LEF, SLD) its server is the site."""
        w = self.world
        p = w.pools[pi]
        self.rec.event(t, kind, p.license_id, p.site, w.user_names[user], detail)
