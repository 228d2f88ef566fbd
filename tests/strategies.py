"""Hypothesis strategies: random small but complete scenarios, as plain dicts."""

import copy
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

START = datetime(2026, 1, 26)


@st.composite
def outages(draw: st.DrawFn, days: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        at = START + timedelta(minutes=draw(st.integers(0, days * 1440 - 1)))
        out.append({"start": at.isoformat(), "duration": f"{draw(st.integers(1, 6000))}min"})
    return out


def _at(draw: st.DrawFn, days: int) -> str:
    return (START + timedelta(minutes=draw(st.integers(0, days * 1440 - 1)))).isoformat()


def _behaviour(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "sessions_per_day": draw(st.sampled_from([0.5, 2, 4])),
        "clicks_per_session": draw(st.sampled_from([0, 3, 40])),
        "click_gap": draw(st.sampled_from(["20s", "45s", "3min"])),
        "session_break": draw(st.sampled_from(["0s", "2min", "1h"])),
        "devices": draw(st.integers(1, 3)),
        "logout_share": draw(st.sampled_from([0.0, 0.1, 1.0])),
    }


def _seat_license(draw: st.DrawFn, days: int, n_servers: int) -> dict[str, Any]:
    """The Qlik Sense key every scenario has, under any activation mode, with license
    changes now and then."""
    activation = draw(st.sampled_from(["slk", "slk", "delayed_sync", "sld", "lef"]))
    pro = draw(st.integers(0, 4))
    analyzer = draw(st.integers(0, 6)) if pro else 0
    signed = activation != "lef"
    capacity = draw(st.sampled_from([0, 6, 60, 300, 2000])) if signed else 0
    overage = draw(st.sampled_from(["none", "unlimited", 30])) if capacity else "none"
    lic: dict[str, Any] = {
        "id": "lic",
        "activation": activation,
        "professional": pro,
        "analyzer": analyzer,
        "capacity_minutes": capacity,
        "overage": overage,
        "allocation": {
            "professional": draw(st.sampled_from(["manual", "dynamic"])),
            "analyzer": draw(st.sampled_from(["manual", "dynamic"])),
        },
        "reclaim": draw(st.sampled_from([None, {"idle": "1d"}, {"idle": "2d"}])),
    }
    if activation == "lef":
        lic["term"] = "perpetual"
    if activation == "sld":
        # Now and then the offline definition ends inside the run.
        lic["valid_until"] = (START + timedelta(days=draw(st.sampled_from([2, 400])))).isoformat()
    if activation in ("lef", "sld") and n_servers > 1:
        lic["over_deployed"] = True
    changes = []
    for at in sorted(_at(draw, days) for _ in range(draw(st.integers(0, 2)))):
        change: dict[str, Any] = {"at": at, "professional": draw(st.integers(1, 4))}
        change["analyzer"] = draw(st.integers(0, 6))
        if capacity:
            change["capacity_minutes"] = draw(st.sampled_from([6, 60, 300]))
        changes.append(change)
    lic["changes"] = changes
    return lic


def _actions(draw: st.DrawFn, days: int, users: list[str], types: list[str]) -> list[Any]:
    """An admin allocating and deallocating named users by hand (none if none is named)."""
    if not users:
        return []
    return [
        {
            "at": _at(draw, days),
            "action": draw(st.sampled_from(["allocate", "deallocate"])),
            "user": draw(st.sampled_from(users)),
            "type": draw(st.sampled_from(types)),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random scenario: a Qlik Sense key under any activation mode on one or two
    servers, and now and then a token key, a QlikView CAL site and desktops beside it;
    outages, address changes, license changes, admin actions, reclaim and offline
    allocation all drawn."""
    days = draw(st.integers(3, 12))
    n_servers = draw(st.integers(1, 2))
    lic = _seat_license(draw, days, n_servers)
    servers = [
        {
            "id": f"s{i}",
            "role": "production" if i == 0 else "test",
            "license": "lic",
            "link_outages": draw(outages(days)),
            "firewall": {
                "allow_by": draw(st.sampled_from(["name", "ip"])),
                "fix_after": draw(st.sampled_from(["30min", "1d", "4d"])),
            },
        }
        for i in range(n_servers)
    ]
    licenses = [lic]
    groups = []
    for g in range(draw(st.integers(1, 3))):
        access = draw(
            st.lists(
                st.sampled_from(["professional", "analyzer", "capacity"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        # Anonymous users (capacity only) and administrators in the QMC, now and then.
        extra: dict[str, Any] = {}
        if access == ["capacity"] and draw(st.booleans()):
            extra["anonymous"] = True
        elif draw(st.integers(0, 3)) == 0:
            extra["qmc"] = {
                "sessions_per_day": draw(st.sampled_from([1, 3])),
                "duration": draw(st.sampled_from(["5min", "40min"])),
                "root_admin": draw(st.booleans()),
                "exclude_from_capacity_rule": draw(st.booleans()),
            }
        count = draw(st.integers(1, 8))
        groups.append(
            {
                **extra,
                "group": f"g{g}",
                "count": count,
                "access": access,
                "servers": [s["id"] for s in servers][: draw(st.integers(1, n_servers))],
                "behaviour": _behaviour(draw),
            }
        )
    named = [f"{g['group']}-1" for g in groups if not g.get("anonymous")]
    lic["actions"] = _actions(draw, days, named, ["professional", "analyzer"])
    desktops: list[dict[str, Any]] = []
    if draw(st.integers(0, 2)) == 0:
        # A token key on a server of its own: user passes, login passes, token moves.
        activation = draw(st.sampled_from(["slk", "lef"]))
        user_passes = draw(st.integers(0, 3))
        login_passes = draw(st.sampled_from([0, 10, 20]))
        tok: dict[str, Any] = {
            "id": "tok",
            "activation": activation,
            "tokens": {"user_passes": user_passes, "login_passes": login_passes},
            "reclaim": draw(st.sampled_from([None, {"idle": "1d"}])),
        }
        if activation == "lef":
            tok["term"] = "perpetual"
        if draw(st.booleans()):
            tok["changes"] = [
                {
                    "at": _at(draw, days),
                    "user_passes": draw(st.integers(0, 3)),
                    "login_passes": draw(st.sampled_from([0, 10])),
                }
            ]
        licenses.append(tok)
        servers.append({"id": "t0", "license": "tok", "link_outages": draw(outages(days))})
        access = draw(
            st.sampled_from([["user_pass"], ["login_pass"], ["user_pass", "login_pass"]])
        )
        groups.append(
            {
                "group": "tk",
                "count": draw(st.integers(1, 8)),
                "access": access,
                "servers": ["t0"],
                "behaviour": _behaviour(draw),
            }
        )
        tok["actions"] = _actions(draw, days, ["tk-1"], ["user_pass"])
    if draw(st.integers(0, 2)) == 0:
        # A QlikView site on a LEF with CALs, and its desktops.
        licenses.append(
            {
                "id": "qv",
                "activation": "lef",
                "term": "perpetual",
                "qlikview_cals": {
                    "named": draw(st.integers(0, 2)),
                    "session": draw(st.integers(0, 2)),
                    "usage": draw(st.sampled_from([0, 28])),
                },
            }
        )
        servers.append({"id": "q0", "product": "qlikview", "license": "qv"})
        groups.append(
            {
                "group": "qc",
                "count": draw(st.integers(1, 6)),
                "access": draw(st.sampled_from(["named_cal", "session_cal", "usage_cal"])),
                "servers": ["q0"],
                "behaviour": _behaviour(draw),
            }
        )
        if draw(st.booleans()):
            desktops.append(
                {
                    "id": "qv-desk",
                    "product": "qlikview_desktop",
                    "users": "qc",
                    "server": "q0",
                    "machines": draw(st.integers(1, 3)),
                    "away": draw(outages(days)),
                }
            )
    if draw(st.integers(0, 2)) == 0:
        desktops.append(
            {
                "id": "qs-desk",
                "product": "qlik_sense_desktop",
                "users": "g0",
                "server": "s0",
                "launches_per_week": draw(st.sampled_from([1, 5, 20])),
                "away": draw(outages(days)),
            }
        )
    return {
        "name": "random",
        "seed": draw(st.integers(0, 1000)),
        "start": START.isoformat(),
        "duration": f"{days}d",
        "timezone": draw(st.sampled_from(["UTC", "Europe/Stockholm", "Asia/Kolkata"])),
        "rules": {
            "grace": draw(st.sampled_from(["5min", "2h", "72h"])),
            "max_parallel_sessions": draw(st.integers(1, 5)),
            "session_inactivity": draw(st.sampled_from(["1min", "30min", "4h"])),
            "quarantine_on_slk": draw(st.booleans()),
            "offline_allocation": draw(st.sampled_from(["refuse", "local"])),
        },
        "backend": {
            "outages": draw(outages(days)),
            "address_changes": [o["start"] for o in draw(outages(days))][:2],
        },
        "licenses": licenses,
        "servers": servers,
        "desktops": desktops,
        "users": groups,
    }


# --- hostile input for the scenario loader ------------------------------------------------

SCENARIO_KEYS = [
    "name",
    "seed",
    "start",
    "duration",
    "end",
    "timezone",
    "rules",
    "backend",
    "licenses",
    "servers",
    "desktops",
    "users",
    "experiment",
    "id",
    "license",
    "group",
    "count",
    "access",
    "behaviour",
    "sessions",
    "outages",
    "<<",
]

# Text that YAML and the validators find awkward: lone surrogates, NUL, a BOM, line and
# paragraph separators, right-to-left marks, and characters outside the BMP.
AWKWARD = st.sampled_from(
    ["\ud800", "\udfff", "\x00", "\ufeff", "\u2028", "\u202e", "\x85", "\U0001f600", "é", "\t"]
)


def yaml_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([10**100, -(10**100), 2**63, -1, 0]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([1e308, -1e308, 5e-324]),
        st.text(max_size=30),
        st.lists(AWKWARD, min_size=1, max_size=3).map("".join),
        st.sampled_from(["-1d", "-5min", "1e999", "nan", "99999999w", "9:30", "2026-02-30"]),
        st.datetimes(),
        st.dates(),
    )


def yaml_values() -> st.SearchStrategy[Any]:
    """Random YAML-shaped data: scalars, lists and mappings, keys often real field names."""
    keys = st.one_of(st.sampled_from(SCENARIO_KEYS), st.text(max_size=12))
    return st.recursive(
        yaml_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=5)
        ),
        max_leaves=30,
    )


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with a few values replaced, deleted or inserted at random paths."""
    doc = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 4))):
        parent, key = _random_slot(draw, doc)
        if parent is None:
            return draw(yaml_values())
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        if action == "delete" and key in _keys(parent):
            del parent[key]
        elif action == "insert" and isinstance(parent, list):
            parent.insert(draw(st.integers(0, len(parent))), draw(yaml_values()))
        elif action == "insert" and isinstance(parent, dict):
            parent[draw(st.sampled_from(SCENARIO_KEYS))] = draw(yaml_values())
        elif key in _keys(parent):
            parent[key] = draw(yaml_values())
    return doc


def _keys(container: Any) -> list[Any]:
    if isinstance(container, dict):
        return list(container)
    if isinstance(container, list):
        return list(range(len(container)))
    return []


def _random_slot(draw: st.DrawFn, doc: Any) -> tuple[Any, Any]:
    """A random (container, key) inside ``doc``; (None, None) stands for the root."""
    parent: Any = None
    key: Any = None
    node = doc
    while _keys(node) and draw(st.booleans()):
        parent, key = node, draw(st.sampled_from(_keys(node)))
        node = node[key]
    if parent is None and _keys(doc):
        parent, key = doc, draw(st.sampled_from(_keys(doc)))
    return parent, key
