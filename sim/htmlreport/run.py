"""The HTML report of one run: headline KPIs, the report tables and every relevant chart.

The KPIs and tables are :func:`sim.reports.kpis` and :func:`sim.reports.report_tables`, the
charts exactly the PNGs of ``charts/`` (:func:`sim.charts.chart_pngs`, drawn once for both),
and the whole run summary follows them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import sim
from sim import reports
from sim.atomic import atomic_text
from sim.charts import chart_pngs, left_out
from sim.result import Result

from . import page


def report_content(result: Result) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The headline KPIs (``metric, value, unit``) and the titled tables of the report."""
    return reports.kpis(result), reports.report_tables(result)


def render_report(
    result: Result,
    pngs: dict[str, bytes] | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
) -> str:
    """The report of ``result`` as one self-contained HTML page; ``pngs`` are the charts
    and ``tables`` the report tables already made (:func:`sim.charts.chart_pngs`,
    :func:`sim.reports.report_tables`), made here if not given."""
    sc = result.scenario
    if tables is None:
        headline, tables = report_content(result)
    else:
        headline = tables.get("Headline KPIs")
        if headline is None:
            headline = reports.kpis(result)
    summary = result.summary[["metric", "value", "unit"]]
    meta = result.metadata
    subtitle = (
        f"{sc.start_at:%Y-%m-%d %H:%M} to {sc.end_at:%Y-%m-%d %H:%M} ({sc.timezone}) · "
        f"variant {meta.get('variant', 'base')} · replication {meta.get('replication', 0)} · "
        f"seed {meta.get('seed', sc.seed)} · licsim {sim.__version__}"
    )
    drawn = chart_pngs(result) if pngs is None else pngs
    charts = [page.chart(name, data) for name, data in drawn.items()]
    if skipped := left_out(result):
        charts.append(
            '<p class="note">Not drawn, nothing to show: '
            + "; ".join(
                f"{page.escape(name)} ({page.escape(why)})" for name, why in skipped.items()
            )
            + ".</p>"
        )
    scenario_json = json.dumps(sc.model_dump(mode="json", exclude_unset=True), indent=2)
    sections = [
        page.section("Headline", [page.cards(headline)]),
        page.section("Charts", charts),
        page.section("Tables", [page.table(df, title) for title, df in tables.items()]),
        page.section("Run summary", [page.table(summary, "Every KPI", max_rows=len(summary))]),
        page.section(
            "Effective scenario",
            [
                "<details><summary>scenario as simulated (JSON)</summary>"
                f"<pre>{page.escape(scenario_json)}</pre></details>"
            ],
        ),
    ]
    return page.document(f"licsim report: {sc.name}", subtitle, sections)


def write_report(
    result: Result,
    out: Path,
    pngs: dict[str, bytes] | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write ``out/report.html`` (atomically) and return its path."""
    text = render_report(result, pngs, tables)
    return atomic_text(Path(out) / "report.html", text)
