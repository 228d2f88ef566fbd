"""Charts of a run, in one matplotlib style: each a function of a Result returning a Figure.

Conventions (anchors.md): seat counts are step functions (``steps-post``) with the
purchased total as a line; monthly capacity is purchased against consumed bars with
overage in red; outages, grace and unlicensed periods are shaded spans on the time axis;
weekday × hour is an ``imshow`` heatmap. The numbers behind every chart come from
:mod:`sim.reports`, so tests assert on them rather than on pixels, and a chart with nothing
to draw says so instead of failing.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import matplotlib.lines
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from sim import reports
from sim.atomic import atomic_bytes, atomic_write
from sim.chart_style import LEGEND_OUTSIDE, figure, thousands, time_axis
from sim.reports.labels import (
    metric_label,
    parameter_names,
    pool_title,
    reason_phrase,
    state_name,
)

if TYPE_CHECKING:
    from sim.result import Result

PNG_DPI = 110
"""Resolution of every PNG chart licsim writes."""

STATE_COLOURS = {
    "licensed": "#4caf50",
    "grace": "#ffb300",
    "unlicensed": "#e53935",
    "delayed_sync": "#80deea",
    "offline_sld": "#b0bec5",
}
REASON_COLOURS = {
    "no_seat": "#6d4c41",
    "capacity_exhausted": "#8e24aa",
    "backend_unreachable": "#1e88e5",
    "grace_expired": "#e53935",
    "parallel_limit": "#fb8c00",
    "not_licensed_for_product": "#757575",
    "license_not_valid": "#212121",
    "delayed_sync_expired": "#00897b",
    "sld_expired": "#3949ab",
    "no_login_pass": "#c0ca33",
    "no_cal": "#00acc1",
    "desktop_locked": "#d81b60",
    "personal_edition": "#7cb342",
    "quarantined": "#90a4ae",
    "lease_not_allowed": "#a1887f",
    "lease_prohibited": "#f48fb1",
}
"""One colour per denial reason (every member of :data:`sim.rules.reasons.DENIAL_REASONS`,
no two alike), the same in every chart."""


def _nothing(fig: Figure, ax: Any, note: str) -> Figure:
    """A chart with nothing to draw says so instead of showing empty axes."""
    ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes, color="#616161")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def allocations(result: Result) -> Figure:
    """Allocated seats per pool and type as steps under the purchased total; quarantined
    seats stacked on the allocated ones (dotted), and excess over the total shaded red."""
    steps = reports.seat_levels(result)
    fig, ax = figure("Allocated seats per pool and type against the purchased total")
    for (lic, typ), df in steps.items():
        if df["total"].max() == 0 and df["allocated"].max() == 0:
            continue
        line = ax.step(
            df["time"], df["allocated"], where="post", label=f"{pool_title(lic, typ)} allocated"
        )
        held = df["allocated"] + df["quarantined"]
        if df["quarantined"].any():
            ax.step(
                df["time"],
                held,
                where="post",
                linestyle=":",
                color=line[0].get_color(),
                label=f"{pool_title(lic, typ)} allocated + quarantined",
            )
        over = np.flatnonzero((held > df["total"]).to_numpy()[:-1])
        for n, i in enumerate(over):
            ax.fill_between(
                df["time"].iloc[i : i + 2],
                [df["total"].iloc[i]] * 2,
                [held.iloc[i]] * 2,
                color="#e53935",
                alpha=0.3,
                label=f"{pool_title(lic, typ)} excess" if n == 0 else None,
            )
        # Wide and pale under the allocated line, which stays visible where they meet.
        ax.step(
            df["time"],
            df["total"],
            where="post",
            linestyle="--",
            linewidth=3,
            alpha=0.4,
            zorder=1.5,
            color=line[0].get_color(),
            label=f"{pool_title(lic, typ)} total",
        )
    if not ax.get_legend_handles_labels()[0]:
        return _nothing(fig, ax, "no seats in this scenario")
    ax.set_ylabel("seats")
    time_axis(ax, result)
    ax.set_ylim(bottom=0)
    ax.legend(**LEGEND_OUTSIDE)
    return fig


def seat_stack(result: Result) -> Figure:
    """Allocated seats of every pool and type stacked, under the line of all seats bought."""
    stack = reports.allocation_stack(result)
    fig, ax = figure("Allocated seats by type (stacked) under the purchased total")
    types = [c for c in stack.columns if c != "total"]
    if not types:
        return _nothing(fig, ax, "no seats in this scenario")
    bottom = np.zeros(len(stack))
    for name in types:
        top = bottom + stack[name].to_numpy(dtype=float)
        ax.fill_between(
            stack.index, bottom, top, step="post", alpha=0.8, label=pool_title(*name.split(" ", 1))
        )
        bottom = top
    ax.step(
        stack.index,
        stack["total"],
        where="post",
        color="#212121",
        linestyle="--",
        label="purchased total",
    )
    ax.set_ylabel("seats")
    ax.set_ylim(bottom=0, top=max(float(stack["total"].max()), float(bottom.max())) * 1.08 or 1)
    time_axis(ax, result)
    ax.legend(**LEGEND_OUTSIDE)
    return fig


def capacity(result: Result) -> Figure:
    """Analyzer Capacity per month: allocated against used, overage in red, the demand the
    month could not serve (units refused after it ran out) hatched on top; a month the run
    covers in part marks its pro-rata allocation, the month the run ends in shows its
    forecast at the pace so far, and each month its headroom."""
    c = reports.capacity_months(result)
    fig, ax = figure("Analyzer Capacity: allocated vs used per month, with unmet demand")
    if c.empty:
        return _nothing(fig, ax, "no Analyzer Capacity in this scenario")
    within = c[["used_minutes", "allocated_minutes"]].min(axis=1)
    partial = c["share_of_month"] < 1.0
    labels = [
        (f"{m}\n{lic}" if c["license"].nunique() > 1 else m) + ("\n(part)" if part else "")
        for lic, m, part in zip(c["license"], c["month"], partial, strict=True)
    ]
    x = np.arange(len(c))
    ax.bar(x - 0.2, c["allocated_minutes"], width=0.4, color="#90caf9", label="allocated")
    ax.bar(x + 0.2, within, width=0.4, color="#1565c0", label="used")
    served = within + c["overage_minutes"]
    if c["overage_minutes"].any():
        ax.bar(
            x + 0.2,
            c["overage_minutes"],
            width=0.4,
            bottom=within,
            color="#e53935",
            label="overage",
        )
    unmet = (c["unmet_minutes"] > 0).to_numpy()
    if unmet.any():
        ax.bar(
            x[unmet] + 0.2,
            c["unmet_minutes"][unmet],
            width=0.4,
            bottom=served[unmet],
            facecolor="none",
            edgecolor="#e53935",
            hatch="///",
            label="unmet demand (refused after running out)",
        )
    if partial.any():
        pro_rata = (c["allocated_minutes"] * c["share_of_month"])[partial]
        ax.hlines(
            pro_rata,
            x[partial] - 0.4,
            x[partial],
            colors="#212121",
            linewidth=2,
            label="allocated pro rata (part month)",
        )
    forecast = c["forecast_minutes"]
    if forecast.notna().any():
        ahead = forecast.notna().to_numpy()
        ax.bar(
            x[ahead] + 0.2,
            forecast[ahead],
            width=0.4,
            facecolor="none",
            edgecolor="#1565c0",
            linestyle="--",
            label="forecast to the month's end at the pace so far",
        )
        for i in np.flatnonzero(ahead & c["forecast_exhausted_at"].notna().to_numpy()).tolist():
            when = c["forecast_exhausted_at"].iloc[i].tz_convert(result.scenario.tz)
            # Inside the forecast's outline, above what is used: the headroom label is on top.
            ax.annotate(
                f"runs out\n~{when:%d %b}\n{when:%H:%M %Z}",
                (x[i] + 0.2, (float(served.iloc[i]) + float(forecast.iloc[i])) / 2),
                ha="center",
                va="center",
                fontsize="small",
                color="#b71c1c",
            )
    top = float(
        np.nanmax(
            [
                (served + c["unmet_minutes"]).max(),
                c["allocated_minutes"].max(),
                forecast.max() if forecast.notna().any() else 0.0,
            ]
        )
    )
    for i, pct in enumerate(c["headroom_pct"]):
        if pd.notna(pct):
            ax.annotate(
                f"{pct:.0f} % left" if pct >= 0 else f"{-pct:.0f} % over",
                (x[i], top * 1.02),
                ha="center",
                fontsize="x-small",
                color="#424242",
            )
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_xlim(-0.6, len(c) - 0.4)
    # Room above for the headroom labels, so no bar touches the frame.
    ax.set_ylim(0, 1.12 * top or 1.0)
    thousands(ax)
    ax.set_ylabel("minutes")
    ax.set_xlabel("month (UTC)")
    ax.legend(**LEGEND_OUTSIDE)
    return fig


def capacity_burn_down(result: Result) -> Figure:
    """Analyzer Capacity minutes used so far in each UTC month against the straight run-rate
    line to the month's purchase; a month that ran out is marked where it did."""
    b = reports.burn_down(result)
    fig, ax = figure("Analyzer Capacity burn-down: cumulative minutes used vs run rate")
    if b.empty:
        return _nothing(fig, ax, "no Analyzer Capacity in this scenario")
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    exhausted = reports.capacity_months(result).dropna(subset=["exhausted_at"])
    for n, (lic, df) in enumerate(b.groupby("license", sort=True)):
        colour = colours[n % len(colours)]
        for k, (_, m) in enumerate(df.groupby("month", sort=True)):
            first = k == 0
            ax.plot(
                m["time"],
                m["used"],
                color=colour,
                label=f"{lic} used" if first else None,
            )
            ax.plot(
                m["time"].iloc[[0, -1]],
                m["run_rate"].iloc[[0, -1]],
                color=colour,
                linestyle=":",
                label=f"{lic} run rate" if first else None,
            )
            ax.plot(
                m["time"].iloc[[0, -1]],
                m["allocated"].iloc[[0, -1]],
                color=colour,
                linestyle="--",
                linewidth=0.8,
                label=f"{lic} allocated" if first else None,
            )
        for k, row in enumerate(exhausted[exhausted["license"] == lic].itertuples()):
            ax.axvline(row.exhausted_at, color="#e53935", linewidth=1)
            ax.plot(
                [row.exhausted_at],
                [row.allocated_minutes],
                marker="v",
                color="#e53935",
                label="exhausted" if k == 0 and n == 0 else None,
            )
    ax.set_ylabel("minutes used this month")
    ax.set_ylim(bottom=0)
    thousands(ax)
    time_axis(ax, result)
    ax.legend(**LEGEND_OUTSIDE)
    return fig


