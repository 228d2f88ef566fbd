"""A plan's files: ``plan.csv`` and companions, and the self-contained ``plan.html``.

``plan.csv`` has one row per mix worth reading: the recommended one first, then the
runners-up (the next cheapest mixes found feasible), each with its units per variable,
monthly cost and, per target, the mean KPI and the probability that the mean meets the
bound. ``verification.csv`` sets the achieved KPIs (fresh seeds) beside the promised ones,
``marginal.csv`` says what one seat or pack more or less changes, ``growth.csv`` how the
recommended mix fares at other growth, ``candidates.csv`` lists every mix checked and
``runs.csv`` the simulator runs per phase; ``plan.json`` holds the settings and statement.

``plan.html`` shows the same, led by the statement, with the cost–service chart: every
mix checked as cost against each target's KPI (a panel per target), the Pareto front (no
other mix both cheaper and better) as a line, the bound as a dashed line and the
recommended mix as a star. Like every licsim report it embeds its chart and needs nothing
else to open.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.atomic import atomic_text
from sim.spreadsheet import write_csv

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .planner import PlanResult

__all__ = ["PLAN_OUTPUTS", "pareto_chart", "plan_table", "write_plan"]

PLAN_OUTPUTS = (
    "plan.csv",
    "verification.csv",
    "marginal.csv",
    "growth.csv",
    "candidates.csv",
    "runs.csv",
    "plan.json",
    "plan.html",
)
"""Everything a plan folder holds; a new plan into the folder removes these first."""


def plan_table(result: PlanResult) -> pd.DataFrame:
    """The recommended mix and the runners-up, ranked."""
    labels = [v.label for v in result.variables]
    choice = ["choice"] if "choice" in result.candidates.columns else []
    cols = ["mix", *choice, *labels, "monthly_cost", "status", "replications"]
    for t in result.targets:
        cols += [t.name, f"p_met[{t.name}]"]
    picked = result.candidates[result.candidates["recommended"]] if result.feasible else None
    parts = [p for p in (picked, result.runners_up) if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(columns=["rank", "role", *cols])
    table = pd.concat(parts, ignore_index=True)[cols]
    table.insert(
        0,
        "role",
        ["recommended" if result.feasible else "runner-up"] + ["runner-up"] * (len(table) - 1),
    )
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def _front(c: pd.DataFrame, kpi: str, upper: bool) -> pd.DataFrame:
    """Mixes no other beats on both cost and ``kpi``."""
    ordered = c.sort_values(["monthly_cost", kpi], ascending=[True, upper])
    sign = 1.0 if upper else -1.0
    keep = (sign * ordered[kpi]) < (sign * ordered[kpi]).cummin().shift(fill_value=float("inf"))
    return ordered[keep]


def pareto_chart(result: PlanResult) -> Figure:
    """Cost against each target's KPI (one panel per target) for every mix checked."""
    # Drawing is imported when a chart is drawn: `licsim` starts without matplotlib.
    from matplotlib.figure import Figure
    from matplotlib.ticker import ScalarFormatter

    targets = result.targets[:3]
    fig = Figure(figsize=(10 if len(targets) == 1 else 6 * len(targets), 5), layout="constrained")
    axes = fig.subplots(1, len(targets), squeeze=False)[0]
    c = result.candidates
    currency = result.settings.get("currency", "")
    fig.suptitle("Cost and service of every mix checked (each mix: the mean of its runs)")
    for ax, target in zip(axes, targets, strict=True):
        ax.grid(True, alpha=0.3)
        ax.set_xlabel(f"monthly cost ({currency})")
        ax.set_ylabel(f"{target.name} ({target.unit})")
        for status, colour, marker in (
            ("feasible", "#2e7d32", "o"),
            ("infeasible", "#c62828", "x"),
            ("undecided", "#f9a825", "s"),
        ):
            mine = c[c["status"] == status]
            if len(mine):
                ax.scatter(
                    mine["monthly_cost"],
                    mine[target.name],
                    c=colour,
                    marker=marker,
                    label=f"{status} ({len(mine)})",
                    zorder=3,
                )
        front = _front(c, target.name, target.upper)
        if len(front):
            ax.step(
                front["monthly_cost"],
                front[target.name],
                where="post",
                color="#455a64",
                alpha=0.7,
                label="Pareto front",
            )
        ax.axhline(target.threshold, color="#616161", linestyle="--", label="target's bound")
        ax.annotate(
            target.label(),
            # At the left, over the cheap mixes, which lie far from the bound: the mixes
            # near it are the expensive ones at the right.
            xy=(0.01, target.threshold),
            xycoords=("axes fraction", "data"),
            ha="left",
            va="bottom",
            fontsize="small",
            color="#424242",
        )
        best = c[c["recommended"]]
        if len(best):
            ax.scatter(
                best["monthly_cost"],
                best[target.name],
                marker="*",
                s=320,
                c="#1565c0",
                edgecolors="white",
                zorder=4,
                label="recommended",
            )
        if target.upper and target.threshold > 0:
            # Far misses would squash the bound's neighbourhood, where the answer lies.
            ax.set_yscale("symlog", linthresh=target.threshold)
            # 0, 1, 10 rather than 0, 10⁰, 10¹: the axis is in percent, read as numbers.
            ax.yaxis.set_major_formatter(ScalarFormatter())
    # One legend for every panel (the markers mean the same in each), below them, where it
    # hides no mix.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize="small")
    return fig


def _interval(mean: float, low: float, high: float) -> str:
    return f"{mean:.3g} ({low:.3g} to {high:.3g})"


