"""Scenario errors: what is wrong with a scenario, said so a person can fix it.

A scenario is written by hand, so every complaint has to point at the spot (``path``, in
the file's own words: ``servers[1].link_outages[0].duration``), show what was written there
(``value``) and say what would have been accepted (``expected``). All problems found in one
pass are collected into a single :class:`ScenarioError`; its string form is one line per
problem, prefixed with the file name, so that a CLI can print it and exit.

pydantic finds most problems. :func:`problems_from_validation_error` turns its
``ValidationError`` into :class:`Problem` objects, rewriting pydantic's generic messages into
plain English and its ``loc`` tuples into the path syntax above. The scenario models'
own cross-field checks raise :class:`Invalid`, a ``ValueError`` that carries several
problems with paths relative to the model that raised it; pydantic keeps the exception
object, so the converter can unpack it and prefix each path with the model's location.
"""

import difflib
import enum
import re
import reprlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

__all__ = [
    "MISSING",
    "Invalid",
    "Loc",
    "Problem",
    "ScenarioError",
    "format_path",
    "format_value",
    "problems_from_validation_error",
    "suggest",
]

Loc = tuple[str | int, ...]
"""A location inside a scenario as pydantic spells it: keys and list indices."""

_VALUE_WIDTH = 60


class _Missing(enum.Enum):
    # An enum member pickles by name, so MISSING stays a singleton across processes
    # (sweeps may ship errors back from worker processes).
    MISSING = "missing"

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing.MISSING
"""Stands for "no value was written here" in a :class:`Problem`."""


_repr = reprlib.Repr()
# Bounded repr: a value may be a huge or self-referencing structure built from YAML aliases.
_repr.maxlevel = 3
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 6
_repr.maxstring = _VALUE_WIDTH
_repr.maxother = _VALUE_WIDTH


