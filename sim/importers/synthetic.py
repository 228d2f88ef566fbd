"""A generator of realistic Qlik Sense site data, for tests and examples.

No real site data can be shipped, so this module writes what a Qlik Sense Enterprise on
Windows site would hand over — in the real file formats and folder layout — from a small
model of its own: several engine nodes, archived and live logs, two user directories,
a public holiday, a month-end peak, heavy-tailed session lengths, a few malformed lines,
internal service-account sessions, parallel-session denials, and QRS JSON exports
consistent with the sessions.

It deliberately does **not** use licsim's behaviour model (``sim.model``): a later
calibration test fits licsim's model to these files, and that test would prove nothing if
the files had been drawn from the same model. The generator's own model:

* users are heavy (developers, Professional), regular or occasional (Analyzer); each has
  a probability of being active on a working day (0.85, 0.45, 0.07), raised ×1.8 on the
  last two working days of each calendar month (weekdays that are not holidays: month-end
  reporting, wherever the period stops) and zero on the holiday;
  heavy users sometimes work on a Saturday;
* an active day has 1 + Poisson(λ) sessions (λ 1.6, 0.5, 0.2), the first starting at a
  user-specific habit time (normal around 08:45 local, sd 50 min) plus noise, the next ones
  spread over the working day;
* a session lasts lognormal(median 14 min, σ 1.0) minutes, with probability 0.06 a Pareto
  tail instead (x_m 45 min, α 1.6), capped at 10 h; selections are Poisson with a
  per-user rate per minute;
* each session runs on an engine node chosen by weight; the proxy on the central node logs
  its start and stop for the last ``proxy_audit_days`` days (older proxy logs "already
  cleaned up").

All randomness comes from one ``numpy`` generator seeded by ``seed``: the same arguments
write byte-identical files. :func:`generate_site` returns the ground truth (sessions,
distinct users, session hours, rejects by kind, denials, seats) that an import must find.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

__all__ = ["ENGINE_HEADER", "SiteTruth", "generate_site", "german_holidays"]

#: Engine session log columns written (tab-separated), in the Qlik Sense log format
ENGINE_HEADER = [
    "Sequence#",
    "ProductVersion",
    "Timestamp",
    "Severity",
    "Hostname",
    "Id",
    "Description",
    "ProxySessionId",
    "ProxyPackageId",
    "RequestSequenceId",
    "ActiveUserDirectory",
    "ActiveUserId",
    "ProcessId",
    "EngineTimestamp",
    "Session Start",
    "Session Duration",
    "CPU Spent (s)",
    "Bytes Received",
    "Bytes Sent",
    "Calls",
    "Selections",
    "AppId",
    "App Title",
    "Exit Reason",
    "Client Machine",
]
PROXY_HEADER = [
    "Sequence#",
    "ProductVersion",
    "Timestamp",
    "Hostname",
    "Id",
    "Description",
    "ProxySessionId",
    "ProxyPackageId",
    "RequestSequenceId",
    "ActiveUserDirectory",
    "ActiveUserId",
    "TargetHost",
    "VirtualProxy",
    "IpAddress",
    "Command",
    "Result",
]
SECURITY_HEADER = [
    "Sequence#",
    "ProductVersion",
    "Timestamp",
    "Hostname",
    "Id",
    "Description",
    "ProxySessionId",
    "ProxyPackageId",
    "RequestSequenceId",
    "UserDirectory",
    "UserId",
    "Message",
]
VERSION = "14.113.1"
APPS = [
    ("Sales Overview", 5),
    ("Finance Month-End", 3),
    ("HR Headcount", 1),
    ("Supply Chain", 2),
    ("Customer 360", 2),
    ("Executive KPIs", 1),
]
EXIT_REASONS = [("Socket closed by client", 0.55), ("Session timeout", 0.3), ("Logged out", 0.15)]


@dataclass
class _Session:
    """One generated session (the generator's own record, not licsim's)."""

    user: int  # index into the users, -1 for the internal scheduler account
    start: datetime
    duration: float  # seconds
    selections: int
    node: str
    app: str
    exit: str
    sid: str
    id: str
    device: str

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration)


@dataclass
class SiteTruth:
    """What the generated files contain, for tests to compare an import against."""

    sessions: int = 0
    users: int = 0
    session_hours: float = 0.0
    users_by_directory: dict[str, int] = field(default_factory=dict)
    sessions_by_server: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    denials: dict[str, int] = field(default_factory=dict)
    seats: dict[str, int] = field(default_factory=dict)
    seat_totals: dict[str, int] = field(default_factory=dict)
    first_start: str = ""
    last_end: str = ""
    engine_files: int = 0


def _stamp(t: datetime) -> str:
    """Qlik's compact timestamp with offset: 20260105T093512.123+0100."""
    return t.strftime("%Y%m%dT%H%M%S.") + f"{t.microsecond // 1000:03d}" + t.strftime("%z")


