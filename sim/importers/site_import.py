"""``licsim import``: read what a site recorded and write licsim's tables and scenario.

:func:`import_site` walks the sources (:mod:`sim.importers.detect`), hands each file to
its reader, and joins the results:

* ``trace.parquet`` — the sessions (:mod:`sim.importers.trace`), engine sessions read twice
  (same log entry ``Id`` in two copies of a file) kept once and counted as rejected;
  sessions whose ``ProxySessionId`` appears in a proxy audit log get its virtual proxy;
* ``denials.parquet`` — observed ``UsageDenied`` records (:mod:`sim.importers.repository_denials`);
* ``proxy_sessions.parquet`` — proxy start/stop records, where read;
* ``license_state.json`` — QRS seat totals and allocations (:mod:`sim.importers.qrs`);
* ``scenario.yaml`` — the site as found (:mod:`sim.importers.site_scenario`), validated
  with licsim's own loader before the import reports success;
* ``calibrated.yaml`` and ``fit.html`` — the same license and servers with users simulated
  by licsim's behaviour model fitted to the trace, and the page of the fits
  (:mod:`sim.calibration`), where the trace has sessions;
* ``import.json`` — what was read: files by kind, rows used, rows rejected by reason.

Rejected rows may be at most ``max_rejected`` of all rows (default 1 %); beyond that, or
with ``strict`` and any rejected row, the import fails with the first place named.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from sim.atomic import atomic_text, atomic_write
from sim.importers.detect import SourceKind, classify, walk
from sim.importers.engine_session import read_engine_sessions
from sim.importers.errors import Rejects, SourceError
from sim.importers.limits import DEFAULT_MAX_REJECTED, MAX_TRACE_ROWS, WARN_SHARE
from sim.importers.plain_csv import read_plain_csv
from sim.importers.proxy_audit import proxy_sessions, read_proxy_audit
from sim.importers.qrs import QrsFile, license_state, sniff_qrs
from sim.importers.repository_denials import empty_denials, read_denials
from sim.importers.site_scenario import build_scenario_yaml
from sim.importers.trace import finish_trace

__all__ = ["ImportResult", "calibrated_texts", "import_site"]


@dataclass
class ImportResult:
    """What an import read and produced."""

    trace: pd.DataFrame
    denials: pd.DataFrame
    proxy: pd.DataFrame
    state: dict[str, Any] | None
    files: dict[str, list[str]]
    rejects: Rejects
    other_proxy_records: int = 0

    @property
    def rows_read(self) -> int:
        return len(self.trace) + self.rejects.total

    def summary(self) -> str:
        """The report printed by ``licsim import``."""
        t = self.trace
        out = ["files read:"]
        for kind in SourceKind:
            names = self.files.get(str(kind), [])
            if names:
                out.append(f"  {len(names):>5} {kind}")
        out.append(f"sessions: {len(t):,} used, {self.rejects.total:,} rejected")
        out += ["  " + ln for ln in self.rejects.lines()]
        if len(t):
            users = t[["directory", "user"]].drop_duplicates()
            per_dir = users["directory"].replace("", "(none)").value_counts().sort_index()
            out.append(
                f"users: {len(users):,} (" + ", ".join(f"{d} {n}" for d, n in per_dir.items()) + ")"
            )
            out.append(f"servers: {', '.join(sorted(set(t['server'])))}")
            out.append(f"period: {t['start'].min().isoformat()} → {t['end'].max().isoformat()}")
            out.append(f"session hours: {t['duration_s'].sum() / 3600:,.1f}")
        if len(self.denials):
            by = self.denials["reason"].value_counts()
            out.append("observed denials: " + ", ".join(f"{n} {r}" for r, n in by.items()))
        if self.state is not None:
            counts = self.state.get("seat_counts", {})
            out.append(
                "license state (QRS): "
                + (
                    ", ".join(
                        f"{k} {v['listed']} allocations ({v['quarantined']} quarantined)"
                        for k, v in counts.items()
                    )
                    or "totals only"
                )
            )
        if self.other_proxy_records:
            out.append(
                "proxy audit records other than start/stop session: "
                f"{self.other_proxy_records:,} (not needed)"
            )
        return "\n".join(out)


def _zone(tz: str) -> ZoneInfo:
    from sim.scenario.scenario import HOST_ZONES

    if tz in HOST_ZONES:
        raise SourceError(
            "--timezone",
            f"{tz!r} depends on the machine that reads the scenario; expected the site's "
            "IANA time zone name, such as Europe/Berlin",
        )
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceError(
            "--timezone", f"unknown time zone {tz!r}; expected an IANA name such as Europe/Berlin"
        ) from None


def import_site(
    sources: Sequence[Path],
    *,
    tz: str = "UTC",
    max_rejected: float = DEFAULT_MAX_REJECTED,
    strict: bool = False,
    echo: Callable[[str], None] = lambda _msg: None,
) -> ImportResult:
    """Read every source; raise SourceError on an unusable file or too many rejected rows."""
    zone = _zone(tz)
    for src in sources:
        if not src.exists():
            raise SourceError(src, "no such file or folder")
    rejects = Rejects()
    files: dict[str, list[str]] = {}
    sessions: list[pd.DataFrame] = []
    denials: list[pd.DataFrame] = []
    events: list[pd.DataFrame] = []
    qrs_files: list[QrsFile] = []
    other = 0
    rows = 0
    warned = False
    for path in walk(sources):
        kind = classify(path)
        if kind is SourceKind.ENGINE_SESSION:
            part = read_engine_sessions(path, zone, rejects)
            sessions.append(part)
            rows += len(part)
        elif kind is SourceKind.PLAIN_CSV:
            part = read_plain_csv(path, zone, rejects)
            sessions.append(part)
            rows += len(part)
        elif kind is SourceKind.PROXY_AUDIT:
            ev, n_other = read_proxy_audit(path, zone, rejects)
            events.append(ev)
            other += n_other
        elif kind is SourceKind.REPOSITORY_SECURITY:
            denials.append(read_denials(path, zone, rejects))
        elif kind is SourceKind.QRS_JSON:
            q = sniff_qrs(path)
            if q is None:
                kind = SourceKind.UNKNOWN
            else:
                qrs_files.append(q)
        files.setdefault(str(kind), []).append(str(path))
        if rows > MAX_TRACE_ROWS:
            raise SourceError(
                path,
                f"the trace passed {MAX_TRACE_ROWS:,} sessions, the limit of one "
                "import; import a shorter period or fewer servers",
            )
        if not warned and rows > WARN_SHARE * MAX_TRACE_ROWS:
            warned = True
            echo(
                f"warning: {rows:,} sessions read, near the limit of {MAX_TRACE_ROWS:,} per import"
            )

    raw = (
        pd.concat([s for s in sessions if len(s)], ignore_index=True)
        if any(len(s) for s in sessions)
        else pd.DataFrame()
    )
    if len(raw) and "entry_id" in raw:
        ids = raw["entry_id"].fillna("")
        dup = (ids != "") & ids.duplicated(keep="first")
        if dup.any():
            d = raw[dup]
            for f, grp in d.groupby("source_file", sort=True):
                rejects.add(
                    "duplicate log entry (same Id read from two files)",
                    f,
                    grp["source_line"].to_numpy(),
                    expected=True,
                )
            raw = raw[~dup]
        raw = raw.drop(columns=["entry_id"])
    proxy = proxy_sessions(pd.concat(events, ignore_index=True) if events else pd.DataFrame())
    if len(raw) and len(proxy):
        vp = proxy.set_index("session_id")["virtual_proxy"]
        th = proxy.set_index("session_id")["target_host"]
        sid = raw["session_id"].fillna("")
        raw["virtual_proxy"] = sid.map(vp).fillna("").astype("string")
        no_server = raw["server"].fillna("") == ""
        raw.loc[no_server, "server"] = sid[no_server].map(th).fillna("")
    trace = finish_trace([raw] if len(raw) else [], tz)
    den = (
        pd.concat([d for d in denials if len(d)], ignore_index=True)
        if any(len(d) for d in denials)
        else empty_denials()
    )
    if len(den):
        den["at"] = den["at"].dt.tz_convert(tz)
        den = den.sort_values(["at", "source_file", "source_line"], kind="stable").reset_index(
            drop=True
        )
    state = license_state(qrs_files) if qrs_files else None

    total = len(trace) + rejects.total
    if strict and rejects.errors:
        raise SourceError(
            "import", f"{rejects.errors:,} rows rejected (--strict): {rejects.first_example()}"
        )
    if total and rejects.errors / total > max_rejected:
        raise SourceError(
            "import",
            f"{rejects.errors:,} of {total:,} rows rejected ({rejects.errors / total:.1%}, "
            "more than the "
            f"{max_rejected:.1%} allowed by --max-rejected): {rejects.first_example()}",
        )
    if not len(trace) and not den.shape[0] and state is None:
        raise SourceError(
            "import",
            "no sessions, denials or license state found in the sources "
            f"({sum(len(v) for v in files.values())} files looked at)",
        )
    return ImportResult(trace, den, proxy, state, files, rejects, other)


IMPORT_OUTPUTS = (
    "trace.parquet",
    "denials.parquet",
    "proxy_sessions.parquet",
    "license_state.json",
    "scenario.yaml",
    "calibrated.yaml",
    "fit.html",
    "import.json",
)
"""Everything an import folder holds; a new import into it removes all of it first, so an
import without denials leaves no earlier import's denials behind."""


