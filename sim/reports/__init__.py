"""Reports of a run: the numbers Qlik admins and license managers already look at.

Every function here is pure pandas over a :class:`sim.result.Result` (no I/O), and every
chart in :mod:`sim.charts` draws one of them. The modules, each explaining its concept:

* :mod:`~sim.reports.steps`: step series, time-weighted mean and utilisation, peaks,
  duration curves and P95/P99;
* :mod:`~sim.reports.seats`: total / allocated / used / quarantined / available / excess
  per pool and type (QMC names);
* :mod:`~sim.reports.tokens`: a token license's user and login access in tokens;
* :mod:`~sim.reports.capacity`: Analyzer Capacity per month, burn-down, minutes per user,
  Analyzer break-even candidates;
* :mod:`~sim.reports.denials`: denials and denial % by reason and by server, product,
  group or directory;
* :mod:`~sim.reports.usage`: concurrent sessions, weekday × hour, reclaim candidates;
* :mod:`~sim.reports.outages`: non-licensed server states and the sessions they denied;
* :mod:`~sim.reports.labels`: the words a reader sees for licsim's codes.

:func:`report_tables` gathers the tables for an HTML report or workbook, in reading order;
:func:`kpis` the headline numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from .capacity import (
    analyzer_candidates,
    breakeven_minutes,
    burn_down,
    capacity_months,
    user_capacity_minutes,
)
from .common import BY, window
from .denials import denial_rate, denials_by_reason, denials_over_time
from .labels import access_name, pool_title
from .outages import network_outages, outage_impact
from .seats import allocation_stack, seat_levels, seat_users, seats, seats_by_period
from .steps import (
    concurrency,
    duration_curve,
    exceeded_level,
    peak,
    share_at_or_above,
    time_weighted_mean,
    utilisation,
)
from .tokens import token_overview
from .usage import (
    concurrency_pools,
    concurrency_summary,
    concurrent_sessions,
    duration_curves,
    reclaim_candidates,
    session_cals_in_use,
    weekday_hour,
)

if TYPE_CHECKING:
    from sim.result import Result

__all__ = [
    "BY",
    "allocation_stack",
    "analyzer_candidates",
    "breakeven_minutes",
    "burn_down",
    "capacity_months",
    "concurrency",
    "concurrency_pools",
    "concurrency_summary",
    "concurrent_sessions",
    "denial_rate",
    "denials_by_reason",
    "denials_over_time",
    "duration_curve",
    "duration_curves",
    "exceeded_level",
    "kpis",
    "needs_attention",
    "network_outages",
    "outage_impact",
    "peak",
    "reclaim_candidates",
    "report_tables",
    "seat_levels",
    "seat_users",
    "seats",
    "seats_by_period",
    "session_cals_in_use",
    "share_at_or_above",
    "time_weighted_mean",
    "token_overview",
    "user_capacity_minutes",
    "utilisation",
    "weekday_hour",
    "window",
    "zero_breakdowns",
]

SEAT_UNITS = {"user_pass": "allocations", "named_cal": "CALs"}
"""What a held access of each type is counted in, where it is not a seat."""

TOP = 25  # rows kept of per-user lists, so the report stays readable

BREAKDOWNS = ("denied_", "sessions_", "launches_", "desktop_launches")
"""Summary metrics that split a total by reason, access type or launch outcome."""

_TOTALS = {"sessions_attempted", "sessions_granted", "sessions_denied", "sessions_interrupted"}

ATTENTION = {
    "sessions denied",
    "denial rate",
    "capacity months exhausted",
    "server hours in grace (still licensed)",
    "sessions denied in grace (still licensed)",
    "server hours unlicensed",
    "sessions denied unlicensed",
}
"""Headline KPIs (:func:`kpis`) that need someone's attention when they are above zero:
users were refused, capacity ran out, or a server lost its backend."""


def zero_breakdowns(summary: pd.DataFrame) -> pd.Series:
    """The rows of a run summary that are a zero part of a breakdown (an SLK site never sees
    a Session CAL): noise on a terminal or a page, kept in summary.csv. Totals always count."""
    metric = summary["metric"].astype(str)
    return (summary["value"] == 0) & ~metric.isin(_TOTALS) & metric.str.startswith(BREAKDOWNS)


def needs_attention(headline: pd.DataFrame) -> pd.Series:
    """Which rows of :func:`kpis` need attention: those of :data:`ATTENTION` above zero."""
    return headline["metric"].isin(ATTENTION) & (headline["value"] > 0)


def kpis(
    result: Result,
    tables: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The headline numbers as (metric, value, unit): sessions and denial %, concurrency
    (peak, time-weighted mean, P95), seat utilisation per pool and type, capacity use,
    server hours in grace and unlicensed (apart: grace is licensed), each with the sessions
    denied then (when a server was ever out of the licensed state), and the candidate
    counts. ``tables`` may hold report tables already made (by their titles in
    :func:`report_tables`), which are then not made again."""
    made = tables or {}

    def table(title: str, make: Callable[[Result], pd.DataFrame]) -> pd.DataFrame:
        return made[title] if title in made else make(result)

    rows: list[tuple[str, float, str]] = []
    rate = denial_rate(result).iloc[0]
    rows += [
        ("sessions attempted", float(rate["attempted"]), "sessions"),
        ("sessions denied", float(rate["denied"]), "sessions"),
        ("denial rate", float(rate["denial_pct"]), "%"),
    ]
    conc = table("Concurrent sessions", concurrency_summary).set_index("pool")
    if "concurrent sessions" in conc.index:
        c = conc.loc["concurrent sessions"]
        rows += [
            ("peak concurrent sessions", float(c["peak"]), "sessions"),
            ("mean concurrent sessions (time-weighted)", float(c["mean"]), "sessions"),
            ("P95 concurrent sessions", float(c["p95"]), "sessions"),
        ]
    for row in table("Seats by type", seats).itertuples(index=False):
        label = pool_title(row.pool, row.type)
        rows += [
            (
                f"{label} peak allocated",
                float(row.peak_allocated),
                SEAT_UNITS.get(row.type, "seats"),
            ),
            (f"{label} utilisation (time-weighted)", float(row.utilisation_pct), "%"),
        ]
    passes = table("Tokens", token_overview)
    several = passes["license"].nunique() > 1
    for row in passes.itertuples(index=False):
        what = "allocations" if row.type == "user_pass" else "passes"
        whose = f" [{row.license}]" if several else ""
        rows.append(
            (
                f"{access_name(row.type)}{whose}: {row.passes:,} {what} "
                f"(tokenCost {row.token_cost:g})",
                float(row.allocated_tokens),
                "tokens",
            )
        )
    cap = table("Analyzer Capacity by month", capacity_months)
    if len(cap):
        bought, used = cap["allocated_minutes"].sum(), cap["used_minutes"].sum()
        rows += [
            ("capacity minutes used", float(used), "min"),
            ("capacity used of allocated", 100.0 * used / bought if bought else 0.0, "%"),
            ("capacity months exhausted", float(cap["exhausted_at"].notna().sum()), "months"),
        ]
    outages = table("Outages and their impact", outage_impact)
    # A server in grace is still licensed (it serves its allocated users without the
    # backend): its hours are counted apart from the hours it is unlicensed. A run whose
    # servers were licensed throughout has neither (four zeros would only be noise).
    states = (("grace", "in grace (still licensed)"), ("unlicensed", "unlicensed"))
    for state, label in states if len(outages) else ():
        mine = outages[outages["state"] == state]
        rows += [
            (f"server hours {label}", float(mine["hours"].sum()), "h"),
            (f"sessions denied {label}", float(mine["denied"].sum()), "sessions"),
        ]
    if breakeven_minutes(result) is not None:
        rows.append(
            (
                "Analyzer seat candidates",
                float(analyzer_candidates(result)["user"].nunique()),
                "users",
            )
        )
    return pd.DataFrame(rows, columns=["metric", "value", "unit"])