def server_timeline(result: Result) -> Figure:
    """Each server's license state over time (licensed, grace, unlicensed, delayed-sync
    window, offline SLD) with link and backend outages hatched over it."""
    st = result.server_states
    servers = list(dict.fromkeys(s.id for s in result.scenario.servers))
    fig, ax = figure("Server license state and outages", height=1.6 + 0.6 * len(servers))
    for y, sid in enumerate(servers):
        for row in st[st["server"] == sid].itertuples():
            ax.broken_barh(
                [(row.start, row.end - row.start)],
                (y - 0.3, 0.6),
                color=STATE_COLOURS.get(row.state, "#9e9e9e"),
            )
    outages = reports.network_outages(result)
    for row in outages.itertuples():
        colour, rows = (
            ("#1e88e5", range(len(servers)))
            if row.server is None or pd.isna(row.server)
            else ("#000000", [servers.index(row.server)])
        )
        for y in rows:
            ax.broken_barh(
                [(row.start, row.end - row.start)],
                (y - 0.45, 0.9),
                facecolor="none",
                edgecolor=colour,
                hatch="///",
                linewidth=0.5,
            )
    ax.set_yticks(range(len(servers)), servers)
    ax.set_ylim(-0.6, len(servers) - 0.4)
    time_axis(ax, result)
    shown = set(st["state"]) | {"licensed"}
    handles = [
        matplotlib.patches.Patch(color=c, label=state_name(s))
        for s, c in STATE_COLOURS.items()
        if s in shown
    ]
    backend = outages["server"].isna()
    for shown_here, colour, label in (
        ((~backend).any(), "#000000", "link outage"),
        (backend.any(), "#1e88e5", "backend outage"),
    ):
        if shown_here:
            handles.append(
                matplotlib.patches.Patch(
                    facecolor="none", edgecolor=colour, hatch="///", label=label
                )
            )
    ax.legend(handles=handles, **LEGEND_OUTSIDE)
    return fig


