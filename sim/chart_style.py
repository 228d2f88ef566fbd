"""What every licsim chart shares: its figure and the end of its time axis.

:mod:`sim.charts` and :mod:`sim.legacy_charts` both draw in this style; it lives apart
from both so that neither imports the other for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

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
