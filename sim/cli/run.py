"""``licsim run``: one scenario, one replication; its tables, charts and reports.

The phases (simulate, tables, charts, report, workbook) are timed and, on a terminal,
announced; the folder is marked complete last, so an interrupted run leaves a folder that
says it is unfinished.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.conventions import (
    FORCE_HELP,
    SEED,
    SET_HELP,
    default_out,
    fail,
    json_out,
    overridden,
    overrides_of,
    prepare_out,
    records,
    say,
    writing,
)
from sim.outfolder import Kind, subfolder
from sim.scenario import ScenarioError, load_scenario


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for tables (CSV and Parquet), charts and reports; default out/<scenario name>.",
)
@click.option(
    "--seed",
    type=SEED,
    default=None,
    help="Override the scenario's seed (a whole number from 0).",
)
@click.option("--charts/--no-charts", default=True, help="Draw PNG charts into OUT/charts/.")
@click.option(
    "--report/--no-report",
    default=True,
    help="Write OUT/report.html (KPIs, charts, tables) and OUT/report.xlsx.",
)
@click.option(
    "--xlsx-rows",
    type=click.IntRange(min=2, max=1_048_576),
    default=None,
    help="Rows per raw-table sheet of report.xlsx, header included; default 1,000 (the "
    "Parquet files have all; the report tables come first, whole).",
)
@click.option(
    "--csv",
    is_flag=True,
    help="Write every table as CSV too (default: Parquet for all, CSV for summary, capacity "
    "and server_states only).",
)
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
@click.option("--quiet", "-q", is_flag=True, help="Print one line: no phases and no summary table.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.csv's rows as JSON instead.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
def run(
    file: Path,
    out: Path | None,
    seed: int | None,
    csv: bool,
    sets: tuple[str, ...],
    quiet: bool,
    as_json: bool,
    charts: bool,
    report: bool,
    xlsx_rows: int | None,
    force: bool,
) -> None:
    """Run a scenario; write its tables, charts and reports and print the summary.

    With --json, standard output is ``{"scenario", "out", "summary"}``, the summary as
    summary.csv's rows (metric, value, unit).
    """
    from sim.phases import Phases
    from sim.result import CSV_TABLES, TABLES, mark_complete, write_result
    from sim.run import simulate

    clock = Phases(None if quiet or not sys.stderr.isatty() else say)
    try:
        overrides = overrides_of(sets)
        sc = overridden(load_scenario(file), overrides)
        out = out or default_out(sc.name)
        # From here until mark_complete the folder holds no finished result (sim.result).
        prepare_out(out, force, Kind.RUN)
        with clock.phase("simulate"):
            result = simulate(sc, seed=seed, progress=clock.bar("days"))
        if overrides:
            result.metadata["overrides"] = overrides
    except ScenarioError as err:
        fail(err)
    with writing(out):
        with clock.phase("tables"):
            write_result(result, out, complete=False, csv=csv)
        pngs = None
        if charts or report:
            from sim.charts import chart_pngs

            with clock.phase("charts"):
                pngs = chart_pngs(result)  # drawn once, for charts/ and report.html alike
        if charts:
            from sim.charts import save_charts

            save_charts(result, subfolder(out, "charts"), pngs)
        if report:
            from sim.htmlreport import write_report, write_workbook
            from sim.reports import report_tables

            with clock.phase("report"):
                tables = report_tables(result)  # once, for report.html and report.xlsx
                write_report(result, out, pngs, tables)
            with clock.phase("workbook"):
                write_workbook(result, out, max_rows=xlsx_rows, tables=tables)
        result.metadata.update(clock.record())
        mark_complete(result, out)
    if as_json:
        json_out({"scenario": sc.name, "out": str(out), "summary": records(result.summary)})
        return
    click.echo(
        f"{sc.name}: engine {result.metadata['wall_seconds']:.2f} s, command "
        f"{clock.seconds:.2f} s → {out}"
    )
    if not csv:
        only = ", ".join(t for t in TABLES if t not in CSV_TABLES)
        click.echo(f"  {only} in Parquet only (--csv writes them as CSV too)")
    if not quiet:
        click.echo(_format_summary(result.summary))


def _format_summary(summary: object) -> str:
    import pandas as pd

    from sim.reports import zero_breakdowns

    assert isinstance(summary, pd.DataFrame)
    shown_rows = list(
        summary.loc[~zero_breakdowns(summary), ["metric", "value", "unit"]].itertuples(index=False)
    )
    width = max((len(m) for m, _, _ in shown_rows), default=10)
    lines = []
    for metric, value, unit in shown_rows:
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        lines.append(f"  {metric:<{width}}  {shown:>14} {unit}")
    if len(shown_rows) < len(summary):
        lines.append(
            f"  ({len(summary) - len(shown_rows)} breakdowns that are zero: see summary.csv)"
        )
    return "\n".join(lines)
