"""Charts of a run, in one matplotlib style: each a function of a Result returning a Figure.

Conventions (anchors.md): seat counts are step functions (``steps-post``) with the
purchased total as a line; monthly capacity is purchased against consumed bars with
overage in red; outages, grace and unlicensed periods are shaded spans on the time axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from sim.result import Result

STATE_COLOURS = {"licensed": "#4caf50", "grace": "#ffb300", "unlicensed": "#e53935"}
REASON_COLOURS = {
    "no_seat": "#6d4c41",
    "capacity_exhausted": "#8e24aa",
    "backend_unreachable": "#1e88e5",
    "grace_expired": "#e53935",
    "parallel_limit": "#fb8c00",
    "not_licensed_for_product": "#757575",
    "license_not_valid": "#212121",
}


def _figure(title: str, height: float = 4.0) -> tuple[Figure, Any]:
    fig = Figure(figsize=(10, height), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return fig, ax


def _end_time(result: Result) -> pd.Timestamp:
    return pd.Timestamp(result.scenario.end_at).tz_convert(result.scenario.tz)


def allocation_steps(result: Result) -> dict[tuple[str, str], pd.DataFrame]:
    """The data behind :func:`allocations`: per (pool, type), allocated and total over time,
    extended to the end of the run. A pool is a license id, or ``license@server`` for the
    per-site pools of LEF and SLD licenses."""
    out: dict[tuple[str, str], pd.DataFrame] = {}
    a = result.allocations
    for (lic, typ), df in a.groupby(["pool", "type"], sort=True):
        df = df[["time", "allocated", "quarantined", "total"]].drop_duplicates("time", keep="last")
        last = df.iloc[[-1]].copy()
        last["time"] = _end_time(result)
        out[(str(lic), str(typ))] = pd.concat([df, last], ignore_index=True)
    return out


def allocations(result: Result) -> Figure:
    """Allocated seats per pool and type as steps under the purchased total; quarantined
    seats stacked on the allocated ones (dotted), and excess over the total shaded red."""
    steps = allocation_steps(result)
    fig, ax = _figure("Professional and Analyzer allocations")
    for (lic, typ), df in steps.items():
        if df["total"].max() == 0 and df["allocated"].max() == 0:
            continue
        line = ax.step(df["time"], df["allocated"], where="post", label=f"{lic} {typ} allocated")
        held = df["allocated"] + df["quarantined"]
        if df["quarantined"].any():
            ax.step(
                df["time"],
                held,
                where="post",
                linestyle=":",
                color=line[0].get_color(),
                label=f"{lic} {typ} allocated + quarantined",
            )
        over = np.flatnonzero((held > df["total"]).to_numpy()[:-1])
        for n, i in enumerate(over):
            ax.fill_between(
                df["time"].iloc[i : i + 2],
                [df["total"].iloc[i]] * 2,
                [held.iloc[i]] * 2,
                color="#e53935",
                alpha=0.3,
                label=f"{lic} {typ} excess" if n == 0 else None,
            )
        ax.step(
            df["time"],
            df["total"],
            where="post",
            linestyle="--",
            color=line[0].get_color(),
            label=f"{lic} {typ} total",
        )
    ax.set_ylabel("seats")
    ax.set_xlabel("time")
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize="small")
    return fig


def capacity_months(result: Result) -> pd.DataFrame:
    """The data behind :func:`capacity`: purchased, consumed within the purchase, and overage."""
    c = result.capacity.copy()
    c["within"] = c[["consumed", "purchased"]].min(axis=1)
    return c[["license", "month", "purchased", "consumed", "within", "overage", "denied_units"]]


def capacity(result: Result) -> Figure:
    """Analyzer Capacity per month: purchased against consumed, overage in red."""
    c = capacity_months(result)
    fig, ax = _figure("Analyzer Capacity: purchased vs consumed per month")
    if c.empty:
        ax.text(
            0.5, 0.5, "no Analyzer Capacity in this scenario", ha="center", transform=ax.transAxes
        )
        return fig
    labels = [
        f"{m}\n{lic}" if c["license"].nunique() > 1 else m
        for lic, m in zip(c["license"], c["month"], strict=True)
    ]
    x = np.arange(len(c))
    ax.bar(x - 0.2, c["purchased"], width=0.4, color="#90caf9", label="purchased")
    ax.bar(x + 0.2, c["within"], width=0.4, color="#1565c0", label="consumed")
    ax.bar(x + 0.2, c["overage"], width=0.4, bottom=c["within"], color="#e53935", label="overage")
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_ylabel("minutes")
    ax.set_xlabel("month (UTC)")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def server_timeline(result: Result) -> Figure:
    """Each server's license state over time, with its link and backend outages shaded."""
    st = result.server_states
    servers = list(dict.fromkeys(s.id for s in result.scenario.servers))
    fig, ax = _figure("Server license state", height=1.2 + 0.8 * len(servers))
    start = pd.Timestamp(result.scenario.start_at).tz_convert(result.scenario.tz)
    ev = result.events
    for y, sid in enumerate(servers):
        for row in st[st["server"] == sid].itertuples():
            ax.broken_barh(
                [(row.start, row.end - row.start)],
                (y - 0.3, 0.6),
                color=STATE_COLOURS.get(row.state, "#9e9e9e"),
            )
        mine = ev[(ev["server"] == sid) & ev["kind"].isin(["outage_start", "outage_end"])]
        _shade_outages(ax, mine, y, start, _end_time(result), "#000000")
    backend = ev[ev["server"].isna() & ev["kind"].isin(["outage_start", "outage_end"])]
    for y in range(len(servers)):
        _shade_outages(ax, backend, y, start, _end_time(result), "#1e88e5")
    ax.set_yticks(range(len(servers)), servers)
    ax.set_xlim(start, _end_time(result))
    ax.set_xlabel("time")
    handles = [matplotlib.patches.Patch(color=c, label=s) for s, c in STATE_COLOURS.items()]
    handles.append(
        matplotlib.patches.Patch(
            facecolor="none", edgecolor="#000000", hatch="///", label="link outage"
        )
    )
    handles.append(
        matplotlib.patches.Patch(
            facecolor="none", edgecolor="#1e88e5", hatch="///", label="backend outage"
        )
    )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    return fig


