"""Deployment: which license may be applied to which servers, and to how many.

A license is applied to servers (``servers[i].license``). Whether that is allowed depends on
the server's product and release and on how many servers share the key (licensing-rules
§1, §5, §6):

* each product uses only the license kinds sold for it (:func:`.entitlement.product_problem`);
* a signed key (online SLK, delayed sync, SLD) needs a release that supports the license
  service (:mod:`.versions`);
* applying one license to more than one server is permitted only when all of them connect
  and sync, because that is how they share one pool of seats. An online SLK does. A LEF
  keeps its user assignments on its own site and an SLD never syncs, so on several servers
  each would hold its own copy of every seat: refused, unless the scenario deliberately
  models the over-deployment (``over_deployed: true``), and then the excess is reported. A
  delayed-sync key may start offline, but a server that cannot reach the backend before its
  window ends never syncs with the others: refused, judged from the scheduled outages
  (random outages end after their mean time to repair, so they are not counted against it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sim.rules.connectivity import ContactSchedule, next_success
from sim.rules.intervals import Intervals

from .entitlement import product_problem
from .errors import Loc
from .fields import _fmt_time
from .licenses import License
from .network import Backend, Server
from .rules import Rules
from .versions import signed_key_problem

__all__ = ["Deployment", "deployment_problems"]

SIGNED = ("slk", "sld", "delayed_sync")


@dataclass(frozen=True)
class Deployment:
    """What the deployment checks read of a scenario: its licenses and servers, the rules,
    the backend's outages and the period's clock."""

    licenses: Sequence[License]
    servers: Sequence[Server]
    rules: Rules
    backend: Backend
    start_at: datetime
    seconds: Callable[[datetime], float]
    """Seconds from the start of the period to a moment (the scenario's time zone)."""


def deployment_problems(sc: Deployment) -> list[tuple[Loc, object, str]]:
    """Every server whose license cannot be applied to it, as (path, value, expected)."""
    problems: list[tuple[Loc, object, str]] = []
    licenses = {lic.id: lic for lic in sc.licenses}
    on: dict[str, list[int]] = {}
    for i, srv in enumerate(sc.servers):
        lic = licenses.get(srv.license)
        if lic is None:
            continue  # an unknown id is reported by the reference check
        on.setdefault(lic.id, []).append(i)
        reason = product_problem(lic.entitlement, srv.product, lic.unified)
        if reason is not None:
            problems.append(
                (
                    ("servers", i, "license"),
                    srv.license,
                    f"license {lic.id} ({_kind(lic)}, {lic.activation}) cannot be applied to "
                    f"{srv.product} server {srv.id}: {reason}",
                )
            )
        release = srv.release
        if lic.activation in SIGNED and release is not None:
            old = signed_key_problem(release, srv.product)
            if old is not None:
                problems.append(
                    (
                        ("servers", i, "version"),
                        srv.version,
                        f"{old}; license {lic.id} is a signed key ({lic.activation}): "
                        "expected that release or a later one, or a license with activation: lef",
                    )
                )
    for li, lic in enumerate(sc.licenses):
        test = [sc.servers[i] for i in on.get(lic.id, []) if sc.servers[i].role == "test"]
        if lic.test_and_development == "separate" and lic.activation in SIGNED and not test:
            problems.append(
                (
                    ("licenses", li, "test_and_development"),
                    "separate",
                    f"a separate Test & Development pool needs a test server: no server "
                    f"with role: test uses license {lic.id} (licensing-rules §3); expected "
                    "test_and_development: shared, or a server with role: test on it",
                )
            )
    for lic_id, indices in on.items():
        if len(indices) > 1:
            problems += _shared_problems(sc, licenses[lic_id], indices)
    return problems


def _kind(lic: License) -> str:
    if lic.tokens is not None:
        return "tokens"
    if lic.qlikview_cals is not None:
        return "QlikView CALs"
    return "Professional/Analyzer" + (" and capacity" if lic.capacity_minutes else "")


def _shared_problems(
    sc: Deployment, lic: License, indices: list[int]
) -> list[tuple[Loc, object, str]]:
    """One license on several servers: allowed only when they all connect and sync."""
    names = ", ".join(sc.servers[i].id for i in indices)
    rule = (
        "applying one license to more than one server is permitted only when all of them "
        "connect and sync, which is how they share its seats (licensing-rules §1)"
    )
    if lic.activation in ("lef", "sld"):
        if lic.over_deployed:
            return []
        why = (
            "a LEF keeps its user assignments on its own site"
            if lic.activation == "lef"
            else "an offline SLD never syncs"
        )
        return [
            (
                ("servers", i, "license"),
                sc.servers[i].license,
                f"license {lic.id} ({lic.activation}) is applied to {len(indices)} servers "
                f"({names}): {rule}, and {why}, so each server would hold its own copy of "
                "every seat; expected one license per server, activation: slk, or "
                "over_deployed: true on the license to model the over-deployment and report "
                "the excess",
            )
            for i in indices[1:]
        ]
    if lic.activation != "delayed_sync":
        return []
    schedule = ContactSchedule(sc.rules.user_sync_interval, sc.rules.definition_refresh_interval)
    activated = 0.0 if lic.activated is None else sc.seconds(lic.activated)
    deadline = activated + sc.rules.delayed_sync_window
    backend = [(sc.seconds(o.start), sc.seconds(o.stop)) for o in sc.backend.outages]
    problems: list[tuple[Loc, object, str]] = []
    for i in indices:
        srv = sc.servers[i]
        link = [(sc.seconds(o.start), sc.seconds(o.stop)) for o in srv.link_outages]
        down = Intervals.of(backend + link)
        if next_success(down, schedule, max(activated, 0.0), deadline) < deadline:
            continue
        end = sc.start_at + timedelta(seconds=deadline)
        problems.append(
            (
                ("servers", i, "link_outages"),
                [{"start": _fmt_time(o.start), "stop": _fmt_time(o.stop)} for o in srv.link_outages]
                or "none (the backend is down)",
                f"license {lic.id} (delayed_sync) is applied to {len(indices)} servers "
                f"({names}), and server {srv.id} cannot reach the backend before its "
                f"delayed-sync window ends ({_fmt_time(end)}): {rule}; without a sync each "
                "server hands out the same seats. Expected a successful contact within the "
                "window (an outage that ends before it), or a delayed-sync license of its own",
            )
        )
    return problems