def denials(result: Result) -> Figure:
    """Denied sessions per day, stacked by reason."""
    table = reports.denials_over_time(result)
    fig, ax = figure("Denied sessions by reason")
    if table.empty:
        return _nothing(fig, ax, "no denials")
    bottom = np.zeros(len(table))
    width = pd.Timedelta(days=0.8)
    for reason in table.columns:
        ax.bar(
            table.index,
            table[reason],
            width=width,
            bottom=bottom,
            label=reason_phrase(reason),
            color=REASON_COLOURS.get(reason),
            align="edge",
        )
        bottom += table[reason].to_numpy()
    time_axis(ax, result)
    ax.set_ylabel("denied sessions per day")
    ax.legend(**LEGEND_OUTSIDE)
    return fig


def weekday_hour(result: Result) -> Figure:
    """Granted sessions by local weekday and starting hour, as a heatmap."""
    m = reports.weekday_hour(result)
    fig, ax = figure(
        f"Sessions started by weekday and hour ({result.scenario.timezone})", height=3.6
    )
    ax.grid(False)
    if not m.to_numpy().any():
        return _nothing(fig, ax, "no sessions")
    image = ax.imshow(m.to_numpy(), aspect="auto", cmap="YlOrRd", interpolation="nearest")
    ax.set_xticks(range(24), [f"{h:02d}" for h in range(24)], fontsize="small")
    ax.set_yticks(range(7), list(m.index))
    ax.set_xlabel(f"hour of day ({result.scenario.timezone})")
    ax.set_ylabel("weekday")
    fig.colorbar(image, ax=ax, label="sessions")
    return fig


