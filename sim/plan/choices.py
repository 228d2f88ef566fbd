"""Optional decisions that cost nothing but change who gets a seat: allocation modes and
which groups are named.

Besides how many seats and packs to buy, a plan may decide **how seats are handed out**
and **to whom**. Both are fields the engine already honours:

- ``licenses.L.allocation.professional`` / ``.analyzer``: ``manual`` (the admin allocates
  the seats by name when the key is applied, to the users of the groups that may take
  one, in the scenario's order, and they keep them) or ``dynamic`` (an access rule
  allocates a seat at a user's first login while seats remain); licensing-rules §3.
- ``users.G.access``: the access types a group relies on, in the order tried, such as
  ``analyzer`` (named: its users hold seats), ``capacity`` (they burn Analyzer Capacity)
  or ``analyzer+capacity`` (a seat if one is left, else capacity).

Neither is monotone in the way seat counts are (manual allocation is better for some
populations, dynamic for others), so the plan does not search them: it runs its search
once per combination of the options given, on the same random streams, and recommends the
cheapest answer over all of them (ties to the earlier combination, so the first option of
each choice is the default). A choice is written ``PATH=A,B`` (``--choose``) or as a
mapping ``{PATH: [A, B]}`` in Python.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sim.scenario import Scenario, ScenarioError
from sim.scenario.paths import canonical_path
from sim.scenario.users import ACCESS_TYPES

__all__ = ["MAX_COMBINATIONS", "Choice", "ChoiceError", "combinations", "parse_choices"]

MAX_COMBINATIONS = 16
"""Most combinations a plan searches (each is a full search; model choice)."""

MODES = ("manual", "dynamic")

_ALLOCATION = re.compile(r"^licenses\.\d+\.allocation\.(professional|analyzer)$")
_ACCESS = re.compile(r"^users\.\d+\.access$")


class ChoiceError(ValueError):
    """A choice a plan cannot make; the message names it and what is expected."""


@dataclass(frozen=True)
class Choice:
    """One optional decision: a scenario path and the values it may take."""

    path: str
    options: tuple[str | tuple[str, ...], ...]

    def value(self, option: str | tuple[str, ...]) -> str | list[str]:
        """The scenario value of an option (an access list for ``a+b``)."""
        return list(option) if isinstance(option, tuple) else option


def _option(path: str, text: str, access: bool) -> str | tuple[str, ...]:
    if not access:
        if text not in MODES:
            raise ChoiceError(f"choice {path}: {text!r}: expected manual or dynamic")
        return text
    kinds = tuple(k.strip() for k in text.split("+"))
    for kind in kinds:
        if kind not in ACCESS_TYPES:
            raise ChoiceError(
                f"choice {path}: {kind!r}: expected access types ({', '.join(ACCESS_TYPES)}), "
                "several joined by + in the order tried"
            )
    return kinds[0] if len(kinds) == 1 else kinds


def parse_choices(
    scenario: Scenario, choices: Mapping[str, Sequence[str]] | Sequence[str] | None
) -> list[Choice]:
    """Read ``PATH=A,B`` texts (or a mapping of path to options) against the scenario."""
    if choices is None:
        return []
    if isinstance(choices, Mapping):
        items = [(str(p), [str(o) for o in opts]) for p, opts in choices.items()]
    else:
        items = []
        for text in choices:
            path, sep, rest = text.partition("=")
            options = [o.strip() for o in rest.split(",") if o.strip()]
            if not sep or not path.strip() or not options:
                raise ChoiceError(
                    f"choice {text!r}: expected PATH=A,B such as "
                    "licenses.corp.allocation.analyzer=manual,dynamic or "
                    "users.occasional.access=capacity,analyzer"
                )
            items.append((path.strip(), options))
    out: list[Choice] = []
    seen: set[str] = set()
    for path, options in items:
        canonical = canonical_path(scenario, path)
        access = bool(_ACCESS.match(canonical))
        if not access and not _ALLOCATION.match(canonical):
            raise ChoiceError(
                f"choice {path!r}: expected licenses.LICENSE.allocation.professional, "
                "licenses.LICENSE.allocation.analyzer or users.GROUP.access of the scenario"
            )
        if canonical in seen:
            raise ChoiceError(f"choice {path!r}: given twice; list every option once")
        seen.add(canonical)
        parsed = tuple(dict.fromkeys(_option(path, o, access) for o in options))
        if len(parsed) < 2:
            raise ChoiceError(f"choice {path!r}: expected at least two different options")
        out.append(Choice(path, parsed))
    count = 1
    for c in out:
        count *= len(c.options)
    if count > MAX_COMBINATIONS:
        raise ChoiceError(
            f"{count} combinations of choices: expected at most {MAX_COMBINATIONS} (each is "
            "a full search); fix some of them with --set"
        )
    return out


def combinations(scenario: Scenario, choices: Sequence[Choice]) -> list[dict[str, object]]:
    """Every combination of the options as scenario overrides, in order (the first option
    of every choice first); a combination the scenario refuses is a :class:`ChoiceError`."""
    if not choices:
        return [{}]
    out: list[dict[str, object]] = []
    for picked in itertools.product(*(c.options for c in choices)):
        overrides: dict[str, object] = {
            c.path: c.value(o) for c, o in zip(choices, picked, strict=True)
        }
        try:
            scenario.with_overrides(overrides, source="--choose")
        except ScenarioError as err:
            raise ChoiceError(f"choice {describe(overrides)}: {err}") from None
        out.append(overrides)
    return out


def describe(overrides: Mapping[str, object]) -> str:
    """``licenses.corp.allocation.analyzer=manual; users.occasional.access=analyzer+capacity``."""
    return "; ".join(
        f"{p}={'+'.join(v) if isinstance(v, list) else v}" for p, v in overrides.items()
    )
