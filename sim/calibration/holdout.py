"""Hold-out validation: fit on the first part of a trace, simulate the rest, compare weeks.

The trace is cut at a whole week near two thirds of its span (weeks start on Monday). The
calibration (:func:`sim.calibration.scenario.calibrate`) sees only the sessions before the
cut, and the site's calendar of public holidays if given, and writes a scenario of the
days after the cut, up to the trace's end; that scenario is run for several seeded
replications, and each later week's observed figures are compared with the 95 % band
(2.5th to 97.5th percentile) of the replications:

* sessions started in the week (granted sessions: a log holds no denied ones);
* distinct users with a session in the week;
* the week's peak of concurrent sessions.

Capacity minutes are not compared: the 6-minute units of a session depend on when its
activity happened (:func:`sim.rules.capacity.unit_starts`), and an Engine session log
holds a session's start, duration and number of selections, not their times — the
observed minutes cannot be computed from a log (docs/calibration.md says more).

A model that captures the site holds the observed figure inside the band in about 95 %
of the comparisons, so a metric misses about one week in twenty by design. The band is
the replications' percentiles: with ``n`` replications the interval between the
interpolated 2.5th and 97.5th percentiles covers a new draw with probability
``(n + 1 - 2k) / (n + 1)``, ``k = 1 + 0.025 (n - 1)`` — 90 % for 40 replications, 94 %
for 200 — hence the default of 200.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sim.calibration.scenario import Calibration, calibrate
from sim.calibration.usage import user_key

__all__ = ["METRICS", "Holdout", "holdout", "weekly"]

METRICS: tuple[str, ...] = ("sessions", "users", "peak_concurrent")


def _peaks(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Sessions running at each session's start (inclusive), by a sweep."""
    times = np.concatenate([start, end])
    step = np.concatenate([np.ones(len(start)), -np.ones(len(end))])
    # at equal times an end comes before a start: a session ending as another opens
    # does not overlap it
    order = np.lexsort((step, times))
    running = np.cumsum(step[order])
    at = np.empty(len(times))
    at[order] = running
    return at[: len(start)]


def weekly(
    start: pd.Series, end: pd.Series, user: pd.Series, weeks: pd.DatetimeIndex
) -> pd.DataFrame:
    """Sessions, distinct users and peak concurrency per week (naive local starts)."""
    week = start.dt.normalize() - pd.to_timedelta(start.dt.day_of_week, unit="D")
    conc = _peaks(
        start.to_numpy(dtype="datetime64[ns]").astype(np.int64),
        end.to_numpy(dtype="datetime64[ns]").astype(np.int64),
    )
    frame = pd.DataFrame({"week": week.to_numpy(), "user": user.to_numpy(), "conc": conc})
    g = frame.groupby("week")
    out = pd.DataFrame(
        {"sessions": g.size(), "users": g["user"].nunique(), "peak_concurrent": g["conc"].max()}
    )
    return out.reindex(weeks, fill_value=0).astype(float)


@dataclass
class Holdout:
    """The comparison, one row per hold-out week and metric."""

    table: pd.DataFrame
    """Columns: week, metric, observed, low, median, high, inside."""
    calibration: Calibration
    replications: int

    def coverage(self) -> pd.Series:
        """Share of weeks inside the band, by metric."""
        return self.table.groupby("metric", sort=False)["inside"].mean()


def _cut(trace: pd.DataFrame, fraction: float) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    local = trace["start"].dt.tz_localize(None)
    first = local.min().normalize()
    first -= pd.Timedelta(days=first.weekday())
    last = trace["end"].dt.tz_localize(None).max().normalize() + pd.Timedelta(days=1)
    weeks = int(np.ceil((last - first).days / 7))
    fit_weeks = max(1, min(weeks - 1, round(weeks * fraction)))
    # the simulation stops where the trace does: a last week it cuts short is compared
    # over the days both have
    return first, first + pd.Timedelta(weeks=fit_weeks), last


def holdout(
    trace: pd.DataFrame,
    site_text: str,
    *,
    replications: int = 200,
    fraction: float = 2 / 3,
    seed: int = 0,
    base: str = ".",
    known_holidays: Sequence[date] = (),
) -> Holdout:
    """Calibrate on the first ``fraction`` of ``trace`` (whole weeks) and test the rest.

    ``known_holidays`` is the site's calendar of public holidays (see
    :func:`~sim.calibration.scenario.calibrate`): known in advance, not read from the trace.
    """
    from sim.run import simulate_sessions
    from sim.scenario import parse_scenario

    first, cut, stop = _cut(trace, fraction)
    cal = calibrate(
        trace,
        site_text,
        fit_period=(first, cut),
        sim_period=(cut, stop),
        known_holidays=known_holidays,
    )
    scenario = parse_scenario(cal.text, "calibrated.yaml", base=base)
    weeks = pd.date_range(cut, stop - pd.Timedelta(days=1), freq="7D")
    local = trace["start"].dt.tz_localize(None)
    later = trace[local >= cut]
    observed = weekly(
        later["start"].dt.tz_localize(None),
        later["end"].dt.tz_localize(None),
        user_key(later),
        weeks,
    )
    runs = []
    for r in range(replications):
        s = simulate_sessions(scenario, seed=seed, replication=r)
        s = s[s["denied_reason"].isna() & (s["client"] == "hub")]
        begin = s["start"].dt.tz_convert(scenario.timezone)
        finish = s["end"].dt.tz_convert(scenario.timezone)
        runs.append(
            weekly(
                begin.dt.tz_localize(None),
                finish.dt.tz_localize(None),
                s["user"].astype(str),
                weeks,
            )
        )
    rows = []
    for metric in METRICS:
        sims = np.stack([r[metric].to_numpy() for r in runs])
        low, mid, high = np.percentile(sims, [2.5, 50, 97.5], axis=0)
        for i, w in enumerate(weeks):
            obs = observed[metric].iloc[i]
            rows.append(
                {
                    "week": w.date(),
                    "metric": metric,
                    "observed": obs,
                    "low": low[i],
                    "median": mid[i],
                    "high": high[i],
                    "inside": bool(low[i] <= obs <= high[i]),
                }
            )
    return Holdout(pd.DataFrame(rows), cal, replications)
