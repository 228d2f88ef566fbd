"""Small traces for the replay tests, built as ``licsim import`` writes them."""

from pathlib import Path

import pandas as pd

from sim.importers.trace import finish_trace, session_rows

# (directory, user, server, app title, local start, seconds, selections, exit reason)
Row = tuple[str, str, str, str, str, float, int | None, str]

WEEK: list[Row] = [
    ("CORP", "alice", "QS1", "Sales", "2026-03-02 09:00", 3600, 12, "Session timeout"),
    ("CORP", "bob", "QS1", "Sales", "2026-03-02 09:10", 1200, 3, "Logged out"),
    ("CORP", "carol", "QS2", "HR", "2026-03-02 10:00", 600, None, "Socket closed by client"),
    ("PARTNER", "dave", "QS2", "HR", "2026-03-03 11:00", 7200, 40, "Session timeout"),
    ("corp", "Alice", "QS2", "HR", "2026-03-03 14:00", 900, 2, "Logged out"),
]


def write_trace(folder: Path, rows: list[Row], tz: str = "Europe/Berlin") -> Path:
    frame = pd.DataFrame(
        rows,
        columns=["directory", "user", "server", "app_title", "start", "seconds", "sel", "exit"],
    )
    start = pd.to_datetime(frame["start"]).dt.tz_localize(tz)
    trace = session_rows(
        start,
        frame["seconds"].astype(float),
        directory=frame["directory"],
        user=frame["user"],
        server=frame["server"],
        app_id=frame["app_title"].str.lower(),
        app_title=frame["app_title"],
        selections=frame["sel"],
        exit_reason=frame["exit"],
        source="csv",
        source_file="week.csv",
        source_line=list(range(2, 2 + len(frame))),
    )
    path = folder / "trace.parquet"
    finish_trace([trace], tz).to_parquet(path, index=False)
    return path
