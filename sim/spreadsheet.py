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
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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
    """Write ``df`` to ``path`` as CSV (no index) with formula-like text quoted, atomically.

    The writer is pyarrow's (C++, tens of times faster than pandas' for millions of rows).
    Timestamps are written as ISO 8601 at second resolution in their own time zone, with
    its offset (``2026-03-09T08:00:00+01:00``), so that a spreadsheet shows local time and
    a reader still gets the instant; categories are written as their text.
    """
    table = _csv_table(neutralise_frame(df))
    return atomic_write(path, lambda f: pacsv.write_csv(table, f))


def _csv_table(df: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False)
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
        elif pa.types.is_timestamp(kind):
            column = _iso_seconds(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _iso_seconds(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    seconds = pc.cast(pc.floor_temporal(column, unit="second"), pa.timestamp("s", tz=kind.tz))
    if kind.tz is None:
        return pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%S")
    text = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%S%z")
    # %z gives +0100; ISO 8601's extended form, like the date and time, has +01:00.
    return pc.replace_substring_regex(text, pattern=r"([+-]\d\d)(\d\d)$", replacement=r"\1:\2")
