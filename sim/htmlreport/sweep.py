"""The HTML report of a sweep: per-variant KPIs with their intervals (95 % unless the
sweep's ``confidence`` says otherwise), paired differences against the baseline, and a
:func:`sim.charts.sweep_chart` per KPI against the first swept parameter (a line per value
of the second, a panel per value of any others).

Charted KPIs are those whose mean changes between variants (the headline ones of a run
report when none does); every KPI is in the full summary table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sim
from sim.atomic import atomic_text
from sim.charts import sweep_chart
from sim.experiments import SweepResult
from sim.experiments.grid import format_value
from sim.reports.labels import metric_label, parameter_names, readable

from . import page

INTERVAL = ["mean", "ci_low", "ci_high", "n"]

HEADLINE = (
    "users",
    "sessions_attempted",
    "sessions_denied",
    "denial_rate",
    "users_denied",
    "session_hours",
    "peak_allocated_professional",
    "peak_allocated_analyzer",
    "capacity_minutes_consumed",
    "capacity_overage_minutes",
)
"""Run-summary KPIs charted when none changes between the variants."""


def charted_metrics(summary: pd.DataFrame) -> list[str]:
    """The KPIs worth a chart: those whose mean changes between variants, or the headline
    ones when none does."""
    if summary.empty:
        return []
    varies = summary.groupby("metric", sort=False)["mean"].agg(lambda m: m.nunique() > 1)
    changed = [str(m) for m in varies.index if varies[m]]
    return [
        m
        for m in changed or [str(m) for m in varies.index if m in HEADLINE]
        if not _same_as_total(summary, m)
    ]


def _same_as_total(summary: pd.DataFrame, metric: str) -> bool:
    """Whether ``metric`` is the one member of its total (``grace_hours[prod]`` on a site
    whose only server in grace is prod): a second chart of the same numbers."""
    total, bracket, _ = metric.partition("[")
    if not bracket:
        return False
    mine = summary[summary["metric"] == metric]
    whole = summary[summary["metric"] == total]
    return len(whole) == len(mine) and bool(
        (whole["mean"].to_numpy() == mine["mean"].to_numpy()).all()
    )


def _compact(frame: pd.DataFrame, metrics: list[str], parameters: list[str]) -> pd.DataFrame:
    """Rows of the charted metrics, named by their parameter values rather than the long
    variant name."""
    chosen = frame[frame["metric"].isin(metrics)]
    return chosen[["metric", *parameters, *INTERVAL]].reset_index(drop=True)


def _shown(frame: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """A sweep table in the reader's words: metrics and headers as words, each swept
    parameter by its name rather than its dotted path."""
    names = parameter_names(parameters)
    return readable(frame.rename(columns={p: names[p] for p in parameters if p in frame}))


def caption(result: SweepResult, metric: str, params: list[str]) -> str:
    """What a sweep chart shows and what to look for."""
    names = parameter_names(params)
    lines = f"; one line per value of {names[params[1]]}" if len(params) > 1 else ""
    if len(params) > 2:
        lines += f", one panel per value of {', '.join(names[p] for p in params[2:])}"
    return (
        f"The mean of {metric_label(metric)} over {result.replications} replications per "
        f"value of {names[params[0]]}, shaded across its {result.confidence * 100:g} % "
        f"interval{lines}. Look for where the line levels off (more changes nothing) and "
        "for bands that do not overlap (a difference the replications support)."
    )


def render_sweep_report(result: SweepResult) -> str:
    """The report of a sweep as one self-contained HTML page."""
    sc = result.scenario
    params = [p for p in result.parameters if p in result.summary]
    metrics = charted_metrics(result.summary)
    facts = pd.DataFrame(
        [
            ("variants", len(result.variants), ""),
            ("replications", result.replications, "per variant"),
            ("pieces computed", result.computed, "runs"),
            ("pieces reused", result.skipped, "runs"),
            ("pieces failed", len(result.failures), "runs"),
            ("wall time", result.wall_seconds, "s"),
        ],
        columns=["metric", "value", "unit"],
    )
    charts = []
    if params:
        for metric in metrics:
            fig = sweep_chart(result.summary, metric, params[0], confidence=result.confidence)
            charts.append(page.chart(f"sweep-{metric}", fig, caption(result, metric, params)))
    baseline = "–"
    if result.variants:
        first = result.variants[0].overrides
        names = parameter_names(list(first))
        baseline = ", ".join(f"{names[p]} = {format_value(v)}" for p, v in first.items())
        baseline = baseline or result.variants[0].name
    parts = [
        page.section(
            "Sweep", [page.cards(facts), f'<p class="note">baseline: {page.escape(baseline)}</p>']
        ),
    ]
    if charts:
        parts.append(page.section(f"KPIs by {parameter_names(params)[params[0]]}", charts))
    parts.append(
        page.section(
            f"KPIs (mean and {result.confidence * 100:g} % interval across replications)",
            [
                page.table(
                    _shown(_compact(result.summary, metrics, params), params),
                    "Charted KPIs per variant",
                ),
                page.table(
                    _shown(
                        _compact(result.differences, metrics, params)
                        if len(result.differences)
                        else result.differences,
                        params,
                    ),
                    "Differences against the baseline (paired by replication)",
                ),
            ],
        )
    )
    if len(result.failures):
        parts.append(page.section("Failed pieces", [page.table(result.failures, "Failures")]))
    parts.append(
        page.section(
            "All KPIs", [page.table(_shown(result.summary, params), "Summary per variant")]
        )
    )
    subtitle = (
        f"{sc.start_at:%Y-%m-%d %H:%M} to {sc.end_at:%Y-%m-%d %H:%M} ({sc.timezone}) · "
        f"swept: {', '.join(parameter_names(list(result.parameters)).values()) or 'nothing'} · "
        f"licsim {sim.__version__}"
    )
    return page.document(f"licsim sweep: {sc.name}", subtitle, parts)


def write_sweep_report(result: SweepResult, out: Path) -> Path:
    """Write ``out/report.html`` for a sweep (atomically) and return its path."""
    text = render_sweep_report(result)
    return atomic_text(Path(out) / "report.html", text)
