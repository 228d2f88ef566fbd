"""Durations in scenario files: units, plain seconds, and everything that is refused."""

import math

import pytest

from sim.scenario import format_duration, parse_duration
from sim.scenario.durations import DURATION_EXPECTED, MAX_DURATION


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("6min", 360),
        ("72h", 72 * 3600),
        ("30d", 30 * 86400),
        ("2w", 14 * 86400),
        ("1.5h", 5400),
        ("90 s", 90),
        (" 10min ", 600),
        ("10sec", 10),
        ("2 weeks", 14 * 86400),
        ("1 day", 86400),
        ("3 hours", 3 * 3600),
        ("72H", 72 * 3600),
        (".5min", 30),
        ("3600", 3600),
        ("0s", 0),
        (45, 45),
        (2.5, 2.5),
        (0, 0),
    ],
)
def test_accepted(text: object, seconds: float) -> None:
    value = parse_duration(text)
    assert value == seconds
    assert type(value) is float


@pytest.mark.parametrize(
    "value",
    [
        -1,
        -0.5,
        "-5s",
        "- 5s",
        math.nan,
        math.inf,
        -math.inf,
        True,
        False,
        "",
        "   ",
        "abc",
        "5 parsecs",
        "5mo",
        "1y",
        "5min3s",
        "1e3s",
        "1,5h",
        None,
        [1],
        {"h": 1},
        10**400,
        "nan",
        "inf",
    ],
)
def test_refused_with_what_was_expected(value: object) -> None:
    with pytest.raises(ValueError, match="expected a duration such as 45s, 6min, 72h, 30d or 2w"):
        parse_duration(value)


def test_message_names_the_expected_forms() -> None:
    with pytest.raises(ValueError) as info:
        parse_duration("soon")
    assert str(info.value).startswith(DURATION_EXPECTED)
    assert "or a number of seconds" in str(info.value)


@pytest.mark.parametrize("text", ["5m", "5 m", "5M"])
def test_bare_m_is_ambiguous(text: str) -> None:
    with pytest.raises(ValueError, match="'m' is ambiguous: write min for minutes"):
        parse_duration(text)


def test_negative_says_so() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_duration("-5s")
    with pytest.raises(ValueError, match="negative"):
        parse_duration(-5)


def test_unknown_unit_is_named() -> None:
    with pytest.raises(ValueError, match="unknown unit 'mo'"):
        parse_duration("5mo")


def test_bool_is_not_one_second() -> None:
    with pytest.raises(ValueError, match="not true/false"):
        parse_duration(True)


def test_cap_at_100_years() -> None:
    assert parse_duration(MAX_DURATION) == MAX_DURATION
    with pytest.raises(ValueError, match="at most 100 years"):
        parse_duration("5300w")
    with pytest.raises(ValueError, match="at most 100 years"):
        parse_duration(1e300)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (45, "45s"),
        (360, "6min"),
        (5400, "90min"),
        (72 * 3600, "3d"),
        (25 * 3600, "25h"),
        (14 * 86400, "2w"),
        (1.5, "1.5s"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds
