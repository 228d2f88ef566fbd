"""What every licsim chart shares: its figure, its time axis, its legend and its numbers.

:mod:`sim.charts` and :mod:`sim.legacy_charts` both draw in this style; it lives apart
from both so that neither imports the other for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim import reports

if TYPE_CHECKING:
    from sim.result import Result


def figure(title: str, height: float = 4.0) -> tuple[Figure, Any]:
    """A new chart: one titled, gridded axes on a 10-inch-wide figure."""
    fig = Figure(figsize=(10, height), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return fig, ax


def end_time(result: Result) -> pd.Timestamp:
    """The end of the run's time window (:func:`sim.reports.window`)."""
    return reports.window(result)[1]


LEGEND_OUTSIDE: dict[str, Any] = {
    "loc": "upper left",
    "bbox_to_anchor": (1.0, 1.0),
    "fontsize": "small",
}
"""Legends beside the axes, never over the data."""


def time_axis(ax: Any, result: Result) -> None:
    """The run's window on x, in its zone, with dates as short as they can be read."""
    start, end = reports.window(result)
    ax.set_xlim(start, end)
    locator = AutoDateLocator(tz=start.tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, tz=start.tz))
    ax.set_xlabel(f"time ({result.scenario.timezone})")


def thousands(ax: Any) -> None:
    """Whole numbers with thousands separators on the y axis, never a ``1e7`` offset."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
