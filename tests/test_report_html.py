"""The HTML report and the Excel workbook: self-contained, complete, written atomically.

The headless-browser test opens a report in Chromium (when it is installed:
``apt-get install -y chromium``) and checks that the page logs nothing to the console and
requests nothing from the network. Chromium writes a NetLog (``--log-net-log``) of every
request; the page's own are those whose network isolation key is the ``file://`` site of
the report (the browser's background requests carry another key). A proxy on a closed
loopback port and a resolver that resolves nothing keep every request on this machine.
A control page with a remote image and a script error proves that the check sees both.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from sim import load_scenario, reports, simulate
from sim.charts import relevant_charts
from sim.experiments import sweep
from sim.htmlreport import (
    report_content,
    write_report,
    write_sweep_report,
    write_workbook,
)
from sim.htmlreport.sweep import charted_metrics
from sim.htmlreport.workbook import RAW_ROWS
from sim.result import TABLES

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """Every tag of a page with its attributes, and the text of its headings."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[str] = []
        self._heading = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._heading = tag in {"h1", "h2", "h3"}

    def handle_endtag(self, tag: str) -> None:
        self._heading = False

    def handle_data(self, data: str) -> None:
        if self._heading:
            self.headings.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.tags if t == tag]


def assert_self_contained(text: str) -> Page:
    page = Page(text)
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "action", "data", "poster"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "ftp:")), (tag, name, value)
    assert not page.all("script"), "a report has no scripts"
    assert not page.all("link"), "a report links to nothing"
    assert "@import" not in text and "url(" not in text
    for img in page.all("img"):
        head, _, data = img["src"].partition(",")
        assert head == "data:image/png;base64"
        assert base64.b64decode(data).startswith(PNG)
    return page


