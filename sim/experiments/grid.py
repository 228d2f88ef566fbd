"""The variants of a sweep: a full factorial grid of values at dotted paths.

A sweep maps dotted paths (``servers.prod.link_outages.0.duration``) to lists of values;
its variants are every combination, in the order the paths and values are given, so the
first combination is the baseline. A variant's name is built from its values alone
(``path=value``, joined by ``; ``), so the same sweep always names its variants the same
way, and a folder-safe form of the name keys the variant's pieces on disk.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BASE", "Variant", "build_variants", "format_value", "safe_name"]

BASE = "base"
"""The name of the only variant of a sweep without parameters."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]")


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


def safe_name(name: str) -> str:
    """``name`` if it is safe as a folder name, else a cleaned prefix and a short hash."""
    cleaned = _UNSAFE.sub("_", name)
    if cleaned == name and len(name) <= 100 and not name.startswith("."):
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return f"{cleaned.lstrip('.')[:80]}~{digest}"


def build_variants(sweep: Mapping[str, Sequence[Any]] | None) -> list[Variant]:
    """Every combination of the sweep's values (the first one is the baseline)."""
    if not sweep:
        return [Variant(BASE, {})]
    paths = list(sweep)
    for path in paths:
        if not list(sweep[path]):
            raise ValueError(f"sweep {path!r}: expected at least one value to try")
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