def _verification_view(result: PlanResult) -> pd.DataFrame:
    """verification.csv in the columns a reader compares, narrow enough to read at once."""
    return pd.DataFrame(
        {
            "target": r.target,
            "promised": f"{r.promised_mean:.3g} ({r.promised_n} runs)",
            "achieved (95 % interval)": _interval(
                r.achieved_mean, r.achieved_ci_low, r.achieved_ci_high
            ),
            "fresh runs": r.achieved_n,
            "P(mean meets)": f"{r.achieved_p_met:.2f}",
            "confirmed": r.confirmed,
        }
        for r in result.verification.itertuples(index=False)
    )


def _marginal_view(result: PlanResult) -> pd.DataFrame:
    """marginal.csv with each change and its interval in one cell per target."""
    rows = []
    for r in result.marginal.to_dict("records"):
        row = {
            "variable": r["variable"],
            "change": r["change"],
            "extra cost": f"{r['extra_monthly_cost']:+,.2f}",
        }
        for t in result.targets:
            row[f"Δ {t.name} (95 % interval)"] = _interval(
                r[f"change[{t.name}]"],
                r[f"change_ci_low[{t.name}]"],
                r[f"change_ci_high[{t.name}]"],
            )
            row[f"meets {t.name}"] = "yes" if r[f"meets[{t.name}]"] else "no"
        rows.append(row)
    return pd.DataFrame(rows)


def _growth_view(result: PlanResult) -> pd.DataFrame:
    """growth.csv with short headers: per target the mean, P(mean meets) and yes/no."""
    rows = []
    for r in result.growth.to_dict("records"):
        row = {"growth": r["growth"], "users": r["users"]}
        for t in result.targets:
            row[t.name] = r[t.name]
            row["P(meets)" if len(result.targets) == 1 else f"P(meets {t.name})"] = (
                f"{r[f'p_met[{t.name}]']:.2f}"
            )
        row["meets every target"] = (
            "yes" if all(r[f"meets[{t.name}]"] for t in result.targets) else "no"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _ranked_view(result: PlanResult) -> pd.DataFrame:
    """plan.csv without what the other columns already say (the mix spelt out; the status,
    feasible for every row), ``P(meets ...)`` for ``p_met[...]``."""
    table = plan_table(result).drop(columns=["mix", "status"])
    return table.rename(columns={f"p_met[{t.name}]": f"P(meets {t.name})" for t in result.targets})


def _html(result: PlanResult) -> str:
    from sim.htmlreport import page

    s = result.settings
    sections = [
        page.section(
            "Answer",
            [
                f"<p><strong>{page.escape(result.statement)}</strong></p>",
                page.table(result.recommendation, "Recommended mix") if result.feasible else "",
                page.table(
                    _verification_view(result),
                    "Promised (search runs) and achieved (fresh seeds, checked again)",
                )
                if len(result.verification)
                else "",
            ],
        ),
        page.section(
            "Cost and service",
            [
                page.chart(
                    "pareto",
                    pareto_chart(result),
                    "Every mix the search checked; the line is the Pareto front of each KPI.",
                ),
                page.table(_ranked_view(result), "Recommended mix and runners-up"),
            ],
        ),
    ]
    if len(result.marginal):
        sections.append(
            page.section(
                "What one more (or one less) buys",
                [
                    page.table(
                        _marginal_view(result),
                        "Change in each target's KPI, paired by replication"
                        " with the recommended mix",
                    )
                ],
            )
        )
    if len(result.growth):
        sections.append(
            page.section(
                "Sensitivity to growth",
                [
                    page.table(
                        _growth_view(result),
                        f"The recommended mix at other growth over {s['horizon_months']} months",
                    )
                ],
            )
        )
    sections.append(
        page.section(
            "How the answer was found",
            [
                "<p class='note'>Each mix was checked with the fully sequential feasibility "
                f"procedure of Andradóttir &amp; Kim (2010) at {s['confidence']:.0%} confidence, "
                f"first stage {s['first_stage']} replications, tolerance {s['tolerance']:.0%} of "
                "each bound, common random numbers across mixes; the search bisects each "
                "variable and then takes mixes in cost order (docs/plan.md).</p>",
                page.table(result.runs, "Simulator runs per phase"),
                page.table(result.bounds, "Decision variables and bounds"),
                page.table(result.candidates.drop(columns="mix"), "Every mix checked"),
            ],
        )
    )
    subtitle = (
        f"{result.scenario.name}: {len(result.candidates)} mixes checked in "
        f"{result.total_runs} runs, {result.wall_seconds:.1f} s"
    )
    return page.document(f"License plan: {result.scenario.name}", subtitle, sections)


def write_plan(result: PlanResult, out: Path | str) -> list[Path]:
    """Write every file of :data:`PLAN_OUTPUTS` into ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {
        "plan.csv": plan_table(result),
        "verification.csv": result.verification,
        "marginal.csv": result.marginal,
        "growth.csv": result.growth,
        "candidates.csv": result.candidates,
        "runs.csv": result.runs,
    }
    for name, table in tables.items():
        path = folder / name
        write_csv(path, table)
        written.append(path)
    meta = {
        "scenario": result.scenario.name,
        "feasible": result.feasible,
        "statement": result.statement,
        "targets": [t.label() for t in result.targets],
        "settings": result.settings,
        "choice": result.choice,
        "runs": result.total_runs,
        "wall_seconds": result.wall_seconds,
    }
    written.append(atomic_text(folder / "plan.json", json.dumps(meta, indent=2, default=str)))
    written.append(atomic_text(folder / "plan.html", _html(result)))
    return written
