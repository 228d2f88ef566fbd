"""Durations: how long something lasts, written the way people say it.

Scenario files give durations as a number with a unit (``45s``, ``6min``, ``72h``, ``30d``,
``2w``, also ``1.5h`` or ``90 s``) or as a plain number of seconds. Everything downstream
works in float seconds, so this is the one place that knows about units.

A bare ``m`` is refused: it reads as minutes to some people and months to others, and a
licensing simulator deals in both. Durations are capped at 100 years; nothing in the
licensing rules comes close, and the cap keeps date arithmetic from overflowing.
"""

import math
import re

__all__ = [
    "DAY",
    "DURATION_EXPECTED",
    "HOUR",
    "MAX_DURATION",
    "MINUTE",
    "SECOND",
    "WEEK",
    "format_duration",
    "parse_duration",
]

SECOND = 1.0
MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY
MAX_DURATION = 100 * 365.25 * DAY

DURATION_EXPECTED = "expected a duration such as 45s, 6min, 72h, 30d or 2w, or a number of seconds"

_UNITS: dict[str, float] = {
    "s": SECOND,
    "sec": SECOND,
    "secs": SECOND,
    "second": SECOND,
    "seconds": SECOND,
    "min": MINUTE,
    "mins": MINUTE,
    "minute": MINUTE,
    "minutes": MINUTE,
    "h": HOUR,
    "hour": HOUR,
    "hours": HOUR,
    "d": DAY,
    "day": DAY,
    "days": DAY,
    "w": WEEK,
    "week": WEEK,
    "weeks": WEEK,
}

_PATTERN = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[A-Za-z]*)")


def _checked(seconds: float) -> float:
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"{DURATION_EXPECTED}; it must be finite")
    if seconds < 0:
        raise ValueError(f"{DURATION_EXPECTED}; negative durations are not allowed")
    if seconds > MAX_DURATION:
        raise ValueError(f"{DURATION_EXPECTED}; at most 100 years")
    return float(seconds)


def parse_duration(value: object) -> float:
    """Return a duration in seconds from a number of seconds or a string with a unit.

    >>> parse_duration("6min"), parse_duration("1.5h"), parse_duration(45)
    (360.0, 5400.0, 45.0)

    Raises ``ValueError`` (saying what was expected) for anything else, including
    negative, infinite or NaN values, booleans and empty strings.
    """
    if isinstance(value, bool):
        # bool is an int subclass; `grace: yes` must not become one second.
        raise ValueError(f"{DURATION_EXPECTED}, not true/false")
    if isinstance(value, int | float):
        try:
            return _checked(float(value))
        except OverflowError:
            raise ValueError(f"{DURATION_EXPECTED}; at most 100 years") from None
    if not isinstance(value, str):
        raise ValueError(DURATION_EXPECTED)
    text = value.strip()
    if not text:
        raise ValueError(f"{DURATION_EXPECTED}; the value is empty")
    if text.startswith("-"):
        raise ValueError(f"{DURATION_EXPECTED}; negative durations are not allowed")
    match = _PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(DURATION_EXPECTED)
    unit = match["unit"].lower()
    if unit == "m":
        raise ValueError(f"{DURATION_EXPECTED}; 'm' is ambiguous: write min for minutes")
    if unit and unit not in _UNITS:
        known = ", ".join(sorted({"s", "sec", "min", "h", "d", "w"}))
        raise ValueError(f"{DURATION_EXPECTED}; unknown unit {match['unit']!r} (known: {known})")
    return _checked(float(match["number"]) * (_UNITS[unit] if unit else SECOND))


def format_duration(seconds: float) -> str:
    """Write seconds back in the largest unit that divides them: 259200 → ``3d``."""
    if seconds == 0:
        return "0s"
    for unit, size in (("w", WEEK), ("d", DAY), ("h", HOUR), ("min", MINUTE)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:g}s"
