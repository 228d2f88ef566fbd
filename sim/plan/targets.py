"""Service targets: what a mix must achieve, as ``KPI OP VALUE`` bounds on expected KPIs.

A target is written the way a license manager says it: ``denial_rate<=1%``,
``busiest_month_capacity_headroom>=10%``, ``denial_rate[analysts]<=0.5%``,
``unmet_capacity_minutes<=0``, ``spare_analyzer_seats>=5``. The KPI names are those of
:mod:`sim.plan.kpis`; a ``[group]`` suffix narrows a denial rate to one user group. Values
of % KPIs are percentage points (``1%`` and ``1`` both mean one per cent); minutes may end
in ``min`` and seats in ``seats``. ``<`` and ``>`` mean the same as ``<=`` and ``>=``: the
KPIs are averages over replications, for which the two never differ in practice.

A target bounds the **expected** value of the KPI (its mean over replications of the
same mix). Deciding it from finitely many runs needs a **tolerance** ε: a mix whose mean is
on or beyond the bound must be called infeasible, one 2ε or more inside it feasible, and one
less than 2ε inside may go either way (the one-sided indifference zone ``[q − 2ε, q]`` of
:mod:`sim.plan.selection`: a plan may buy a little more than needed, never less). The
default ε is 10 % of the bound, at least one hundredth of a percentage point, one capacity
unit or half a seat.

Only the side more licenses help may be bounded (see :mod:`sim.plan.kpis`); a target on
the other side, an unknown KPI (with the closest known names) or an unknown group is a
:class:`TargetError`, which the command line reports with exit status 2.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .kpis import KPIS

__all__ = ["DEFAULT_TOLERANCE", "Target", "TargetError", "parse_target", "parse_targets"]

DEFAULT_TOLERANCE = 0.10
"""The indifference zone as a share of the bound (model choice)."""

TOLERANCE_FLOOR = {"%": 0.01, "min": 6.0, "seats": 0.5}
"""The smallest tolerance per unit: a hundredth of a point, one 6-minute capacity unit
(the project's rules digest, §4), half a seat (seat counts are whole numbers)."""

UNIT_WORDS = {"%": "%", "min": "min", "minutes": "min", "seats": "seats", "seat": "seats"}

_TARGET = re.compile(
    r"^\s*(?P<kpi>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(?P<group>[^\]]*)\])?\s*"
    r"(?P<op><=|>=|=<|=>|<|>|=)\s*(?P<value>[-+]?(?:\d+\.?\d*|\.\d+))\s*(?P<unit>[A-Za-z%]*)\s*$"
)


class TargetError(ValueError):
    """A target that cannot be read or cannot be planned for; the message says why."""


@dataclass(frozen=True)
class Target:
    """A bound on the expected value of one KPI."""

    kpi: str
    op: str
    threshold: float
    tolerance: float
    group: str | None = None
    text: str = ""

    @property
    def name(self) -> str:
        """The KPI as written in tables: ``denial_rate`` or ``denial_rate[analysts]``."""
        return self.kpi if self.group is None else f"{self.kpi}[{self.group}]"

    @property
    def unit(self) -> str:
        return KPIS[self.kpi].unit

    @property
    def upper(self) -> bool:
        """True for a bound from above (``<=``)."""
        return self.op == "<="

    def label(self) -> str:
        unit = "%" if self.unit == "%" else f" {self.unit}"
        return f"{self.name} {self.op} {self.threshold:g}{unit}"

    def met(self, value: float) -> bool:
        """Whether a value (a mean) meets the bound."""
        return value <= self.threshold if self.upper else value >= self.threshold


def _known() -> str:
    return ", ".join(KPIS)


def parse_target(
    text: str, groups: Iterable[str] = (), tolerance: float = DEFAULT_TOLERANCE
) -> Target:
    """Read one target; ``groups`` are the scenario's group names (for ``[group]``)."""
    match = _TARGET.match(text)
    if match is None:
        raise TargetError(
            f"target {text!r}: expected KPI<=VALUE or KPI>=VALUE such as denial_rate<=1% "
            f"(known KPIs: {_known()})"
        )
    name, group, op = match["kpi"], match["group"], match["op"]
    if name not in KPIS:
        close = difflib.get_close_matches(name, list(KPIS), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise TargetError(f"target {text!r}: unknown KPI {name!r}{hint}; known KPIs: {_known()}")
    kpi = KPIS[name]
    if group is not None:
        group = group.strip()
        known = list(groups)
        if not kpi.per_group:
            per = ", ".join(k.name for k in KPIS.values() if k.per_group)
            raise TargetError(f"target {text!r}: {name} has no per-group form (those are: {per})")
        if group not in known:
            close = difflib.get_close_matches(group, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise TargetError(
                f"target {text!r}: unknown group {group!r}{hint}; the scenario's groups: "
                f"{', '.join(known) or 'none'}"
            )
    op = {"=<": "<=", "<": "<=", "=>": ">=", ">": ">="}.get(op, op)
    if op == "=":
        raise TargetError(
            f"target {text!r}: expected <= or >= (a plan bounds a KPI, it cannot pin it)"
        )
    want = "<=" if kpi.better == "lower" else ">="
    if op != want:
        raise TargetError(
            f"target {text!r}: more licenses make {name} {kpi.better}, so only {name}{want}... "
            "can be planned for (the search relies on more licenses never hurting)"
        )
    unit = match["unit"]
    if unit and UNIT_WORDS.get(unit.lower()) != kpi.unit:
        raise TargetError(f"target {text!r}: {name} is in {kpi.unit}, not {unit!r}")
    threshold = float(match["value"])
    if kpi.unit == "%" and not -100.0 <= threshold <= 100.0:
        raise TargetError(f"target {text!r}: expected a percentage from -100 to 100")
    if not tolerance > 0:
        raise TargetError(f"tolerance {tolerance}: expected a share above 0 such as 0.1")
    eps = max(abs(threshold) * tolerance, TOLERANCE_FLOOR[kpi.unit])
    return Target(name, op, threshold, eps, group, text.strip())


def parse_targets(
    texts: Iterable[str], groups: Iterable[str] = (), tolerance: float = DEFAULT_TOLERANCE
) -> list[Target]:
    """Read every target; raise :class:`TargetError` for none, a bad one or a repeated KPI."""
    known = list(groups)
    targets = [parse_target(t, known, tolerance) for t in texts]
    if not targets:
        raise TargetError(
            f"expected at least one target such as denial_rate<=1% (KPIs: {_known()})"
        )
    seen: set[str] = set()
    for t in targets:
        if t.name in seen:
            raise TargetError(f"target {t.text!r}: {t.name} is bounded twice; give one bound")
        seen.add(t.name)
    return targets
