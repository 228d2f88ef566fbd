"""Quarantine and idle reclaim follow a seat's last use (licensing-rules §3, §5).

A removed seat is quarantined exactly when its holder's last granted session on it started
within the quarantine period before the removal, and until that period after that start;
the idle reclaim never takes back a seat used within its idle period. The last use is read
from the sessions, the quarantine from the details of the pool events, so a last use the
engine kept wrong shows as a quarantine that does not match the sessions.
"""

from __future__ import annotations

import re

import pandas as pd

from sim.check.pools import PER_SITE, SEAT_ACCESS, seat_license_by_server
from sim.check.violation import Violation, violation_of
from sim.result import Result

QUARANTINE_DETAIL = re.compile(r"^(\w+) until (\S+) \(last used (\S+)\)$")
"""``quarantine`` event detail: the seat type, its end and its last use (seconds since the
run's start, to the millisecond)."""


DETAIL_TOLERANCE = pd.Timedelta(seconds=1)
"""How far a time written in a detail (an ISO timestamp to the second) may be from the
table's own."""


def _seat_uses(r: Result) -> pd.DataFrame:
    """Every granted session on a seat held by name, keyed by its pool (license and site;
    the site is empty on a shared pool), user and seat type."""
    s, sc = r.sessions, r.scenario
    s = s[s["access"].isin(SEAT_ACCESS)]
    license_of = seat_license_by_server(sc)
    per_site = {lic.id for lic in sc.licenses if lic.activation in PER_SITE}
    server = s["server"].astype("object")
    lic = server.map(license_of)
    return pd.DataFrame(
        {
            "license": lic,
            "site": server.where(lic.isin(per_site), ""),
            "user": s["user"].astype("object"),
            "type": s["access"].astype("object"),
            "start": s["start"],
        }
    )


def _pool_events(r: Result, kind: str) -> pd.DataFrame:
    """Pool events of one kind keyed like :func:`_seat_uses` (a pool event names its site
    as its server; the seat type is the first word of its detail)."""
    e = r.events
    e = e[(e["kind"] == kind) & e["user"].notna()]
    detail = e["detail"].astype("object").fillna("")
    return pd.DataFrame(
        {
            "time": e["time"],
            "license": e["license"].astype("object"),
            "site": e["server"].astype("object").fillna(""),
            "user": e["user"].astype("object"),
            "type": detail.str.split().str[0],
            "detail": detail,
        }
    )


def _last_use_before(at: pd.DataFrame, uses: pd.DataFrame) -> pd.Series:
    """For each row of ``at``, the start of the latest seat use on its pool, user and seat
    type before its ``time`` (NaT if none). Admin work at an instant comes before the
    sessions starting then."""
    key = ["license", "site", "user", "type"]
    pairs = at[[*key, "time"]].reset_index(names="row").merge(uses, on=key)
    pairs = pairs[pairs["start"] < pairs["time"]]
    return pairs.groupby("row")["start"].max().reindex(at.index)


def last_use_vs_sessions(r: Result) -> Violation | None:
    """A removed seat is quarantined exactly when its holder's last granted session on it
    started within the quarantine period before the removal, and until that period after
    that start (a seat not used within it, or never, is released at once); and the idle
    reclaim never releases a seat whose holder had a session on it within ``idle``."""
    sc = r.scenario
    removed = _pool_events(r, "deallocate")
    quarantines = _pool_events(r, "quarantine")
    if removed.empty and quarantines.empty:
        return None
    period = pd.Timedelta(seconds=sc.rules.quarantine)
    quarantining = {
        lic.id for lic in sc.licenses if lic.activation == "lef" or sc.rules.quarantine_on_slk
    }
    last = _last_use_before(removed, _seat_uses(r))
    # A remix takes the user passes away with the tokens: nothing is left to quarantine.
    remix = removed["detail"].str.endswith("(remix)")
    # A user access pass is quarantined whatever the key (licensing-rules §5); seats follow
    # the license's activation (§3).
    quarantined = (
        (removed["license"].isin(quarantining) | (removed["type"] == "user_pass"))
        & ~remix
        & last.notna()
        & (removed["time"] - last < period)
    )
    removed = removed.assign(
        last_use=last,
        expected_until=(last + period).where(quarantined),
        quarantined=quarantined,
    )
    parsed = quarantines["detail"].str.extract(QUARANTINE_DETAIL)
    until = pd.to_datetime(parsed[1], utc=True, errors="coerce", format="ISO8601")
    used = pd.to_datetime(parsed[2], utc=True, errors="coerce", format="ISO8601")
    quarantines = quarantines.assign(
        recorded_until=until, recorded_last_use=used, malformed=until.isna() | used.isna()
    )
    key = ["time", "license", "site", "user", "type"]
    both = removed.merge(
        quarantines[[*key, "recorded_until", "recorded_last_use", "malformed"]],
        on=key,
        how="outer",
        indicator=True,
    )
    recorded = both["_merge"] != "left_only"
    orphan = both["_merge"] == "right_only"
    expected = both["quarantined"].astype("boolean").fillna(False).astype(bool)
    off = ((both["recorded_until"] - both["expected_until"]).abs() > DETAIL_TOLERANCE) | (
        (both["recorded_last_use"] - both["last_use"]).abs() > DETAIL_TOLERANCE
    )
    bad = orphan | (expected != recorded) | (expected & recorded & (off | both["malformed"]))
    reclaim_idle = {lic.id: lic.reclaim.idle for lic in sc.licenses if lic.reclaim is not None}
    reclaimed = both["detail"].fillna("").str.contains("(reclaim:", regex=False)
    idle = pd.to_timedelta(both["license"].map(reclaim_idle), unit="s")
    used_recently = reclaimed & (both["time"] - both["last_use"] < idle)
    bad |= used_recently
    cols = ["time", "license", "site", "user", "type", "detail", "last_use", "expected_until"]
    cols += ["recorded_until"]
    return violation_of(
        "last_use_vs_sessions",
        bad,
        both[cols],
        "seat removals whose quarantine (or its absence, or its end) does not follow the "
        "holder's last session on the seat, or idle reclaims of a seat used within the idle "
        "period",
    )
