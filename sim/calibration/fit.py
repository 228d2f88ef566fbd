"""Fitting one usage group's behaviour to its sessions in the trace.

Every key of :class:`sim.scenario.users.Behaviour` that a log can inform is estimated
from the group's sessions, each by the measure the model draws:

* **attendance** — on each weekday, the share of the group's users with a session among
  the dates of that weekday in the period (holidays left out); the model draws a user's
  presence first and then a session count that may be zero, so with a Poisson count the
  share is divided by P(count > 0);
* **month end** — attendance on the last two working days of each month against what the
  weekday shares predict, as a factor with its z score (observed minus expected user-days
  over the binomial standard deviation). A month-end peak is a property of the site, and
  a small group has too few user-days to show it: the whole site is tested first, and
  where its z exceeds 3 each group gets its own factor if its own z exceeds 3, and the
  site's factor otherwise;
* **holidays** — weekdays on which the whole site had under a fifth of that weekday's
  median sessions;
* **day start** — the first session start of each user-day: a normal (mean, sd) or a
  uniform over the day, by AIC;
* **sessions per active day** — zero-truncated Poisson or one plus Poisson, by AIC (one
  plus Poisson where a Poisson count would need an attendance above 1);
* **session length** — lognormal, gamma, Weibull or exponential, by AIC
  (:mod:`.distributions`), cut at the longest session seen;
* **intensity** — clicks per session from the logged selections (at least one);
* **breaks** — from the end of a session to the start of the user's next on the same day,
  exponential mean;
* **monthly active share** and **devices per user-day** — reported, observed against what
  the fitted model implies (the model has no separate monthly switch; devices stay 1,
  since one user's sessions form one stream).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibration.distributions import Fit, choose_continuous, choose_count
from sim.calibration.usage import user_key
from sim.scenario.users import WEEKDAYS

__all__ = ["GroupFit", "fit_group", "holidays", "month_end_dates"]

MONTH_END_DAYS = 2
"""Working days at the end of a month that count as its month end (model choice)."""


@dataclass
class GroupFit:
    """What one usage group's sessions say, and the behaviour block written for it."""

    tier: str
    users: int
    sessions: int
    behaviour: dict[str, object]
    length: Fit | None
    count: Fit | None
    attendance_share: dict[str, float]
    day_start_ks: float
    day_start_law: str
    """"normal" or "uniform" (over the local day), by AIC."""
    break_ks: float
    month_end_z: float
    month_end_factor: float
    month_end_source: str
    """"group" (its own factor), "site" (the site's, the group's own being unclear) or
    "none" (no significant month-end peak)."""
    monthly_active: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Month → (observed share of the group's users active, share the fit implies)."""
    devices_per_day: float = 1.0
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    """Observed samples (session lengths, day starts, counts, breaks), for the fit page."""

    def expected_sessions(self, day: pd.Timestamp, month_end: set[pd.Timestamp]) -> float:
        """Sessions the fitted behaviour gives the group on ``day`` on average."""
        b = self.behaviour
        attendance = b["attendance"]
        assert isinstance(attendance, dict)
        p = float(attendance.get(WEEKDAYS[day.weekday()], 0.0))
        me = b.get("month_end")
        if isinstance(me, dict) and day in month_end:
            p = min(1.0, p * float(me["factor"]))
        mean = float(b["sessions_per_day"])  # type: ignore[arg-type]
        return self.users * p * mean

    def comments(self) -> list[str]:
        """The fit statistics, as YAML comment lines."""
        out = [f"{self.users} users, {self.sessions:,} sessions in the fitted period"]
        if self.length is not None:
            out.append("session length: " + self.length.describe())
        if self.count is not None:
            out.append("sessions per active day: " + self.count.describe())
        out.append(
            "share of users in, by weekday: "
            + ", ".join(f"{d} {v:.2f}" for d, v in self.attendance_share.items())
        )
        out.append(
            f"day start {self.day_start_law} KS {self.day_start_ks:.3f}; breaks exponential KS "
            f"{self.break_ks:.3f}; month end z {self.month_end_z:+.1f} (factor "
            f"{self.month_end_factor:.2f}; used: {self.month_end_source})"
        )
        if self.monthly_active:
            out.append(
                "active in month (observed/fitted): "
                + ", ".join(f"{m} {o:.2f}/{f:.2f}" for m, (o, f) in self.monthly_active.items())
            )
        out.append(f"devices per user-day {self.devices_per_day:.2f} (model: 1 stream)")
        return out


def _local_days(trace: pd.DataFrame) -> pd.Series:
    return trace["start"].dt.tz_localize(None).dt.normalize()


def holidays(trace: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """Weekdays in ``[start, end)`` with under a fifth of that weekday's median sessions."""
    days = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    days = days[days.day_of_week < 5]
    per_day = _local_days(trace).value_counts().reindex(days, fill_value=0)
    median = per_day.groupby(per_day.index.day_of_week).transform("median")
    return [d for d in days if median[d] > 0 and per_day[d] < 0.2 * median[d]]


def month_end_dates(days: pd.DatetimeIndex) -> set[pd.Timestamp]:
    """The last ``MONTH_END_DAYS`` of each month among working ``days`` (whole months only:
    a month the period cuts before its end has no month end in it)."""
    out: set[pd.Timestamp] = set()
    if not len(days):
        return out
    frame = pd.Series(days, index=days)
    for _, g in frame.groupby([days.year, days.month]):
        last = g.iloc[-1]
        month_last = last + pd.offsets.MonthEnd(0)
        rest = pd.date_range(last + pd.Timedelta(days=1), month_last, freq="D")
        if (rest.day_of_week < 5).any():
            continue
        out.update(g.iloc[-MONTH_END_DAYS:])
    return out


def fit_group(
    tier: str,
    users: list[str],
    trace: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    closed: list[pd.Timestamp],
    site: GroupFit | None = None,
) -> GroupFit:
    """Fit the behaviour of ``users`` from their sessions in ``trace`` over ``[start, end)``.

    ``start`` and ``end`` are local midnights (naive); ``closed`` are the site's holidays;
    ``site`` is the fit of all users together, whose month-end peak a group falls back on.
    """
    mine = trace[user_key(trace).isin(set(users))].copy()
    mine["key"] = user_key(mine)
    mine["day"] = _local_days(mine)
    n_users = len(users)
    closed_set = set(closed)
    dates = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    open_dates = pd.DatetimeIndex([d for d in dates if d not in closed_set])
    user_days = mine.groupby(["key", "day"]).size().rename("sessions").reset_index()
    user_days["weekday"] = user_days["day"].dt.day_of_week
    month_end = month_end_dates(open_dates[open_dates.day_of_week < 5])

    # attendance by weekday, on ordinary (not month-end) days
    plain = user_days[~user_days["day"].isin(month_end)]
    share: dict[str, float] = {}
    for wd in range(7):
        n_dates = sum(1 for d in open_dates if d.weekday() == wd and d not in month_end)
        if n_dates == 0:
            continue
        s = float((plain["weekday"] == wd).sum()) / (n_users * n_dates)
        if s >= 0.005:
            share[WEEKDAYS[wd]] = s
    # sessions per active day; a Poisson count is zero on some days a user comes in, so
    # it needs attendance share / P(count > 0): where that passes 1 the law cannot give
    # the observed days, and one plus Poisson is used
    counts = user_days["sessions"].to_numpy()
    count = choose_count(counts) if len(user_days) else None
    needs = max(share.values(), default=0.0)
    if count is not None and count.name == "poisson" and needs > -math.expm1(-count.params["mean"]):
        poisson = count
        count = choose_count(counts, ("one_plus_poisson",))
        count.others = {"poisson (would need attendance above 1)": poisson.aic}
    if count is None:
        lam, law = 0.0, "poisson"
    else:
        lam, law = count.params["mean"], count.name
    p_any = 1.0 if law == "one_plus_poisson" else -math.expm1(-lam) if lam > 0 else 1.0

    attendance = {d: min(1.0, s / p_any) for d, s in share.items()}

    # month-end peak: observed user-days against the weekday shares
    me_days = [d for d in month_end if WEEKDAYS[d.weekday()] in share]
    observed = float(user_days["day"].isin(me_days).sum())
    p = np.array([share[WEEKDAYS[d.weekday()]] for d in me_days])
    expected = float(n_users * p.sum())
    var = float(n_users * (p * (1 - p)).sum())
    z = (observed - expected) / math.sqrt(var) if var > 0 else 0.0
    own = observed / expected if expected > 0 else 1.0
    if abs(z) > 3 and (site is None or site.month_end_source != "none"):
        factor, source = own, "group"
    elif site is not None and site.month_end_source != "none":
        factor, source = site.month_end_factor, "site"
    else:
        factor, source = 1.0, "none"

    # day start
    first = mine.groupby(["key", "day"])["start"].min()
    # the local wall clock of each first start (a DST day keeps 09:00 at 09:00)
    wall = (
        (first.dt.hour * 3600 + first.dt.minute * 60 + first.dt.second).to_numpy(dtype=np.float64)
        if len(first)
        else np.zeros(0)
    )
    mean_start = float(wall.mean()) if len(wall) else 9 * 3600.0
    sd_start = float(wall.std()) if len(wall) > 1 else 1800.0
    spread, ks_start = _day_start_law(wall, mean_start, sd_start)

    # session length and intensity. A recorded session ends where its log says, which is
    # already its close (after a logout, or after the idle timeout: the Engine session log
    # writes a session once it has ended), as a replay reads it; so the law is fitted to
    # the recorded lengths and the calibrated sessions close at their drawn length
    # (logout_share 1: no idle tail is added on top of one the lengths already hold).
    lengths = mine["duration_s"].to_numpy(dtype=np.float64)
    positive = lengths[lengths > 0]
    # with fewer than two distinct lengths no law can be fitted: the clicks' pace then
    # gives the observed mean length (clicks × click_gap)
    length = choose_continuous(positive) if len(np.unique(positive)) >= 2 else None
    selections = mine["selections"].astype("Float64").dropna().to_numpy(dtype=np.float64)
    clicks = max(float(selections.mean()), 1.0) if len(selections) else 40.0

    # breaks between a user's sessions of one day
    ordered = mine[["key", "day", "start", "end"]].sort_values(["key", "day", "start"])
    same = (ordered["key"].to_numpy()[1:] == ordered["key"].to_numpy()[:-1]) & (
        ordered["day"].to_numpy()[1:] == ordered["day"].to_numpy()[:-1]
    )
    gaps = (
        _instants(ordered["start"])[1:][same] - _instants(ordered["end"])[:-1][same]
    ) / np.timedelta64(1, "s")
    gaps = np.maximum(gaps.astype(np.float64), 0.0)
    mean_break = float(gaps.mean()) if len(gaps) else 3600.0
    ks_break = (
        float(stats.ks_1samp(gaps, stats.expon(scale=mean_break).cdf).statistic)
        if len(gaps) > 1 and mean_break > 0
        else 0.0
    )

    # monthly active share: observed against 1 - Π(1 - P(in on day))
    monthly: dict[str, tuple[float, float]] = {}
    for month, g in pd.Series(open_dates, index=open_dates).groupby(open_dates.to_period("M")):
        prob_out = 1.0
        for d in g:
            pin = attendance.get(WEEKDAYS[d.weekday()], 0.0) * p_any
            if d in month_end:
                pin = min(1.0, pin * factor)
            prob_out *= 1.0 - pin
        seen = mine.loc[mine["day"].dt.to_period("M") == month, "key"].nunique()
        monthly[str(month)] = (seen / max(n_users, 1), 1.0 - prob_out)
    devices = mine[mine["device"] != ""].groupby(["key", "day"])["device"].nunique()

    behaviour: dict[str, object] = {
        "days": list(attendance) or ["mon"],
        "day_start": {"mean": _hhmm(mean_start), "sd": round(sd_start)}
        if spread == "normal"
        else {"spread": "uniform"},
        "sessions_per_day": round(lam, 4) if lam > 0 else 0,
        "session_count": law,
        "clicks_per_session": round(clicks, 3),
        "session_break": round(mean_break),
        "attendance": {d: round(v, 4) for d, v in attendance.items()},
        "logout_share": 1,
    }
    if length is None and len(positive):
        behaviour["click_gap"] = round(float(positive.mean()) / clicks, 3)
    if length is not None:
        law_block: dict[str, object] = {
            "distribution": length.name,
            "scale": round(length.params["scale"], 3),
            "max": float(np.ceil(lengths.max())),
        }
        if "shape" in length.params:
            law_block["shape"] = round(length.params["shape"], 4)
        behaviour["session_length"] = law_block
    if source != "none" and me_days:
        behaviour["month_end"] = {"days": MONTH_END_DAYS, "factor": round(factor, 3)}
    return GroupFit(
        tier=tier,
        users=n_users,
        sessions=len(mine),
        behaviour=behaviour,
        length=length,
        count=count,
        attendance_share=share,
        day_start_ks=ks_start,
        day_start_law=spread,
        break_ks=ks_break,
        month_end_z=z,
        month_end_factor=own if source == "group" else factor,
        month_end_source=source,
        monthly_active=monthly,
        devices_per_day=float(devices.mean()) if len(devices) else 1.0,
        samples={
            "length": lengths,
            "day_start": wall,
            "count": user_days["sessions"].to_numpy(),
            "break": gaps,
        },
    )


def _day_start_law(wall: np.ndarray, mean: float, sd: float) -> tuple[str, float]:
    """Normal or uniform over the day, by AIC, with the winner's KS statistic.

    The model's two ``day_start`` spreads: a normal (two parameters) against a uniform on
    the local day (none, log L = -n log 86400). A site used around the clock draws its
    first sessions all over the day, and there the uniform wins.
    """
    x = np.asarray(wall, dtype=np.float64)
    if len(x) < 2 or sd <= 0:
        return "normal", 0.0
    normal = stats.norm(mean, sd)
    uniform = stats.uniform(0.0, 86400.0)
    normal_aic = 4.0 - 2.0 * float(normal.logpdf(x).sum())
    uniform_aic = -2.0 * float(uniform.logpdf(x).sum())
    if uniform_aic < normal_aic:
        return "uniform", float(stats.ks_1samp(x, uniform.cdf).statistic)
    return "normal", float(stats.ks_1samp(x, normal.cdf).statistic)


def _instants(times: pd.Series) -> np.ndarray:
    """Time-zone-aware times as UTC ``datetime64`` (not an object array of Timestamps)."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()


def _hhmm(seconds: float) -> str:
    minutes = round(seconds / 60.0) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
