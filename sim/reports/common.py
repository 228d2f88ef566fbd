"""What every report shares: the run's window and the ``by=`` breakdowns.

Reports look at the simulated period ``[start, end)`` in the scenario's time zone. Most
breakdowns group sessions by one of their own columns; ``by=`` accepts the column name or
the word an admin would use for it:

===============  ==============  =================================================
``by=``          column          meaning
===============  ==============  =================================================
``server``       ``server``      the server the session went to
``product``      ``product``     qlik_sense, qlikview or nprinting
``group``        ``group``       the user group (also ``user_group``)
``directory``    ``directory``   the user directory, the domain (also ``domain``)
``user``         ``user``        one row per user
===============  ==============  =================================================

A year of a large site is millions of sessions, and several reports and charts stand on the
same intermediate tables (the granted sessions, the concurrency step series, the seat
levels). :func:`per_run` makes each of them once per run: the result's tables are read, not
changed, by every report, so a table made from them stays right for as long as the result
holds the same table objects.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.result import Result

P = ParamSpec("P")
T = TypeVar("T")

_MADE: dict[int, dict[tuple[Any, ...], tuple[tuple[object, ...], Any]]] = {}
"""Per live result (by id): per function and arguments, the tables it was made from and
what it returned."""

_SOURCES = ("sessions", "events", "allocations", "capacity", "capacity_use", "units")


def per_run(fn: Callable[P, T]) -> Callable[P, T]:
    """Make ``fn(result, ...)`` once per result and arguments, again only when the result
    holds another table object than the one it was made from. Callers must not change what
    it returns."""

    @functools.wraps(fn)
    def once(*args: P.args, **kwargs: P.kwargs) -> T:
        result = args[0]
        made = _MADE.get(id(result))
        if made is None:
            made = _MADE[id(result)] = {}
            weakref.finalize(result, _MADE.pop, id(result), None)
        key = (fn.__qualname__, args[1:], tuple(sorted(kwargs.items())))
        # The sources are held, so no other table can take their ids while the entry lives.
        sources = tuple(getattr(result, name, None) for name in _SOURCES)
        hit = made.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], sources, strict=True)):
            return hit[1]  # type: ignore[no-any-return]
        value = fn(*args, **kwargs)
        made[key] = (sources, value)
        return value

    return once


BY = {
    "server": "server",
    "product": "product",
    "group": "group",
    "user_group": "group",
    "directory": "directory",
    "domain": "directory",
    "user": "user",
}


def window(result: Result) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start and end of the simulated period, in the scenario's time zone."""
    sc = result.scenario
    return (
        pd.Timestamp(sc.start_at).tz_convert(sc.tz),
        pd.Timestamp(sc.end_at).tz_convert(sc.tz),
    )


def by_column(by: str | None) -> list[str]:
    """The sessions column(s) a ``by=`` names (none for ``None``)."""
    if by is None:
        return []
    if by not in BY:
        raise ValueError(f"by={by!r}: expected one of {', '.join(BY)}")
    return [BY[by]]


def nanoseconds(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Instants as int64 nanoseconds (since the epoch in UTC for aware times, on the wall
    clock for naive ones)."""
    return pd.DatetimeIndex(times).as_unit("ns").asi8


def coded(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A column as integer codes (-1 for missing) and the values they stand for: what
    groupings of millions of rows run on."""
    cat = column.array if isinstance(column.dtype, pd.CategoricalDtype) else pd.Categorical(column)
    return np.asarray(cat.codes, dtype=np.int64), cat.categories


def count_distinct(keys: list[np.ndarray], sizes: list[int], of: np.ndarray) -> pd.DataFrame:
    """Distinct ``of`` codes per combination of key codes (each ``keys[i]`` below
    ``sizes[i]``; rows with a missing code left out), as a frame of the key codes and
    ``count``: one sort of a combined integer instead of a grouped ``nunique``."""
    valid = of >= 0
    combined = np.zeros(len(of), dtype=np.int64)
    for codes, size in zip(keys, sizes, strict=True):
        valid &= codes >= 0
        combined = combined * size + codes
    span = int(of.max()) + 1 if len(of) else 1
    pairs = np.unique(combined[valid] * span + of[valid])
    groups, count = np.unique(pairs // span, return_counts=True)
    out: dict[str, np.ndarray] = {}
    for n, size in reversed(list(enumerate(sizes))):
        groups, out[f"key{n}"] = np.divmod(groups, size)
    return pd.DataFrame({**{k: out[k] for k in sorted(out)}, "count": count})


GRANTED_COLUMNS = ["user", "group", "directory", "server", "product", "access", "start", "end"]
"""What the reports read of a granted session: who, where, which access and when."""


@per_run
def granted(result: Result) -> pd.DataFrame:
    """The sessions that were let in (the :data:`GRANTED_COLUMNS`), with a missing end read
    as the end of the run."""
    s = result.sessions
    s = s.loc[s["access"].notna().to_numpy(), GRANTED_COLUMNS]
    return s.assign(end=s["end"].fillna(window(result)[1]))
