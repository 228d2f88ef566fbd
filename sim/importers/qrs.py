"""Reader for license state exported from the Qlik Sense Repository Service (QRS) API.

A site exports its license state with GETs on the QRS REST API and saves each answer as a
JSON file. The reader recognises a file by its content (and, for lists, by ``schemaPath``
or the file name), so the names do not matter:

* ``GET /qrs/license/accesstypeoverview`` — the totals: ``totalTokens``,
  ``availableTokens``, ``tokensEnabled``, and per access type ``professionalAccess`` /
  ``analyzerAccess`` with ``enabled``, ``total``, ``allocated``, ``used``, ``quarantined``,
  ``available``; ``userAccess`` / ``loginAccess`` with ``tokenCost``,
  ``allocatedTokens``, ``usedTokens``, ``quarantinedTokens`` / ``unavailableTokens``
  ("License: Get access type overview",
  https://help.qlik.com/en-US/sense-developer/May2025/Subsystems/RepositoryServiceAPI/Content/Sense_RepositoryServiceAPI/RepositoryServiceAPI-License-Get-Access-Type-Overview.htm).
* ``GET /qrs/license/professionalaccesstype/full``, ``.../analyzeraccesstype/full``,
  ``.../useraccesstype/full`` — one entity per allocation: ``user`` (``userDirectory``,
  ``userId``, ``name``), ``lastUsed``, ``quarantined``, ``quarantineEnd``,
  ``deletedUserDirectory`` / ``deletedUserId`` (a deleted user still in quarantine) and,
  for Professional and Analyzer, ``excess`` ("LicenseUserAccessType" and
  "LicenseAnalyzerAccessType" in the Repository Service API reference,
  https://help.qlik.com/en-US/sense-developer/APIs/RepositoryServiceAPI/index.html?page=1799 and
  https://help.qlik.com/en-US/sense-developer/May2023/APIs/RepositoryServiceAPI/index.html?page=1034).
* ``GET /qrs/license/loginaccesstype/full`` — login access groups: ``name``,
  ``assignedTokens`` (kept as given; a login pass is not held by one user).

All of it describes the site **at export time**; :func:`license_state` gathers it into
one document, written as ``license_state.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.importers.errors import SourceError
from sim.importers.limits import MAX_JSON_BYTES

__all__ = ["QrsFile", "license_state", "sniff_qrs"]

#: access type of a seat list, from ``schemaPath`` or the file name
_KINDS = {
    "professional": "professional",
    "analyzer": "analyzer",
    "useraccess": "user_pass",
    "loginaccess": "login_pass",
}


class QrsFile:
    """One parsed QRS export: its kind (``overview`` or an access type) and content."""

    def __init__(self, path: Path, kind: str, content: Any) -> None:
        self.path = path
        self.kind = kind
        self.content = content


def _load(path: Path) -> Any:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise SourceError(
            path, f"JSON file is {size:,} bytes, over the limit of {MAX_JSON_BYTES:,}"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SourceError(path, "bytes that are not UTF-8", line=line) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise SourceError(
            path, f"not valid JSON: {err.msg} (character {err.colno})", line=err.lineno
        ) from None


def _seat_kind(path: Path, items: list[Any]) -> str | None:
    for item in items[:1]:
        schema = str(item.get("schemaPath", "")).lower().replace(".", "")
        for key, kind in _KINDS.items():
            if key in schema:
                return kind
    name = path.name.lower().replace("_", "").replace("-", "")
    for key, kind in _KINDS.items():
        if key in name:
            return kind
    return None


def sniff_qrs(path: Path) -> QrsFile | None:
    """Parse ``path`` and say which QRS export it is; None if it is not one."""
    content = _load(path)
    if isinstance(content, dict) and any(
        k in content for k in ("professionalAccess", "analyzerAccess", "userAccess", "loginAccess")
    ):
        return QrsFile(path, "overview", content)
    if isinstance(content, list) and all(isinstance(x, dict) for x in content):
        if not content:
            kind = _seat_kind(path, [])
            return QrsFile(path, kind, content) if kind else None
        if all("user" in x or "deletedUserId" in x for x in content):
            kind = _seat_kind(path, content)
            if kind is None:
                raise SourceError(
                    path,
                    "a list of access allocations, but neither its schemaPath "
                    "nor its file name says which access type (professional, analyzer, "
                    "useraccess)",
                    line=1,
                )
            return QrsFile(path, kind, content)
        if all("assignedTokens" in x for x in content):
            return QrsFile(path, "login_pass", content)
    return None


def _seat(path: Path, i: int, item: dict[str, Any]) -> dict[str, Any]:
    user = item.get("user") or {}
    if not isinstance(user, dict):
        raise SourceError(path, f"entry {i}: 'user' is not an object", line=1, column="user")
    deleted = bool(item.get("deletedUserId"))
    return {
        "directory": str(user.get("userDirectory") or item.get("deletedUserDirectory") or ""),
        "user": str(user.get("userId") or item.get("deletedUserId") or ""),
        "name": str(user.get("name") or ""),
        "last_used": item.get("lastUsed"),
        "quarantined": bool(item.get("quarantined", False)),
        "quarantine_end": item.get("quarantineEnd"),
        "excess": bool(item.get("excess", False)),
        "deleted_user": deleted,
    }


def license_state(files: list[QrsFile]) -> dict[str, Any]:
    """The site's license state at export time, from every QRS file read."""
    state: dict[str, Any] = {
        "sources": [str(f.path) for f in files],
        "overview": None,
        "seats": {},
        "login_access_groups": [],
    }
    for f in files:
        if f.kind == "overview":
            c = f.content
            state["overview"] = {
                "tokens_enabled": bool(c.get("tokensEnabled", False)),
                "total_tokens": c.get("totalTokens"),
                "available_tokens": c.get("availableTokens"),
                **{
                    out: {k: v for k, v in (c.get(key) or {}).items() if k != "schemaPath"}
                    for key, out in (
                        ("professionalAccess", "professional"),
                        ("analyzerAccess", "analyzer"),
                        ("userAccess", "user_pass"),
                        ("loginAccess", "login_pass"),
                        ("analyzerTimeAccess", "capacity"),
                    )
                    if key in c
                },
            }
        elif f.kind == "login_pass" and f.content and "assignedTokens" in f.content[0]:
            state["login_access_groups"] += [
                {"name": str(x.get("name", "")), "assigned_tokens": x.get("assignedTokens")}
                for x in f.content
            ]
        else:
            seats = [_seat(f.path, i, x) for i, x in enumerate(f.content)]
            state["seats"].setdefault(f.kind, []).extend(seats)
    for kind, seats in state["seats"].items():
        state.setdefault("seat_counts", {})[kind] = {
            "listed": len(seats),
            "quarantined": sum(s["quarantined"] for s in seats),
            "excess": sum(s["excess"] for s in seats),
        }
    return state
