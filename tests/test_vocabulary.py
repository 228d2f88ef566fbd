"""docs/vocabulary.md names every column of the result tables and of the license reports."""

import re
from pathlib import Path

import pytest

from sim import load_scenario, reports, simulate

ROOT = Path(__file__).resolve().parent.parent
RUN_COLUMNS = {"scenario", "variant", "replication"}


def documented() -> dict[str, set[str]]:
    """Per section of the page (the table's name), the column names in its first column."""
    out: dict[str, set[str]] = {}
    section = ""
    for line in (ROOT / "docs/vocabulary.md").read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].split()[0]
            out[section] = set()
        elif line.startswith("| `") and section:
            out[section] |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return out


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return simulate(load_scenario(ROOT / "scenarios/capacity-runs-out.yaml"))


def test_every_result_table_column_is_on_the_page(result) -> None:  # type: ignore[no-untyped-def]
    page = documented()
    for name, table in result.tables().items():
        assert set(table.columns) - RUN_COLUMNS <= page[name], name


def test_every_license_report_column_is_on_the_page(result) -> None:  # type: ignore[no-untyped-def]
    page = documented()
    assert set(reports.seats(result).columns) <= page["seats"]
    assert set(reports.capacity_months(result).columns) <= page["capacity_months"]


def test_the_page_names_no_column_that_does_not_exist(result) -> None:  # type: ignore[no-untyped-def]
    page = documented()
    tables = {name: set(t.columns) for name, t in result.tables().items()}
    tables["seats"] = set(reports.seats(result).columns)
    tables["capacity_months"] = set(reports.capacity_months(result).columns)
    for name, columns in page.items():
        assert columns <= tables[name], name
