"""The variants of a sweep: a full factorial grid of values at dotted paths.

A sweep maps dotted paths (``servers.prod.link_outages.0.duration``) to lists of values;
its variants are every combination, in the order the paths and values are given, so the
first combination is the baseline. A variant's name is built from its values alone
(``path=value``, joined by ``; ``), so the same sweep always names its variants the same
way, and a folder-safe form of the name keys the variant's pieces on disk.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.outfolder import safe_name

__all__ = [
    "BASE",
    "MAX_PIECES",
    "MAX_VARIANTS",
    "Variant",
    "build_variants",
    "count_variants",
    "format_value",
    "parse_assignment",
    "safe_name",
]

BASE = "base"
"""The name of the only variant of a sweep without parameters."""


@dataclass(frozen=True)
class Variant:
    """One point of the grid: its name and the values it sets at dotted paths."""

    name: str
    overrides: dict[str, Any]

    @property
    def folder(self) -> str:
        """The folder-safe name its pieces are stored under."""
        return safe_name(self.name)


def format_value(value: Any) -> str:
    """A value as written in a variant name: scalars as in YAML, others as compact JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


MAX_VARIANTS = 10_000
"""Most variants one sweep may have (the product of the number of values of every path)."""

MAX_PIECES = 100_000
"""Most runs one sweep may ask for: variants × replications."""


def count_variants(sweep: Mapping[str, Sequence[Any]] | None) -> int:
    """How many variants the grid has, counted without building any."""
    return math.prod(len(values) for values in (sweep or {}).values()) if sweep else 1


def build_variants(sweep: Mapping[str, Sequence[Any]] | None) -> list[Variant]:
    """Every combination of the sweep's values (the first one is the baseline).

    Raises ``ValueError`` for a path with no value, a value given twice, or more than
    :data:`MAX_VARIANTS` variants, counted before any is built.
    """
    if not sweep:
        return [Variant(BASE, {})]
    paths = list(sweep)
    for path in paths:
        if not list(sweep[path]):
            raise ValueError(f"sweep {path!r}: expected at least one value to try")
    count = count_variants(sweep)
    if count > MAX_VARIANTS:
        sizes = " × ".join(str(len(sweep[p])) for p in paths)
        raise ValueError(
            f"sweep: {sizes} = {count:,} variants; expected at most {MAX_VARIANTS:,} "
            "(sweep fewer values, or split the study)"
        )
    variants: list[Variant] = []
    seen: set[str] = set()
    for combo in itertools.product(*(list(sweep[p]) for p in paths)):
        overrides = dict(zip(paths, combo, strict=True))
        name = "; ".join(f"{p}={format_value(v)}" for p, v in overrides.items())
        if name in seen:
            raise ValueError(f"sweep: the variant {name!r} appears twice (a value is repeated)")
        seen.add(name)
        variants.append(Variant(name, overrides))
    return variants


def parse_assignment(text: str) -> tuple[str, list[Any]]:
    """``PATH=V1,V2,...`` as a dotted path and its values, each read as a YAML scalar.

    The values are read as one YAML flow sequence (``[V1, V2, ...]``), so ``1h`` is a
    string, ``24`` a number, ``true`` a boolean and ``[a, b]`` a list. Dates and times
    stay ISO 8601 strings. Raises ``ValueError`` with the reason.
    """
    import datetime as dt

    import yaml

    path, sep, rhs = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ValueError(f"{text!r}: expected PATH=V1,V2,... such as rules.grace=24h,72h")
    if not rhs.strip():
        raise ValueError(f"{text!r}: expected at least one value after '='")
    try:
        values = yaml.safe_load(f"[{rhs}]")
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ValueError(f"{text!r}: the values are not valid YAML ({problem})") from None
    if not isinstance(values, list) or not values:
        raise ValueError(f"{text!r}: expected at least one value after '='")
    return path, [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