def duration_curve(result: Result) -> Figure:
    """Load-duration curve of each concurrent pool: the level (y) reached or exceeded for
    the share of the run on x; P95 and P99 of concurrent sessions marked."""
    curves = reports.duration_curves(result)
    fig, ax = figure("Duration curve: share of time at or above each level")
    if all(c.empty or c["level"].max() == 0 for c in curves.values()):
        return _nothing(fig, ax, "no sessions")
    summary = reports.concurrency_summary(result).set_index("pool")
    for name, c in curves.items():
        if c.empty:
            continue
        # The top level holds from 0 % of the time: without that first point a step drawn
        # "pre" starts at its share, as if the level was never reached before.
        share = np.concatenate([[0.0], 100.0 * c["share_of_time"].to_numpy(dtype=float)])
        level = c["level"].to_numpy(dtype=float)
        (line,) = ax.step(share, np.concatenate([level[:1], level]), where="pre", label=name)
        if name == "concurrent sessions":
            for p in ("p95", "p99"):
                level = float(summary.loc[name, p])
                ax.axhline(level, color=line.get_color(), linestyle=":", linewidth=1)
                ax.annotate(
                    f"{p.upper()} = {level:g}",
                    (100.0, level),
                    xytext=(-4, 3),
                    textcoords="offset points",
                    ha="right",
                    fontsize="small",
                    color=line.get_color(),
                )
    ax.set_xlim(0, 100)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("share of the run's time at or above the level (%)")
    ax.set_ylabel("concurrent level (sessions or CALs)")
    ax.legend(**LEGEND_OUTSIDE)
    return fig


CHARTS = {
    "allocations": allocations,
    "seat_stack": seat_stack,
    "capacity": capacity,
    "capacity_burn_down": capacity_burn_down,
    "server_timeline": server_timeline,
    "denials": denials,
    "weekday_hour": weekday_hour,
    "duration_curve": duration_curve,
}


def plot(result: Result) -> ChartAccessor:
    """The charts of ``result``: ``plot(result).capacity()``, and every name of
    :func:`_all_charts` (``dir(plot(result))`` lists them)."""
    return ChartAccessor(result)


class ChartAccessor:
    """``plot(result).<name>()`` for every chart in :data:`CHARTS` and the legacy charts."""

    def __init__(self, result: Result) -> None:
        self._result = result

    def __getattr__(self, name: str) -> Any:
        charts = _all_charts()
        if name not in charts:
            raise AttributeError(name)
        return lambda **kw: charts[name](self._result, **kw)

    def __dir__(self) -> list[str]:
        return list(_all_charts())