def _duration(seconds: float) -> str:
    ms = round(seconds * 1000)
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return (f"{d} " if d else "") + f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def german_holidays(years: range) -> tuple[date, ...]:
    """Germany's nationwide public holidays in ``years``: a site calendar for long sites.

    New Year, Good Friday, Easter Monday, Labour Day (May 1), Ascension, Whit Monday,
    German Unity Day (Oct 3), Christmas Day and Boxing Day.
    """
    out: list[date] = []
    for y in years:
        easter = _easter(y)
        movable = [easter + timedelta(days=n) for n in (-2, 1, 39, 50)]
        fixed = [date(y, 1, 1), date(y, 5, 1), date(y, 10, 3), date(y, 12, 25), date(y, 12, 26)]
        out += sorted(fixed + movable)
    return tuple(out)


def _month_end_days(days: list[date], holidays: set[date]) -> set[date]:
    """The days of ``days`` that are among the last two working days of their calendar month.

    Working days are the weekdays that are not holidays, counted over the whole calendar
    month, not only the part of it inside ``days``: a period that stops early in a month
    has no month end in that month (a real site's logs end on any day, its month-end
    reporting does not move with them).
    """
    out: set[date] = set()
    for year, month in sorted({(d.year, d.month) for d in days}):
        last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        working = [
            d
            for d in (date(year, month, i) for i in range(1, last.day + 1))
            if d.weekday() < 5 and d not in holidays
        ]
        out.update(working[-2:])
    return out & set(days)