@pytest.fixture(scope="module", params=["firewall-outage", "qlikview-cal-estate"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    result = simulate(load_scenario(ROOT / "scenarios" / f"{request.param}.yaml"))
    out = tmp_path_factory.mktemp(request.param)
    return result, write_report(result, out)


@pytest.fixture(scope="module")
def week():
    """A short run (the first week of the firewall example, before its outage)."""
    sc = load_scenario(ROOT / "scenarios" / "firewall-outage.yaml")
    return simulate(sc.with_overrides({"duration": "7d"}))


def test_report_is_self_contained_with_every_chart_and_table(run) -> None:
    result, path = run
    assert path.name == "report.html"
    page = assert_self_contained(path.read_text("utf-8"))
    charts = relevant_charts(result)
    shown = [img["alt"] for img in page.all("img")]
    assert shown == list(charts)
    kpis, tables = report_content(result)
    assert set(tables) <= set(page.headings)
    # The report tables, the run summary's KPIs and, folded, its zero breakdowns.
    folded = int(reports.zero_breakdowns(result.summary).any())
    assert (
        len(page.all("table")) == len(tables) - sum(df.empty for df in tables.values()) + 1 + folded
    )
    assert f"licsim report: {result.scenario.name}" in page.headings
    assert len(kpis) > 0 and "denial rate" in path.read_text("utf-8")


def test_report_is_written_atomically(week, tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("old")
    path = write_report(week, tmp_path)
    assert path.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_workbook_has_a_sheet_per_table_with_local_naive_times(week, tmp_path: Path) -> None:
    result = week
    # Room for every row (the default keeps RAW_ROWS of each raw table, see below).
    path = write_workbook(result, tmp_path, max_rows=len(result.sessions) + 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]
    book = load_workbook(path, read_only=True)
    # The report tables first, then every raw table.
    assert book.sheetnames[0] == "Headline KPIs" and "Seats by type" in book.sheetnames
    assert book.sheetnames[-len(TABLES) :] == list(TABLES)
    rows = list(book["sessions"].iter_rows(values_only=True))
    zone = result.scenario.timezone
    assert list(rows[0]) == [
        f"{c} ({zone})" if isinstance(t, pd.DatetimeTZDtype) else c
        for c, t in result.sessions.dtypes.items()
    ]
    assert len(rows) == len(result.sessions) + 1
    start = rows[0].index(f"start ({zone})")
    first = result.sessions["start"].iloc[0]
    assert isinstance(rows[1][start], datetime) and rows[1][start].tzinfo is None
    assert abs(pd.Timestamp(rows[1][start]) - first.tz_localize(None)) < pd.Timedelta("1ms")
    summary = {r[3]: r[4] for r in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["sessions_denied"] == result.kpi("sessions_denied")


def test_workbook_report_sheets_speak_qlik_and_raw_sheets_keep_codes(tmp_path: Path) -> None:
    result = simulate(load_scenario(ROOT / "tests" / "scenarios" / "tokens.yaml"))
    book = load_workbook(write_workbook(result, tmp_path), read_only=True)
    seats = list(book["Seats by type"].iter_rows(values_only=True))
    assert seats[0][:3] == ("pool", "type", "total") and "users with sessions" in seats[0]
    assert seats[1][:2] == ("tokens on qs", "User access")
    tokens = {r[1]: r for r in book["Tokens"].iter_rows(min_row=2, values_only=True)}
    assert tokens["Login access"][2:5] == (0.1, 10, 1)
    reasons = [r[0] for r in book["Denials by reason"].iter_rows(min_row=2, values_only=True)]
    assert "no login access pass left" in reasons
    raw = list(book["allocations"].iter_rows(max_row=2, values_only=True))
    assert "tokens@qs" in raw[1] and "user_pass" in raw[1]


def test_workbook_truncates_long_tables_with_a_note(week, tmp_path: Path) -> None:
    result = week
    assert len(result.sessions) > RAW_ROWS
    (tmp_path / "default").mkdir()
    default = load_workbook(write_workbook(result, tmp_path / "default"), read_only=True)
    assert sum(1 for _ in default["sessions"].iter_rows()) == RAW_ROWS
    book = load_workbook(write_workbook(result, tmp_path, max_rows=101), read_only=True)
    assert book.sheetnames[-1] == "notes"
    assert sum(1 for _ in book["sessions"].iter_rows()) == 101
    notes = list(book["notes"].iter_rows(min_row=2, values_only=True))
    assert ("sessions", len(result.sessions), 100) in [n[:3] for n in notes]


def test_sweep_report_charts_each_changing_kpi(tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "scenarios" / "firewall-outage.yaml").with_overrides(
        {"duration": "14d"}
    )
    res = sweep(sc, {"servers.prod.link_outages.0.duration": ["24h", "96h"]}, replications=2)
    path = write_sweep_report(res, tmp_path)
    page = assert_self_contained(path.read_text("utf-8"))
    metrics = charted_metrics(res.summary)
    assert "sessions_denied" in metrics and "users" not in metrics
    assert [img["alt"] for img in page.all("img")] == [f"sweep-{m}" for m in metrics]
    assert "Differences against the baseline (paired by replication)" in page.headings
    assert len(page.all("table")) == 3


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--disable-gpu",
    "--no-sandbox",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-pings",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
]


def open_headless(page: Path, work: Path) -> tuple[str, list[str], list[str]]:
    """The DOM Chromium rendered, its console messages and the URLs the page requested."""
    netlog = work / "netlog.json"
    done = subprocess.run(
        [
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={work / 'profile'}",
            f"--log-net-log={netlog}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requested = [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start_job
        and "file://" in e.get("params", {}).get("network_isolation_key", "")
    ]
    return done.stdout, console, requested


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_opens_in_chromium_without_errors_or_requests(run, tmp_path: Path) -> None:
    result, path = run
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
        "<script>console.error('control error')</script></body></html>"
    )
    (tmp_path / "c").mkdir()
    _, console, requested = open_headless(control, tmp_path / "c")
    assert any("control error" in line for line in console)
    assert requested == ["http://127.0.0.1:9/x.png"]

    (tmp_path / "r").mkdir()
    dom, console, requested = open_headless(path, tmp_path / "r")
    assert console == []
    assert requested == []
    assert len(Page(dom).all("img")) == len(relevant_charts(result))


def test_workbook_sheets_have_frozen_bold_headers_and_filters(week, tmp_path: Path) -> None:
    book = load_workbook(write_workbook(week, tmp_path, max_rows=50))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
        assert sheet["A1"].font.bold
    notes = book["notes"]
    texts = [row[3] for row in notes.iter_rows(min_row=2, values_only=True)]
    assert "only the first rows; the whole table is sessions.parquet" in texts


def test_the_report_tables_hold_the_kpis_computed_from_scratch(week) -> None:
    from sim import reports

    tables = reports.report_tables(week)
    pd.testing.assert_frame_equal(tables["Headline KPIs"], reports.kpis(week))
