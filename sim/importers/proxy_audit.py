"""Reader for the Qlik Sense Proxy Service audit log: which proxy session ran where.

The proxy (QPS) logs a proxy session's start and stop in its audit activity log,
``<MachineName>_AuditActivity_Proxy.txt`` (older versions: ``<Machine>_Audit_Proxy.txt``),
a record whose description reads ``Command=Start session;Result=<code>;ResultText=...``
("Stop session", Qlik Sense troubleshooting,
https://help.qlik.com/en-US/sense-admin/November2022/Subsystems/DeployAdministerQSE/Content/Sense_DeployAdminister/QSEoW/Administer_QSEoW/Troubleshooting_QSEoW/ServerLogTroubleshoot-Proxy-Stop-Session.htm).
Besides the common fields (``Timestamp``, ``Hostname``, ``ProxySessionId``) the QPS writes
``ActiveUserDirectory``, ``ActiveUserId``, ``TargetHost`` (the engine node it forwarded to)
and ``VirtualProxy`` (the prefix) ("Audit log" additional fields,
https://help.qlik.com/en-US/sense-admin/August2023/Subsystems/DeployAdministerQSE/Content/Sense_DeployAdminister/QSEoW/Deploy_QSEoW/Server-Logging-Tracing-Log-File-Format-Additional-Fields-Audit-Log.htm).

The reader keeps only start and stop session records, as a side table with one row per
proxy session; the import then gives each engine session with the same ``ProxySessionId``
its virtual proxy, and its server where the engine log did not name one. Other audit
records (tickets, app opens) are counted as "other proxy records", not as rejects.
"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sim.importers.errors import Rejects
from sim.importers.qlik_time import parse_timestamps
from sim.importers.tabular import read_header, resolve_columns, stream_blocks

__all__ = ["NAME_PATTERN", "read_proxy_audit"]

NAME_PATTERN = re.compile(
    r"^.+?_Audit(?:Activity)?_Proxy(?:_\d{4}-\d{2}-\d{2}T[\d.]+Z?)?\.(?:txt|log)$", re.I
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "timestamp": ("Timestamp",),
    "command": ("Command",),
    "description": ("Description", "Message"),
    "session_id": ("ProxySessionId",),
    "directory": ("ActiveUserDirectory", "UserDirectory"),
    "user": ("ActiveUserId", "UserId"),
    "proxy_node": ("Hostname", "HostName"),
    "target_host": ("TargetHost",),
    "virtual_proxy": ("VirtualProxy",),
}
REQUIRED: list[str | tuple[str, ...]] = ["timestamp", ("command", "description"), "session_id"]
_START = re.compile(r"start\s*session", re.I)
_STOP = re.compile(r"stop\s*session", re.I)


def read_proxy_audit(path: Path, tz: ZoneInfo, rejects: Rejects) -> tuple[pd.DataFrame, int]:
    """Start/stop session records of one proxy audit log, and the count of other records."""
    header = read_header(path, "\t")
    cols = resolve_columns(path, header, COLUMNS, REQUIRED)
    parts = []
    other = 0
    for block in stream_blocks(path, delimiter="\t", columns=cols, header=header, rejects=rejects):
        f = block.frame
        what = f["command"] if "command" in f else f["description"]
        is_start = what.str.contains(_START, na=False).to_numpy()
        is_stop = what.str.contains(_STOP, na=False).to_numpy()
        keep = is_start | is_stop
        other += int((~keep).sum())
        at = parse_timestamps(f["timestamp"], tz)
        bad = keep & at.isna().to_numpy()
        if bad.any():
            rejects.add(
                "unparseable timestamp",
                path,
                block.lines[bad],
                column="Timestamp",
                values=f["timestamp"][bad].head(3).tolist(),
            )
            keep &= ~bad

        def text(c: str, f: pd.DataFrame = f) -> pd.Series:
            return f[c].str.strip() if c in f else pd.Series("", index=f.index, dtype="string")

        part = pd.DataFrame(
            {
                "session_id": text("session_id"),
                "event": np.where(is_start, "start", "stop"),
                "at": at,
                "directory": text("directory"),
                "user": text("user"),
                "proxy_node": text("proxy_node"),
                "target_host": text("target_host"),
                "virtual_proxy": text("virtual_proxy"),
                "source_file": str(path),
                "source_line": block.lines,
            }
        )[keep]
        parts.append(part)
    events = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return events, other


def proxy_sessions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per proxy session from start/stop records: first start, last stop, where."""
    cols = [
        "session_id",
        "directory",
        "user",
        "proxy_node",
        "target_host",
        "virtual_proxy",
        "started",
        "stopped",
    ]
    if events.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    ev = events[events["session_id"] != ""].sort_values("at", kind="stable")
    starts = (
        ev[ev["event"] == "start"]
        .groupby("session_id", sort=True)
        .agg(
            directory=("directory", "first"),
            user=("user", "first"),
            proxy_node=("proxy_node", "first"),
            target_host=("target_host", "first"),
            virtual_proxy=("virtual_proxy", "first"),
            started=("at", "min"),
        )
    )
    stops = ev[ev["event"] == "stop"].groupby("session_id", sort=True).agg(stopped=("at", "max"))
    out = starts.join(stops, how="outer").reset_index()
    for c in ("directory", "user", "proxy_node", "target_host", "virtual_proxy"):
        out[c] = out[c].astype("string").fillna("")
    return out[cols]
