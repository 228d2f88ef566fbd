"""Proxy audit log: start/stop session records into proxy sessions."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from sim.importers.errors import Rejects
from sim.importers.proxy_audit import proxy_sessions, read_proxy_audit

PATH = (
    Path(__file__).parent
    / "fixtures"
    / "site"
    / "good"
    / "logs"
    / "QS1"
    / "QS1_AuditActivity_Proxy.txt"
)


def test_start_and_stop_records_make_proxy_sessions() -> None:
    events, other = read_proxy_audit(PATH, ZoneInfo("UTC"), Rejects())
    assert other == 1  # the Get ticket record
    assert events["event"].tolist() == ["start", "stop", "start"]
    got = proxy_sessions(events).set_index("session_id")
    assert got.loc["p1", "started"] == pd.Timestamp("2026-01-05 08:10", tz="UTC")
    assert got.loc["p1", "stopped"] == pd.Timestamp("2026-01-05 08:35:12", tz="UTC")
    assert got.loc["p3", "virtual_proxy"] == "ext"
    assert pd.isna(got.loc["p3", "stopped"])