def site_scenario_text(
    result: ImportResult, out: Path, *, tz: str, name: str, sources: list[str]
) -> str:
    """The scenario of the import, validated: raise ScenarioError if licsim could not run it.

    Called before the output folder is claimed, so that a scenario licsim cannot run is an
    error of the import and the folder keeps what it held.
    """
    from sim.scenario import parse_scenario

    text = build_scenario_yaml(result.trace, result.state, name=name, tz=tz, sources=sources)
    # The scenario replays trace.parquet beside it: validate it against a copy in a folder
    # of its own, since out/ is not to be touched yet.
    with tempfile.TemporaryDirectory(prefix="licsim-import-") as scratch:
        result.trace.to_parquet(Path(scratch) / "trace.parquet", index=False)
        parse_scenario(text, str(out / "scenario.yaml"), base=scratch)
    return text


def calibrated_texts(
    result: ImportResult,
    out: Path,
    *,
    scenario_text: str,
    name: str,
    holidays: Sequence[date] = (),
) -> tuple[str, str] | None:
    """``calibrated.yaml`` and ``fit.html`` of the import, the scenario validated (raise
    ScenarioError); None when the trace has no session to fit. ``holidays`` is the site's
    calendar of public holidays (``--holiday``)."""
    from sim.calibration import calibrate
    from sim.calibration.report import fit_html
    from sim.scenario import parse_scenario

    if result.trace.empty or not (result.trace["duration_s"] > 0).any():
        return None
    cal = calibrate(result.trace, scenario_text, known_holidays=holidays)
    parse_scenario(cal.text, str(out / "calibrated.yaml"), base=str(out))
    return cal.text, fit_html(cal, f"{name}: behaviour fitted to the trace")