def _all_charts() -> dict[str, Any]:
    from sim.legacy_charts import LEGACY_CHARTS

    return {**CHARTS, **{name: draw for name, (draw, _) in LEGACY_CHARTS.items()}}


def _no_seats(result: Result) -> str | None:
    levels = reports.seat_levels(result).values()
    held = any(df["total"].max() > 0 or df["allocated"].max() > 0 for df in levels)
    return None if held else "no seats in this scenario"


def _no_capacity(result: Result) -> str | None:
    return "no Analyzer Capacity in this scenario" if result.capacity.empty else None


def _always_licensed(result: Result) -> str | None:
    calm = (result.server_states["state"] == "licensed").all()
    return (
        "every server licensed throughout, no outage"
        if calm and reports.network_outages(result).empty
        else None
    )


def _no_denials(result: Result) -> str | None:
    return None if result.sessions["denied_reason"].notna().any() else "no session was denied"


def _no_sessions(result: Result) -> str | None:
    return None if result.sessions["access"].notna().any() else "no session was granted"


NOTHING_TO_SAY = {
    "allocations": _no_seats,
    "seat_stack": _no_seats,
    "capacity": _no_capacity,
    "capacity_burn_down": _no_capacity,
    "server_timeline": _always_licensed,
    "denials": _no_denials,
    "weekday_hour": _no_sessions,
    "duration_curve": _no_sessions,
}
"""Per chart of :data:`CHARTS`: why a run gives it nothing to show (None: it has)."""


def relevant_charts(result: Result) -> dict[str, Any]:
    """The charts worth drawing for ``result``, by name, in drawing order: the charts of
    :data:`CHARTS` that have something to show (:func:`left_out`), then the legacy charts
    that do. The PNG folder and the HTML report both draw exactly these."""
    from sim.legacy_charts import LEGACY_CHARTS

    skipped = left_out(result)
    shown = {name: draw for name, (draw, wanted) in LEGACY_CHARTS.items() if wanted(result)}
    return {**{k: v for k, v in CHARTS.items() if k not in skipped}, **shown}


def left_out(result: Result) -> dict[str, str]:
    """The charts of :data:`CHARTS` this run has nothing for, each with the reason: the
    report says so in a line instead of showing an empty chart."""
    return {name: why for name, says in NOTHING_TO_SAY.items() if (why := says(result))}


def chart_pngs(result: Result) -> dict[str, bytes]:
    """Every chart of :func:`relevant_charts` drawn once, as PNG bytes by name: the same
    images go into ``charts/`` and into ``report.html``."""
    pngs = {}
    for name, draw in relevant_charts(result).items():
        fig = draw(result)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
        pngs[name] = buffer.getvalue()
    return pngs


def save_charts(result: Result, folder: Path, pngs: dict[str, bytes] | None = None) -> list[Path]:
    """Write every chart of :func:`relevant_charts` (``pngs`` if already drawn) as a PNG
    into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    drawn = chart_pngs(result) if pngs is None else pngs
    return [atomic_bytes(folder / f"{name}.png", data) for name, data in drawn.items()]


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` as PNG, atomically."""
    return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=PNG_DPI))


