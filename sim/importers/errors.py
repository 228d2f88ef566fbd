"""What can go wrong while reading a site's files, and how it is told.

Two kinds of problem are kept apart:

* A **source error** makes a whole file unusable: a required column is missing from the
  header, the bytes are not UTF-8 (a mixed encoding), the JSON does not parse, the file is
  larger than the documented limit. It is raised as :class:`SourceError`, which names the
  file, the line and the column, and the CLI turns it into one line on standard error and
  exit status 2.
* A **rejected row** is one record that cannot be used (a malformed line, a timestamp that
  does not parse, a truncated last line, an internal service account). It is counted under
  its reason in :class:`Rejects` with the first few places it happened; nothing is dropped
  without being counted. The import fails (:class:`SourceError` again) only if more than the
  allowed share of rows is rejected, or, with ``--strict``, if any is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Rejects", "SourceError"]

#: how many example places are kept per reason
EXAMPLES_PER_REASON = 3


class SourceError(ValueError):
    """A file that cannot be read, with the place of the first problem."""

    def __init__(
        self,
        file: Path | str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.message = message
        where = self.file
        if line is not None:
            where += f":{line}"
        if column is not None:
            where += f": column {column!r}"
        super().__init__(f"{where}: {message}")


@dataclass
class _Reason:
    count: int = 0
    examples: list[str] = field(default_factory=list)
    expected: bool = False


@dataclass
class Rejects:
    """Rows that could not be used, counted by reason, with example places."""

    reasons: dict[str, _Reason] = field(default_factory=dict)

    def add(
        self,
        reason: str,
        file: Path | str,
        lines: np.ndarray | list[int] | int,
        *,
        column: str | None = None,
        values: list[str] | None = None,
        expected: bool = False,
    ) -> None:
        """Count the rows at ``lines`` of ``file`` as rejected for ``reason``.

        ``expected`` marks rows left out by design (internal service accounts, a row read
        twice): they are counted and reported like the others but are not input errors, so
        they do not count against ``--max-rejected``.
        """
        arr = np.atleast_1d(np.asarray(lines, dtype=np.int64))
        if arr.size == 0:
            return
        entry = self.reasons.setdefault(reason, _Reason(expected=expected))
        entry.count += int(arr.size)
        room = EXAMPLES_PER_REASON - len(entry.examples)
        for i in range(min(room, arr.size)):
            place = f"{file}:{int(arr[i])}"
            if column is not None:
                place += f" column {column!r}"
            if values is not None and i < len(values):
                place += f" value {values[i]!r}"
            entry.examples.append(place)

    @property
    def total(self) -> int:
        """Every row left out."""
        return sum(r.count for r in self.reasons.values())

    @property
    def errors(self) -> int:
        """Rows left out because the input was damaged (not by design)."""
        return sum(r.count for r in self.reasons.values() if not r.expected)

    def counts(self) -> dict[str, int]:
        """Reason → number of rows, largest first."""
        return dict(sorted(((k, v.count) for k, v in self.reasons.items()), key=lambda kv: -kv[1]))

    def first_example(self) -> str:
        """The first place of the most frequent reason (for an error message)."""
        errs = {k: v for k, v in self.counts().items() if not self.reasons[k].expected}
        if not errs:
            return ""
        reason = next(iter(errs))
        ex = self.reasons[reason].examples
        return f"{reason}, e.g. {ex[0]}" if ex else reason

    def lines(self) -> list[str]:
        """One human-readable line per reason."""
        out = []
        for reason, n in self.counts().items():
            ex = self.reasons[reason].examples
            tag = " [by design]" if self.reasons[reason].expected else ""
            out.append(f"{n:>9,} {reason}{tag}" + (f" (e.g. {'; '.join(ex)})" if ex else ""))
        return out
