"""Qlik timestamps and durations: hand-worked instants and seconds."""

from zoneinfo import ZoneInfo

import pandas as pd

from sim.importers.qlik_time import parse_durations, parse_timestamps

BERLIN = ZoneInfo("Europe/Berlin")


def test_compact_qlik_timestamp_keeps_its_offset_whatever_the_site_zone() -> None:
    # the help page's own example: 20110805T145657.000+0200 is 12:56:57 UTC
    for tz in (BERLIN, ZoneInfo("UTC"), ZoneInfo("America/New_York")):
        got = parse_timestamps(pd.Series(["20110805T145657.000+0200", "20110805T145657+02:00"]), tz)
        assert list(got) == [pd.Timestamp("2011-08-05 12:56:57", tz="UTC")] * 2


def test_extended_iso_and_z() -> None:
    got = parse_timestamps(
        pd.Series(["2011-08-05T14:56:57.250+02:00", "2011-08-05T14:56:57Z"]), BERLIN
    )
    assert list(got) == [
        pd.Timestamp("2011-08-05 12:56:57.250", tz="UTC"),
        pd.Timestamp("2011-08-05 14:56:57", tz="UTC"),
    ]


def test_values_without_offset_are_local_time_in_the_site_zone() -> None:
    # 1 July: Berlin is UTC+2; 5 January: UTC+1
    got = parse_timestamps(pd.Series(["2026-07-01T09:00", "20260105T093000.000"]), BERLIN)
    assert list(got) == [
        pd.Timestamp("2026-07-01 07:00", tz="UTC"),
        pd.Timestamp("2026-01-05 08:30", tz="UTC"),
    ]


def test_dst_gap_and_overlap_rules() -> None:
    # 2026-03-29 02:30 does not exist in Berlin: moved forward to 03:00 CEST = 01:00 UTC;
    # 2026-10-25 02:30 happens twice: the first (CEST, UTC+2) is taken = 00:30 UTC
    got = parse_timestamps(pd.Series(["2026-03-29 02:30", "2026-10-25T02:30:00"]), BERLIN)
    assert list(got) == [
        pd.Timestamp("2026-03-29 01:00", tz="UTC"),
        pd.Timestamp("2026-10-25 00:30", tz="UTC"),
    ]


def test_unparseable_timestamps_are_nat() -> None:
    got = parse_timestamps(pd.Series(["2026-13-45T25:61", "", "yesterday"]), BERLIN)
    assert got.isna().all()


def test_durations() -> None:
    got = parse_durations(
        pd.Series(["00:25:12.000", "1 02:00:00", "1.02:00:00", "1800", "12.5", "x", ""])
    )
    assert got.tolist()[:5] == [1512.0, 93600.0, 93600.0, 1800.0, 12.5]
    assert got.iloc[5:].isna().all()
