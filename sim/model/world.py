"""The deployment as the engine sees it: servers, licenses and users, built from a scenario.

Building the world turns timestamps into second offsets, outages into interval sets, and
each server's license state into a timeline known ahead of the run (it depends only on
outages and the contact schedule). It is also where a scenario that validates but asks for
something the engine does not simulate yet is refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from sim.model.calendar import LocalDay, local_days, utc_month_starts
from sim.model.streams import Streams
from sim.rules.capacity import CapacityMeter, unit_minutes
from sim.rules.connectivity import (
    Capabilities,
    ContactSchedule,
    StateTimeline,
    address_change_outages,
    delayed_sync_timeline,
    lef_timeline,
    license_timeline,
    nprinting_timeline,
    restrict_validity,
    sld_timeline,
)
from sim.rules.intervals import Intervals
from sim.rules.pool import SeatType, UserPool, pool_label, uses_test_pool
from sim.scenario import (
    ADDRESS_CHANGE,
    License,
    Outage,
    RandomAddressChanges,
    RandomOutages,
    Scenario,
    ScenarioError,
)
from sim.scenario.errors import Problem

SESSION_PRODUCTS = frozenset({"qlik_sense", "qlikview"})
MAX_RANDOM_OUTAGES = 100_000


@dataclass
class LicenseRuntime:
    """A license key during a run: its capacity account and how it is activated."""

    id: str
    activation: str
    meter: CapacityMeter
    has_capacity: bool
    """Whether the license holds Analyzer Capacity at some time in the run: from the start,
    or from a change (a purchase, or a remix of tokens into a key with minutes)."""
    copies: tuple[int, ...] = ()
    """The pools of an over-deployed LEF/SLD on several servers (each server's own copy of
    the seats); empty otherwise."""


@dataclass
class PoolRuntime:
    """A pool of Professional/Analyzer seats: one per signed key (two with a separate Test &
    Development license: production and test), one per site on LEF/SLD (their assignments
    are not shared between sites, licensing-rules §1)."""

    id: str
    license: int
    pool: UserPool
    servers: list[int]
    seats: tuple[SeatType, ...] = (SeatType.PROFESSIONAL, SeatType.ANALYZER)
    """The seat types this license sells: user passes on a token license."""
    site: str | None = None
    """The server of a per-site pool (LEF, SLD); None for a key shared by its servers. Pool
    events (deallocations, quarantines) name it as their server."""
    license_id: str = ""
    """The license its rows and events name: the key's id, or for a separate Test &
    Development pool that license's own name (the pool's)."""


@dataclass
class ServerRuntime:
    """A server during a run: its product, its license and its license-state timeline."""

    id: str
    product: str
    role: str
    license: int
    pool: int
    unreachable: Intervals
    timeline: StateTimeline
    abilities: Capabilities
    outages: list[tuple[float, float, str]] = field(default_factory=list)

    unified: bool = False
    """The server's key is a unified (AMP) license."""

    @property
    def capacity_ok(self) -> bool:
        # QlikView reaches Analyzer Capacity only through a unified license.
        return self.product == "qlik_sense" or (self.product == "qlikview" and self.unified)


@dataclass
class World:
    """Everything the engine needs, in seconds since the start."""

    scenario: Scenario
    streams: Streams
    horizon: float
    days: list[LocalDay]
    months: list[tuple[str, float]]
    licenses: list[LicenseRuntime]
    pools: list[PoolRuntime]
    servers: list[ServerRuntime]
    backend_outages: list[tuple[float, float, str]]
    backend_down: Intervals
    schedule: ContactSchedule
    user_names: list[str]
    user_directories: list[str | None]
    """Each user's user directory (None: not stated)."""
    user_group: np.ndarray
    documents: list[str]
    """Every QlikView document named in the scenario; sessions refer to them by index."""
    group_first_user: list[int]
    group_servers: list[list[int]]


def _refuse(scenario: Scenario, path: str, value: object, expected: str) -> ScenarioError:
    return ScenarioError(scenario_source(scenario), [Problem(path, value, expected)])


def scenario_source(scenario: Scenario) -> str:
    return getattr(scenario, "source", None) or scenario.name


def _outage_pairs(
    scenario: Scenario, outages: list[Outage], default_cause: str
) -> list[tuple[float, float, str]]:
    return [
        (scenario.seconds(o.start), scenario.seconds(o.stop), o.cause or default_cause)
        for o in outages
    ]