def generate_site(
    out: Path,
    *,
    seed: int = 1,
    users: int = 150,
    start: date = date(2026, 1, 5),
    days: int = 91,
    timezone: str = "Europe/Berlin",
    nodes: tuple[str, ...] = ("QSCENTRAL", "QSRIM1", "QSRIM2"),
    node_weights: tuple[float, ...] = (0.2, 0.4, 0.4),
    holidays: tuple[date, ...] = (date(2026, 4, 3),),
    rotate_days: int = 7,
    proxy_audit_days: int = 31,
    malformed: bool = True,
) -> SiteTruth:
    """Write a site's logs under ``out/logs``, QRS exports under ``out/qrs``; return the truth."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(timezone)
    truth = SiteTruth()
    n_heavy = max(1, users // 10)
    n_occ = max(1, users // 4)
    n_reg = users - n_heavy - n_occ
    kinds = ["heavy"] * n_heavy + ["regular"] * n_reg + ["occasional"] * n_occ
    n_partner = max(1, users // 5)
    directory = ["CORP"] * (users - n_partner) + ["PARTNER"] * n_partner
    rng.shuffle(directory)
    ids = [f"{'u' if d == 'CORP' else 'ext'}{i + 1:04d}" for i, d in enumerate(directory)]
    p_active = {"heavy": 0.85, "regular": 0.45, "occasional": 0.07}
    lam = {"heavy": 1.6, "regular": 0.5, "occasional": 0.2}
    habit = rng.normal(8.75 * 3600, 50 * 60, users).clip(6 * 3600, 12 * 3600)
    sel_rate = rng.lognormal(np.log(1.2), 0.5, users)
    app_names = [a for a, _ in APPS]
    app_w = np.array([w for _, w in APPS], float)
    app_w /= app_w.sum()
    app_ids = {a: _uuid(rng) for a in app_names}
    exit_txt = [e for e, _ in EXIT_REASONS]
    exit_w = np.array([w for _, w in EXIT_REASONS])
    period = [start + timedelta(days=i) for i in range(days)]
    holiday = set(holidays)
    month_end = _month_end_days(period, holiday)

    sessions: list[_Session] = []
    for d in period:
        wd = d.weekday()
        if d in holiday:
            continue
        midnight = datetime(d.year, d.month, d.day, tzinfo=tz)
        for u in range(users):
            k = kinds[u]
            if wd >= 5:
                p = 0.06 if (k == "heavy" and wd == 5) else 0.0
            else:
                p = min(0.98, p_active[k] * (1.8 if d in month_end else 1.0))
            if rng.random() >= p:
                continue
            n = 1 + rng.poisson(lam[k])
            t0 = habit[u] + rng.normal(0, 20 * 60)
            for j in range(n):
                begin = t0 if j == 0 else t0 + rng.uniform(0.5, 8.5) * 3600
                if rng.random() < 0.06:
                    minutes = 45.0 * (1 - rng.random()) ** (-1 / 1.6)
                else:
                    minutes = rng.lognormal(np.log(14.0), 1.0)
                minutes = float(min(minutes, 600.0))
                st = midnight + timedelta(seconds=float(begin))
                st = st.astimezone(tz)  # normalise the offset across a DST change
                sessions.append(
                    _Session(
                        user=u,
                        start=st,
                        duration=minutes * 60.0,
                        selections=int(rng.poisson(minutes * sel_rate[u])),
                        node=nodes[
                            int(
                                rng.choice(len(nodes), p=np.array(node_weights) / sum(node_weights))
                            )
                        ],
                        app=app_names[int(rng.choice(len(app_names), p=app_w))],
                        exit=exit_txt[int(rng.choice(len(exit_txt), p=exit_w))],
                        sid=_uuid(rng),
                        id=_uuid(rng),
                        device=f"PC{u + 1:04d}",
                    )
                )
    # internal service-account sessions: the scheduler reloading apps at 02:00 each night
    internal: list[_Session] = []
    for d in period:
        midnight = datetime(d.year, d.month, d.day, 2, 0, tzinfo=tz)
        internal.append(
            _Session(
                user=-1,
                start=midnight,
                duration=float(rng.uniform(60, 600)),
                selections=0,
                node=nodes[0],
                app=app_names[1],
                exit="Socket closed by client",
                sid="0",
                id=_uuid(rng),
                device="",
            )
        )
    end_of_period = datetime(
        period[-1].year, period[-1].month, period[-1].day, tzinfo=tz
    ) + timedelta(days=1)
    export_at = end_of_period
    # sessions still running at the export are not logged yet (a record is written at the end)
    sessions = [s for s in sessions if s.start + timedelta(seconds=s.duration) < export_at]

    logs = out / "logs"
    qrs = out / "qrs"
    rejected: dict[str, int] = {}

    def engine_row(seq: int, s: _Session) -> list[str]:
        st: datetime = s.start
        end = st + timedelta(seconds=float(s.duration))
        u = int(s.user)
        udir, uid = ("INTERNAL", "sa_scheduler") if u < 0 else (directory[u], ids[u])
        calls = int(s.selections) * 3 + 5
        return [
            str(seq),
            VERSION,
            _stamp(end),
            "INFO",
            str(s.node),
            str(s.id),
            "Session ended",
            str(s.sid),
            "0",
            "0",
            udir,
            uid,
            "4812",
            _stamp(end),
            _stamp(st),
            _duration(float(s.duration)),
            f"{calls * 0.011:.3f}",
            str(calls * 900),
            str(calls * 5200),
            str(calls),
            str(s.selections),
            app_ids[str(s.app)],
            str(s.app),
            str(s.exit),
            str(s.device),
        ]

    all_rows = sessions + internal
    files_written = 0
    for node in nodes:
        mine = sorted(
            (s for s in all_rows if s.node == node),
            key=lambda s: s.start + timedelta(seconds=s.duration),
        )
        # rotate: one archived file per `rotate_days`, the rest in the live .txt
        cut = datetime(start.year, start.month, start.day, tzinfo=tz)
        chunks: list[tuple[datetime, list[_Session]]] = []
        bucket: list[_Session] = []
        boundary = cut + timedelta(days=rotate_days)
        for s in mine:
            e = s.start + timedelta(seconds=s.duration)
            while e >= boundary and boundary < export_at:
                chunks.append((boundary, bucket))
                bucket = []
                boundary += timedelta(days=rotate_days)
            bucket.append(s)
        live = bucket
        seq = 0
        for closed, rows in chunks:
            closed_utc = closed.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H.%M.%S")
            name = f"{node}_Session_Engine_{closed_utc}Z.log"
            path = logs / "ArchivedLogs" / node / "Engine" / "Trace" / name
            lines = []
            for s in rows:
                seq += 1
                lines.append("\t".join(engine_row(seq, s)))
            if (
                malformed
                and node == nodes[1]
                and closed == chunks[len(chunks) // 2][0]
                and len(lines) > 4
            ):
                # a row whose fields were cut by a copy tool, and one with a garbled start time
                lines[1] = "\t".join(lines[1].split("\t")[:9])
                rejected["wrong number of fields (header has 25)"] = (
                    rejected.get("wrong number of fields (header has 25)", 0) + 1
                )
                f = lines[3].split("\t")
                f[14] = "2026-13-45T25:61"
                lines[3] = "\t".join(f)
                rejected["unparseable timestamp"] = rejected.get("unparseable timestamp", 0) + 1
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "\t".join(ENGINE_HEADER) + "\n" + "".join(ln + "\n" for ln in lines),
                encoding="utf-8",
            )
            files_written += 1
        path = logs / node / "Engine" / "Trace" / f"{node}_Session_Engine.txt"
        lines = []
        for s in live:
            seq += 1
            lines.append("\t".join(engine_row(seq, s)))
        tail = ""
        if malformed and node == nodes[0] and lines:
            # the live file was copied while the engine was writing its last record
            tail = lines[-1][: len(lines[-1]) // 2]
            lines = lines[:-1]
            rejected["truncated last line (file cut while being written)"] = 1
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "\t".join(ENGINE_HEADER) + "\n" + "".join(ln + "\n" for ln in lines) + tail,
            encoding="utf-8",
        )
        files_written += 1

    # which sessions an import must find: all user sessions minus the rows damaged above
    damaged = _damaged_ids(logs)
    good = [s for s in sessions if s.id not in damaged]
    rejected["internal service account (user directory INTERNAL)"] = sum(
        1 for s in internal if s.id not in damaged
    )

    # proxy audit: start and stop session records on the central node, last N days only
    audit_from = export_at - timedelta(days=proxy_audit_days)
    prows = []
    seq = 0
    events = []
    for s in sessions:
        st = s.start
        if st < audit_from:
            continue
        end = st + timedelta(seconds=float(s.duration))
        events.append((st, "Start session", s))
        events.append((end, "Stop session", s))
    events.sort(key=lambda e: (e[0], e[1]))
    for at, cmd, s in events:
        seq += 1
        u = int(s.user)
        vp = "ext" if directory[u] == "PARTNER" else ""
        prows.append(
            "\t".join(
                [
                    str(seq),
                    VERSION,
                    _stamp(at),
                    nodes[0],
                    _uuid(rng),
                    f"Command={cmd};Result=0;ResultText=Success",
                    str(s.sid),
                    "0",
                    "0",
                    directory[u],
                    ids[u],
                    str(s.node),
                    vp,
                    f"10.1.{u // 250}.{u % 250 + 1}",
                    cmd,
                    "0",
                ]
            )
        )
        if seq % 40 == 0:  # other audit records are interleaved (a ticket, an app open)
            seq += 1
            prows.append(
                "\t".join(
                    [
                        str(seq),
                        VERSION,
                        _stamp(at),
                        nodes[0],
                        _uuid(rng),
                        "Command=Get ticket;Result=0;ResultText=Success",
                        "0",
                        "0",
                        "0",
                        directory[u],
                        ids[u],
                        "",
                        "",
                        "",
                        "Get ticket",
                        "0",
                    ]
                )
            )
    ppath = logs / nodes[0] / "Proxy" / "Audit" / f"{nodes[0]}_AuditActivity_Proxy.txt"
    ppath.parent.mkdir(parents=True, exist_ok=True)
    ppath.write_text(
        "\t".join(PROXY_HEADER) + "\n" + "".join(r + "\n" for r in prows), encoding="utf-8"
    )

    # repository security log: two users who open too many tabs hit the parallel limit
    srows = []
    heavy_users = [u for u in range(users) if kinds[u] == "heavy"][:2]
    n_den = 0
    seq = 0
    for u in heavy_users:
        mine = [s for s in good if s.user == u]
        for s in mine[:: max(1, len(mine) // 4)][:4]:
            at = s.start + timedelta(minutes=3)
            seq += 1
            n_den += 1
            msg = (
                f"Access was denied for User: '{directory[u]}\\{ids[u]}', "
                f"with AccessID '{_uuid(rng)}', "
                f"SessionID: '{s.sid}', SessionCount: '5', Hostname: '::1', "
                "OperationType: 'UsageDenied'"
            )
            srows.append(
                "\t".join(
                    [
                        str(seq),
                        VERSION,
                        _stamp(at),
                        nodes[0],
                        _uuid(rng),
                        "Access denied",
                        str(s.sid),
                        "0",
                        "0",
                        directory[u],
                        ids[u],
                        msg,
                    ]
                )
            )
    spath = logs / nodes[0] / "Repository" / "Audit" / f"{nodes[0]}_AuditSecurity_Repository.txt"
    spath.parent.mkdir(parents=True, exist_ok=True)
    spath.write_text(
        "\t".join(SECURITY_HEADER)
        + "\n"
        + "".join(r + "\n" for r in sorted(srows, key=lambda r: r.split("\t")[2])),
        encoding="utf-8",
    )

    # QRS exports at the end of the period: every heavy user holds Professional, the others Analyzer
    last_used: dict[int, datetime] = {}
    for s in good:
        u = int(s.user)
        st = s.start
        if u not in last_used or st > last_used[u]:
            last_used[u] = st

    def seat(
        u: int | None, quarantined: bool = False, who: tuple[str, str] | None = None
    ) -> dict[str, object]:
        if who is not None:
            udir, uid = who
        else:
            assert u is not None
            udir, uid = directory[u], ids[u]
        lu = last_used.get(u) if u is not None else export_at - timedelta(days=3)
        return {
            "id": _uuid(rng),
            "createdDate": "2025-06-01T08:00:00.000Z",
            "modifiedDate": "2025-06-01T08:00:00.000Z",
            "modifiedByUserName": "INTERNAL\\sa_repository",
            "user": {
                "id": _uuid(rng),
                "userId": uid,
                "userDirectory": udir,
                "name": uid,
                "privileges": None,
            },
            "lastUsed": (
                lu.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                if lu
                else "1753-01-01T00:00:00.000Z"
            ),
            "excess": False,
            "quarantined": quarantined,
            "quarantineEnd": (
                (export_at + timedelta(days=4))
                .astimezone(ZoneInfo("UTC"))
                .strftime("%Y-%m-%dT%H:%M:%S.000Z")
                if quarantined
                else "1753-01-01T00:00:00.000Z"
            ),
            "deletedUserId": "",
            "deletedUserDirectory": "",
            "privileges": None,
            "schemaPath": "License.ProfessionalAccessType",
        }

    pro = [seat(u) for u in range(users) if kinds[u] == "heavy"]
    ana = [seat(u) for u in range(users) if kinds[u] != "heavy"]
    for entry in ana:
        entry["schemaPath"] = "License.AnalyzerAccessType"
    # two people who left recently: their Analyzer seats are in quarantine
    for who in (("CORP", "left0001"), ("CORP", "left0002")):
        q = seat(None, quarantined=True, who=who)
        q["schemaPath"] = "License.AnalyzerAccessType"
        ana.append(q)
    pro_total = len(pro) + 5
    ana_total = len(ana) + 10
    overview = {
        "totalTokens": 0,
        "availableTokens": 0,
        "tokensEnabled": False,
        "userAccess": {
            "enabled": False,
            "tokenCost": 1.0,
            "allocatedTokens": 0,
            "usedTokens": 0,
            "quarantinedTokens": 0,
            "schemaPath": "AccessTypeOverview.UserAccessDetails",
        },
        "loginAccess": {
            "enabled": False,
            "tokenCost": 0.1,
            "allocatedTokens": 0,
            "usedTokens": 0,
            "unavailableTokens": 0,
            "schemaPath": "AccessTypeOverview.LoginAccessDetails",
        },
        "professionalAccess": {
            "enabled": True,
            "total": pro_total,
            "allocated": len(pro),
            "used": len(pro),
            "quarantined": 0,
            "available": pro_total - len(pro),
            "schemaPath": "AccessTypeOverview.Details",
        },
        "analyzerAccess": {
            "enabled": True,
            "total": ana_total,
            "allocated": len(ana) - 2,
            "used": len(ana) - 2,
            "quarantined": 2,
            "available": ana_total - len(ana),
            "schemaPath": "AccessTypeOverview.Details",
        },
        "schemaPath": "AccessTypeOverview",
    }
    qrs.mkdir(parents=True, exist_ok=True)
    (qrs / "accesstypeoverview.json").write_text(json.dumps(overview, indent=2))
    (qrs / "professionalaccesstype_full.json").write_text(json.dumps(pro, indent=2))
    (qrs / "analyzeraccesstype_full.json").write_text(json.dumps(ana, indent=2))

    seen_users = {int(s.user) for s in good}
    truth.sessions = len(good)
    truth.users = len(seen_users)
    truth.session_hours = round(sum(float(s.duration) for s in good) / 3600.0, 6)
    truth.users_by_directory = {
        d: sum(1 for u in seen_users if directory[u] == d) for d in sorted(set(directory))
    }
    truth.sessions_by_server = {n: sum(1 for s in good if s.node == n) for n in nodes}
    truth.rejected = dict(sorted(rejected.items()))
    truth.denials = {"parallel_limit": n_den}
    truth.seats = {"professional": len(pro), "analyzer": len(ana) - 2}
    truth.seat_totals = {"professional": pro_total, "analyzer": ana_total}
    truth.first_start = min(s.start for s in good).isoformat()
    truth.last_end = max(s.start + timedelta(seconds=s.duration) for s in good).isoformat()
    truth.engine_files = files_written
    return truth


def _damaged_ids(logs: Path) -> set[str]:
    """Ids of the rows this generator damaged on purpose (read back from the files it wrote)."""
    ids: set[str] = set()
    id_col = ENGINE_HEADER.index("Id")
    start_col = ENGINE_HEADER.index("Session Start")
    for path in sorted(logs.rglob("*_Session_Engine*")):
        text = path.read_text(encoding="utf-8")
        body = text.split("\n")[1:]
        ends_clean = text.endswith("\n")
        for i, line in enumerate(body):
            if not line:
                continue
            f = line.split("\t")
            last = i == len(body) - 1 and not ends_clean
            damaged = len(f) != len(ENGINE_HEADER) or f[start_col].startswith("2026-13") or last
            if damaged and len(f) > id_col:
                ids.add(f[id_col])
    return ids


def truth_json(truth: SiteTruth) -> str:
    """The truth as JSON text."""
    return json.dumps(asdict(truth), indent=2) + "\n"
