"""The tables of a run as one Excel workbook, a sheet per table.

Excel stores neither time zones nor more than 1,048,576 rows a sheet. Timestamps are
written as naive local times of the scenario's zone (what the tables show), and a table
longer than a sheet keeps its first rows, with a ``notes`` sheet saying what was cut. The
workbook is written in openpyxl's write-only mode, which streams rows instead of building
every cell in memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from sim.atomic import atomic_write
from sim.result import Result

SHEET_ROWS = 1_048_576
"""Rows of an Excel sheet, the header row included."""


def excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with aware timestamps made naive in their own zone (rounded to the
    millisecond, Excel's resolution) and categories and strings as plain objects."""
    out = df.copy()
    for name, col in out.items():
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.tz_localize(None).dt.round("ms")
        elif isinstance(col.dtype, pd.CategoricalDtype | pd.StringDtype):
            out[name] = col.astype(object)
    return out


def _cell(sheet: Any, value: Any) -> Any:
    """A value openpyxl can store; missing values become empty cells, text stays text.

    openpyxl would store a string that starts with ``=`` as a formula; a group or a
    directory named ``=HYPERLINK(...)`` must reach Excel as the text it is
    (:mod:`sim.spreadsheet`).
    """
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _rows(sheet: Any, df: pd.DataFrame) -> Iterator[list[Any]]:
    yield [str(c) for c in df.columns]
    for row in df.itertuples(index=False, name=None):
        yield [_cell(sheet, v) for v in row]


def write_workbook(result: Result, out: Path, max_rows: int = SHEET_ROWS) -> Path:
    """Write ``out/report.xlsx`` (atomically): one sheet per table of the result.

    ``max_rows`` (header included) caps each sheet, at most Excel's limit; a year of a
    large estate has millions of sessions, which take minutes to write and that Excel
    cannot filter usefully, so the command line writes fewer.
    """
    max_rows = min(max_rows, SHEET_ROWS)
    book = Workbook(write_only=True)
    notes: list[tuple[str, int, int]] = []
    for name, df in result.tables().items():
        sheet = book.create_sheet(name)
        kept = df.head(max_rows - 1)
        if len(kept) < len(df):
            notes.append((name, len(df), len(kept)))
        for row in _rows(sheet, excel_ready(kept)):
            sheet.append(row)
    if notes:
        sheet = book.create_sheet("notes")
        sheet.append(["table", "rows", "rows written", "note"])
        for name, total, kept in notes:
            sheet.append(
                [name, total, kept, "only the first rows; the CSV and Parquet files have all"]
            )
    return atomic_write(Path(out) / "report.xlsx", lambda f: book.save(f))
