"""Growth and horizon: the population a plan must still serve at the end of the period bought.

Licenses are bought for a horizon (12 months by default), and the population grows over
it. A plan is sized for the **last month of the horizon**, when every group is at its
largest: denials, unmet capacity and seats in use only grow with the number of users, so
the busiest month of the horizon is the busiest month of a run with that population.

Growth is written per group or for all groups:

- ``20%`` or ``20%/year``: an annual rate, compounded monthly over the horizon
  (``count × 1.2 ** (months / 12)``);
- ``2%/month``: a monthly rate, compounded (``count × 1.02 ** months``);
- ``5/month``: users added per month (``count + 5 × months``);
- ``analysts=5/month``: the same for one group; a spec without a group applies to every
  group no other spec names.

Grown counts are rounded up (a fraction of a person is planned as a person). A group whose
sessions are scripted or replayed from a trace keeps its count: its users are named.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sim.scenario import Scenario

__all__ = [
    "DEFAULT_HORIZON",
    "Growth",
    "GrowthError",
    "count_overrides",
    "grown_counts",
    "parse_growth",
    "parse_horizon",
    "scaled",
]

DEFAULT_HORIZON = 12
"""Months planned when no horizon is given (model choice: a yearly subscription)."""

MAX_HORIZON = 120

_GROWTH = re.compile(
    r"^\s*(?:(?P<group>[^=]+?)\s*=\s*)?(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?P<pct>%)?\s*"
    r"(?:/\s*(?P<per>year|yr|y|month|mo|m))?\s*$"
)
_HORIZON = re.compile(r"^\s*(?P<n>\d+)\s*(?P<unit>months?|mo|m|years?|y)?\s*$")


class GrowthError(ValueError):
    """A growth or horizon that cannot be read; the message says why."""


@dataclass(frozen=True)
class Growth:
    """How one group (or every group, ``group=None``) grows."""

    kind: str  # "annual", "monthly" (rates) or "count" (users per month)
    value: float
    group: str | None = None
    text: str = ""

    def count_after(self, count: int, months: int) -> int:
        if self.kind == "annual":
            grown = count * (1.0 + self.value) ** (months / 12.0)
        elif self.kind == "monthly":
            grown = count * (1.0 + self.value) ** months
        else:
            grown = count + self.value * months
        # Rounding noise must not add a person: 100 × 1.2 is 120, not 121.
        return max(0, math.ceil(round(grown, 9)))

    def times(self, factor: float) -> Growth:
        """This growth at ``factor`` times its rate (for the sensitivity table)."""
        return Growth(self.kind, self.value * factor, self.group, self.text)


def parse_growth(text: str, groups: Iterable[str] = ()) -> Growth:
    """Read one growth spec (see the module); ``groups`` are the scenario's group names."""
    match = _GROWTH.match(text)
    if match is None:
        raise GrowthError(
            f"growth {text!r}: expected a rate such as 20% (a year), 2%/month, a count per "
            "month such as 5/month, or GROUP=... for one group"
        )
    group = match["group"]
    known = list(groups)
    if group is not None and group not in known:
        raise GrowthError(
            f"growth {text!r}: unknown group {group!r}; the scenario's groups: "
            f"{', '.join(known) or 'none'}"
        )
    value = float(match["value"])
    per = (match["per"] or "").lower()
    if match["pct"]:
        if value <= -100:
            raise GrowthError(f"growth {text!r}: expected a rate above -100%")
        kind = "monthly" if per.startswith("m") else "annual"
        return Growth(kind, value / 100.0, group, text.strip())
    if not per.startswith("m"):
        raise GrowthError(f"growth {text!r}: a count of users needs /month, as in 5/month")
    return Growth("count", value, group, text.strip())


def parse_horizon(text: str | int) -> int:
    """``12``, ``12 months`` or ``1 year`` as a number of months (1 to 120)."""
    match = _HORIZON.match(str(text))
    if match is None:
        raise GrowthError(f"horizon {text!r}: expected a number of months such as '12 months'")
    months = int(match["n"]) * (12 if (match["unit"] or "m").startswith("y") else 1)
    if not 1 <= months <= MAX_HORIZON:
        raise GrowthError(f"horizon {text!r}: expected 1 to {MAX_HORIZON} months")
    return months


def grown_counts(scenario: Scenario, growth: Iterable[Growth], months: int) -> dict[str, int]:
    """Each growing group's user count at the end of the horizon."""
    specs = list(growth)
    default = next((g for g in specs if g.group is None), None)
    by_group = {g.group: g for g in specs if g.group is not None}
    counts: dict[str, int] = {}
    for group in scenario.users:
        spec = by_group.get(group.group, default)
        if spec is None or group.sessions is not None or group.replay is not None:
            continue
        counts[group.group] = spec.count_after(group.count, months)
    return counts


def scaled(growth: Iterable[Growth], factor: float) -> list[Growth]:
    return [g.times(factor) for g in growth]


def count_overrides(counts: Mapping[str, int]) -> dict[str, int]:
    """The grown counts as overrides at dotted paths (``users.analysts.count``)."""
    return {f"users.{group}.count": n for group, n in counts.items()}
