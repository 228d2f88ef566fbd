"""``scenario.yaml`` for the site as found: its license, its servers, its users by access type.

What the files say is used as it is; what they do not say is a stated guess:

* **License** — the seat totals of ``/qrs/license/accesstypeoverview`` (Professional and
  Analyzer ``total``; on a token site user and login passes from ``allocatedTokens`` and
  ``tokenCost``). The export does not say how the key was activated, so a user-based site is
  written ``activation: slk``, and a token site ``lef`` when one node uses it (several
  nodes of one site share its passes, which licsim models as a signed key). Without a QRS
  export the license gets one Professional seat per user seen — a placeholder, so that the
  file validates and replays without denials.
* **Servers** — one per engine node seen in the trace, all ``role: production`` (a log does
  not say whether a node serves a test site).
* **Users** — one group per access type of the QRS seat lists (``professional``,
  ``analyzer``, ``user_pass``): ``count`` is the number of allocations at export time, so it
  includes holders who were not seen in the logs. Users seen in the trace but holding no
  seat at export time form the group ``no_seat_at_export`` (access: the user-based type the
  site has, given dynamically). Without QRS, all users seen form one group ``observed``.
* **Behaviour** — until a trace can be replayed and calibrated (later steps of issue #12),
  each group gets the existing behaviour keys estimated simply from its sessions: the
  weekdays carrying at least 2 % of them, the mean and spread of each user's first start of
  the day, sessions per user per working day, mean selections as clicks, and mean duration
  divided by clicks as the click gap. These are rough estimates and the file says so.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["build_scenario_yaml", "server_id"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def server_id(host: str) -> str:
    """A scenario id for a host name (no dots: ids are sweep-path segments)."""
    sid = re.sub(r"[^A-Za-z0-9_-]", "_", host.strip()) or "server"
    return sid


def _q(text: str) -> str:
    """A YAML double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _behaviour(
    sessions: pd.DataFrame, count: int, period_days: pd.DatetimeIndex
) -> tuple[dict[str, Any], str]:
    """Rough behaviour keys for a group from its sessions, and a comment saying how."""
    if sessions.empty or count == 0:
        return {"sessions_per_day": 0}, "no sessions seen: sessions_per_day 0"
    local = sessions["start"]
    weekday = local.dt.day_of_week
    share = weekday.value_counts(normalize=True)
    days = [d for d in range(7) if share.get(d, 0.0) >= 0.02] or [int(share.idxmax())]
    working = int(np.isin(period_days.day_of_week, days).sum()) or 1
    per_day = len(sessions) / (count * working)
    first = (
        sessions.assign(
            day=local.dt.normalize(), sec=(local - local.dt.normalize()).dt.total_seconds()
        )
        .groupby(["directory", "user", "day"])["sec"]
        .min()
    )
    mean_s = float(first.mean())
    sd_s = float(first.std(ddof=0)) if len(first) > 1 else 0.0
    sel = sessions["selections"].astype("Float64")
    clicks = float(sel.mean()) if sel.notna().any() else 0.0
    mean_dur = float(sessions["duration_s"].mean())
    gap = max(1.0, mean_dur / max(clicks, 1.0))
    hh, mm = divmod(round(mean_s / 60.0) % (24 * 60), 60)
    beh = {
        "days": "[" + ", ".join(_DAYS[d] for d in days) + "]",
        "day_start": "{mean: " + _q(f"{hh:02d}:{mm:02d}") + f", sd: {max(60, round(sd_s))}s}}",
        "sessions_per_day": round(min(per_day, 100.0), 4),
        "clicks_per_session": round(min(clicks, 10_000.0), 2),
        "click_gap": f"{round(gap, 1)}s",
    }
    how = (
        f"{len(sessions):,} sessions of "
        f"{sessions[['directory', 'user']].drop_duplicates().shape[0]:,} "
        f"users over {working} working days; mean duration {mean_dur / 60:.1f} min"
    )
    return beh, how