def _random_outages(
    scenario: Scenario,
    spec: RandomOutages | None,
    rng: np.random.Generator,
    horizon: float,
    path: str,
) -> list[tuple[float, float, str]]:
    if spec is None:
        return []
    expected = horizon / (spec.mtbf + spec.mttr)
    if expected > MAX_RANDOM_OUTAGES:
        raise _refuse(
            scenario,
            path,
            {"mtbf": spec.mtbf, "mttr": spec.mttr},
            f"an mtbf + mttr giving at most {MAX_RANDOM_OUTAGES:,} outages over the run "
            f"(this gives about {expected:,.0f})",
        )
    out: list[tuple[float, float, str]] = []
    t = float(rng.exponential(spec.mtbf))
    while t < horizon:
        d = float(rng.exponential(spec.mttr))
        out.append((t, t + d, "random"))
        t += d + float(rng.exponential(spec.mtbf))
    return out


def _holds_capacity(lic: License) -> bool:
    """Minutes or overage, from the start or from one of the license's changes."""
    settings = [(lic.capacity_minutes, lic.overage)] + [
        (c.capacity_minutes or 0, c.overage or "none") for c in lic.changes
    ]
    return any(minutes > 0 or overage != "none" for minutes, overage in settings)


def _random_address_changes(
    scenario: Scenario, spec: RandomAddressChanges | None, rng: np.random.Generator, horizon: float
) -> list[float]:
    if spec is None:
        return []
    expected = horizon / spec.mean_interval
    if expected > MAX_RANDOM_OUTAGES:
        raise _refuse(
            scenario,
            "backend.random_address_changes.mean_interval",
            spec.mean_interval,
            f"a mean interval giving at most {MAX_RANDOM_OUTAGES:,} address changes over the "
            f"run (this gives about {expected:,.0f})",
        )
    out: list[float] = []
    t = float(rng.exponential(spec.mean_interval))
    while t < horizon:
        out.append(t)
        t += float(rng.exponential(spec.mean_interval))
    return out


def _check_supported(scenario: Scenario) -> None:
    for i, g in enumerate(scenario.users):
        for j, sid in enumerate(g.servers):
            if scenario.server(sid).product not in SESSION_PRODUCTS:
                raise _refuse(
                    scenario,
                    f"users[{i}].servers[{j}]",
                    sid,
                    "a Qlik Sense or QlikView server (users do not open sessions on NPrinting)",
                )
        for j, ss in enumerate(g.sessions or []):
            if ss.client == "qmc":
                _check_qmc_server(scenario, f"users[{i}].sessions[{j}].server", ss.server)
        if g.qmc is not None and g.sessions is None:
            _check_qmc_server(scenario, f"users[{i}].qmc.server", g.qmc_server)


def _check_qmc_server(scenario: Scenario, path: str, sid: str | None) -> None:
    """The QMC simulated is Qlik Sense's on a Professional/Analyzer (or capacity) license."""
    if sid is None:
        return
    srv = scenario.server(sid)
    lic = scenario.license(srv.license)
    if srv.product != "qlik_sense" or lic.tokens is not None:
        raise _refuse(
            scenario,
            path,
            sid,
            "a Qlik Sense server on a Professional/Analyzer license for QMC sessions (the "
            "QMC of a token license or of QlikView is not simulated)",
        )


def _seats(lic: License) -> tuple[SeatType, ...]:
    if lic.tokens is not None:
        return (SeatType.USER_PASS,)
    if lic.qlikview_cals is not None:
        return (SeatType.NAMED_CAL,)
    return (SeatType.PROFESSIONAL, SeatType.ANALYZER)


def _timeline(
    scenario: Scenario,
    product: str,
    lic: License,
    unreachable: Intervals,
    schedule: ContactSchedule,
) -> StateTimeline:
    """A server's license state over the run, by activation mode and product."""
    rules, horizon = scenario.rules, scenario.horizon

    def at(moment: datetime | None) -> float | None:
        return None if moment is None else scenario.seconds(moment)

    activated = at(lic.activated) or 0.0
    valid_from, valid_until = at(lic.valid_from), at(lic.valid_until)
    if lic.activation == "lef":
        timeline = lef_timeline(horizon)
    elif lic.activation == "sld":
        assert valid_until is not None
        renewals = [(scenario.seconds(r.at), scenario.seconds(r.until)) for r in lic.renewals]
        timeline = sld_timeline(horizon, max(activated, valid_from or 0.0), valid_until, renewals)
        valid_until = None  # the SLD's own end date and its renewals already apply
    elif product == "nprinting":
        timeline = nprinting_timeline(unreachable, horizon, rules.nprinting_resume)
    elif lic.activation == "delayed_sync":
        timeline = delayed_sync_timeline(
            unreachable, horizon, schedule, rules.grace, activated, rules.delayed_sync_window
        )
    else:
        timeline = license_timeline(unreachable, horizon, schedule, rules.grace)
    return restrict_validity(timeline, valid_from, valid_until)


