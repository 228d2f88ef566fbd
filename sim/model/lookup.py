"""Per-run lookup tables: what the engine's parts ask of servers and groups, built once.

Routing, the fast path and the resolvers ask the same static questions many times a day
(which pool a server serves, its idle timeout, which access rules cover a group, whether a
group's sessions always take the exact path). The answers do not change during a run, so
they are arrays indexed by server or group, made here from the world once.
"""

from __future__ import annotations

import numpy as np

from sim.model.codes import ACCESS_CODE, ACCESS_CODES, SEAT_CODE, reason_code
from sim.model.session import Session
from sim.model.timelines import ServerArrays
from sim.model.world import World
from sim.rules.access import CAPACITY, settled_access
from sim.rules.connectivity import LicenseState
from sim.rules.parallel import PARALLEL_ACCESS
from sim.rules.passes import token_access
from sim.rules.pool import SeatType
from sim.rules.qlikview import CAL_ACCESS
from sim.rules.qmc import SIGNED_ACTIVATIONS, Client, qmc_eligible
from sim.rules.session import idle_timeout


class Lookup:
    """Static per-server and per-group arrays of one run."""

    def __init__(self, world: World) -> None:
        sc = world.scenario
        self.world = world
        self.eligible = [g.access_types for g in sc.users]
        # An admin's QMC sessions from behaviour run on a device of their own, after the
        # hub devices.
        self.devices = max(
            [1]
            + [g.behaviour.devices + (g.qmc is not None) for g in sc.users]
            + [ss.device + 1 for g in sc.users for ss in (g.sessions or [])]
        )
        self.timeout = np.array(
            [
                idle_timeout(s.product, sc.rules.session_inactivity, sc.rules.qlikview_idle_timeout)
                for s in world.servers
            ]
        )
        self.server_license = np.array([s.license for s in world.servers], dtype=np.int64)
        self.server_pool = np.array([s.pool for s in world.servers], dtype=np.int64)
        self.token_license = np.array([lic.tokens is not None for lic in sc.licenses], dtype=bool)
        """Per license: does it hold tokens at the start (until an admin remixes them)?"""
        self.backend_bound = np.array([s.abilities.backend_bound for s in world.servers])
        self.passes_local = np.array(
            [
                all(
                    srv.abilities.pass_allowed(span.state, False)
                    for span in srv.timeline.spans
                    if span.state is not LicenseState.UNLICENSED
                )
                for srv in world.servers
            ],
            dtype=bool,
        )
        """Per server: may it take a login pass whenever it is licensed, reachable or not
        (a LEF or offline site counts its passes locally, :meth:`~sim.rules.connectivity.
        Capabilities.pass_allowed`)?"""
        self.capacity_ok = np.array([s.capacity_ok for s in world.servers], dtype=bool)
        self.arrays = [ServerArrays.of(s) for s in world.servers]
        self.dynamic_rule = np.array(
            [
                [
                    any(s.value in g.access_types and p.pool.is_dynamic(s) for s in SeatType)
                    for p in world.pools
                ]
                for g in sc.users
            ],
            dtype=bool,
        ).reshape(len(sc.users), len(world.pools))
        """Per group and pool: does a dynamic seat rule of the pool cover the group?"""
        self.settled_access, self.settled_reason = self._settled(world)
        """Per group, server and held seat code: the access code (or 0) and the reason code
        (or 0) of :func:`sim.rules.access.settled_access` (on a token license
        :func:`sim.rules.passes.token_access`), the fast path's logins."""
        self.group_capacity = np.array([CAPACITY in g.access_types for g in sc.users], dtype=bool)
        self.group_anonymous = np.array([g.anonymous for g in sc.users], dtype=bool)
        self.signed = [lic.activation in SIGNED_ACTIVATIONS for lic in sc.licenses]
        # An admin's QMC sessions share the exact path with their hub sessions; who may
        # reach the parallel limit is decided per day (sim.model.routing).
        self.group_exact = np.array(
            [
                not g.generated or g.qmc is not None or bool(set(g.access_types) & CAL_ACCESS)
                for g in sc.users
            ],
            dtype=bool,
        )
        # Whose sessions the parallel limit counts on the fast path (routing decides per day):
        # users who may hold a seat, by their access rules or by an admin's allocation (an
        # admin may give an Analyzer seat to a user whose rules grant capacity only).
        self.group_parallel = np.array(
            [bool(holdable & set(PARALLEL_ACCESS)) for holdable in self._holdable(world)],
            dtype=bool,
        )

    @staticmethod
    def _holdable(world: World) -> list[set[str]]:
        """Per group, the access types its users may hold: their rules' and any an admin
        action allocates to one of them."""
        sc = world.scenario
        holdable = [set(g.access_types) for g in sc.users]
        for lic in sc.licenses:
            for a in lic.actions:
                if a.action == "allocate" and a.type is not None:
                    holdable[int(world.user_group[sc.user_index(a.user)])].add(a.type)
        return holdable

    def _settled(self, world: World) -> tuple[np.ndarray, np.ndarray]:
        shape = (len(self.eligible), len(world.servers), len(ACCESS_CODES))
        access = np.zeros(shape, dtype=np.int8)
        reason = np.zeros(shape, dtype=np.int8)
        for gi, eligible in enumerate(self.eligible):
            for si, srv in enumerate(world.servers):
                pool = world.pools[srv.pool].pool
                tokens = bool(self.token_license[srv.license])
                for held in (None, *SeatType):
                    d = (
                        token_access(held, eligible, True, srv.product)
                        if tokens
                        else settled_access(held, eligible, pool.is_dynamic, srv.capacity_ok)
                    )
                    code = 0 if held is None else SEAT_CODE[held]
                    access[gi, si, code] = ACCESS_CODE[d.access]
                    reason[gi, si, code] = reason_code(d.reason)
        return access, reason

    def group_of(self, user: int) -> int:
        return int(self.world.user_group[user])

    def eligible_for(self, s: Session) -> tuple[str, ...]:
        """The access rules that cover session ``s``: its group's, as a QMC session covers
        them for an admin (:func:`sim.rules.qmc.qmc_eligible`)."""
        gi = self.group_of(s.user)
        qmc = self.world.scenario.users[gi].qmc
        if s.client is Client.QMC and qmc is not None:
            return qmc_eligible(self.eligible[gi], qmc.exclude_from_capacity_rule)
        return self.eligible[gi]

    def may_charge(self, s: Session) -> bool:
        """Whether session ``s`` could start a capacity unit once it starts."""
        return CAPACITY in self.eligible_for(s)
