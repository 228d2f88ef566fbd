"""Usage groups: light, regular and heavy users, from how often and how long they work.

License analytics tools (Altair's among them) sort users into usage classes before
anything else, since a seat held by someone who logs in twice a month is a different
question from one used every day. Here a user's class comes from two measures over the
trace: the share of the site's working days (weekdays with any session) on which the
user had a session, and the user's session hours per week. Each measure gives a tier by
fixed, reported thresholds (:class:`Thresholds`); a user's tier is the higher of the two,
so a user in on few days but for long hours counts as heavy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_THRESHOLDS", "TIERS", "Thresholds", "usage_groups", "user_key", "working_dates"]

TIERS: tuple[str, ...] = ("light", "regular", "heavy")


@dataclass(frozen=True)
class Thresholds:
    """Where one tier ends and the next begins (model choice, reported with every fit)."""

    regular_days: float = 0.25
    """A user active on at least this share of working days is at least regular."""
    heavy_days: float = 0.60
    """... and at least this share makes them heavy."""
    regular_hours: float = 2.0
    """Session hours per week that make a user at least regular."""
    heavy_hours: float = 10.0
    """Session hours per week that make a user heavy."""

    def describe(self) -> str:
        return (
            f"regular from {self.regular_days:.0%} of working days or "
            f"{self.regular_hours:g} h/week, heavy from {self.heavy_days:.0%} or "
            f"{self.heavy_hours:g} h/week"
        )


DEFAULT_THRESHOLDS = Thresholds()


def user_key(trace: pd.DataFrame) -> pd.Series:
    """``DIRECTORY\\USER`` of each session, as scenario.yaml names users."""
    return (trace["directory"].str.upper() + "\\" + trace["user"].str.upper()).astype(str)


def working_dates(trace: pd.DataFrame) -> pd.DatetimeIndex:
    """The local weekdays (Mon–Fri) on which the site had any session."""
    dates = pd.DatetimeIndex(trace["start"].dt.tz_localize(None).dt.normalize().unique())
    return dates[dates.day_of_week < 5].sort_values()


def usage_groups(
    trace: pd.DataFrame, thresholds: Thresholds = DEFAULT_THRESHOLDS, weeks: float | None = None
) -> pd.DataFrame:
    """One row per user: active days, day share, hours per week and tier (index: user key).

    ``weeks`` is the length of the observed period (default: the calendar weeks, Monday
    to Sunday, with a working date).
    """
    key = user_key(trace)
    day = trace["start"].dt.tz_localize(None).dt.normalize()
    work = working_dates(trace)
    if weeks is None:
        weeks = float(max(len(set(work.to_period("W-SUN"))), 1))
    weekday = day.dt.day_of_week < 5
    active = (
        pd.DataFrame({"user": key, "day": day})[weekday.to_numpy()]
        .drop_duplicates()
        .groupby("user")
        .size()
    )
    hours = trace["duration_s"].groupby(key).sum() / 3600.0
    out = pd.DataFrame({"hours": hours})
    out["active_days"] = active.reindex(out.index).fillna(0).astype(int)
    out["day_share"] = out["active_days"] / max(len(work), 1)
    out["hours_per_week"] = out["hours"] / weeks
    t = thresholds
    by_days = np.where(
        out["day_share"] >= t.heavy_days, 2, np.where(out["day_share"] >= t.regular_days, 1, 0)
    )
    by_hours = np.where(
        out["hours_per_week"] >= t.heavy_hours,
        2,
        np.where(out["hours_per_week"] >= t.regular_hours, 1, 0),
    )
    out["tier"] = [TIERS[i] for i in np.maximum(by_days, by_hours)]
    return out.sort_index()
