"""Streaming a delimited log file whose columns are known by their header names.

Every Qlik Sense log file is tab-separated text with one header row naming the columns
(help.qlik.com, "Qlik Sense log file format"); a plain CSV export is comma-separated. The
columns a version writes differ, so a reader never relies on positions: it asks for
*canonical* columns, each with the header spellings that mean it, and the header decides.
Spellings are compared without case, spaces, underscores and punctuation, with ``%20``
decoded, so ``Session Start``, ``SessionStart`` and ``session_start`` are one column.

The file is parsed by pyarrow in blocks of :data:`~sim.importers.limits.BLOCK_BYTES`, all
values as text, only the wanted columns converted. Each row keeps its line number in the
file, so a rejected value can be named as ``file:line column``. Lines with the wrong number
of fields, blank lines and a truncated last line are counted as rejected rows; bytes that
are not UTF-8 stop the file with a :class:`SourceError` naming line and column.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sim.importers.errors import Rejects, SourceError
from sim.importers.limits import BLOCK_BYTES, MAX_FILE_BYTES

__all__ = ["Block", "header_key", "read_header", "stream_blocks"]


def header_key(name: str) -> str:
    """The comparison form of a header name: ``'Session Start'`` → ``'sessionstart'``."""
    return re.sub(r"[^a-z0-9#]", "", urllib.parse.unquote(name).lower())


@dataclass
class Block:
    """A run of usable-shaped rows: canonical column → text values, and their line numbers."""

    frame: pd.DataFrame
    lines: np.ndarray


class Accepted:
    """Which rows of one block are still accepted: each check rejects the rows it catches
    that no earlier check did, and records them (one reason per row) in ``rejects``."""

    def __init__(self, rejects: Rejects, path: Path, lines: np.ndarray) -> None:
        self.rejects, self.path, self.lines = rejects, path, lines
        self.ok = np.ones(len(lines), dtype=bool)

    def reject(
        self,
        mask: np.ndarray,
        reason: str,
        column: str | None = None,
        values: pd.Series | None = None,
        expected: bool = False,
    ) -> None:
        hit = mask & self.ok
        if hit.any():
            shown = None if values is None else values[hit].astype(str).head(3).tolist()
            self.rejects.add(
                reason, self.path, self.lines[hit], column=column, values=shown, expected=expected
            )
            self.ok &= ~hit


def _arrow_text(t: pa.DataType) -> pd.StringDtype[Any] | None:
    return pd.StringDtype("pyarrow") if pa.types.is_string(t) else None


def _check_size(path: Path, limit: int = MAX_FILE_BYTES) -> None:
    size = path.stat().st_size
    if size > limit:
        raise SourceError(
            path,
            f"file is {size:,} bytes, over the limit of {limit:,} bytes per file; "
            "split it (Qlik rolls logs over by itself) or import fewer days",
        )


def read_header(path: Path, delimiter: str) -> list[str]:
    """The header row's names (line 1), BOM removed; a SourceError if it cannot be read."""
    _check_size(path)
    with open(path, "rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise SourceError(
            path, "file is empty or its first line is blank (a header row is expected)", line=1
        )
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(
            path, "file is UTF-16 encoded; Qlik writes UTF-8 — save it as UTF-8", line=1
        )
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SourceError(path, f"header is not UTF-8 (byte {err.start + 1})", line=1) from None
    return [h.strip() for h in text.rstrip("\r\n").split(delimiter)]


def resolve_columns(
    path: Path,
    header: Sequence[str],
    wanted: Mapping[str, Sequence[str]],
    required: Sequence[str | tuple[str, ...]],
) -> dict[str, int]:
    """Map canonical names to header positions; SourceError naming a missing required column.

    ``wanted`` gives each canonical column its accepted spellings, in order of preference.
    ``required`` lists canonical names, or tuples of which at least one must be present.
    """
    keys = [header_key(h) for h in header]
    found: dict[str, int] = {}
    for canon, spellings in wanted.items():
        for sp in spellings:
            k = header_key(sp)
            if k in keys:
                found[canon] = keys.index(k)
                break
    for need in required:
        options = need if isinstance(need, tuple) else (need,)
        if not any(o in found for o in options):
            names = " or ".join(repr(wanted[o][0]) for o in options)
            raise SourceError(
                path,
                f"missing column {names}; the header has {len(header)} columns: "
                + ", ".join(header[:40]),
                line=1,
                column=wanted[options[0]][0],
            )
    return found