def _shade_outages(
    ax: Any, ev: pd.DataFrame, y: int, start: pd.Timestamp, end: pd.Timestamp, colour: str
) -> None:
    opened: pd.Timestamp | None = None
    depth = 0
    for row in ev.sort_values("time", kind="stable").itertuples():
        if row.kind == "outage_start":
            if depth == 0:
                opened = row.time
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0 and opened is not None:
                ax.broken_barh(
                    [(opened, row.time - opened)],
                    (y - 0.45, 0.9),
                    facecolor="none",
                    edgecolor=colour,
                    hatch="///",
                    linewidth=0.5,
                )
                opened = None
    if depth > 0 and opened is not None:
        ax.broken_barh(
            [(opened, end - opened)],
            (y - 0.45, 0.9),
            facecolor="none",
            edgecolor=colour,
            hatch="///",
            linewidth=0.5,
        )


def denials_by_reason(result: Result, freq: str = "D") -> pd.DataFrame:
    """The data behind :func:`denials`: denied sessions per period and reason."""
    s = result.sessions
    d = s[s["denied_reason"].notna()]
    if d.empty:
        return pd.DataFrame()
    table = d.groupby([d["start"].dt.floor(freq), "denied_reason"]).size().unstack(fill_value=0)
    return table.sort_index()


def denials(result: Result) -> Figure:
    """Denied sessions per day, stacked by reason."""
    table = denials_by_reason(result)
    fig, ax = _figure("Denied sessions by reason")
    if table.empty:
        ax.text(0.5, 0.5, "no denials", ha="center", transform=ax.transAxes)
        return fig
    bottom = np.zeros(len(table))
    width = pd.Timedelta(days=0.8)
    for reason in table.columns:
        ax.bar(
            table.index,
            table[reason],
            width=width,
            bottom=bottom,
            label=reason,
            color=REASON_COLOURS.get(reason),
            align="edge",
        )
        bottom += table[reason].to_numpy()
    start = pd.Timestamp(result.scenario.start_at).tz_convert(result.scenario.tz)
    ax.set_xlim(start, _end_time(result))
    ax.set_ylabel("denied sessions per day")
    ax.set_xlabel("day")
    ax.legend(loc="upper left", fontsize="small")
    return fig


CHARTS = {
    "allocations": allocations,
    "capacity": capacity,
    "server_timeline": server_timeline,
    "denials": denials,
}


class ChartAccessor:
    """``result.plot.<name>()`` for every chart in :data:`CHARTS`."""

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


def save_charts(result: Result, folder: Path) -> list[Path]:
    """Draw every chart as a PNG into ``folder``."""
    from sim.legacy_charts import LEGACY_CHARTS

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    relevant = [name for name, (_, shown) in LEGACY_CHARTS.items() if shown(result)]
    for name in [*CHARTS, *relevant]:
        fig = _all_charts()[name](result)
        path = folder / f"{name}.png"
        tmp = folder / f".{name}.partial.png"
        fig.savefig(tmp, dpi=110)
        plt.close(fig)
        tmp.replace(path)
        paths.append(path)
    return paths


