"""``fit.html``: how well each usage group's fitted laws match its sessions.

A self-contained page (charts as inline base64 PNG, no external request) with, per usage
group, the observed against the fitted distribution of session lengths, day starts and
sessions per active day, the group's weekly sessions against what the fitted behaviour
gives on average, and the statistics behind the
choice (AIC of every candidate, KS of the winner). Figures are drawn with matplotlib's
object API (``Figure``), so no display or global pyplot state is involved.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.calibration.distributions import count_pmf, law
from sim.calibration.fit import GroupFit, month_end_dates
from sim.calibration.scenario import Calibration
from sim.calibration.usage import user_key

__all__ = ["fit_html"]


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _weekly(cal: Calibration, fit: GroupFit, observed: pd.Series) -> pd.DataFrame:
    """Observed sessions per week against what the fitted behaviour gives on average
    (weeks from Monday; holidays none)."""
    start, end = cal.period
    days = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    closed = set(cal.closed)
    open_days = pd.DatetimeIndex([d for d in days if d not in closed])
    month_end = month_end_dates(open_days[open_days.day_of_week < 5])
    expected = pd.Series([fit.expected_sessions(d, month_end) for d in open_days], open_days)
    fitted = expected.groupby(open_days.to_period("W-SUN").start_time).sum()
    frame = pd.DataFrame({"fitted": fitted})
    frame["observed"] = observed.reindex(frame.index, fill_value=0)
    return frame


def _charts(fit: GroupFit, weekly: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(13, 3.2))
    axes = fig.subplots(1, 4)
    x = fit.samples["length"]
    x = x[x > 0] / 60.0
    ax = axes[0]
    if len(x) and fit.length is not None:
        bins = np.logspace(np.log10(x.min()), np.log10(x.max()), 40)
        ax.hist(x, bins=bins, density=True, alpha=0.5, label="observed")
        grid = np.sqrt(bins[1:] * bins[:-1])
        p = dict(fit.length.params)
        p["scale"] /= 60.0  # the chart is in minutes
        dens = law(fit.length.name, p).pdf(grid)
        ax.plot(grid, dens, label=f"fitted {fit.length.name}")
        ax.set_xscale("log")
        ax.legend(fontsize=7)
    ax.set_title("session length (min)", fontsize=9)
    ax = axes[1]
    s = fit.samples["day_start"] / 3600.0
    if len(s) > 1:
        ax.hist(s, bins=48, range=(0, 24), density=True, alpha=0.5, label="observed")
        grid = np.linspace(0, 24, 200)
        mu, sd = s.mean(), max(s.std(), 1e-6)
        ax.plot(grid, stats.norm.pdf(grid, mu, sd))
    ax.set_title("first session of the day (h)", fontsize=9)
    ax = axes[2]
    k = fit.samples["count"]
    if len(k) and fit.count is not None:
        top = int(k.max())
        ks = np.arange(1, top + 1)
        obs = np.array([(k == i).mean() for i in ks])
        pmf = count_pmf(fit.count.name, fit.count.params["mean"], ks)
        ax.bar(ks - 0.2, obs, width=0.4, label="observed")
        ax.bar(ks + 0.2, pmf, width=0.4, label=f"fitted {fit.count.name}")
        ax.legend(fontsize=7)
    ax.set_title("sessions per active day", fontsize=9)
    ax = axes[3]
    ax.plot(weekly.index, weekly["observed"].to_numpy(), marker="o", label="observed")
    ax.plot(weekly.index, weekly["fitted"].to_numpy(), marker=".", label="fitted (mean)")
    ax.legend(fontsize=7)
    ax.set_title("sessions per week", fontsize=9)
    ax.tick_params(axis="x", labelsize=7, rotation=45)
    return fig


def _ks_line(fit: GroupFit) -> str:
    x = np.sort(fit.samples["length"][fit.samples["length"] > 0])
    if fit.length is None or not len(x):
        return ""
    mid = law(fit.length.name, fit.length.params).cdf(np.median(x))
    return f"fitted CDF at the observed median {float(mid):.3f} (0.5 is a perfect fit)"


def fit_html(cal: Calibration, title: str = "licsim calibration") -> str:
    """The page's text."""
    trace = cal.trace
    key = user_key(trace)
    week = trace["start"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1300px}"
        "td,th{padding:2px 8px;text-align:right}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Usage tiers: {html.escape(cal.thresholds.describe())}. "
        f"{len(cal.usage)} users, {len(trace):,} sessions fitted.</p>",
    ]
    if cal.closed:
        parts.append(
            "<p>Holidays (found in the trace or given by --holiday): "
            + ", ".join(f"{d:%Y-%m-%d}" for d in cal.closed)
            + "</p>"
        )
    parts.append(
        "<table><tr><th>tier</th><th>users</th><th>mean day share</th><th>mean h/week</th></tr>"
    )
    for tier, g in cal.usage.groupby("tier", sort=False):
        parts.append(
            f"<tr><td>{tier}</td><td>{len(g)}</td><td>{g['day_share'].mean():.2f}</td>"
            f"<td>{g['hours_per_week'].mean():.2f}</td></tr>"
        )
    parts.append("</table>")
    for tier, fit in cal.fits.items():
        users = set(cal.usage.index[cal.usage["tier"] == tier])
        weekly = _weekly(cal, fit, week[key.isin(users)].value_counts().sort_index())
        parts.append(f"<h2>{html.escape(tier)}</h2><ul>")
        parts += [f"<li>{html.escape(c)}</li>" for c in fit.comments()]
        line = _ks_line(fit)
        if line:
            parts.append(f"<li>{html.escape(line)}</li>")
        parts.append("</ul>")
        parts.append(f"<img alt='{html.escape(tier)} fits' src='{_png(_charts(fit, weekly))}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
