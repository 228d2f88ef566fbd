"""Reader for a plain CSV of sessions, for any source that is not a Qlik Sense log.

QlikView's session logs, a monitoring tool's export or a spreadsheet can all be brought
to this shape: one row per session, a header row, comma-separated (``;`` and tab are
recognised from the header too), values quoted where they contain the delimiter.

=============  =========  ==================================================================
column         needed     accepted headers (case, spaces and ``_`` ignored)
=============  =========  ==================================================================
user           yes        ``user``, ``user_id``, ``userid``, ``ActiveUserId``
start          yes        ``start``, ``session_start``, ``Session Start``
end            one of     ``end``, ``session_end``, ``stop``
duration       the two    ``duration`` / ``duration_s`` / ``Session Duration``: seconds or hh:mm:ss
server         no         ``server``, ``host``, ``hostname``
app            no         ``app``, ``app_title``, ``document`` (QlikView)
app_id         no         ``app_id``
directory      no         ``directory``, ``user_directory``, ``domain``
device         no         ``device``, ``client``, ``client_machine``
selections     no         ``selections``, ``clicks``
exit_reason    no         ``exit_reason``
=============  =========  ==================================================================

A ``user`` written ``DOMAIN\\name`` without a ``directory`` column is split at the
backslash. Timestamps are ISO 8601; without an offset they are wall-clock time in
``--timezone`` (:mod:`sim.importers.qlik_time`). With both ``end`` and ``duration``,
``end`` wins.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from sim.importers.errors import Rejects
from sim.importers.qlik_time import parse_durations, parse_timestamps
from sim.importers.tabular import (
    Accepted,
    read_header,
    resolve_columns,
    stream_blocks,
    whole_counts,
)
from sim.importers.trace import session_rows

__all__ = ["COLUMNS", "read_plain_csv", "sniff_delimiter"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "user": ("user", "user_id", "userid", "ActiveUserId"),
    "start": ("start", "session_start", "start_time"),
    "end": ("end", "session_end", "stop", "end_time"),
    "duration": ("duration", "duration_s", "session_duration", "seconds"),
    "server": ("server", "host", "hostname"),
    "app_title": ("app", "app_title", "document", "app_name"),
    "app_id": ("app_id",),
    "directory": ("directory", "user_directory", "domain", "ActiveUserDirectory"),
    "device": ("device", "client", "client_machine"),
    "selections": ("selections", "clicks"),
    "exit_reason": ("exit_reason",),
}
REQUIRED: list[str | tuple[str, ...]] = ["user", "start", ("end", "duration")]


def sniff_delimiter(path: Path) -> str:
    """``,`` unless the header row clearly uses ``;`` or a tab."""
    with open(path, "rb") as fh:
        first = fh.readline().decode("utf-8", errors="replace")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def read_plain_csv(path: Path, tz: ZoneInfo, rejects: Rejects) -> pd.DataFrame:
    """Read one plain session CSV into trace rows."""
    delim = sniff_delimiter(path)
    header = [h.strip().strip('"') for h in read_header(path, delim)]
    cols = resolve_columns(path, header, COLUMNS, REQUIRED)
    names = {c: header[i] for c, i in cols.items()}
    parts = []
    for block in stream_blocks(
        path, delimiter=delim, columns=cols, header=header, rejects=rejects, quoted=True
    ):
        f = block.frame
        lines = block.lines
        accepted = Accepted(rejects, path, lines)
        reject = accepted.reject

        def text(c: str, f: pd.DataFrame = f) -> pd.Series:
            return f[c].str.strip() if c in f else pd.Series("", index=f.index, dtype="string")

        user = text("user")
        directory = text("directory")
        if "directory" not in f:
            split = user.str.split("\\", n=1, expand=True)
            if split.shape[1] == 2:
                has = split[1].notna()
                directory = split[0].where(has, "")
                user = split[1].where(has, user)
        reject((user == "").to_numpy(), "no user id", names["user"])
        start = parse_timestamps(f["start"], tz)
        reject(start.isna().to_numpy(), "unparseable timestamp", names["start"], f["start"])
        if "end" in f:
            end = parse_timestamps(f["end"], tz)
            reject(end.isna().to_numpy(), "unparseable timestamp", names["end"], f["end"])
            dur = (end - start).dt.total_seconds()
            reject((dur < 0).to_numpy(), "session ends before it starts", names["end"], f["end"])
        else:
            dur = parse_durations(f["duration"])
            reject(dur.isna().to_numpy(), "unparseable duration", names["duration"], f["duration"])
            reject(
                (dur < 0).to_numpy(), "negative session duration", names["duration"], f["duration"]
            )
        if "selections" in f:
            sel_txt = text("selections")
            selections, bad = whole_counts(sel_txt)
            reject(bad.to_numpy(), "unparseable number", names["selections"], sel_txt)
        else:
            selections = pd.Series(pd.NA, index=f.index, dtype="Int64")
        out = session_rows(
            start,
            dur,
            directory=directory,
            user=user,
            server=text("server"),
            app_id=text("app_id"),
            app_title=text("app_title"),
            selections=selections,
            exit_reason=text("exit_reason"),
            device=text("device"),
            source="csv",
            source_file=str(path),
            source_line=lines,
        )
        parts.append(out[accepted.ok])
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)