def write_outputs(
    result: ImportResult,
    out: Path,
    *,
    tz: str,
    scenario_text: str,
    calibrated: tuple[str, str] | None = None,
    anonymised: bool = False,
) -> list[Path]:
    """Write the import's files into ``out``, each one atomically, ``import.json`` last."""
    written: list[Path] = []

    def parquet(frame: pd.DataFrame, fname: str) -> None:
        written.append(atomic_write(out / fname, lambda f: frame.to_parquet(f, index=False)))

    parquet(result.trace, "trace.parquet")
    if len(result.denials):
        parquet(result.denials, "denials.parquet")
    if len(result.proxy):
        parquet(result.proxy, "proxy_sessions.parquet")
    if result.state is not None:
        text = json.dumps(result.state, indent=2, default=str)
        written.append(atomic_text(out / "license_state.json", text))
    written.append(atomic_text(out / "scenario.yaml", scenario_text))
    if calibrated is not None:
        written.append(atomic_text(out / "calibrated.yaml", calibrated[0]))
        written.append(atomic_text(out / "fit.html", calibrated[1]))
    report = {
        "files": result.files,
        "sessions_used": len(result.trace),
        "rows_rejected": result.rejects.counts(),
        "rejected_examples": {k: v.examples for k, v in result.rejects.reasons.items()},
        "users": int(result.trace[["directory", "user"]].drop_duplicates().shape[0]),
        "denials": len(result.denials),
        "timezone": tz,
        "anonymised": anonymised,
    }
    rtext = json.dumps(report, indent=2)
    # import.json last: a folder with it holds a finished import (it is removed first).
    written.append(atomic_text(out / "import.json", rtext))
    return written
