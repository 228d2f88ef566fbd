"""Plain session CSV (QlikView or any other source)."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from sim.importers.errors import Rejects
from sim.importers.plain_csv import read_plain_csv

PATH = Path(__file__).parent / "fixtures" / "site" / "csv" / "qlikview_sessions.csv"


def test_rows_with_domain_user_quoted_values_and_local_times() -> None:
    got = read_plain_csv(PATH, ZoneInfo("Europe/Berlin"), Rejects())
    assert got[["directory", "user"]].values.tolist() == [["CORP", "dana"], ["CORP", "erik"]]
    assert got["app_title"].tolist() == ["Budget.qvw", "Sales, EMEA.qvw"]
    # 1 July 09:00 in Berlin is 07:00 UTC; 13:00–14:15 is 75 min
    assert got["start"].iloc[0] == pd.Timestamp("2026-07-01 07:00", tz="UTC")
    assert got["duration_s"].tolist() == [1800.0, 4500.0]
    assert got["selections"].iloc[0] == 12 and pd.isna(got["selections"].iloc[1])


def test_site_timezone_moves_wall_clock_times() -> None:
    got = read_plain_csv(PATH, ZoneInfo("UTC"), Rejects())
    assert got["start"].iloc[0] == pd.Timestamp("2026-07-01 09:00", tz="UTC")
