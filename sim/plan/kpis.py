"""The KPIs a plan can put a target on: one number per run, and which way licenses move it.

A plan asks "is this mix good enough?" of every run it makes, so each KPI here is a
function of one run's tables returning one float, named the way the summary and the
reports name the figure:

=====================================  =====  ========================================
KPI                                    unit   one run's value
=====================================  =====  ========================================
``denial_rate``                        %      denied / attempted sessions × 100
``busiest_month_denial_rate``          %      the highest denial % of a calendar month
``busiest_month_capacity_headroom``    %      the lowest (purchased − used) / purchased
                                              × 100 of a license's capacity month
``unmet_capacity_minutes``             min    capacity units denied × the unit's minutes
``busiest_month_unmet_capacity_minutes`` min  the same, in the month with the most
``spare_professional_seats``           seats  Professional seats bought − the peak
                                              allocated at one instant
``spare_analyzer_seats``               seats  the same for Analyzer seats
=====================================  =====  ========================================

The two denial rates also exist per user group (``denial_rate[analysts]``). Months of
denials are local calendar months; a month the run covers for less than half its length is
left out (a run's first hour would otherwise make a "month" of two sessions) unless no
month is covered that long. Capacity months are the meter's UTC months (the project's
rules digest, §4); a partial month only uses less, so it never hides the busiest one.
A license-month with nothing bought and nothing asked for has no headroom to measure.

Each KPI says which way **more licenses** move it (``better``): denials and unmet minutes
go down, headroom and spare seats go up. The plan's search relies on this monotonicity,
so a target may only bound a KPI from the side more licenses help (``denial_rate<=1%``,
never ``denial_rate>=1%``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.result import Result

__all__ = ["KPIS", "Kpi", "measure"]

Measure = Callable[["Result", "str | None"], float]


@dataclass(frozen=True)
class Kpi:
    """One KPI a target can name."""

    name: str
    unit: Literal["%", "min", "seats"]
    better: Literal["lower", "higher"]
    description: str
    measure: Measure
    per_group: bool = False


def _sessions(result: Result, group: str | None) -> pd.DataFrame:
    s = result.sessions
    return s if group is None else s[s["group"] == group]


def _denial_rate(result: Result, group: str | None) -> float:
    s = _sessions(result, group)
    return 100.0 * float(s["denied_reason"].notna().sum()) / len(s) if len(s) else 0.0


def _covered_months(result: Result) -> set[str]:
    """Local calendar months the run covers for at least half their length."""
    sc = result.scenario
    start = pd.Timestamp(sc.start_at).tz_convert(sc.tz)
    end = pd.Timestamp(sc.end_at).tz_convert(sc.tz)
    months: set[str] = set()
    first = start.tz_localize(None).to_period("M")
    last = end.tz_localize(None).to_period("M")
    for period in pd.period_range(first, last, freq="M"):
        lo = pd.Timestamp(period.start_time).tz_localize(sc.tz)
        hi = pd.Timestamp((period + 1).start_time).tz_localize(sc.tz)
        covered = (min(hi, end) - max(lo, start)).total_seconds()
        if covered >= 0.5 * (hi - lo).total_seconds():
            months.add(str(period))
    return months


def _busiest_month_denial_rate(result: Result, group: str | None) -> float:
    s = _sessions(result, group)
    if not len(s):
        return 0.0
    month = s["start"].dt.tz_localize(None).dt.to_period("M").astype(str)
    covered = _covered_months(result)
    if covered & set(month):
        keep = month.isin(covered)
        s, month = s[keep], month[keep]
    denied = s["denied_reason"].notna().groupby(month).agg(["sum", "size"])
    return float((100.0 * denied["sum"] / denied["size"]).max())


def _busiest_month_capacity_headroom(result: Result, group: str | None) -> float:
    c = result.capacity
    asked = (c["allocated_minutes"] > 0) | (c["used_minutes"] > 0) | (c["denied_units"] > 0)
    c = c[asked]
    if c.empty:
        return 100.0
    purchased = c["allocated_minutes"].to_numpy(dtype=np.float64)
    consumed = c["used_minutes"].to_numpy(dtype=np.float64)
    # Demand with nothing bought has no room at all: as bad as a month used up and beyond.
    room = np.where(
        purchased > 0, 100.0 * (purchased - consumed) / np.maximum(purchased, 1), -100.0
    )
    return float(room.min())


def _unmet(result: Result) -> pd.Series:
    unit = result.scenario.rules.capacity_unit / 60.0
    c = result.capacity
    return (c["denied_units"].astype(float) * unit).groupby(c["month"]).sum()


def _unmet_capacity_minutes(result: Result, group: str | None) -> float:
    return float(_unmet(result).sum())


def _busiest_month_unmet(result: Result, group: str | None) -> float:
    unmet = _unmet(result)
    return float(unmet.max()) if len(unmet) else 0.0


def _spare(kind: str) -> Measure:
    def spare(result: Result, group: str | None) -> float:
        total = sum(getattr(lic, kind) for lic in result.scenario.licenses)
        peak = result.summary.loc[result.summary["metric"] == f"peak_allocated_{kind}", "value"]
        return float(total - (float(peak.iloc[0]) if len(peak) else 0.0))

    return spare


KPIS: dict[str, Kpi] = {
    k.name: k
    for k in (
        Kpi("denial_rate", "%", "lower", "denied / attempted sessions", _denial_rate, True),
        Kpi(
            "busiest_month_denial_rate",
            "%",
            "lower",
            "the highest monthly denial rate",
            _busiest_month_denial_rate,
            True,
        ),
        Kpi(
            "busiest_month_capacity_headroom",
            "%",
            "higher",
            "capacity minutes left unused in the busiest month, % of the purchase",
            _busiest_month_capacity_headroom,
        ),
        Kpi(
            "unmet_capacity_minutes",
            "min",
            "lower",
            "capacity minutes asked for and denied",
            _unmet_capacity_minutes,
        ),
        Kpi(
            "busiest_month_unmet_capacity_minutes",
            "min",
            "lower",
            "capacity minutes denied in the worst month",
            _busiest_month_unmet,
        ),
        Kpi(
            "spare_professional_seats",
            "seats",
            "higher",
            "Professional seats never allocated at the peak",
            _spare("professional"),
        ),
        Kpi(
            "spare_analyzer_seats",
            "seats",
            "higher",
            "Analyzer seats never allocated at the peak",
            _spare("analyzer"),
        ),
    )
}
"""Every KPI a target may name, by name."""


def measure(result: Result, kpi: str, group: str | None = None) -> float:
    """One run's value of ``kpi`` (of ``group``'s sessions when given)."""
    return KPIS[kpi].measure(result, group)
