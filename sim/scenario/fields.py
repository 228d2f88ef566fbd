"""Field types: how the values written in a scenario file are read.

Every scenario model is built from the same few kinds of value. A duration is a float
number of seconds, written as ``45s``, ``6min``, ``72h``, ``30d``, ``2w`` or a plain number.
A timestamp is an aware ``datetime``. Counts refuse ``true``/``false`` (pydantic would
quietly read them as 1 and 0, and in YAML they are almost always a typo), and names may
not contain dots, because dots separate the keys of a sweep path. The models share one
base, :class:`_Model`, which is frozen and refuses unknown keys.

Timestamps without an offset are read in the scenario's ``timezone``. Validation receives
it through pydantic's context (``context={"tz": ZoneInfo(...)}``). When there is no such
context (``Scenario(...)``, ``Scenario.model_validate(data)``), :class:`Scenario` takes the
zone from its own ``timezone`` key and lends it to the timestamp validator through
``_ZONE``, so naive timestamps mean the same thing however the scenario is built. Models
validated on their own read naive timestamps as UTC.

Elapsed time is always computed in UTC: Python's arithmetic on datetimes that share a
``ZoneInfo`` is wall-clock arithmetic, which would make a 90-day run across a DST change
last 90 days minus an hour. A period (an outage, the simulated run) is written as a start
plus either a duration or an end; the span helpers here check and measure one.
"""

import unicodedata
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from .durations import format_duration, parse_duration
from .errors import MISSING, Loc

__all__ = ["Duration", "Timestamp"]

MIN_YEAR, MAX_YEAR = 1970, 2200


# --- value types ----------------------------------------------------------------------


def _positive_duration(value: object) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError("expected a duration greater than zero, such as 45s, 6min or 72h")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration, json_schema_input_type=str | float)]
"""Seconds; written as ``45s``, ``6min``, ``72h``, ``30d``, ``2w`` or a number of seconds."""

PositiveDuration = Annotated[
    float, BeforeValidator(_positive_duration, json_schema_input_type=str | float)
]


def duration_between(low: float, high: float, note: str = "") -> AfterValidator:
    """Bounds of a rule's duration, from ``low`` to ``high`` seconds, inclusive.

    A rule parameter outside what any Qlik release uses is not a what-if but a typing
    slip (a 1-second login pass), and it can ask for unbounded work."""

    def check(seconds: float) -> float:
        if not low <= seconds <= high:
            raise ValueError(
                f"expected a duration from {format_duration(low)} to {format_duration(high)}"
                + (f" ({note})" if note else "")
            )
        return seconds

    return AfterValidator(check)


TIMESTAMP_EXPECTED = (
    "expected an ISO 8601 timestamp such as 2026-01-05T08:00 or 2026-01-05 "
    "(read in the scenario's timezone unless it ends in Z or an offset like +01:00)"
)


_ZONE: ContextVar[tzinfo] = ContextVar("scenario_zone", default=UTC)


def _timestamp(value: object, info: ValidationInfo) -> datetime:
    context = info.context if isinstance(info.context, dict) else {}
    tz = context.get("tz") or _ZONE.get()
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            detail = f" ({exc})" if "Invalid isoformat" not in str(exc) else ""
            raise ValueError(TIMESTAMP_EXPECTED + detail) from None
    else:
        raise ValueError(TIMESTAMP_EXPECTED)
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        # Result tables are pandas, whose timestamps end in 2262.
        raise ValueError(f"expected a timestamp between {MIN_YEAR} and {MAX_YEAR}")
    return moment


Timestamp = Annotated[
    datetime, BeforeValidator(_timestamp, json_schema_input_type=str | datetime | date)
]
"""An aware datetime; naive input is read in the scenario's timezone."""


def _not_bool(value: object) -> object:
    # pydantic's lax mode turns true/false into 1/0; in YAML that is almost always a typo.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


NonNegativeInt = Annotated[int, BeforeValidator(_not_bool), Field(ge=0)]
NonNegativeFloat = Annotated[float, BeforeValidator(_not_bool), Field(ge=0, allow_inf_nan=False)]


MAX_NAME_LENGTH = 100
"""Longest id, group or scenario name: it becomes part of folder names and sheet cells."""


def plain_text(value: str, what: str = "name") -> str:
    """``value`` in Unicode's composed form (NFC), so that two spellings of one name are
    one name (``café`` typed on macOS and on Windows), refused if it holds a control
    character (a NUL, a bell: Excel cannot store them, terminals act on them) or is longer
    than :data:`MAX_NAME_LENGTH`."""
    value = unicodedata.normalize("NFC", value)
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        raise ValueError(f"expected a {what} without control characters (found {bad!r})")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"expected a {what} of at most {MAX_NAME_LENGTH} characters")
    return value


def _identifier(value: str) -> str:
    value = plain_text(value)
    if not value.strip():
        raise ValueError("expected a non-empty name")
    if value != value.strip():
        raise ValueError("expected a name without leading or trailing spaces")
    if "." in value:
        raise ValueError("expected a name without dots (dots separate keys in sweep paths)")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]


def _choices(names: list[str]) -> str:
    return ", ".join(dict.fromkeys(names)) if names else "(none defined)"


def _add(moment: datetime, seconds: float) -> datetime:
    """Elapsed-time addition that stays right across DST changes."""
    return (moment.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(moment.tzinfo)


def _elapsed(start: datetime, stop: datetime) -> float:
    return (stop.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def _fmt_time(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


MAX_WHOLE = 2**53
"""Whole numbers from a file must be below this: above it a float cannot hold them
exactly, and a seat count of 2⁶⁴ overflows the 64-bit columns of the tables."""


def _too_big(value: object) -> bool:
    """Whether ``value``, or a number directly in it, is a whole number past the limit; a
    mapping inside a list is a model of its own, which checks its own fields (and so names
    the precise path)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) >= MAX_WHOLE
    if isinstance(value, list | tuple):
        return any(_too_big(v) for v in value if not isinstance(v, dict))
    return False


class _Model(BaseModel):
    """Base of every scenario model: frozen, refusing keys it does not know and whole
    numbers too large to count with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _whole_numbers(cls, value: object, info: ValidationInfo) -> object:
        # A seed is a label, not a count: it has its own bound (below 2^63).
        if info.field_name != "seed" and _too_big(value):
            raise ValueError(f"expected whole numbers less than 2^53 ({MAX_WHOLE:,})")
        return value


# --- periods --------------------------------------------------------------------------


def _span_problem(
    start: datetime, duration: float | None, end: datetime | None, missing: str
) -> tuple[Loc, object, str] | None:
    """What is wrong with a period given as ``start`` plus ``duration`` or ``end``, if anything.

    ``missing`` says what to give when neither is there.
    """
    if duration is None and end is None:
        return (("duration",), MISSING, f"required key is missing: {missing}")
    if duration is not None and end is not None:
        return (("end",), end, "expected either duration or end, not both")
    if _span_length(start, duration, end) <= 0:
        key, value = ("duration", duration) if duration is not None else ("end", end)
        return ((key,), value, f"expected a time after start ({_fmt_time(start)})")
    return None


def _span_length(start: datetime, duration: float | None, end: datetime | None) -> float:
    """Seconds from ``start`` to the end of a checked period."""
    if duration is not None:
        return duration
    assert end is not None
    return _elapsed(start, end)


def _span_stop(start: datetime, duration: float | None, end: datetime | None) -> datetime:
    """When a checked period is over: ``end``, or start + duration in elapsed time."""
    if end is not None:
        return end
    assert duration is not None
    return _add(start, duration)
