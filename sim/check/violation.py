"""What a check reports: the invariant that does not hold, why, and a few rows breaking it.

Every check of the package returns at most one :class:`Violation`; it keeps no more than
``SAMPLE_ROWS`` offending rows, enough to find them and few enough to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SAMPLE_ROWS = 5
"""Offending rows kept per violation: enough to find them, little enough to print."""


@dataclass
class Violation:
    """One invariant that does not hold, why, and a few rows that break it."""

    invariant: str
    detail: str
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __str__(self) -> str:
        text = f"{self.invariant}: {self.detail}"
        if len(self.rows):
            text += "\n" + self.rows.head(SAMPLE_ROWS).to_string(index=False)
        return text


def violation_of(name: str, bad: pd.Series, table: pd.DataFrame, what: str) -> Violation | None:
    if not bad.any():
        return None
    return Violation(name, f"{int(bad.sum())} {what}", table[bad].head(SAMPLE_ROWS))
