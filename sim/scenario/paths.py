"""Variants: replications, sweeps and overrides, and the dotted paths they use.

An experiment runs a scenario several times with independent seeds, and sweeps values
over a grid of variants. A sweep (like ``Scenario.with_overrides``) names each value it
replaces by a dotted path: keys separated by dots, list items by index or by their
id/group name, as in ``servers.prod.link_outages.0.duration``. A path is checked against
the scenario's models before anything is replaced, so a misspelt key is reported with the
keys that would have been right and the nearest path ("did you mean …?").
"""

import difflib
from collections.abc import Mapping
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from .errors import Invalid, Loc
from .fields import _Model, _not_bool

__all__ = ["Experiment"]


class Experiment(_Model):
    """Replications and a parameter sweep over this scenario."""

    replications: Annotated[int, BeforeValidator(_not_bool)] = Field(
        1,
        ge=1,
        le=10_000,
        description="Independent runs per variant, each with its own seed. Default 1 "
        "(model choice).",
    )
    sweep: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="Dotted paths into the scenario (list items by id or index) mapped to "
        "the values to try. Default none (model choice).",
    )

    @field_validator("sweep")
    @classmethod
    def _non_empty(cls, sweep: dict[str, list[Any]]) -> dict[str, list[Any]]:
        problems: list[tuple[Loc, object, str]] = []
        for key, values in sweep.items():
            if not key.strip():
                problems.append(((key,), key, "expected a dotted path such as rules.grace"))
            elif not values:
                problems.append(((key,), values, "expected at least one value to try"))
        if problems:
            raise Invalid(problems)
        return sweep


# --- dotted paths ---------------------------------------------------------------------


def _item_name(item: Any) -> object:
    """The id or group name a list item can be addressed by (a model or a dumped mapping)."""
    if isinstance(item, Mapping):
        return item.get("id", item.get("group"))
    return getattr(item, "id", None) or getattr(item, "group", None)


def _list_index(items: list[Any], segment: str) -> int | None:
    """Find a list item by index or by its id/group name."""
    if segment.isascii() and segment.isdigit():
        index = int(segment)
        return index if index < len(items) else None
    for i, item in enumerate(items):
        if _item_name(item) == segment:
            return i
    return None


def _item_names(items: list[Any]) -> list[str]:
    return [name for name in map(_item_name, items) if isinstance(name, str)]


def _check_path(scenario: BaseModel, path: str) -> str | None:
    """Why ``path`` does not lead to a value in the scenario, or None if it does."""
    return _walk(scenario, path)[0]


def canonical_path(scenario: BaseModel, path: str) -> str:
    """``path`` with every list item named by its index (``licenses.corp.analyzer`` →
    ``licenses.0.analyzer``), so that two spellings of one field compare equal. A path
    that leads nowhere is returned as it is."""
    reason, canonical = _walk(scenario, path)
    return path if reason is not None else ".".join(canonical)


def _walk(scenario: BaseModel, path: str) -> tuple[str | None, list[str]]:
    """Follow ``path`` through the scenario: why it leads nowhere (or None), and its
    segments with list items by index."""
    segments = path.split(".")
    canonical: list[str] = []
    if segments[0] == "experiment":
        return "expected a path outside experiment (the sweep cannot vary itself)", canonical
    tp: Any = type(scenario)
    obj: Any = scenario
    for depth, segment in enumerate(segments):
        where = ".".join(segments[:depth]) or "the scenario"
        while get_origin(tp) is Annotated or (
            get_origin(tp) is not None and type(None) in get_args(tp)
        ):
            tp = next(a for a in get_args(tp) if a is not type(None))
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if segment not in tp.model_fields:
                return (
                    f"{where} has no key {segment!r} ("
                    + _nearest(scenario, segments, depth, list(tp.model_fields))
                    + "expected one of: "
                    + ", ".join(tp.model_fields)
                    + ")"
                ), canonical
            obj = getattr(obj, segment) if obj is not None else None
            tp = tp.model_fields[segment].annotation
        elif get_origin(tp) is list:
            items = obj if isinstance(obj, list) else []
            index = _list_index(items, segment)
            if index is None:
                names = _item_names(items)
                choices = f"an index below {len(items)}" + (
                    f" or one of: {', '.join(names)}" if names else ""
                )
                if not items:
                    choices = "nothing: the list is empty"
                hint = _nearest(scenario, segments, depth, names)
                return f"{where} has no item {segment!r} ({hint}expected {choices})", canonical
            obj, tp = items[index], get_args(tp)[0]
            canonical.append(str(index))
            continue
        elif get_origin(tp) is dict:
            obj = obj.get(segment) if isinstance(obj, dict) else None
            tp = get_args(tp)[1]
        else:
            return f"{where} is a single value; it has no key {segment!r}", canonical
        canonical.append(segment)
    return None, canonical


def _nearest(scenario: BaseModel, segments: list[str], depth: int, names: list[str]) -> str:
    """``"did you mean 'path'? "`` with the segment at ``depth`` replaced by the name nearest
    it, the rest of the path kept if it then leads somewhere, or nothing if none is near."""
    hint = difflib.get_close_matches(segments[depth], names, n=1)
    if not hint:
        return ""
    fixed = [*segments[:depth], hint[0], *segments[depth + 1 :]]
    if _walk(scenario, ".".join(fixed))[0] is not None:
        fixed = fixed[: depth + 1]
    return f"did you mean {'.'.join(fixed)!r}? "


def _assign(data: dict[str, Any], segments: list[str], value: Any) -> None:
    current: Any = data
    for segment in segments[:-1]:
        if isinstance(current, list):
            index = _list_index(current, segment)
            assert index is not None  # checked by _check_path
            current = current[index]
        else:
            if current.get(segment) is None:
                current[segment] = {}
            current = current[segment]
    last = segments[-1]
    if isinstance(current, list):
        index = _list_index(current, last)
        assert index is not None
        current[index] = value
    else:
        current[last] = value
