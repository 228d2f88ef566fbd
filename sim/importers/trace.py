"""licsim's trace: one row per observed session, whatever file it came from.

Every reader turns its source into these columns, so everything after the readers
(the summary, ``scenario.yaml``, a later replay) sees one table:

=============  ==========================  ===================================================
column         type                        meaning
=============  ==========================  ===================================================
directory      text (may be empty)         user directory (``ActiveUserDirectory``), e.g. CORP
user           text                        user id within the directory (``ActiveUserId``)
server         text                        the engine node the session ran on (``Hostname``)
app_id         text (may be empty)         the app's GUID (``AppId``)
app_title      text (may be empty)         the app's name (``App Title``)
start          timestamp, time zone aware  session start (``Session Start``)
end            timestamp, time zone aware  start + duration
duration_s     float, seconds ≥ 0          ``Session Duration``
selections     whole number or missing     ``Selections`` made in the session
exit_reason    text (may be empty)         why the session ended (``Exit Reason``)
session_id     text (may be empty)         the proxy session (``ProxySessionId``)
virtual_proxy  text (may be empty)         from the proxy audit log, where it names the session
device         text (may be empty)         client machine or device, where the source has one
source         text                        the reader: ``engine_session`` or ``csv``
source_file    text                        the file the row was read from
source_line    whole number                its line in that file (1 = header)
=============  ==========================  ===================================================

Timestamps are stored as UTC instants converted to the site's time zone (``--timezone``),
so a Parquet reader sees both the instant and the zone.
"""

from __future__ import annotations

import pandas as pd

from sim.scenario.replay import REPLAY_COLUMNS

__all__ = ["TEXT_COLUMNS", "TRACE_COLUMNS", "empty_trace", "finish_trace", "session_rows"]

TEXT_COLUMNS = (
    "directory",
    "user",
    "server",
    "app_id",
    "app_title",
    "exit_reason",
    "session_id",
    "virtual_proxy",
    "device",
    "source",
    "source_file",
)
TRACE_COLUMNS = (
    # the columns a replay reads first (sim.scenario.replay), then the reader's provenance
    *REPLAY_COLUMNS,
    "session_id",
    "virtual_proxy",
    "device",
    "source",
    "source_file",
    "source_line",
)


def session_rows(start: pd.Series, duration_s: pd.Series, **columns: object) -> pd.DataFrame:
    """A reader's sessions as trace rows: ``end`` is start plus duration, and a text column
    the source has nothing for is empty. Columns beyond the trace's (a reader's own keys for
    removing duplicates) follow them."""
    rows: dict[str, object] = {
        "start": start,
        "end": start + pd.to_timedelta(duration_s, unit="s"),
        "duration_s": duration_s,
    }
    data = {c: rows[c] if c in rows else columns.pop(c, "") for c in TRACE_COLUMNS}
    return pd.DataFrame({**data, **columns})


def empty_trace() -> pd.DataFrame:
    """A trace with no rows and the right column types."""
    frame = pd.DataFrame({c: pd.Series(dtype="string[pyarrow]") for c in TEXT_COLUMNS})
    frame["start"] = pd.Series(dtype="datetime64[us, UTC]")
    frame["end"] = pd.Series(dtype="datetime64[us, UTC]")
    frame["duration_s"] = pd.Series(dtype="float64")
    frame["selections"] = pd.Series(dtype="Int64")
    frame["source_line"] = pd.Series(dtype="int64")
    return frame[list(TRACE_COLUMNS)]


def finish_trace(parts: list[pd.DataFrame], tz: str) -> pd.DataFrame:
    """Concatenate reader outputs, fix the types, sort by start, and show times in ``tz``."""
    frames = [p for p in parts if len(p)]
    trace = pd.concat([empty_trace(), *frames], ignore_index=True) if frames else empty_trace()
    for c in TEXT_COLUMNS:
        trace[c] = trace[c].astype("string[pyarrow]").fillna("")
    trace["selections"] = trace["selections"].astype("Int64")
    trace["source_line"] = trace["source_line"].astype("int64")
    trace["duration_s"] = trace["duration_s"].astype("float64")
    trace = trace.sort_values(
        ["start", "directory", "user", "source_file", "source_line"], kind="stable"
    ).reset_index(drop=True)
    for c in ("start", "end"):
        trace[c] = trace[c].astype("datetime64[us, UTC]").dt.tz_convert(tz)
    return trace[list(TRACE_COLUMNS)]