def build_scenario_yaml(
    trace: pd.DataFrame,
    state: dict[str, Any] | None,
    *,
    name: str,
    tz: str,
    sources: list[str],
) -> str:
    """The text of ``scenario.yaml`` (see the module docstring for where each value comes from)."""
    lines: list[str] = [
        "# The site as found by `licsim import` (issue #12, step 1: no replay yet).",
        "# Read from: "
        + (", ".join(sources[:6]) + (f" and {len(sources) - 6} more" if len(sources) > 6 else "")),
        "# Values marked 'estimate' are rough, computed simply from the trace; replay and",
        "# calibration will replace them.",
        f"name: {_q(name)}",
        "seed: 0",
    ]
    if trace.empty:
        start = pd.Timestamp.now(tz=tz).normalize()
        end = start + pd.Timedelta(days=1)
    else:
        start = trace["start"].min().normalize()
        end = trace["end"].max().normalize() + pd.Timedelta(days=1)
    lines += [
        "# period: the first session's day to the day after the last session ended (trace)",
        f"start: {_q(start.strftime('%Y-%m-%dT%H:%M'))}",
        f"end: {_q(end.strftime('%Y-%m-%dT%H:%M'))}",
        f"timezone: {tz}  # from --timezone",
    ]
    overview = (state or {}).get("overview") or {}
    seats = (state or {}).get("seats") or {}
    tokens = bool(overview.get("tokens_enabled"))
    lic: list[str] = ["licenses:", "  - id: site"]
    user_based = [
        k
        for k in ("professional", "analyzer")
        if (overview.get(k) or {}).get("enabled", k in seats)
    ]
    if overview and tokens:
        up = overview.get("user_pass") or {}
        lp = overview.get("login_pass") or {}
        user_passes = round((up.get("allocatedTokens") or 0) / (up.get("tokenCost") or 1.0))
        login_passes = (
            # one login access pass costs tokenCost (0.1) tokens: 1 token buys 10 passes
            round((lp.get("allocatedTokens") or 0) / (lp.get("tokenCost") or 0.1)) if lp else 0
        )
        nodes = {h for h in trace["server"] if h} if not trace.empty else set()
        # The nodes of one Qlik Sense site share its license. licsim shares one pool across
        # servers only on a signed key (one LEF per server is a LEF per site), so a token
        # site seen on several nodes is written as a signed key, which tokens may use too.
        activation = "slk" if len(nodes) > 1 else "lef"
        lic += [
            "    # passes from accesstypeoverview allocatedTokens / tokenCost (QRS); "
            + (
                "several nodes share them: written as a signed key"
                if activation == "slk"
                else "a legacy token license: a LEF"
            ),
            f"    activation: {activation}",
            f"    tokens: {{user_passes: {user_passes}, login_passes: {login_passes}}}",
        ]
    elif overview:
        pro = int((overview.get("professional") or {}).get("total") or 0)
        ana = int((overview.get("analyzer") or {}).get("total") or 0)
        if ana > 0 and pro < 1:
            pro = 1
        lic += [
            "    # activation is not in the QRS export: assumed a Signed License Key",
            "    activation: slk",
            f"    professional: {pro}  # accesstypeoverview professionalAccess.total (QRS)",
            f"    analyzer: {ana}  # accesstypeoverview analyzerAccess.total (QRS)",
        ]
    else:
        users_seen = (
            trace[["directory", "user"]].drop_duplicates().shape[0] if not trace.empty else 1
        )
        lic += [
            "    # no QRS export read: one Professional seat per user seen (placeholder)",
            "    activation: slk",
            f"    professional: {max(users_seen, 1)}",
        ]

    hosts = sorted(set(trace["server"])) if not trace.empty else []
    hosts = [h for h in hosts if h] or ["server"]
    sids = {h: server_id(h) for h in hosts}
    srv = ["servers:  # one per engine node in the trace; role not in the logs: production"]
    for h in hosts:
        srv += [
            f"  - id: {sids[h]}",
            "    product: qlik_sense",
            "    role: production",
            "    license: site",
        ]

    # groups
    key = (
        trace["directory"].str.upper() + "\\" + trace["user"].str.upper()
        if not trace.empty
        else pd.Series(dtype=str)
    )
    groups: list[tuple[str, str, list[str], int, str]] = []  # name, access, keys, count, comment
    assigned: set[str] = set()
    for kind in ("professional", "analyzer", "user_pass"):
        held = [s for s in seats.get(kind, []) if not s["quarantined"] and not s["deleted_user"]]
        if not held:
            continue
        ks = sorted({(s["directory"].upper() + "\\" + s["user"].upper()) for s in held})
        assigned.update(ks)
        groups.append(
            (
                kind,
                kind,
                ks,
                len(ks),
                f"{len(ks)} {kind} allocations at export time (QRS, quarantined ones left out)",
            )
        )
    seen = sorted(set(key)) if not trace.empty else []
    rest = [k for k in seen if k not in assigned]
    dynamic: str | None = None
    if rest:
        if seats or overview:
            access = (
                "login_pass"
                if tokens
                else ("analyzer" if "analyzer" in user_based else "professional")
            )
            if not tokens:
                dynamic = access
            groups.append(
                (
                    "no_seat_at_export",
                    access,
                    rest,
                    len(rest),
                    f"{len(rest)} users seen in the logs without a seat at export time; "
                    "access guessed",
                )
            )
        else:
            groups.append(
                ("observed", "professional", rest, len(rest), f"{len(rest)} users seen in the logs")
            )
    if dynamic:
        lic.append(
            f"    allocation: {{{dynamic}: dynamic}}"
            "  # users without a seat must have got one dynamically"
        )

    period_days = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    usr = ["users:"] if groups else ["users: []"]
    for gname, access, ks, count, comment in groups:
        mine = trace[key.isin(set(ks))] if not trace.empty else trace
        directory = (
            mine["directory"].mode().iloc[0]
            if len(mine) and (mine["directory"] != "").any()
            else ""
        )
        gsrv = sorted({sids[h] for h in set(mine["server"]) if h in sids}) or [sids[hosts[0]]]
        beh, how = _behaviour(mine, count, period_days)
        usr += [f"  # {comment}", f"  - group: {gname}", f"    count: {count}"]
        if directory:
            usr.append(f"    directory: {_q(directory)}")
        usr += [
            f"    access: {access}",
            "    servers: [" + ", ".join(gsrv) + "]",
            f"    # behaviour: estimate from {how}",
            "    behaviour: {" + ", ".join(f"{k}: {v}" for k, v in beh.items()) + "}",
        ]
    return "\n".join(lines + lic + srv + usr) + "\n"
