"""UsageDenied records of the repository security log become observed denials."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from sim.importers.errors import Rejects
from sim.importers.repository_denials import read_denials

PATH = (
    Path(__file__).parent
    / "fixtures"
    / "site"
    / "good"
    / "logs"
    / "QS1"
    / "QS1_AuditSecurity_Repository.txt"
)


def test_usage_denied_lines_only_with_reason_from_session_count() -> None:
    got = read_denials(PATH, ZoneInfo("UTC"), Rejects())
    # line 2: SessionCount '5' → the parallel limit; line 3 is no denial; line 4: count 0 → no seat
    assert got["source_line"].tolist() == [2, 4]
    assert got["reason"].tolist() == ["parallel_limit", "no_seat"]
    assert got[["directory", "user"]].values.tolist() == [["CORP", "alice"], ["PARTNER", "ext02"]]
    assert got["session_count"].tolist() == [5, 0]
    assert got["at"].iloc[0] == pd.Timestamp("2026-01-05 09:03", tz="UTC")