def through_grace(
    x: np.ndarray, y: np.ndarray, grace_hours: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The line through measured points (``x`` sorted): straight from one measured duration
    to the next, except from the last at or below the grace period to the first beyond it,
    where the change is drawn as a step at the grace boundary. That is where it happens:
    within grace a server still serves its allocated users, once grace expires it denies
    every session (``grace_expired``), so a straight line across the boundary would show a
    gradual change that the rules do not make."""
    xs, ys = list(x[:1]), list(y[:1])
    for i in range(1, len(x)):
        if grace_hours is not None and x[i - 1] <= grace_hours < x[i]:
            xs += [grace_hours, grace_hours]
            ys += [y[i - 1], y[i]]
        xs.append(x[i])
        ys.append(y[i])
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def whatif_chart(
    table: pd.DataFrame,
    *,
    grace_hours: float | None = None,
    title: str | None = None,
    confidence: float = 0.95,
) -> Figure:
    """Extra denied sessions against outage duration, split by denial reason.

    ``table`` is :attr:`sim.whatif.WhatIf.table` (one row per duration). The total is a
    black line, each reason with any extra denials a coloured line, through the measured
    durations (:func:`through_grace`: a step at the grace boundary). With several
    replications every point carries its Student-t interval at ``confidence`` as an error
    bar, and the legend says so. The grace period, if given, is a dashed vertical line.
    """
    fig, ax = figure(title or "What-if: extra denied sessions by outage duration")
    t = table.sort_values("duration_hours", kind="stable")
    x = t["duration_hours"].to_numpy(dtype=float)
    intervals = False

    def draw(column: str, colour: str, label: str, width: float) -> None:
        nonlocal intervals
        y = t[column].to_numpy(dtype=float)
        ax.plot(*through_grace(x, y, grace_hours), color=colour, linewidth=width, label=label)
        low, high = f"{column}_ci_low", f"{column}_ci_high"
        err = None
        if low in t and high in t:
            err = np.vstack([y - t[low].to_numpy(dtype=float), t[high].to_numpy(dtype=float) - y])
            err = np.nan_to_num(np.clip(err, 0, None))
            intervals = True
        ax.errorbar(x, y, yerr=err, fmt="o", color=colour, capsize=3)

    draw("extra_denied_sessions", "#000000", "all reasons", 2.0)
    for reason, colour in REASON_COLOURS.items():
        column = f"extra_denied_{reason}"
        if column in t and (t[column].fillna(0) != 0).any():
            draw(column, colour, reason_phrase(reason), 1.2)
    others = [
        c
        for c in t.columns
        if c.startswith("extra_denied_")
        and not c.endswith(("_ci_low", "_ci_high"))
        and c not in {"extra_denied_sessions", *(f"extra_denied_{r}" for r in REASON_COLOURS)}
        and (t[c].fillna(0) != 0).any()
    ]
    for column in others:
        draw(column, "#9e9e9e", reason_phrase(column.removeprefix("extra_denied_")), 1.2)
    if grace_hours is not None:
        ax.axvline(
            grace_hours,
            color="#ffb300",
            linestyle="--",
            linewidth=1.2,
            label=f"end of the grace period ({grace_hours:g} h)",
        )
    handles, _ = ax.get_legend_handles_labels()
    if intervals:
        reps = int(t["reps"].min()) if "reps" in t else None
        over = f" over {reps} replications" if reps else ""
        handles.append(
            matplotlib.lines.Line2D(
                [],
                [],
                color="#616161",
                marker="o",
                linestyle="",
                label=f"error bars: {confidence * 100:g} % confidence interval{over}",
            )
        )
    ax.set_xlim(left=0)
    if len(x) and "duration" in t:
        top = ax.secondary_xaxis("top")
        top.set_xticks(x, list(t["duration"].astype(str)), fontsize="small")
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(t["extra_denied_sessions"])) if len(t) else 0.0))
    ax.set_xlabel("outage duration (hours)")
    ax.set_ylabel("extra denied sessions (vs. no outage)")
    ax.legend(handles=handles, **LEGEND_OUTSIDE)
    return fig


def _sweep_axis(values: pd.Series) -> tuple[np.ndarray, str | None]:
    """Positions for swept values: numbers as they are, durations in hours, else 0, 1, …"""
    from sim.scenario import parse_duration

    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=float), None
    try:
        hours = np.array([parse_duration(str(v)) / 3600.0 for v in values], dtype=float)
    except ValueError:
        labels = list(dict.fromkeys(values.astype(str)))
        return np.array([labels.index(str(v)) for v in values], dtype=float), "categorical"
    return hours, "hours"


def sweep_chart(
    summary: pd.DataFrame,
    metric: str,
    parameter: str,
    *,
    title: str | None = None,
    confidence: float = 0.95,
) -> Figure:
    """A KPI's mean against a swept parameter, with its confidence band.

    ``summary`` is :attr:`sim.experiments.SweepResult.summary` (or ``summary.csv``): one row
    per variant × metric with ``mean``, ``ci_low``, ``ci_high`` (the Student-t interval at
    ``confidence``) and a column per swept parameter. Durations are drawn in hours; other
    non-numeric values at equal spacing. A second swept parameter gives one line per value,
    each in a colour and with a marker of its own, the first drawn widest so that a line
    another one covers still shows; any further parameters give one panel per combination
    of their values, side by side on one scale (small multiples), the lines alike in every
    panel and named once in the legend. Parameters and metrics are named in words
    (:mod:`sim.reports.labels`).
    """
    if parameter not in summary:
        raise KeyError(f"{parameter!r} is not a swept parameter of this summary")
    rows = summary[summary["metric"] == metric]
    if rows.empty:
        raise KeyError(f"no metric {metric!r} in this summary")
    params = [c for c in summary.columns if c not in {*_SUMMARY_COLUMNS, parameter}]
    names = parameter_names([parameter, *params])
    what = metric_label(metric)
    x_all, kind = _sweep_axis(rows[parameter])
    rows = rows.assign(_x=x_all)
    line_by, panel_by = params[:1], params[1:]
    panels = list(rows.groupby(panel_by, sort=False, dropna=False)) if panel_by else [((), rows)]
    lines = list(dict.fromkeys(rows[line_by[0]].astype(str))) if line_by else [what]
    palette = "tab10" if len(lines) <= 10 else "tab20"
    colours = list(cast(ListedColormap, matplotlib.colormaps[palette]).colors)  # type: ignore[arg-type]
    columns = min(len(panels), 3)
    height = 4.0 if len(panels) == 1 else 3.2 * -(-len(panels) // columns)
    fig = Figure(figsize=(10, height), layout="constrained")
    axes = fig.subplots(
        -(-len(panels) // columns), columns, sharex=True, sharey=True, squeeze=False
    ).ravel()
    fig.suptitle(title or f"Sweep: {what} by {names[parameter]}")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax, (key, panel) in zip(axes, panels, strict=False):
        ax.grid(True, alpha=0.3)
        if panel_by:
            keys = key if isinstance(key, tuple) else (key,)
            ax.set_title(
                ", ".join(f"{names[p]} = {v}" for p, v in zip(panel_by, keys, strict=True)),
                fontsize="small",
            )
        for n, value in enumerate(lines):
            df = panel[panel[line_by[0]].astype(str) == value] if line_by else panel
            df = df.sort_values("_x", kind="stable")
            x = df["_x"].to_numpy(dtype=float)
            colour = colours[n % len(colours)]
            # From 3.5 down to 1.5 points however many lines there are.
            wide = (len(lines) - 1 - n) / max(len(lines) - 1, 1)
            ax.plot(
                x,
                df["mean"].to_numpy(dtype=float),
                marker=_MARKERS[n % len(_MARKERS)],
                markersize=5 + 4 * wide,
                linewidth=1.5 + 2 * wide,
                color=colour,
                label=f"{names[line_by[0]]} = {value}" if line_by else what,
            )
            low, high = df["ci_low"].to_numpy(dtype=float), df["ci_high"].to_numpy(dtype=float)
            if np.isfinite(low).any():
                ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
        if kind == "categorical":
            ticks = rows.drop_duplicates("_x").sort_values("_x")
            ax.set_xticks(ticks["_x"].to_numpy(dtype=float), list(ticks[parameter].astype(str)))
        elif kind == "hours":
            ticks = rows.drop_duplicates("_x").sort_values("_x")
            top = ax.secondary_xaxis("top")
            top.set_xticks(ticks["_x"].to_numpy(dtype=float), list(ticks[parameter].astype(str)))
    shown = axes[: len(panels)]
    xlabel = names[parameter] + (" (hours)" if kind == "hours" else "")
    ylabel = f"{what}\n(mean, {confidence * 100:g} % interval shaded)"
    if len(panels) == 1:
        shown[0].set_xlabel(xlabel)
        shown[0].set_ylabel(ylabel)
    else:
        fig.supxlabel(xlabel, fontsize="medium")
        fig.supylabel(ylabel, fontsize="medium")
    handles, labels = shown[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize="small")
    return fig


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
"""One marker per line of a sweep chart, so that lines drawn over each other tell apart."""

_SUMMARY_COLUMNS = ("variant", "baseline", "metric", "mean", "sd", "ci_low", "ci_high", "n", "_x")
