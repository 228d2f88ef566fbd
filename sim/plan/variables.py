"""Decision variables: what a plan may buy, in the units Qlik sells, between bounds.

A plan chooses, per license of the scenario, the number of **Professional** and
**Analyzer** seats and the **Analyzer Capacity** minutes per month. Each is a
:class:`Variable` at a dotted path of the scenario (``licenses.corp.analyzer``, the
``--set`` syntax), counted in its purchase unit: seats one by one, capacity in packs of
``prices.capacity_pack_minutes`` (1,000 minutes per month by default, the project's rules
digest §4). Its price per unit and month comes from the scenario's ``prices:`` block, so a
mix's monthly cost is the sum of units × price.

Which variables: a seat type or capacity the license already holds, or that some user
group relying on it (``access``) reaches through the license's servers. A token or CAL
license has none. **Bounds** given as ``PATH=LO:HI`` (or ``PATH=N`` to hold a variable
fixed) win; otherwise they are inferred from the population the plan is for (after
growth, :mod:`sim.plan.growth`):

- seats: from 0 to the number of users who may take one (every user of a group with that
  access type on the license's servers); at least 1 Professional whenever Analyzer seats
  may be bought, since an Analyzer purchase requires one (the digest, §3);
- capacity: from 0 packs to twice the scenario's purchase, or one pack per capacity user
  when the scenario buys none (model choice: widen it with a bound when the plan reports
  its mix at the upper bound).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from sim.scenario import Scenario
from sim.scenario.paths import canonical_path

__all__ = [
    "KINDS",
    "BoundsError",
    "MissingPrice",
    "Variable",
    "cost",
    "decision_variables",
    "parse_bound",
]

Kind = Literal["professional", "analyzer", "capacity_minutes"]
KINDS: tuple[Kind, ...] = ("professional", "analyzer", "capacity_minutes")
ACCESS = {"professional": "professional", "analyzer": "analyzer", "capacity_minutes": "capacity"}
"""The access type of the users each kind of purchase serves."""


class BoundsError(ValueError):
    """Bounds or prices a plan cannot use; the message says which and why."""


class MissingPrice(BoundsError):
    """The scenario lacks a price a decision variable needs."""


@dataclass(frozen=True)
class Variable:
    """One purchase decision: units of a seat type or of capacity packs on one license."""

    path: str
    license: str
    kind: Kind
    lo: int
    hi: int
    size: int
    price: float

    @property
    def unit(self) -> str:
        return "packs" if self.kind == "capacity_minutes" else "seats"

    @property
    def label(self) -> str:
        """Short column name: ``corp.analyzer``, ``corp.capacity_packs``."""
        what = "capacity_packs" if self.kind == "capacity_minutes" else self.kind
        return f"{self.license}.{what}"

    def value(self, units: int) -> int:
        """The scenario value for ``units`` (minutes for capacity packs)."""
        return units * self.size


def cost(variables: Sequence[Variable], mix: Sequence[int]) -> float:
    """Monthly cost of a mix (units per variable)."""
    return float(sum(v.price * n for v, n in zip(variables, mix, strict=True)))


_BOUND = re.compile(r"^\s*(?P<path>[^=]+?)\s*=\s*(?P<lo>\d+)\s*(?::\s*(?P<hi>\d+)\s*)?$")


def parse_bound(text: str) -> tuple[str, int, int]:
    """``PATH=LO:HI`` or ``PATH=N`` as (path, lo, hi), in seats or packs."""
    match = _BOUND.match(text)
    if match is None:
        raise BoundsError(
            f"bound {text!r}: expected PATH=LO:HI or PATH=N in seats or capacity packs, such "
            "as licenses.corp.analyzer=100:160"
        )
    lo = int(match["lo"])
    hi = int(match["hi"]) if match["hi"] is not None else lo
    if hi < lo:
        raise BoundsError(f"bound {text!r}: the upper bound {hi} is below the lower {lo}")
    return match["path"], lo, hi


def _eligible(scenario: Scenario, license_id: str, access: str) -> int:
    """Users who may rely on ``access`` on servers of the license."""
    servers = {s.id for s in scenario.servers if s.license == license_id}
    total = 0
    for group in scenario.users:
        kinds = group.access if isinstance(group.access, list) else [group.access]
        if access in kinds and servers & set(group.servers or []):
            total += group.count
    return total


def _price(scenario: Scenario, kind: Kind, size: int) -> float:
    prices = scenario.prices
    field = {"professional": "professional", "analyzer": "analyzer"}.get(kind, "capacity_minutes")
    value = None if prices is None else getattr(prices, field)
    if value is None:
        raise MissingPrice(
            f"prices.{field}: expected a price (a plan minimises the monthly cost; add a "
            "prices: block with professional, analyzer and capacity_minutes)"
        )
    return float(value) * size


def decision_variables(
    scenario: Scenario, bounds: Mapping[str, tuple[int, int]] | None = None
) -> list[Variable]:
    """The scenario's decision variables with their bounds (``bounds`` by path win).

    Raises :class:`BoundsError` for a bound on a path that is not a decision variable, or
    a price the variables need that the scenario lacks.
    """
    pack = scenario.prices.capacity_pack_minutes if scenario.prices is not None else 1000
    found: list[Variable] = []
    for lic in scenario.licenses:
        if lic.tokens is not None or lic.qlikview_cals is not None:
            continue
        for kind in KINDS:
            have = getattr(lic, kind)
            users = _eligible(scenario, lic.id, ACCESS[kind])
            if not have and not users:
                continue
            if kind == "capacity_minutes":
                if lic.term != "subscription" or lic.activation == "lef":
                    continue
                size = pack
                hi = 2 * math.ceil(have / pack) if have else users
            else:
                size, hi = 1, users
            found.append(
                Variable(f"licenses.{lic.id}.{kind}", lic.id, kind, 0, max(hi, 1), size, 0.0)
            )
    by_canonical = {canonical_path(scenario, v.path): i for i, v in enumerate(found)}
    for path, (lo, hi) in (bounds or {}).items():
        i = by_canonical.get(canonical_path(scenario, path))
        if i is None:
            known = ", ".join(v.path for v in found) or "none (the scenario buys nothing)"
            raise BoundsError(f"bound {path!r}: not a decision variable; expected one of {known}")
        found[i] = replace(found[i], lo=lo, hi=hi)
    out = []
    for v in found:
        needs_pro = v.kind == "professional" and any(
            w.license == v.license and w.kind == "analyzer" and w.hi > 0 for w in found
        )
        lo = max(v.lo, 1) if needs_pro else v.lo
        if lo > v.hi:
            raise BoundsError(
                f"bound {v.path!r}: at most {v.hi}, but Analyzer seats need at least 1 "
                "Professional (licensing-rules §3)"
            )
        out.append(replace(v, lo=lo, price=_price(scenario, v.kind, v.size)))
    if not out:
        raise BoundsError("the scenario has no seats or capacity a plan could buy")
    return out
