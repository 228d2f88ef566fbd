"""Pseudonyms for a trace that is to be shared: ``licsim import --anonymise``.

A site that sends its trace to a partner should not send who its users are. With
``--anonymise`` every user id in every table an import writes (the trace, observed
denials, proxy sessions and the QRS seat lists) is replaced by a keyed hash of the user:
HMAC-SHA256 under a salt, of the case-folded ``directory\\user`` (Qlik user ids are not
case-sensitive), shortened to 16 hex digits and prefixed ``u-``. The same person gets
the same pseudonym in every source of one import, so replays, seat holders and denials
still line up; without the salt nobody can tell who it is, and no table keeps the
original (the denials' raw log line is dropped, client machines and addresses are
hashed the same way).

The salt is random unless ``--salt`` gives one; it is never written. Giving the same
salt to two imports (the same site a month later) gives the same pseudonyms in both.
User directories are kept, since reports split by them; app names are kept.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from sim.importers.site_import import ImportResult

__all__ = ["anonymise", "pseudonym"]


def pseudonym(salt: bytes, directory: str, user: str) -> str:
    """The pseudonym of ``directory\\user`` under ``salt``."""
    name = f"{directory}\\{user}".casefold().encode()
    return "u-" + hmac.new(salt, name, hashlib.sha256).hexdigest()[:16]


def _hashed(salt: bytes, kind: str) -> Callable[[str], str]:
    def one(value: str) -> str:
        return "" if not value else pseudonym(salt, kind, value)

    return one


def _users(frame: pd.DataFrame, salt: bytes) -> pd.DataFrame:
    if frame.empty or "user" not in frame:
        return frame
    out = frame.copy()
    pairs = out[["directory", "user"]].astype(str).drop_duplicates()
    names = {(d, u): pseudonym(salt, d, u) for d, u in pairs.itertuples(index=False, name=None)}
    keys = list(zip(out["directory"].astype(str), out["user"].astype(str), strict=True))
    out["user"] = pd.array([names[k] for k in keys], dtype=out["user"].dtype)
    return out


def _column(frame: pd.DataFrame, column: str, salt: bytes, kind: str) -> None:
    if column in frame and len(frame):
        frame[column] = (
            frame[column].astype(str).map(_hashed(salt, kind)).astype(frame[column].dtype)
        )


def _state(state: dict[str, Any] | None, salt: bytes) -> dict[str, Any] | None:
    if state is None:
        return None
    seats = {
        kind: [
            {
                **seat,
                "user": pseudonym(salt, str(seat.get("directory", "")), str(seat.get("user", ""))),
                "name": "",
            }
            for seat in listed
        ]
        for kind, listed in (state.get("seats") or {}).items()
    }
    return {**state, "seats": seats}


def anonymise(result: ImportResult, salt: bytes) -> ImportResult:
    """``result`` with every user replaced by its pseudonym (see the module docstring)."""
    trace = _users(result.trace, salt)
    _column(trace, "device", salt, "device")
    denials = _users(result.denials, salt)
    if len(denials):
        denials["message"] = ""  # the raw log line names the user
        _column(denials, "hostname", salt, "host")
    return replace(
        result,
        trace=trace,
        denials=denials,
        proxy=_users(result.proxy, salt),
        state=_state(result.state, salt),
    )