def build_world(scenario: Scenario, replication: int = 0, seed: int | None = None) -> World:
    """Resolve a validated scenario into the engine's world."""
    _check_supported(scenario)
    rules = scenario.rules
    streams = Streams(scenario.seed if seed is None else seed, replication)
    horizon = scenario.horizon
    months = utc_month_starts(scenario.start_at, horizon)
    month_offsets = [m[1] for m in months]

    backend = _outage_pairs(scenario, scenario.backend.outages, "backend outage")
    backend += _random_outages(
        scenario,
        scenario.backend.random_outages,
        streams.generator("outages", "backend"),
        horizon,
        "backend.random_outages",
    )
    backend_down = Intervals.of((a, b) for a, b, _ in backend)
    address_changes = sorted(
        [scenario.seconds(c) for c in scenario.backend.address_changes]
        + _random_address_changes(
            scenario,
            scenario.backend.random_address_changes,
            streams.generator("address_changes", "backend"),
            horizon,
        )
    )

    licenses = [
        LicenseRuntime(
            lic.id,
            lic.activation,
            CapacityMeter(
                lic.capacity_minutes,
                unit_minutes(rules.capacity_unit),
                lic.overage,
                month_offsets,
                lic.capacity_used_at_start,
            ),
            _holds_capacity(lic),
        )
        for lic in scenario.licenses
    ]
    license_index = {lic.id: i for i, lic in enumerate(scenario.licenses)}

    schedule = ContactSchedule(rules.user_sync_interval, rules.definition_refresh_interval)
    servers: list[ServerRuntime] = []
    pools: list[PoolRuntime] = []
    shared: dict[tuple[int, bool], int] = {}
    for i, srv in enumerate(scenario.servers):
        link = _outage_pairs(scenario, srv.link_outages, "link outage")
        link += _random_outages(
            scenario,
            srv.random_outages,
            streams.generator("outages", "link", srv.id),
            horizon,
            f"servers[{i}].random_outages",
        )
        link += [
            (a, b, ADDRESS_CHANGE)
            for a, b in address_change_outages(
                address_changes, srv.firewall.allow_by, srv.firewall.fix_after
            )
        ]
        unreachable = backend_down | Intervals.of((a, b) for a, b, _ in link)
        li = license_index[srv.license]
        lic = scenario.license(srv.license)
        per_site = lic.activation in ("lef", "sld")
        key = (li, uses_test_pool(lic.test_and_development, srv.role))
        if per_site or key not in shared:
            dynamic = frozenset(
                SeatType(t)
                for t in ("professional", "analyzer")
                if getattr(lic.allocation, t) == "dynamic"
            )
            label = f"{lic.id}@{srv.id}" if per_site else pool_label(lic.id, key[1])
            pools.append(
                PoolRuntime(
                    label,
                    li,
                    UserPool(
                        lic.professional,
                        lic.analyzer,
                        dynamic,
                        user_passes=0 if lic.tokens is None else lic.tokens.user_passes,
                        named_cals=0 if lic.qlikview_cals is None else lic.qlikview_cals.named,
                    ),
                    [],
                    _seats(lic),
                    srv.id if per_site else None,
                    label if key[1] else lic.id,
                )
            )
            if not per_site:
                shared[key] = len(pools) - 1
        pool = len(pools) - 1 if per_site else shared[key]
        pools[pool].servers.append(i)
        servers.append(
            ServerRuntime(
                srv.id,
                srv.product,
                srv.role,
                li,
                pool,
                unreachable,
                _timeline(scenario, srv.product, lic, unreachable, schedule),
                Capabilities(
                    lic.activation in ("slk", "delayed_sync"),
                    rules.capacity_on_sld,
                    rules.capacity_on_delayed_sync,
                ),
                link,
                lic.unified,
            )
        )
    for li, lic in enumerate(scenario.licenses):
        mine = tuple(pi for pi, p in enumerate(pools) if p.license == li)
        if lic.over_deployed and len(mine) > 1:
            licenses[li].copies = mine
    server_index = {s.id: i for i, s in enumerate(scenario.servers)}

    user_names: list[str] = []
    user_directories: list[str | None] = []
    user_group: list[int] = []
    group_first_user: list[int] = []
    group_servers: list[list[int]] = []
    for gi, g in enumerate(scenario.users):
        group_first_user.append(len(user_names))
        user_names.extend(g.user_names())
        user_directories.extend(g.user_directories())
        user_group.extend([gi] * g.count)
        group_servers.append([server_index[s] for s in g.servers])

    return World(
        scenario=scenario,
        streams=streams,
        horizon=horizon,
        days=local_days(scenario.start_at, horizon, scenario.tz),
        months=months,
        licenses=licenses,
        pools=pools,
        servers=servers,
        backend_outages=backend,
        backend_down=backend_down,
        schedule=schedule,
        user_names=user_names,
        user_directories=user_directories,
        documents=sorted(
            {d for g in scenario.users for d in g.behaviour.documents}
            | {ss.document for g in scenario.users for ss in (g.sessions or []) if ss.document}
        ),
        user_group=np.asarray(user_group, dtype=np.int64),
        group_first_user=group_first_user,
        group_servers=group_servers,
    )
