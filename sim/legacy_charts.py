"""Charts of legacy licensing: login passes, QlikView CALs and desktops.

Same style as :mod:`sim.charts`. Each chart has a ``*_data`` function returning the numbers
behind it (tested), and is drawn only when the run has something to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.lines
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import reports
from sim.chart_style import LEGEND_OUTSIDE, end_time, figure, time_axis
from sim.reports.common import nanoseconds
from sim.reports.labels import directories, outcome_phrase, reason_phrase, user_name
from sim.reports.tokens import login_pass_pool
from sim.rules.reasons import DenialReason, LaunchOutcome
from sim.scenario import format_duration

if TYPE_CHECKING:
    from sim.result import Result

OUTCOME_COLOURS: dict[str, str] = {
    LaunchOutcome.RENEWED: "#2e7d32",
    LaunchOutcome.LEASED: "#2e7d32",
    LaunchOutcome.LOCAL_LICENSE: "#1565c0",
    LaunchOutcome.UNLOCKED: "#9ccc65",
    LaunchOutcome.LEASE_VALID: "#9ccc65",
    LaunchOutcome.LOCKED: "#e53935",
    LaunchOutcome.PERSONAL_EDITION: "#e53935",
}
"""One colour per :class:`~sim.rules.reasons.LaunchOutcome` (every member)."""


def _steps(starts: pd.Series, ends: pd.Series) -> pd.DataFrame:
    """A count that rises at each start and falls at each end, as a step series."""
    delta = pd.concat([pd.Series(1, index=starts.to_numpy()), pd.Series(-1, index=ends.to_numpy())])
    by_time = delta.groupby(level=0).sum().sort_index()
    return pd.DataFrame({"time": by_time.index, "count": by_time.cumsum().to_numpy()})


def login_pass_data(result: Result) -> dict[str, pd.DataFrame]:
    """Per token license, login passes out of the pool over time: a pass is out from its use
    until it returns ``rules.login_pass_return`` later."""
    ev = result.events[result.events["kind"] == "login_pass"]
    back = pd.Timedelta(seconds=result.scenario.rules.login_pass_return)
    return {str(lic): _steps(df["time"], df["time"] + back) for lic, df in ev.groupby("license")}


def login_passes(result: Result) -> Figure:
    """Login passes out of the pool (used within the return period) against the pool size,
    with sessions refused for want of a pass marked in red."""
    seconds = result.scenario.rules.login_pass_return
    back = f"{seconds / 86400:g} days" if seconds >= 86400 else format_duration(seconds)
    fig, ax = figure(f"Login access passes in use (each returning {back} after use)")
    for lic, df in login_pass_data(result).items():
        line = ax.step(df["time"], df["count"], where="post", label=f"passes out ({lic})")
        pool = login_pass_pool(result, lic)
        # Wide and pale under the passes out, which stay visible where they meet the pool.
        ax.step(
            [*pool["time"], end_time(result)],
            [*pool["total"], pool["total"].iloc[-1]],
            where="post",
            color=line[0].get_color(),
            linestyle="--",
            linewidth=3,
            alpha=0.4,
            zorder=1.5,
            label=f"pool ({lic})",
        )
    s = result.sessions
    refused = s[s["denied_reason"] == DenialReason.NO_LOGIN_PASS]
    if len(refused):
        ax.scatter(
            refused["start"],
            np.full(len(refused), ax.get_ylim()[1] * 0.98),
            marker="|",
            color="#e53935",
            label=f"refused: {reason_phrase(DenialReason.NO_LOGIN_PASS)}",
        )
    ax.set_ylabel("passes")
    ax.set_ylim(bottom=0)
    time_axis(ax, result)
    ax.legend(**LEGEND_OUTSIDE)
    return fig


def session_cal_data(result: Result) -> pd.DataFrame:
    """Session CALs held over time, from when each is taken until it is free again (at
    least the Session CAL minimum later; reopens on the same client keep it)."""
    ev = result.events
    taken = ev.loc[ev["kind"] == "session_cal_taken", "time"]
    freed = ev.loc[ev["kind"] == "session_cal_freed", "time"]
    return _steps(taken, freed)


def session_cal_daily_peaks(result: Result) -> pd.DataFrame:
    """Per local day of the run: the most Session CALs held at once (the level carried into
    the day counts) and the sessions refused ``no_cal`` that day."""
    start, end = reports.window(result)
    days = pd.date_range(start.normalize(), end, freq="D", inclusive="left")
    if len(days) == 0 or days[0] > start:
        days = pd.DatetimeIndex([start.normalize(), *days]).unique()
    held = session_cal_data(result)
    changes = nanoseconds(held["time"]) if len(held) else np.zeros(0, np.int64)
    counts = held["count"].to_numpy(dtype=np.int64) if len(held) else np.zeros(0, np.int64)
    bounds = nanoseconds(days)
    # The level each day opens with: the last change before its midnight.
    before = np.searchsorted(changes, bounds, side="right") - 1
    opening = np.where(before >= 0, counts[np.maximum(before, 0)], 0)
    first = np.searchsorted(changes, bounds, side="left")
    last = np.append(first[1:], len(changes))
    peak = np.array(
        [max(o, counts[i:j].max(initial=0)) for o, i, j in zip(opening, first, last, strict=True)]
    )
    s = result.sessions
    refused = s.loc[s["denied_reason"] == "no_cal", "start"].dt.floor("D").value_counts()
    return pd.DataFrame(
        {"day": days, "peak": peak, "refused": refused.reindex(days, fill_value=0).to_numpy()}
    )


def session_cals(result: Result) -> Figure:
    """The most Session CALs held at once on each day against the CALs owned, and on a
    second scale the sessions refused ``no_cal`` each day."""
    fig, ax = figure("QlikView Session CALs: daily peak in use against CALs owned")
    daily = session_cal_daily_peaks(result)
    total = sum(x.qlikview_cals.session for x in result.scenario.licenses if x.qlikview_cals)
    ax.bar(
        daily["day"],
        daily["peak"],
        width=0.8,
        align="edge",
        color="#1565c0",
        label="daily peak in use",
    )
    ax.axhline(total, color="#424242", linestyle="--", label="Session CALs owned")
    ax.set_ylim(0, max(total, int(daily["peak"].max()) if len(daily) else 0) * 1.15 or 1)
    ax.set_ylabel("CALs")
    handles, labels = ax.get_legend_handles_labels()
    if daily["refused"].any():
        refused = ax.twinx()
        refused.step(
            daily["day"],
            daily["refused"],
            where="post",
            color="#e53935",
            label="sessions refused (no CAL) per day",
        )
        refused.set_ylim(bottom=0)
        refused.set_ylabel("sessions refused per day", color="#b71c1c")
        more, names = refused.get_legend_handles_labels()
        handles, labels = handles + more, labels + names
    time_axis(ax, result)
    # Beyond the second scale's labels, which an axes legend would cover.
    fig.legend(handles, labels, loc="outside right upper", fontsize="small")
    return fig


def usage_cal_data(result: Result) -> pd.DataFrame:
    """The Usage CAL pool level just before and after each take, recharging n/period."""
    rules = result.scenario.rules
    n = sum(x.qlikview_cals.usage for x in result.scenario.licenses if x.qlikview_cals)
    rate = n / rules.usage_cal_period  # CALs per second
    takes = result.events.loc[result.events["kind"] == "usage_cal", "time"].sort_values()
    start = pd.Timestamp(result.scenario.start_at).tz_convert(result.scenario.tz)
    rows, level, last = [(start, float(n))], float(n), start
    for t in takes:
        level = min(float(n), level + (t - last).total_seconds() * rate)
        rows += [(t, level), (t, level - 1.0)]
        level, last = level - 1.0, t
    end = end_time(result)
    rows.append((end, min(float(n), level + (end - last).total_seconds() * rate)))
    return pd.DataFrame(rows, columns=["time", "level"])


def usage_cals(result: Result) -> Figure:
    """The Usage CAL pool level: down one per CAL taken, recharging n/28 a day."""
    fig, ax = figure("QlikView Usage CAL pool")
    df = usage_cal_data(result)
    ax.plot(df["time"], df["level"], label="Usage CALs available")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("CALs")
    time_axis(ax, result)
    ax.legend(**LEGEND_OUTSIDE)
    return fig


def desktops(result: Result, most: int = 30) -> Figure:
    """Every launch of (up to ``most``) desktop installs, coloured by outcome."""
    launches = result.launches
    keys = launches[["desktop", "user", "machine"]].drop_duplicates().head(most)
    fig, ax = figure("Desktop launches", height=1.5 + 0.25 * len(keys))
    for y, key in enumerate(keys.itertuples(index=False)):
        mine = launches[
            (launches["desktop"] == key.desktop)
            & (launches["user"] == key.user)
            & (launches["machine"] == key.machine)
        ]
        ax.scatter(
            mine["time"],
            np.full(len(mine), y),
            c=[OUTCOME_COLOURS[o] for o in mine["outcome"]],
            s=12,
        )
    users = directories(result.scenario)
    ax.set_yticks(
        range(len(keys)),
        [
            f"{k.desktop} {user_name(k.user, users.get(str(k.user)))} m{k.machine}"
            for k in keys.itertuples()
        ],
        fontsize="x-small",
    )
    time_axis(ax, result)
    seen = set(launches["outcome"].astype(str))
    handles = [
        matplotlib.lines.Line2D(
            [], [], marker="o", linestyle="", color=colour, label=outcome_phrase(outcome)
        )
        for outcome, colour in OUTCOME_COLOURS.items()
        if str(outcome) in seen
    ]
    ax.legend(handles=handles, **LEGEND_OUTSIDE)
    return fig


LEGACY_CHARTS = {
    "login_passes": (login_passes, lambda r: (r.events["kind"] == "login_pass").any()),
    "session_cals": (session_cals, lambda r: (r.sessions["access"] == "session_cal").any()),
    "usage_cals": (usage_cals, lambda r: (r.events["kind"] == "usage_cal").any()),
    "desktops": (desktops, lambda r: len(r.launches) > 0),
}