def format_value(value: object) -> str:
    """Show a value the way it appears in error messages: a repr cut to about 60 chars."""
    if isinstance(value, datetime | date):
        # repr(datetime) is unreadable for people writing YAML; ISO text is what they typed.
        text = repr(value.isoformat())
    else:
        try:
            text = _repr.repr(value)
        except Exception:  # a broken __repr__ must not hide the real problem
            text = f"<{type(value).__name__}>"
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 3] + "..."
    return text


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def format_path(loc: Iterable[str | int]) -> str:
    """Turn ``("servers", 1, "license")`` into ``servers[1].license``."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _KEY.match(part):
            out += f".{part}" if out else part
        else:
            # Keys that are not plain names (sweep paths contain dots) are bracketed so the
            # path stays unambiguous.
            out += f"[{str(part)!r}]"
    return out


@dataclass(frozen=True, repr=False)
class Problem:
    """One thing wrong with a scenario.

    ``path`` is where (empty for problems with the file as a whole), ``value`` what was
    written there (:data:`MISSING` if nothing), ``expected`` what would be accepted, and
    ``line`` the 1-based line in the YAML file when it is known.
    """

    path: str
    value: object
    expected: str
    line: int | None = None

    def __repr__(self) -> str:
        # The default repr would print the whole value, which may be enormous.
        return (
            f"Problem(path={self.path!r}, value={format_value(self.value)}, "
            f"expected={self.expected!r}, line={self.line!r})"
        )

    def __str__(self) -> str:
        parts = [self.path] if self.path else []
        if self.value is MISSING:
            parts.append(self.expected)
        else:
            parts.append(f"{format_value(self.value)} — {self.expected}")
        text = ": ".join(parts)
        if self.line is not None:
            text += f" (line {self.line})"
        return text


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found in it.

    ``source`` names the file (or ``"<string>"``); ``problems`` lists the problems in the
    order they were found. ``str(err)`` is one line per problem.
    """

    def __init__(self, source: str, problems: Sequence[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", MISSING, problems)]
        self.source = source
        self.problems: list[Problem] = list(problems)
        # Passing the constructor's arguments to Exception keeps the error picklable.
        super().__init__(source, self.problems)

    def __str__(self) -> str:
        if not self.problems:
            return f"{self.source}: invalid scenario"
        return "\n".join(f"{self.source}: {problem}" for problem in self.problems)


class Invalid(ValueError):
    """Several problems found by one model validator, each at a path relative to it.

    Raise it from a pydantic validator; :func:`problems_from_validation_error` prefixes
    every relative location with the location of the model or field that raised it.
    """

    def __init__(self, items: Iterable[tuple[Loc, object, str]]) -> None:
        self.items: list[tuple[Loc, object, str]] = list(items)
        super().__init__("; ".join(f"{format_path(loc)}: {msg}" for loc, _, msg in self.items))


# --- pydantic errors in plain English -------------------------------------------------

_TYPE_MESSAGES = {
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number, not a fraction",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list (in YAML, items on lines starting with '- ')",
    "tuple_type": "expected a list (in YAML, items on lines starting with '- ')",
    "dict_type": "expected a mapping (key: value pairs)",
    "model_type": "expected a mapping (key: value pairs)",
    "model_attributes_type": "expected a mapping (key: value pairs)",
    "invalid_key": "expected keys to be text",
    "recursion_loop": "refers to itself (a recursive YAML alias)",
}


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional wrappers off a field type, preferring a model class."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin is Union or origin is UnionType:
            args = [a for a in get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            containers = [a for a in args if get_origin(a) in (list, tuple, dict)]
            if models:
                tp = models[0]
            elif len(args) == 1:
                tp = args[0]
            elif containers:
                tp = containers[0]
            else:
                return tp
            continue
        return tp


def model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class found at ``loc`` inside ``root``, or None if there is none."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) in (list, tuple):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _literal_choices(expected: str) -> str:
    choices = re.findall(r"'([^']*)'", expected)
    return ", ".join(choices) if choices else expected


def _number_limit(ctx: dict[str, Any], key: str) -> str:
    value = ctx.get(key)
    return format(value, ",") if isinstance(value, int) else str(value)


def _expected(error: ErrorDetails, root: type[BaseModel] | None) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        loc = tuple(error["loc"])
        model = model_at(root, loc[:-1]) if root is not None else None
        if model is None:
            return "unknown key"
        names = list(model.model_fields)
        hint = difflib.get_close_matches(str(loc[-1]), names, n=1)
        did_you_mean = f"did you mean {hint[0]!r}? " if hint else ""
        return f"unknown key ({did_you_mean}expected one of: {', '.join(names)})"
    if kind in ("literal_error", "enum"):
        return f"expected one of: {_literal_choices(str(ctx.get('expected', '')))}"
    if kind in ("value_error", "assertion_error"):
        exc = ctx.get("error")
        return str(exc) if exc is not None else error["msg"]
    if kind == "greater_than_equal":
        return f"expected at least {_number_limit(ctx, 'ge')}"
    if kind == "greater_than":
        return f"expected more than {_number_limit(ctx, 'gt')}"
    if kind == "less_than_equal":
        return f"expected at most {_number_limit(ctx, 'le')}"
    if kind == "less_than":
        return f"expected less than {_number_limit(ctx, 'lt')}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"expected at least {n} item{'s' if n != 1 else ''}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} items"
    if kind == "string_too_short":
        return "expected non-empty text"
    message = _TYPE_MESSAGES.get(kind, error["msg"])
    if value is None and kind in _TYPE_MESSAGES:
        message += " (the key is present but has no value)"
    elif kind == "string_type" and isinstance(value, int | float | bool | date):
        message += " (put it in quotes: YAML read it as a number, a date or true/false)"
    return message


_ONE_OF = re.compile(r"expected one of(?: the [\w ]+)?: (.+)")


def suggest(value: object, expected: str) -> str:
    """``expected`` led by "did you mean 'x'?" when it lists the accepted names ("expected
    one of: a, b, c", "expected one of the server ids: …") and one is close to ``value``."""
    found = _ONE_OF.search(expected)
    if not isinstance(value, str) or found is None or "did you mean" in expected:
        return expected
    choices = [c.strip() for c in found.group(1).split(",")]
    hint = difflib.get_close_matches(value, choices, n=1)
    return f"did you mean {hint[0]!r}? {expected}" if hint else expected


def problems_from_validation_error(
    exc: ValidationError,
    root: type[BaseModel] | None = None,
    prefix: Loc = (),
    locate: Callable[[Loc], int | None] | None = None,
    limit: int | None = None,
) -> list[Problem]:
    """Convert a pydantic ``ValidationError`` into problems with readable paths.

    ``root`` is the model that was validated (it lets unknown-key errors list the keys
    the model does accept), ``prefix`` is prepended to every location, and ``locate``
    maps a location to a line number in the source file. With ``limit``, conversion stops
    once that many problems are found and a last problem says how many errors were left.
    """
    problems: list[Problem] = []
    errors = exc.errors(include_url=False)
    for done, error in enumerate(errors):
        if limit is not None and len(problems) >= limit:
            left = len(errors) - done
            problems.append(Problem("", MISSING, f"and {left:,} more problems not shown"))
            break
        # '[key]' marks an error in a dict key rather than its value; the key itself is
        # already the previous element of the location.
        loc: Loc = prefix + tuple(p for p in error["loc"] if p != "[key]")
        ctx = error.get("ctx") or {}
        inner = ctx.get("error")
        if error["type"] == "value_error" and isinstance(inner, Invalid):
            for rel, value, expected in inner.items:
                full = loc + tuple(rel)
                line = locate(full) if locate else None
                problems.append(Problem(format_path(full), value, suggest(value, expected), line))
            continue
        value = MISSING if error["type"] == "missing" else error.get("input", MISSING)
        line = locate(loc) if locate else None
        problems.append(
            Problem(format_path(loc), value, suggest(value, _expected(error, root)), line)
        )
    return problems
