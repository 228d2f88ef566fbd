"""The building blocks of a self-contained HTML page: styles, KPI cards, tables and charts.

A report must open years later on an air-gapped machine exactly as it was written, so
everything it shows lives inside the one file: the styles are inline, charts are PNGs
embedded as ``data:`` URLs, and the page has no scripts, fonts or links to fetch. All text
from the run is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.charts import PNG_DPI

MAX_ROWS = 500
"""Rows of a table shown in a page; the full tables are in the CSV, Parquet and XLSX files."""

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #212121; background: #fafafa; }
header { background: #263238; color: #fff; padding: 1.2em 2em; }
header h1 { margin: 0 0 .3em 0; font-size: 1.6em; }
header p { margin: 0; color: #cfd8dc; }
main { padding: 1em 2em 3em 2em; max-width: 1200px; }
h2 { border-bottom: 2px solid #cfd8dc; padding-bottom: .2em; margin-top: 1.8em; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; }
.card { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: .7em 1em;
        min-width: 10em; }
.card .value { font-size: 1.5em; font-weight: 600; }
.card .label { color: #616161; font-size: .85em; }
.card.attention { border: 2px solid #e53935; background: #fff5f5; }
.card .flag { color: #b71c1c; font-size: .75em; font-weight: 600; text-transform: uppercase;
              margin-top: .2em; }
details.folded summary { cursor: pointer; color: #424242; margin: .5em 0; }
section.table { overflow-x: auto; }
table.data { border-collapse: collapse; background: #fff; font-size: .85em; margin: .5em 0; }
table.data th, table.data td { border: 1px solid #e0e0e0; padding: .25em .6em;
                              white-space: nowrap; }
table.data th { background: #eceff1; text-align: left; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; background: #fff; border: 1px solid #e0e0e0; padding: .5em; }
figure img { max-width: 100%; height: auto; }
figcaption { color: #616161; font-size: .85em; }
.note { color: #616161; font-size: .85em; }
details pre { background: #fff; border: 1px solid #e0e0e0; padding: .8em; overflow-x: auto; }
"""


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def number(value: float) -> str:
    """A KPI value as people read it: whole numbers with thousands separators."""
    if not np.isfinite(value):
        return "–"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def cards(kpis: pd.DataFrame, attention: pd.Series | None = None) -> str:
    """KPI cards from rows of ``metric, value, unit``; a row ``attention`` marks stands out,
    and says so in words as well as in colour."""
    flagged = [False] * len(kpis) if attention is None else list(attention)
    items = []
    for row, flag in zip(kpis.itertuples(index=False), flagged, strict=True):
        unit = "" if pd.isna(row.unit) else f" {row.unit}"
        mark = '<div class="flag">needs attention</div>' if flag else ""
        items.append(
            f'<div class="card{" attention" if flag else ""}">'
            f'<div class="value">{escape(number(float(row.value)))}{escape(unit)}</div>'
            f'<div class="label">{escape(str(row.metric).replace("_", " "))}</div>{mark}</div>'
        )
    return f'<div class="cards">{"".join(items)}</div>'


def _whole(col: pd.Series) -> bool:
    finite = col[np.isfinite(col.to_numpy(dtype=float, na_value=np.nan))]
    return bool((finite == finite.round()).all())


def _column(col: pd.Series) -> tuple[list[str], bool]:
    """A column's cells as text, and whether they are numbers (aligned right). Times show
    to the minute in their own zone (the page names it), numbers with thousands separators:
    a column of whole numbers (counts, even when stored as floats) without decimals, and a
    ``value`` column, which lists KPIs of every kind, each value as :func:`number` shows it."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(col):
        return list(col.dt.strftime("%Y-%m-%d %H:%M").fillna("")), False
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        return ["" if pd.isna(v) else str(v) for v in col], False
    if col.name == "value":
        return ["" if pd.isna(v) else number(float(v)) for v in col], True
    shape = "{:,.0f}" if _whole(col) else "{:,.2f}"
    return ["" if pd.isna(v) else shape.format(v) for v in col], True


def table(df: pd.DataFrame, title: str, max_rows: int = MAX_ROWS) -> str:
    """A titled table (at most ``max_rows`` rows, with a note saying how many were left out).
    A named index is shown as leading columns."""
    head = f"<h3>{escape(title)}</h3>"
    if df.empty:
        return f'<section class="table">{head}<p class="note">no rows</p></section>'
    named = isinstance(df.index, pd.MultiIndex) or df.index.name is not None
    shown = (df.reset_index() if named else df).head(max_rows)
    columns = [_column(shown[c]) for c in shown.columns]
    header = "".join(f"<th>{escape(c)}</th>" for c in shown.columns)
    rows = []
    for i in range(len(shown)):
        cells = (
            f'<td class="num">{escape(cells[i])}</td>'
            if numeric
            else f"<td>{escape(cells[i])}</td>"
            for cells, numeric in columns
        )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = ""
    if len(df) > len(shown):
        note = f'<p class="note">first {len(shown):,} of {len(df):,} rows</p>'
    body = (
        f'<table class="data"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return f'<section class="table">{head}{body}{note}</section>'


def png(fig: Figure) -> str:
    """A figure as base64 PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def chart(name: str, fig: Figure | bytes, caption: str = "") -> str:
    """A figure (or its PNG bytes) embedded as an ``<img>`` with a ``data:`` URL."""
    text = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    data = base64.b64encode(fig).decode("ascii") if isinstance(fig, bytes) else png(fig)
    return (
        f'<figure class="chart" id="chart-{escape(name)}">'
        f'<img alt="{escape(name)}" src="data:image/png;base64,{data}">{text}</figure>'
    )


def folded(summary: str, body: str) -> str:
    """``body`` folded away under a line saying what it holds."""
    return f'<details class="folded"><summary>{escape(summary)}</summary>{body}</details>'


def section(title: str, parts: Iterable[str]) -> str:
    return f"<section><h2>{escape(title)}</h2>{''.join(parts)}</section>"


def document(title: str, subtitle: str, sections: Iterable[str]) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>"
        f"<main>{''.join(sections)}</main></body></html>\n"
    )
