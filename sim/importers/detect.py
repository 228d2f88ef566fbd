"""Which reader a file needs, decided by its name and, failing that, its first line.

``licsim import`` is given files and folders; folders are walked recursively in sorted
order (so two runs read the same files in the same order). Qlik names its logs
``<Machine>_<LogType>_<Service>.txt`` and, once archived,
``<Machine>_<LogType>_<Service>_<YYYY-MM-DDTHH.mm.ss>Z.log``; the log type and service
pick the reader. A ``.txt``/``.log`` file with another name is recognised by its header
(a ``Session Start`` column means an Engine session log), a ``.json`` file by content
(:mod:`sim.importers.qrs`), a ``.csv`` file is a plain session CSV. Every other file is
listed as skipped, never silently passed over.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from sim.importers import engine_session, proxy_audit, repository_denials
from sim.importers.tabular import header_key

__all__ = ["SourceKind", "classify", "walk"]


class SourceKind(StrEnum):
    """The kinds of file licsim reads."""

    ENGINE_SESSION = "engine session log"
    PROXY_AUDIT = "proxy audit log"
    REPOSITORY_SECURITY = "repository security log"
    QRS_JSON = "QRS JSON"
    PLAIN_CSV = "plain CSV"
    UNKNOWN = "not recognised"


def walk(sources: Iterable[Path]) -> list[Path]:
    """Every file under ``sources`` (files as given, folders recursively), each once, sorted."""
    seen: dict[Path, None] = {}
    for src in sources:
        items = sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]
        for p in items:
            if p.name.startswith("."):
                continue
            seen.setdefault(p.resolve(), None)
    return list(seen)


def classify(path: Path) -> SourceKind:
    """The kind of ``path``, from its name or its first line."""
    name = path.name
    if engine_session.NAME_PATTERN.match(name):
        return SourceKind.ENGINE_SESSION
    if proxy_audit.NAME_PATTERN.match(name):
        return SourceKind.PROXY_AUDIT
    if repository_denials.NAME_PATTERN.match(name):
        return SourceKind.REPOSITORY_SECURITY
    suffix = path.suffix.lower()
    if suffix == ".json":
        return SourceKind.QRS_JSON
    if suffix == ".csv":
        return SourceKind.PLAIN_CSV
    if suffix in (".txt", ".log", ".tsv"):
        with open(path, "rb") as fh:
            first = fh.readline(65536).decode("utf-8", errors="replace")
        keys = {header_key(h) for h in first.split("\t")}
        if "sessionstart" in keys:
            return SourceKind.ENGINE_SESSION
    return SourceKind.UNKNOWN