def report_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The report's tables in reading order, keyed by their titles. Aggregates only:
    per-user lists keep the :data:`TOP` rows that matter most; tables that would be empty
    for this run (no capacity, no denials, no outages) are left out."""
    made = {
        "Seats by type": seats(result),
        "Tokens": token_overview(result),
        "Concurrent sessions": concurrency_summary(result),
        "Analyzer Capacity by month": capacity_months(result),
        "Outages and their impact": outage_impact(result),
    }
    tables: dict[str, pd.DataFrame] = {
        "Headline KPIs": kpis(result, made),
        "Seats by type": made["Seats by type"],
        "Tokens": made["Tokens"],
        "Seats by month": seats_by_period(result, "M"),
        "Concurrent sessions": made["Concurrent sessions"],
        "Sessions by weekday and hour": weekday_hour(result),
        "Denial rate by server": denial_rate(result, "server"),
        "Denial rate by user group": denial_rate(result, "group"),
        "Denials by reason": denials_by_reason(result),
        "Analyzer Capacity by month": made["Analyzer Capacity by month"],
        "Capacity minutes per user (top)": user_capacity_minutes(result).head(TOP),
        "Analyzer seat candidates": analyzer_candidates(result).head(TOP),
        "Reclaim candidates (longest idle)": reclaim_candidates(result).head(TOP),
        "Outages and their impact": made["Outages and their impact"],
    }
    if result.sessions["directory"].notna().any():
        tables["Denial rate by directory"] = denial_rate(result, "directory")
    optional = {
        "Tokens",
        "Denials by reason",
        "Analyzer Capacity by month",
        "Capacity minutes per user (top)",
        "Analyzer seat candidates",
        "Outages and their impact",
    }
    return {k: v for k, v in tables.items() if k not in optional or not v.empty}
