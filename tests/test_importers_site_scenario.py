"""scenario.yaml of the site as found: totals from QRS, groups per access type, it validates."""

from pathlib import Path

import pandas as pd
import yaml

from sim.importers.site_scenario import build_scenario_yaml, server_id
from sim.importers.trace import finish_trace
from sim.scenario import load_scenario


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


def _write(tmp_path: Path, text: str) -> dict:
    p = tmp_path / "scenario.yaml"
    p.write_text(text)
    load_scenario(p)  # must validate
    return yaml.safe_load(text)


def test_server_ids_have_no_dots() -> None:
    assert server_id("qs1.corp.local") == "qs1_corp_local"


def test_without_qrs_one_observed_group_and_placeholder_seats(tmp_path: Path) -> None:
    sc = _write(
        tmp_path, build_scenario_yaml(_trace(TRACE), None, name="s", tz="UTC", sources=["x"])
    )
    assert sc["licenses"][0]["professional"] == 2  # ann and ben
    assert [s["id"] for s in sc["servers"]] == ["qs1_corp_local", "qs2"]
    (g,) = sc["users"]
    assert (g["group"], g["count"], g["access"]) == ("observed", 2, "professional")
    # 3 sessions, 2 users, Mon–Wed carry them all (days = [mon, tue, wed]); the period is
    # 2 March to 5 March, so 3 working days: 3 / (2 × 3) = 0.5 sessions a day;
    # mean selections 20, mean duration 1200 s → click gap 60 s
    b = g["behaviour"]
    assert b["days"] == ["mon", "tue", "wed"]
    assert b["sessions_per_day"] == 0.5
    assert b["clicks_per_session"] == 20.0
    assert b["click_gap"] == "60.0s"
    # first starts of the day 09:00, 09:30, 10:00 → mean 09:30, sd 24.5 min = 1470 s
    assert b["day_start"] == {"mean": "09:30", "sd": "1470s"}


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
    sc = _write(
        tmp_path, build_scenario_yaml(_trace(TRACE), state, name="s", tz="UTC", sources=["x"])
    )
    lic = sc["licenses"][0]
    # 40 tokens at 1 token a user pass; 5 tokens at 0.1 token a login pass = 50 passes. The
    # trace has two nodes, which share the site's passes: one signed key, not a LEF each.
    assert len(sc["servers"]) == 2
    assert lic["activation"] == "slk" and lic["tokens"] == {"user_passes": 40, "login_passes": 50}
    one_node = _trace(TRACE)
    one_node = one_node[one_node["server"] == one_node["server"].iloc[0]]
    text = build_scenario_yaml(one_node, state, name="s", tz="UTC", sources=["x"])
    single = _write(tmp_path, text)
    assert single["licenses"][0]["activation"] == "lef"
    assert [(g["group"], g["count"], g["access"]) for g in sc["users"]] == [
        ("user_pass", 1, "user_pass"),
        ("no_seat_at_export", 1, "login_pass"),
    ]
