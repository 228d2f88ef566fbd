"""The HTML report of one run: headline KPIs, the report tables and every relevant chart.

The KPIs and tables are :func:`sim.reports.kpis` and :func:`sim.reports.report_tables`, the
charts exactly the PNGs of ``charts/`` (:func:`sim.charts.chart_pngs`, drawn once for both),
and the whole run summary follows them. Every table is shown in the reader's words
(:func:`sim.reports.labels.readable`): access types by their QMC names, reasons as phrases,
users as ``DIRECTORY\\userid``; the files beside the page keep the codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import sim
from sim import reports
from sim.atomic import atomic_text
from sim.charts import chart_pngs, left_out
from sim.reports.labels import CHART_NAMES, directories, readable
from sim.result import Result

from . import page


def report_content(result: Result) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The headline KPIs (``metric, value, unit``) and the titled tables of the report."""
    return reports.kpis(result), reports.report_tables(result)


CAPTIONS = {
    "allocations": "Each pool's allocated seats against what was bought: look for a line "
    "that meets its total (users are refused a seat from then on) or red excess above it.",
    "seat_stack": "All seats in use stacked under every seat bought: the gap to the dashed "
    "line is the headroom left for new users.",
    "capacity": "Analyzer Capacity minutes per UTC month, bought against used: look for red "
    "overage, hatched demand refused after the month ran out, and the forecast of the month "
    "the run ends in.",
    "capacity_burn_down": "Minutes used so far each month against the straight line to the "
    "month's allocation: a line above the dotted run rate runs out before the month ends.",
    "server_timeline": "Each server's license state over time: amber is grace (still "
    "licensed, no new allocations), red unlicensed (every session refused); hatching marks "
    "the outage behind it.",
    "denials": "Sessions refused per local day, by reason: look for the days and reasons "
    "that stand out (the tables below break them down by server and group).",
    "weekday_hour": "When sessions start, by local weekday and hour: the darkest cells are "
    "the peaks an outage or a shortage would hurt most.",
    "duration_curve": "How much of the time concurrency stays at or above each level: the "
    "level at 5 % (P95) is what a concurrent license would need for all but the peaks.",
    "login_passes": "Login access passes out of the pool (each returns to it a set time "
    "after its use, 28 days by default) against the pool: a line at the pool means "
    "the red refusals that follow.",
    "session_cals": "The most Session CALs held on each day against those owned; the red "
    "line counts sessions refused for want of a CAL.",
    "usage_cals": "Usage CALs left in the pool, down one per CAL taken and recharging over "
    "the Usage CAL period: a pool near zero will soon refuse users without another CAL.",
    "desktops": "Every desktop launch by install, coloured by outcome: red launches ran "
    "locked or as Personal Edition.",
}
"""Under each chart of the report: what it shows and what to look for."""


def _piece(metadata: dict[str, object]) -> list[str]:
    """The variant and replication of a run that is one piece of a study; a single run
    (the base variant, replication 0) has none to name."""
    variant, replication = metadata.get("variant", "base"), metadata.get("replication", 0)
    if variant == "base" and replication == 0:
        return []
    return [f"variant {variant}", f"replication {replication}"]


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
    zero = reports.zero_breakdowns(summary)
    subtitle = " · ".join(
        [
            f"{sc.start_at:%Y-%m-%d %H:%M} to {sc.end_at:%Y-%m-%d %H:%M} ({sc.timezone})",
            *_piece(result.metadata),
            f"seed {result.metadata.get('seed', sc.seed)}",
            f"licsim {sim.__version__}",
        ]
    )
    drawn = chart_pngs(result) if pngs is None else pngs
    charts = [page.chart(name, data, CAPTIONS.get(name, "")) for name, data in drawn.items()]
    if skipped := left_out(result):
        charts.append(
            '<p class="note">Not drawn, nothing to show: '
            + "; ".join(
                f"{page.escape(CHART_NAMES.get(name, name))} ({page.escape(why)})"
                for name, why in skipped.items()
            )
            + ".</p>"
        )
    users = directories(sc)
    shown = {title: readable(df, users) for title, df in tables.items()}
    scenario_json = json.dumps(sc.model_dump(mode="json", exclude_unset=True), indent=2)
    sections = [
        page.section("Headline", [page.cards(headline, reports.needs_attention(headline))]),
        page.section("Charts", charts),
        page.section("Tables", [page.table(df, title) for title, df in shown.items()]),
        page.section(
            "Run summary",
            [
                page.table(readable(summary[~zero]), "Every KPI", max_rows=len(summary)),
                page.folded(
                    f"{int(zero.sum())} breakdowns that are zero (by reason, access type or "
                    "launch outcome)",
                    page.table(readable(summary[zero]), "Zero breakdowns", max_rows=len(summary)),
                )
                if zero.any()
                else "",
            ],
        ),
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
