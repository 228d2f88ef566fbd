"""Reader for the Qlik Sense Engine session log (``<Machine>_Session_Engine.txt``).

The Qlik Sense Engine Service writes one record per **ended** user session — session
start, duration, selections, user directory and id, app — to its session trace log, by
default ``C:\\ProgramData\\Qlik\\Sense\\Log\\Engine\\Trace\\<Machine Name>_Session_Engine.txt``;
the record is written only once the session has ended (inactivity timeout, log out in the
hub, browser window or tab closed), so the log cannot show sessions still running
("User Session Log in Qlik Sense Enterprise on Windows", https://support.qlik.com/articles/000028166).
When a log rolls over it is renamed ``<MachineName>_<LogType>_<Service>_<YYYY-MM-DDTHH.mm.ss>Z.log``
and moved to the archived-logs share ("Naming", Qlik Sense log file format,
https://help.qlik.com/en-US/sense-admin/November2019/Subsystems/DeployAdministerQSE/Content/Sense_DeployAdminister/QSEoW/Deploy_QSEoW/Server-Logging-New-Log-File-Format-Naming.htm);
both names are read alike.

The file is tab-separated with a header row. Columns are matched by name (see
:mod:`sim.importers.tabular`); the ones used, with the spellings accepted:

* user: ``ActiveUserId`` (else ``UserId``; else the part after ``\\`` of
  ``Authenticated User``) and ``ActiveUserDirectory`` (else ``UserDirectory``) — the user
  fields of the Qlik Sense log format ("Audit log" additional fields,
  https://help.qlik.com/en-US/sense-admin/August2023/Subsystems/DeployAdministerQSE/Content/Sense_DeployAdminister/QSEoW/Deploy_QSEoW/Server-Logging-Tracing-Log-File-Format-Additional-Fields-Audit-Log.htm);
* ``Session Start`` (required): a Qlik timestamp with its UTC offset
  (:mod:`sim.importers.qlik_time`);
* ``Session Duration``; where a version lacks it, the row's ``Timestamp`` (the moment the
  ended session was logged) is taken as the end;
* ``Hostname`` (else the machine name of the file name) as the server;
* ``AppId``, ``App Title`` (``AppTitle``), ``Selections``, ``Exit Reason``,
  ``ProxySessionId``, ``Client Machine``; ``Id`` (the log entry's unique id) removes a
  row read twice from two copies of the same file.

Rows of the ``INTERNAL`` user directory (``sa_scheduler``, ``sa_repository``: reloads and
service calls) are not user sessions and are rejected under their own reason.
"""

from __future__ import annotations

import re
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

__all__ = ["COLUMNS", "NAME_PATTERN", "machine_from_name", "read_engine_sessions"]

NAME_PATTERN = re.compile(
    r"^(?P<machine>.+?)_Session_Engine(?:_\d{4}-\d{2}-\d{2}T[\d.]+Z?)?\.(?:txt|log)$", re.I
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "user": ("ActiveUserId", "UserId"),
    "authenticated_user": ("Authenticated User", "AuthenticatedUser"),
    "directory": ("ActiveUserDirectory", "UserDirectory"),
    "start": ("Session Start", "SessionStart"),
    "duration": ("Session Duration", "SessionDuration"),
    "timestamp": ("Timestamp",),
    "server": ("Hostname", "HostName", "Machine Name"),
    "app_id": ("AppId", "App Id"),
    "app_title": ("App Title", "AppTitle"),
    "selections": ("Selections",),
    "exit_reason": ("Exit Reason", "ExitReason"),
    "session_id": ("ProxySessionId",),
    "device": ("Client Machine", "ClientMachine"),
    "entry_id": ("Id",),
}
REQUIRED: list[str | tuple[str, ...]] = [
    ("user", "authenticated_user"),
    "start",
    ("duration", "timestamp"),
]
INTERNAL_DIRECTORY = "INTERNAL"


def machine_from_name(path: Path) -> str:
    """The ``<Machine>`` part of a Qlik log file name (or the stem if it has none)."""
    m = NAME_PATTERN.match(path.name)
    return m.group("machine") if m else path.stem


def read_engine_sessions(path: Path, tz: ZoneInfo, rejects: Rejects) -> pd.DataFrame:
    """Read one Engine session log into trace rows (plus an ``entry_id`` column)."""
    header = read_header(path, "\t")
    cols = resolve_columns(path, header, COLUMNS, REQUIRED)
    names = {c: COLUMNS[c][0] for c in COLUMNS}
    parts = []
    for block in stream_blocks(path, delimiter="\t", columns=cols, header=header, rejects=rejects):
        f = block.frame
        lines = block.lines
        accepted = Accepted(rejects, path, lines)
        reject = accepted.reject

        def text(c: str, f: pd.DataFrame = f) -> pd.Series:
            return f[c].str.strip() if c in f else pd.Series("", index=f.index, dtype="string")

        user = text("user")
        directory = text("directory")
        if "user" not in f or "directory" not in f:
            auth = text("authenticated_user").str.split("\\", n=1, expand=True)
            if auth.shape[1] == 2:
                user = user.where(user != "", auth[1].fillna(""))
                directory = directory.where(directory != "", auth[0].where(auth[1].notna(), ""))
            else:
                user = user.where(user != "", auth[0])

        reject((user == "").to_numpy(), "no user id", names["user"])
        reject(
            (directory.str.upper() == INTERNAL_DIRECTORY).to_numpy(),
            "internal service account (user directory INTERNAL)",
            expected=True,
        )
        start = parse_timestamps(f["start"], tz)
        reject(start.isna().to_numpy(), "unparseable timestamp", names["start"], f["start"])
        if "duration" in f:
            dur = parse_durations(f["duration"])
            reject(dur.isna().to_numpy(), "unparseable duration", names["duration"], f["duration"])
        else:
            logged = parse_timestamps(f["timestamp"], tz)
            reject(
                logged.isna().to_numpy(),
                "unparseable timestamp",
                names["timestamp"],
                f["timestamp"],
            )
            dur = (logged - start).dt.total_seconds()
        reject(
            (dur < 0).to_numpy(),
            "negative session duration",
            names["duration"],
            f.get("duration"),
        )
        if "selections" in f:
            sel_txt = text("selections")
            selections, bad = whole_counts(sel_txt)
            reject(bad.to_numpy(), "unparseable number", names["selections"], sel_txt)
        else:
            selections = pd.Series(pd.NA, index=f.index, dtype="Int64")
        server = text("server")
        server = server.where(server != "", machine_from_name(path))
        out = session_rows(
            start,
            dur,
            directory=directory,
            user=user,
            server=server,
            app_id=text("app_id"),
            app_title=text("app_title"),
            selections=selections,
            exit_reason=text("exit_reason"),
            session_id=text("session_id"),
            device=text("device"),
            source="engine_session",
            source_file=str(path),
            source_line=lines,
            entry_id=text("entry_id"),
        )
        parts.append(out[accepted.ok])
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)
