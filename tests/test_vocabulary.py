"""docs/vocabulary.md names every column of the result tables and of the license reports,
and every code's displayed name exactly as :mod:`sim.reports.labels` shows it."""

import re
from pathlib import Path

import pytest

from sim import load_scenario, reports, simulate
from sim.reports import labels
from sim.rules.connectivity import LicenseState
from sim.rules.reasons import DenialReason, LaunchOutcome
from sim.scenario.users import ACCESS_TYPES

ROOT = Path(__file__).resolve().parent.parent
RUN_COLUMNS = {"scenario", "variant", "replication"}
DISPLAYED = "Displayed"
"""The section of the page that lists codes and their displayed names, not columns."""


def documented() -> dict[str, set[str]]:
    """Per section of the page (the table's name), the column names in its first column."""
    out: dict[str, set[str]] = {}
    section = ""
    for line in (ROOT / "docs/vocabulary.md").read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].split()[0]
            out[section] = set()
        elif line.startswith("| `") and section and section != DISPLAYED:
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
    assert set(reports.token_overview(result).columns) <= page["tokens"]


def test_the_page_names_no_column_that_does_not_exist(result) -> None:  # type: ignore[no-untyped-def]
    page = documented()
    tables = {name: set(t.columns) for name, t in result.tables().items()}
    tables["seats"] = set(reports.seats(result).columns)
    tables["capacity_months"] = set(reports.capacity_months(result).columns)
    tables["tokens"] = set(reports.token_overview(result).columns)
    for name, columns in page.items():
        if name == DISPLAYED:
            continue
        assert columns <= tables[name], name


def displayed() -> dict[str, dict[str, str]]:
    """Per sub-section of the page's displayed names: code → shown as."""
    out: dict[str, dict[str, str]] = {}
    inside, sub = False, ""
    for line in (ROOT / "docs/vocabulary.md").read_text().splitlines():
        if line.startswith("## "):
            inside = line[3:].split()[0] == DISPLAYED
        elif inside and line.startswith("### "):
            sub = line[4:].strip()
            out[sub] = {}
        elif inside and sub and (row := re.fullmatch(r"\| `([a-z_]+)` \| (.+) \|", line)):
            out[sub][row[1]] = row[2]
    return out


def test_every_code_has_a_displayed_name() -> None:
    assert set(labels.ACCESS_NAMES) == set(ACCESS_TYPES)
    assert set(labels.REASON_PHRASES) == set(DenialReason)
    assert set(labels.OUTCOME_PHRASES) == set(LaunchOutcome)
    assert set(labels.STATE_NAMES) == set(LicenseState)
    for names in (labels.ACCESS_NAMES, labels.REASON_PHRASES, labels.OUTCOME_PHRASES):
        # A reader tells two codes apart only if their names differ.
        assert len(set(names.values())) == len(names)


def test_the_page_shows_the_names_the_module_shows() -> None:
    def plain(names: dict) -> dict[str, str]:  # type: ignore[type-arg]
        return {str(k): v for k, v in names.items()}

    assert displayed() == {
        "Access types": plain(labels.ACCESS_NAMES),
        "Denial reasons": plain(labels.REASON_PHRASES),
        "Launch outcomes": plain(labels.OUTCOME_PHRASES),
        "License states": plain(labels.STATE_NAMES),
    }
