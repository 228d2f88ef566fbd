"""Reader for license denials in the Qlik Sense Repository security audit log.

When the repository refuses a user an access type it writes, to
``C:\\ProgramData\\Qlik\\Sense\\Log\\Repository\\Audit\\<Machine>_AuditSecurity_Repository.txt``,
a record such as::

    Access was denied for User: 'Domain\\USER', with AccessID '264ff070-…', SessionID:
    'e3cd957b-…', SessionCount: '5', Hostname: '::1', OperationType: 'UsageDenied'

("How to count sessions in Qlik Sense", Qlik Support,
https://community.qlik.com/t5/Official-Support-Articles/How-to-count-sessions-in-Qlik-Sense/ta-p/1714209;
the project's rules digest §4.2). Only records with ``OperationType: 'UsageDenied'`` are
kept, as *observed denials*: time (the row's ``Timestamp``), user directory and id, the
session count, and a licsim denial reason — ``parallel_limit`` when the session count had
reached the limit of 5 parallel sessions, ``no_seat`` otherwise (no access type could be
allocated: "no access pass").

The file is read line by line (a cheap substring test first), so a large security log
costs time, not memory. A denial line whose timestamp or user cannot be read is a rejected
row.
"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from sim.importers.errors import Rejects, SourceError
from sim.importers.qlik_time import parse_timestamps
from sim.importers.tabular import header_key, read_header
from sim.rules.reasons import DenialReason

__all__ = ["NAME_PATTERN", "PARALLEL_LIMIT", "read_denials"]

NAME_PATTERN = re.compile(
    r"^.+?_(?:AuditSecurity|Audit_?Security|Security|Audit)_Repository(?:_\d{4}-\d{2}-\d{2}T[\d.]+Z?)?\.(?:txt|log)$",
    re.I,
)
#: parallel sessions per user allowed by Professional/Analyzer/user passes (§4.2)
PARALLEL_LIMIT = 5
_MARK = b"UsageDenied"
_USER = re.compile(r"User:\s*'(?P<dir>[^'\\]*)\\(?P<user>[^']*)'|User:\s*'(?P<bare>[^']*)'")
_FIELD = {
    "access_id": re.compile(r"AccessID:?\s*'([^']*)'"),
    "session_id": re.compile(r"SessionID:?\s*'([^']*)'"),
    "session_count": re.compile(r"SessionCount:?\s*'(\d+)'"),
    "hostname": re.compile(r"Hostname:?\s*'([^']*)'"),
}
DENIAL_COLUMNS = [
    "at",
    "directory",
    "user",
    "reason",
    "session_count",
    "session_id",
    "access_id",
    "hostname",
    "message",
    "source_file",
    "source_line",
]


def empty_denials() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in DENIAL_COLUMNS})
    frame["at"] = pd.Series(dtype="datetime64[us, UTC]")
    frame["session_count"] = pd.Series(dtype="Int64")
    frame["source_line"] = pd.Series(dtype="int64")
    return frame


def read_denials(path: Path, tz: ZoneInfo, rejects: Rejects) -> pd.DataFrame:
    """The ``UsageDenied`` records of one repository security log."""
    header = read_header(path, "\t")
    keys = [header_key(h) for h in header]
    if "timestamp" not in keys:
        raise SourceError(path, "missing column 'Timestamp'", line=1, column="Timestamp")
    ts_col = keys.index("timestamp")
    rows: list[dict[str, object]] = []
    with open(path, "rb") as fh:
        fh.readline()
        for no, raw in enumerate(fh, start=2):
            if _MARK not in raw:
                continue
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise SourceError(
                    path, "bytes that are not UTF-8: the file mixes encodings", line=no
                ) from None
            fields = line.split("\t")
            m = _USER.search(line)
            if m is None or ts_col >= len(fields):
                rejects.add("denial record without a user", path, no)
                continue
            rec: dict[str, object] = {
                "timestamp": fields[ts_col],
                "directory": m.group("dir") or "",
                "user": m.group("user") if m.group("user") is not None else m.group("bare"),
                "message": line if len(line) < 500 else line[:500],
                "source_file": str(path),
                "source_line": no,
            }
            for k, rx in _FIELD.items():
                mm = rx.search(line)
                rec[k] = mm.group(1) if mm else ""
            rows.append(rec)
    if not rows:
        return empty_denials()
    frame = pd.DataFrame(rows)
    at = parse_timestamps(frame["timestamp"], tz)
    bad = at.isna().to_numpy()
    if bad.any():
        rejects.add(
            "unparseable timestamp",
            path,
            frame["source_line"][bad].to_numpy(),
            column="Timestamp",
            values=frame["timestamp"][bad].head(3).tolist(),
        )
    frame["at"] = at
    count = pd.to_numeric(frame["session_count"].replace("", None), errors="coerce").astype("Int64")
    frame["session_count"] = count
    frame["reason"] = [
        str(DenialReason.PARALLEL_LIMIT)
        if (c is not pd.NA and c >= PARALLEL_LIMIT)
        else str(DenialReason.NO_SEAT)
        for c in count
    ]
    return frame.loc[~bad, DENIAL_COLUMNS].reset_index(drop=True)
