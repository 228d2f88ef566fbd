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
  ``analyzer``, ``user_pass``), replaying from ``trace.parquet`` the sessions of the holders
  seen in the trace (``replay: {users: [...]}``, :mod:`sim.scenario.replay`); holders with
  no session in the trace form ``<type>_idle``, which holds their seats and opens no
  session. Users seen in the trace but holding no seat at export time form the group
  ``no_seat_at_export`` (access: the user-based type the site has, given dynamically).
  Without QRS, all users seen form one group ``observed``. Every group may use every
  server: a replayed session runs on the server it was recorded on.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.scenario.replay import server_id

__all__ = ["build_scenario_yaml", "server_id"]


def _q(text: str) -> str:
    """A YAML double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
        "# The site as found by `licsim import`: its license (QRS) and, replayed from",
        "# trace.parquet, every recorded session under it.",
        "# Read from: "
        + (", ".join(sources[:6]) + (f" and {len(sources) - 6} more" if len(sources) > 6 else "")),
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

    usr = ["users:"] if groups else ["users: []"]
    all_servers = "    servers: [" + ", ".join(sids[h] for h in hosts) + "]"
    recorded = set(key)
    for gname, access, ks, count, comment in groups:
        active = [k for k in ks if k in recorded]
        mine = trace[key.isin(set(active))] if not trace.empty else trace
        directories = sorted({d for d in mine["directory"] if d})
        usr.append(f"  # {comment}")
        if active:
            hours = mine["duration_s"].sum() / 3600.0
            usr += [
                f"  # replayed: {len(mine):,} sessions of {len(active)} users, {hours:,.1f} h",
                f"  - group: {gname}",
            ]
            if len(directories) == 1:
                usr.append(f"    directory: {_q(directories[0])}")
            usr += [
                f"    access: {access}",
                all_servers,
                "    replay:",
                "      trace: trace.parquet",
                "      users: [" + ", ".join(_q(k) for k in active) + "]",
            ]
        idle = count - len(active)
        if idle > 0:
            # Holders with no session in the trace still hold their seats.
            usr += [
                f"  # {idle} of them hold a seat but have no session in the trace",
                f"  - group: {gname}_idle",
                f"    count: {idle}",
                f"    access: {access}",
                all_servers,
                "    behaviour: {sessions_per_day: 0}",
            ]
    return "\n".join(lines + lic + srv + usr) + "\n"
