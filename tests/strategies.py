"""Hypothesis strategies: random small but complete scenarios, as plain dicts."""

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


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.integers(3, 12))
    pro = draw(st.integers(0, 4))
    analyzer = draw(st.integers(0, 6)) if pro else 0
    capacity = draw(st.sampled_from([0, 6, 60, 300, 2000]))
    overage = draw(st.sampled_from(["none", "unlimited", 30])) if capacity else "none"
    n_servers = draw(st.integers(1, 2))
    servers = [
        {
            "id": f"s{i}",
            "role": "production" if i == 0 else "test",
            "license": "lic",
            "link_outages": draw(outages(days)),
        }
        for i in range(n_servers)
    ]
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
        groups.append(
            {
                "group": f"g{g}",
                "count": draw(st.integers(1, 8)),
                "access": access,
                "servers": [s["id"] for s in servers][: draw(st.integers(1, n_servers))],
                "behaviour": {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "sessions_per_day": draw(st.sampled_from([0.5, 2, 4])),
                    "clicks_per_session": draw(st.sampled_from([0, 3, 40])),
                    "click_gap": draw(st.sampled_from(["20s", "45s", "3min"])),
                    "session_break": draw(st.sampled_from(["0s", "2min", "1h"])),
                    "devices": draw(st.integers(1, 3)),
                },
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
        },
        "backend": {"outages": draw(outages(days))},
        "licenses": [
            {
                "id": "lic",
                "professional": pro,
                "analyzer": analyzer,
                "capacity_minutes": capacity,
                "overage": overage,
                "allocation": {
                    "professional": draw(st.sampled_from(["manual", "dynamic"])),
                    "analyzer": draw(st.sampled_from(["manual", "dynamic"])),
                },
            }
        ],
        "servers": servers,
        "users": groups,
    }
