"""Text that a spreadsheet must show, never run: CSV and Excel cells from untrusted names.

Directory names, group ids, causes and messages come from scenario files and logs. A
spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula, which can fetch data or run commands
when the file is opened: CSV (formula) injection. OWASP's remedy for CSV is to prefix such
a text cell with a single quote, which spreadsheets take as "this is text" and do not
show; numbers are left alone, since ``-5`` in a numeric column is a number. In a workbook
a text cell is written with the string type, so Excel stores it as text whatever it starts
with. The Parquet tables keep the values as they are: they are data, not a sheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.atomic import atomic_write

__all__ = ["FORMULA_PREFIXES", "neutralise", "neutralise_frame", "write_csv"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""


def neutralise(value: Any) -> Any:
    """``value`` with a leading quote if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell that starts like a formula quoted (a copy if any is)."""
    out = df
    for name, col in df.items():
        values = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else col
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        if any(map(_risky, values)):
            if out is df:
                out = df.copy()
            out[name] = col.astype(object).map(neutralise, na_action="ignore")
    return out


def _risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    """Write ``df`` to ``path`` as CSV (no index) with formula-like text quoted, atomically."""
    safe = neutralise_frame(df)
    return atomic_write(path, lambda f: safe.to_csv(f, index=False))
