"""Reports to hand to people: a self-contained HTML page per run or sweep, and an Excel
workbook of a run's tables.

``write_report(result, out)`` writes ``out/report.html`` (headline KPIs and tables of
:mod:`sim.reports`, every chart of :func:`sim.charts.relevant_charts` as an embedded PNG);
``write_workbook(result, out)`` writes ``out/report.xlsx`` (a sheet per table);
``write_sweep_report(sweep_result, out)`` writes ``out/report.html`` for a sweep. Each file
is written under a temporary name and renamed, so a file that exists is complete. The
pages load nothing from anywhere: no scripts, fonts, style sheets or remote images.
"""

from .run import render_report, report_content, write_report
from .sweep import render_sweep_report, write_sweep_report
from .workbook import excel_ready, write_workbook

__all__ = [
    "excel_ready",
    "render_report",
    "render_sweep_report",
    "report_content",
    "write_report",
    "write_sweep_report",
    "write_workbook",
]
