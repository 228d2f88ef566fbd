"""The Engine session log reader on hand-written files in the documented format."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from sim.importers.engine_session import machine_from_name, read_engine_sessions
from sim.importers.errors import Rejects, SourceError

SITE = Path(__file__).parent / "fixtures" / "site"
LIVE = SITE / "good" / "logs" / "QS1" / "QS1_Session_Engine.txt"
ARCHIVED = (
    SITE / "good" / "logs" / "ArchivedLogs" / "QS2" / "QS2_Session_Engine_2026-01-04T23.00.00Z.log"
)
UTC = ZoneInfo("UTC")


def test_rows_become_sessions_with_start_end_and_selections() -> None:
    rej = Rejects()
    got = read_engine_sessions(LIVE, UTC, rej)
    # 4 rows: alice, bob, the INTERNAL scheduler (left out by design), ext01
    assert got["user"].tolist() == ["alice", "bob", "ext01"]
    assert got["directory"].tolist() == ["CORP", "CORP", "PARTNER"]
    assert got["source_line"].tolist() == [2, 3, 5]
    assert got["duration_s"].tolist() == [1512.0, 3600.0, 2700.0]
    assert got["selections"].tolist() == [14, 40, 7]
    # 09:10 +01:00 = 08:10 UTC; + 25 min 12 s
    assert got["start"].iloc[0] == pd.Timestamp("2026-01-05 08:10", tz="UTC")
    assert got["end"].iloc[0] == pd.Timestamp("2026-01-05 08:35:12", tz="UTC")
    assert got["app_title"].tolist() == ["Sales", "Sales", "Finance"]
    assert got["server"].tolist() == ["QS1"] * 3
    assert rej.counts() == {"internal service account (user directory INTERNAL)": 1}
    assert rej.errors == 0


def test_archived_name_and_duration_in_seconds() -> None:
    assert machine_from_name(ARCHIVED) == "QS2"
    got = read_engine_sessions(ARCHIVED, UTC, Rejects())
    assert got["duration_s"].tolist() == [1800.0]
    assert got["end"].iloc[0] == pd.Timestamp("2026-01-04 11:00", tz="UTC")


def test_missing_column_names_file_line_and_column() -> None:
    path = SITE / "bad" / "missing_column" / "QS1_Session_Engine.txt"
    with pytest.raises(SourceError) as err:
        read_engine_sessions(path, UTC, Rejects())
    assert err.value.line == 1 and err.value.column == "Session Start"
    assert str(err.value).startswith(f"{path}:1: column 'Session Start': missing column")


def test_bad_timestamp_is_a_rejected_row_with_its_place() -> None:
    path = SITE / "bad" / "bad_timestamp" / "QS1_Session_Engine.txt"
    rej = Rejects()
    got = read_engine_sessions(path, UTC, rej)
    assert got["user"].tolist() == ["alice"]
    assert rej.counts() == {"unparseable timestamp": 1}
    assert rej.reasons["unparseable timestamp"].examples == [
        f"{path}:3 column 'Session Start' value '2026-13-45T25:61'"
    ]


def test_truncated_last_line() -> None:
    path = SITE / "bad" / "truncated" / "QS1_Session_Engine.txt"
    rej = Rejects()
    got = read_engine_sessions(path, UTC, rej)
    assert len(got) == 2
    assert rej.counts() == {"truncated last line (file cut while being written)": 1}
    assert rej.reasons["truncated last line (file cut while being written)"].examples == [
        f"{path}:4"
    ]


def test_mixed_encoding_names_line_and_column() -> None:
    path = SITE / "bad" / "mixed_encoding" / "QS1_Session_Engine.txt"
    with pytest.raises(SourceError) as err:
        read_engine_sessions(path, UTC, Rejects())
    assert (err.value.line, err.value.column) == (3, "ActiveUserId")


def test_header_spellings_are_matched_by_name(tmp_path: Path) -> None:
    # another version's spelling and column order: SessionStart, AppTitle, no Hostname
    p = tmp_path / "NODE7_Session_Engine.txt"
    p.write_text(
        "ActiveUserId\tSessionStart\tActiveUserDirectory\tSession%20Duration\tAppTitle\n"
        "zoe\t2026-02-02T10:00:00+01:00\tCORP\t600\tHR\n"
    )
    got = read_engine_sessions(p, UTC, Rejects())
    assert got[["user", "directory", "server", "app_title", "duration_s"]].iloc[0].tolist() == [
        "zoe",
        "CORP",
        "NODE7",
        "HR",
        600.0,
    ]