def _locate_bad_utf8(path: Path, header: Sequence[str], delimiter: str) -> SourceError:
    """Find the first line with bytes that are not UTF-8 (slow path, only after a failure)."""
    with open(path, "rb") as fh:
        for no, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8-sig" if no == 1 else "utf-8")
            except UnicodeDecodeError as err:
                field = raw[: err.start].count(delimiter.encode())
                col = header[field] if field < len(header) else f"#{field + 1}"
                return SourceError(
                    path,
                    f"bytes that are not UTF-8 (byte {err.start + 1} of the line): the file mixes "
                    "encodings; Qlik writes UTF-8 — re-save it as UTF-8",
                    line=no,
                    column=col,
                )
    return SourceError(path, "bytes that are not UTF-8")


def stream_blocks(
    path: Path,
    *,
    delimiter: str,
    columns: Mapping[str, int],
    header: Sequence[str],
    rejects: Rejects,
    quoted: bool = False,
) -> Iterator[Block]:
    """Yield the file's rows (line 2 onward) block by block, as text, with line numbers."""
    ncols = len(header)
    names = [f"c{i}" for i in range(ncols)]
    invalid: list[tuple[int, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((int(row.number or -1), int(row.actual_columns), row.text or ""))
        return "skip"

    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        ends_with_newline = True
        if size:
            fh.seek(size - 1)
            ends_with_newline = fh.read(1) in (b"\n", b"\r")
    wanted = {f"c{i}": canon for canon, i in columns.items()}
    # Values are read as bytes and checked as UTF-8 here, in this thread: a conversion error
    # raised inside pyarrow's reader would leave its background thread behind, and the
    # interpreter aborts at exit.
    reader = None
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=1, column_names=names, use_threads=False, block_size=BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"' if quoted else False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.binary() for n in wanted},
                include_columns=list(wanted),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        seen = 0
        for batch in reader:
            n = batch.num_rows
            frame = pd.DataFrame(
                {
                    # arrow-backed text: a tenth of the memory of Python strings
                    wanted[name]: pc.cast(batch.column(name), pa.string()).to_pandas(
                        types_mapper=_arrow_text
                    )
                    for name in batch.schema.names
                }
            )
            inv = np.array(sorted(i for i, _, _ in invalid if i > 0), dtype=np.int64)
            # the k-th usable row sits after every invalid line that comes before it
            adj = inv - 2 - np.arange(inv.size)
            k = np.arange(seen, seen + n)
            lines = k + 2 + np.searchsorted(adj, k, side="right")
            seen += n
            blank = (
                (frame == "").all(axis=1).to_numpy() if len(frame.columns) else np.zeros(n, bool)
            )
            if blank.any():
                rejects.add("blank line", path, lines[blank])
                frame = frame[~blank].reset_index(drop=True)
                lines = lines[~blank]
            yield Block(frame, lines)
    except pa.ArrowInvalid as err:
        failure = str(err)
    else:
        failure = ""
    finally:
        if reader is not None:
            reader.close()
        del reader
    if failure:
        if "utf8" in failure.lower() or "utf-8" in failure.lower():
            raise _locate_bad_utf8(path, header, delimiter)
        kind = "CSV" if quoted else "tab-separated"
        raise SourceError(path, f"cannot be parsed as {kind} text: {failure}")
    last_line = None
    if invalid:
        with open(path, "rb") as fh:
            last_line = sum(1 for _ in fh)
    for number, actual, _text in invalid:
        if not ends_with_newline and number == last_line and actual < ncols:
            rejects.add("truncated last line (file cut while being written)", path, number)
        else:
            rejects.add(
                f"wrong number of fields (header has {ncols})",
                path,
                number,
                values=[f"{actual} fields"],
            )


def whole_counts(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A column of counts written as text (selections): the counts (``Int64``, missing where
    empty) and the rows whose text is not a whole number from 0."""
    number = pd.to_numeric(texts.where(texts != ""), errors="coerce")
    bad = (texts != "") & (number.isna() | (number < 0) | (number % 1 != 0))
    return number.astype("Float64").round().astype("Int64"), bad