def whatif_chart(
    table: pd.DataFrame, *, grace_hours: float | None = None, title: str | None = None
) -> Figure:
    """Extra denied sessions against outage duration, split by denial reason.

    ``table`` is :attr:`sim.whatif.WhatIf.table` (one row per duration). The total is a
    black line, each reason with any extra denials a coloured line; with several
    replications every point carries its 95 % confidence interval as an error bar. The
    grace period, if given, is a dashed vertical line.
    """
    fig, ax = _figure(title or "What-if: extra denied sessions by outage duration")
    t = table.sort_values("duration_hours", kind="stable")
    x = t["duration_hours"].to_numpy(dtype=float)

    def draw(column: str, **style: Any) -> None:
        y = t[column].to_numpy(dtype=float)
        low, high = f"{column}_ci_low", f"{column}_ci_high"
        if low in t and high in t:
            err = np.vstack([y - t[low].to_numpy(dtype=float), t[high].to_numpy(dtype=float) - y])
            err = np.nan_to_num(np.clip(err, 0, None))
            ax.errorbar(x, y, yerr=err, capsize=3, marker="o", **style)
        else:
            ax.plot(x, y, marker="o", **style)

    draw("extra_denied_sessions", color="#000000", linewidth=2, label="all reasons")
    for reason, colour in REASON_COLOURS.items():
        column = f"extra_denied_{reason}"
        if column in t and (t[column].fillna(0) != 0).any():
            draw(column, color=colour, linewidth=1.2, label=reason)
    others = [
        c
        for c in t.columns
        if c.startswith("extra_denied_")
        and not c.endswith(("_ci_low", "_ci_high"))
        and c not in {"extra_denied_sessions", *(f"extra_denied_{r}" for r in REASON_COLOURS)}
        and (t[c].fillna(0) != 0).any()
    ]
    for column in others:
        draw(column, color="#9e9e9e", linewidth=1.2, label=column.removeprefix("extra_denied_"))
    if grace_hours is not None:
        ax.axvline(grace_hours, color="#ffb300", linestyle="--", linewidth=1.2)
        ax.annotate(
            f"grace {grace_hours:g} h",
            (grace_hours, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            color="#b27d00",
            fontsize="small",
        )
    ax.set_xlim(left=0)
    if len(x) and "duration" in t:
        top = ax.secondary_xaxis("top")
        top.set_xticks(x, list(t["duration"].astype(str)), fontsize="small")
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(t["extra_denied_sessions"])) if len(t) else 0.0))
    ax.set_xlabel("outage duration (hours)")
    ax.set_ylabel("extra denied sessions (vs. no outage)")
    ax.legend(loc="upper left", fontsize="small")
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
    summary: pd.DataFrame, metric: str, parameter: str, *, title: str | None = None
) -> Figure:
    """A KPI's mean against a swept parameter, with its 95 % confidence band.

    ``summary`` is :attr:`sim.experiments.SweepResult.summary` (or ``summary.csv``): one row
    per variant × metric with ``mean``, ``ci_low``, ``ci_high`` and a column per swept
    parameter. Durations are drawn in hours; other non-numeric values at equal spacing.
    When other parameters were swept too, each of their combinations is its own line.
    """
    if parameter not in summary:
        raise KeyError(f"{parameter!r} is not a swept parameter of this summary")
    rows = summary[summary["metric"] == metric]
    if rows.empty:
        raise KeyError(f"no metric {metric!r} in this summary")
    fig, ax = _figure(title or f"Sweep: {metric} by {parameter}")
    x_all, kind = _sweep_axis(rows[parameter])
    rows = rows.assign(_x=x_all)
    params = [c for c in summary.columns if c not in {*_SUMMARY_COLUMNS, parameter}]
    groups = rows.groupby(params, sort=False, dropna=False) if params else [((), rows)]
    for key, df in groups:
        df = df.sort_values("_x", kind="stable")
        x = df["_x"].to_numpy(dtype=float)
        y = df["mean"].to_numpy(dtype=float)
        keys = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{p}={v}" for p, v in zip(params, keys, strict=True)) or metric
        (line,) = ax.plot(x, y, marker="o", label=label)
        low, high = df["ci_low"].to_numpy(dtype=float), df["ci_high"].to_numpy(dtype=float)
        if np.isfinite(low).any():
            ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    if kind == "categorical":
        ticks = rows.drop_duplicates("_x").sort_values("_x")
        ax.set_xticks(ticks["_x"].to_numpy(dtype=float), list(ticks[parameter].astype(str)))
    elif kind == "hours":
        ticks = rows.drop_duplicates("_x").sort_values("_x")
        top = ax.secondary_xaxis("top")
        top.set_xticks(ticks["_x"].to_numpy(dtype=float), list(ticks[parameter].astype(str)))
    ax.set_xlabel(parameter + (" (hours)" if kind == "hours" else ""))
    ax.set_ylabel(f"{metric} (mean, 95 % CI)")
    ax.legend(loc="best", fontsize="small")
    return fig


_SUMMARY_COLUMNS = ("variant", "baseline", "metric", "mean", "sd", "ci_low", "ci_high", "n", "_x")
