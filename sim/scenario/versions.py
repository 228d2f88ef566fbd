"""Product versions: which release a server runs, and whether it can use a signed key.

The Qlik License Service (a signed license key, online or as an SLD) is supported from
Qlik Sense February 2019, QlikView April 2019 (12.40) and NPrinting February 2020
(licensing-rules §1); Qlik can issue a signed key for older software, but the software
cannot use it. A server's ``version`` is written the way an admin reads it off the
product: a release name (``February 2019``, ``Feb 2019``, or ``2019-02``), for QlikView
also its version number (``12.40``, ``11.20``, optionally with a service release such as
``12.40 SR3``). A server without a version is assumed to run a recent release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["MIN_SIGNED_KEY", "Release", "parse_release", "release_expected", "signed_key_problem"]

MONTHS = {
    name: k
    for k, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

_SUFFIX = r"(?:\s+(?:sr|patch)\s*\d+)?"
_NAMED = re.compile(rf"([a-z]+)\.?\s+(\d{{4}}){_SUFFIX}")
_ISO = re.compile(rf"(\d{{4}})-(\d{{2}}){_SUFFIX}")
_NUMBER = re.compile(rf"(\d{{1,2}})\.(\d{{1,2}}){_SUFFIX}")


@dataclass(frozen=True, order=True)
class Release:
    """A release as (year, month); QlikView version numbers keep their number too."""

    year: int
    month: int
    number: Decimal | None = None

    def __str__(self) -> str:
        text = f"{MONTH_NAMES[self.month - 1]} {self.year}"
        return text if self.number is None else f"{self.number} ({text})"


MIN_SIGNED_KEY = {
    "qlik_sense": Release(2019, 2),
    "qlikview": Release(2019, 4, Decimal("12.40")),
    "nprinting": Release(2020, 2),
}
"""The first release of each product that can use a signed license key (licensing-rules §1)."""

PRODUCT_NAMES = {"qlik_sense": "Qlik Sense", "qlikview": "QlikView", "nprinting": "NPrinting"}


def release_expected(product: str) -> str:
    """What a ``version`` of ``product`` may look like, for error messages."""
    numbers = " or a version number such as 12.40 or 11.20" if product == "qlikview" else ""
    return "expected a release name such as February 2019, Feb 2019 or 2019-02" + numbers


def parse_release(text: str, product: str) -> Release | None:
    """The release ``text`` names for ``product``, or None if it is not one."""
    t = " ".join(text.strip().lower().split())
    if m := _NAMED.fullmatch(t):
        month = MONTHS.get(m.group(1))
        year = int(m.group(2))
        return None if month is None or not 2000 <= year <= 2100 else Release(year, month)
    if m := _ISO.fullmatch(t):
        year, month = int(m.group(1)), int(m.group(2))
        return Release(year, month) if 1 <= month <= 12 and 2000 <= year <= 2100 else None
    if product == "qlikview" and (m := _NUMBER.fullmatch(t)):
        # 12.4 and 12.40 are the same release; the date is only known for 12.40 itself,
        # so numbers compare among themselves (see signed_key_problem).
        return Release(0, 1, Decimal(f"{m.group(1)}.{m.group(2)}"))
    return None


def signed_key_problem(release: Release, product: str) -> str | None:
    """Why ``product`` at ``release`` cannot use a signed license key, if it cannot."""
    first = MIN_SIGNED_KEY[product]
    if release.number is not None:
        assert first.number is not None
        old = release.number < first.number
    else:
        old = (release.year, release.month) < (first.year, first.month)
    if not old:
        return None
    return (
        f"{PRODUCT_NAMES[product]} uses a signed license key from {first} on "
        "(licensing-rules §1: older software cannot use one, although Qlik can issue it)"
    )
