"""scenario.yaml of the site as found: totals from QRS, groups per access type, it validates."""

from pathlib import Path

import pandas as pd
import yaml

from sim.importers.site_scenario import build_scenario_yaml, server_id
from sim.importers.trace import finish_trace
from sim.scenario import Scenario, load_scenario


def _trace(rows: list[tuple[str, str, str, str, float, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["directory", "user", "server", "start", "duration_s", "selections"]
    )
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = frame["start"] + pd.to_timedelta(frame["duration_s"], unit="s")
    for c in ("app_id", "app_title", "exit_reason", "session_id", "virtual_proxy", "device"):
        frame[c] = ""
    frame["source"] = "csv"
    frame["source_file"] = "x.csv"
    frame["source_line"] = range(2, 2 + len(frame))
    return finish_trace([frame], "UTC")


TRACE = [
    ("CORP", "ann", "qs1.corp.local", "2026-03-02T09:00Z", 1800.0, 20),  # Monday
    ("CORP", "ann", "qs1.corp.local", "2026-03-03T09:30Z", 600.0, 10),
    ("CORP", "ben", "qs2", "2026-03-04T10:00Z", 1200.0, 30),
]


def _write(tmp_path: Path, text: str, trace: pd.DataFrame) -> tuple[dict, Scenario]:
    trace.to_parquet(tmp_path / "trace.parquet", index=False)
    p = tmp_path / "scenario.yaml"
    p.write_text(text)
    return yaml.safe_load(text), load_scenario(p)  # it must validate


def test_server_ids_have_no_dots() -> None:
    assert server_id("qs1.corp.local") == "qs1_corp_local"


def test_without_qrs_one_observed_group_and_placeholder_seats(tmp_path: Path) -> None:
    trace = _trace(TRACE)
    sc, scenario = _write(
        tmp_path, build_scenario_yaml(trace, None, name="s", tz="UTC", sources=["x"]), trace
    )
    assert sc["licenses"][0]["professional"] == 2  # ann and ben
    assert [s["id"] for s in sc["servers"]] == ["qs1_corp_local", "qs2"]
    (g,) = sc["users"]
    assert (g["group"], g["access"]) == ("observed", "professional")
    assert g["replay"] == {"trace": "trace.parquet", "users": ["CORP\\ANN", "CORP\\BEN"]}
    # The group's users are the two recorded people, named as the trace spells them.
    (group,) = scenario.users
    assert group.count == 2 and group.user_names() == ["CORP\\ann", "CORP\\ben"]
    assert group.servers == ["qs1_corp_local", "qs2"]


def test_token_site_gets_passes_and_a_key_its_nodes_share(tmp_path: Path) -> None:
    state = {
        "overview": {
            "tokens_enabled": True,
            "user_pass": {"tokenCost": 1.0, "allocatedTokens": 40},
            "login_pass": {"tokenCost": 0.1, "allocatedTokens": 5},
        },
        "seats": {
            "user_pass": [
                {"directory": "CORP", "user": "ann", "quarantined": False, "deleted_user": False}
            ]
        },
    }
    trace = _trace(TRACE)
    sc, scenario = _write(
        tmp_path, build_scenario_yaml(trace, state, name="s", tz="UTC", sources=["x"]), trace
    )
    lic = sc["licenses"][0]
    # 40 tokens at 1 token a user pass; 5 tokens at 0.1 token a login pass = 50 passes. The
    # trace has two nodes, which share the site's passes: one signed key, not a LEF each.
    assert len(sc["servers"]) == 2
    assert lic["activation"] == "slk" and lic["tokens"] == {"user_passes": 40, "login_passes": 50}
    one_node = _trace(TRACE)
    one_node = one_node[one_node["server"] == one_node["server"].iloc[0]]
    text = build_scenario_yaml(one_node, state, name="s", tz="UTC", sources=["x"])
    (tmp_path / "one").mkdir()
    single, _ = _write(tmp_path / "one", text, one_node)
    assert single["licenses"][0]["activation"] == "lef"
    assert [(g.group, g.count, g.access) for g in scenario.users] == [
        ("user_pass", 1, "user_pass"),
        ("no_seat_at_export", 1, "login_pass"),
    ]


def test_seat_holders_without_sessions_keep_their_seats(tmp_path: Path) -> None:
    state = {
        "overview": {"professional": {"enabled": True, "total": 3}},
        "seats": {
            "professional": [
                {"directory": "CORP", "user": u, "quarantined": False, "deleted_user": False}
                for u in ("ann", "ben", "cem")  # cem holds a seat and never logs in
            ]
        },
    }
    trace = _trace(TRACE)
    _, scenario = _write(
        tmp_path, build_scenario_yaml(trace, state, name="s", tz="UTC", sources=["x"]), trace
    )
    assert [(g.group, g.count, g.replay is not None) for g in scenario.users] == [
        ("professional", 2, True),
        ("professional_idle", 1, False),
    ]
    assert scenario.users[1].behaviour.sessions_per_day == 0
