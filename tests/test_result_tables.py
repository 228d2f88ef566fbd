"""The result tables a reader relies on: deployment-wide summary peaks beside the per-pool
ones, event details with timestamps, the SLD's own event kind, and null state reasons."""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from sim import load_scenario, parse_scenario, simulate
from sim.htmlreport import write_workbook
from sim.recorder import EVENT_KINDS
from sim.result import load_run, write_result

HERE = Path(__file__).parent / "scenarios"


def two_keys(b_sessions: list[dict], a_actions: list[dict]) -> dict:
    """Two signed keys of three Analyzer seats each, one server and one group on each."""
    return {
        "name": "two-keys",
        "start": "2026-03-02T00:00",
        "duration": "4d",
        "licenses": [
            {"id": "east", "professional": 1, "analyzer": 3, "actions": a_actions},
            {
                "id": "west",
                "professional": 1,
                "analyzer": 3,
                "allocation": {"analyzer": "dynamic"},
            },
        ],
        "servers": [{"id": "e1", "license": "east"}, {"id": "w1", "license": "west"}],
        "users": [
            {"group": "a", "count": 3, "access": "analyzer", "servers": ["e1"], "sessions": []},
            {
                "group": "b",
                "count": 3,
                "access": "analyzer",
                "servers": ["w1"],
                "sessions": b_sessions,
            },
        ],
    }


def logins(at: str) -> list[dict]:
    return [{"at": at, "user": k, "activity": ["0s", "1min"]} for k in range(3)]


def test_two_full_keys_peak_at_six_seats() -> None:
    # east: 3 manual seats at the start; west: 3 dynamic seats at the first logins at 09:00
    r = simulate(parse_scenario(two_keys(logins("2026-03-02T09:00"), [])))
    assert r.kpi("peak_allocated_analyzer") == 6
    assert r.kpi("peak_allocated_analyzer[east]") == 3
    assert r.kpi("peak_allocated_analyzer[west]") == 3


def test_pools_peaking_at_different_times_are_not_added_up() -> None:
    # east: 3 at the start, 1 after two deallocations on day 1; west: 0 until day 2, then 3.
    # The deployment holds 3, then 1, then 1 + 3 = 4: its peak is 4, not 3 + 3.
    actions = [
        {"at": "2026-03-03T09:00", "action": "deallocate", "user": "a-1"},
        {"at": "2026-03-03T09:00", "action": "deallocate", "user": "a-2"},
    ]
    r = simulate(parse_scenario(two_keys(logins("2026-03-04T09:00"), actions)))
    assert r.kpi("peak_allocated_analyzer[east]") == 3
    assert r.kpi("peak_allocated_analyzer[west]") == 3
    assert r.kpi("peak_allocated_analyzer") == 4
    # the professional seats were never used: 0 for the deployment and for each key
    assert r.kpi("peak_allocated_professional") == 0
    assert r.kpi("peak_allocated_professional[east]") == 0


def test_grace_hours_are_server_hours_of_the_deployment() -> None:
    r = simulate(load_scenario(HERE / "link-outage-grace.yaml"))
    # grace from the first failed sync (4 March 12:10) to 72 h after the last contact (7
    # March 12:00): 71 h 50 min
    assert r.kpi("grace_hours[prod]") == pytest.approx(71 + 50 / 60)
    assert r.kpi("grace_hours") == pytest.approx(71 + 50 / 60)


def with_timezone(name: str, tz: str) -> dict:
    data = yaml.safe_load((HERE / name).read_text())
    data["timezone"] = tz
    return data


def test_event_details_write_times_as_local_timestamps() -> None:
    # Stockholm is UTC+1 in March; the last contact is at 12:00 local on the 4th
    r = simulate(parse_scenario(with_timezone("link-outage-grace.yaml", "Europe/Stockholm")))
    e = r.events.set_index("kind")
    assert e.loc["grace_start", "detail"] == "last contact at 2026-03-04T12:00:00+01:00"
    assert e.loc["grace_expired", "detail"] == "last contact at 2026-03-04T12:00:00+01:00"
    # quarantined until 7 days after the last use (3 February 10:00 local)
    r = simulate(parse_scenario(with_timezone("lef-quarantine.yaml", "America/New_York")))
    e = r.events.set_index("kind")
    assert e.loc["quarantine", "detail"] == (
        "analyzer until 2026-02-10T10:00:00-05:00 (last used 2026-02-03T10:00:00-05:00)"
    )
    assert not r.events["detail"].astype(str).str.contains(r"\d s\b").any()


def test_a_late_sld_renewal_is_its_own_event() -> None:
    r = simulate(load_scenario(HERE / "sld-renewal.yaml"))
    e = r.events[r.events["server"] == "plant"]
    e = e[~e["kind"].isin(["allocate", "deallocate", "quarantine", "quarantine_end"])]
    assert e["kind"].tolist() == ["unlicensed", "sld_applied"]
    assert e["time"].tolist() == [
        pd.Timestamp("2026-03-01T00:00", tz="UTC"),
        pd.Timestamp("2026-03-04T00:00", tz="UTC"),
    ]
    assert not r.events["kind"].isin(["sync_ok", "relicensed"]).any()
    assert "sld_applied" in EVENT_KINDS


def test_unknown_event_kind_is_refused() -> None:
    from sim.recorder import Recorder

    with pytest.raises(ValueError, match="sync_okay"):
        Recorder().event(0.0, "sync_okay")


def test_state_reason_is_null_in_every_file(tmp_path: Path) -> None:
    r = simulate(load_scenario(HERE / "link-outage-grace.yaml"))
    reasons = [None if pd.isna(x) else x for x in r.server_states["reason"]]
    assert reasons == [None, None, "grace_expired", None]
    write_result(r, tmp_path)
    back = pd.read_parquet(tmp_path / "server_states.parquet")
    assert [None if pd.isna(x) else x for x in back["reason"]] == reasons
    csv = pd.read_csv(tmp_path / "server_states.csv", keep_default_na=False)
    assert csv["reason"].tolist() == ["", "", "grace_expired", ""]
    write_workbook(r, tmp_path)
    sheet = load_workbook(tmp_path / "report.xlsx", read_only=True)["server_states"]
    rows = list(sheet.values)
    column = rows[0].index("reason")
    assert [row[column] for row in rows[1:]] == [None, None, "grace_expired", None]


def test_load_run_reads_a_run_folder_back_into_the_same_result(tmp_path: Path) -> None:
    import sim

    r = simulate(load_scenario(HERE / "link-outage-grace.yaml"))
    write_result(r, tmp_path)
    back = sim.load_run(tmp_path)
    for name, table in r.tables().items():
        pd.testing.assert_frame_equal(getattr(back, name), table, check_categorical=False)
    assert back.scenario == r.scenario and back.kpi("sessions_attempted") == r.kpi(
        "sessions_attempted"
    )


def test_a_run_folder_from_before_the_qrs_capacity_names_loads_under_them(tmp_path: Path) -> None:
    r = simulate(load_scenario(HERE.parent.parent / "scenarios/capacity-runs-out.yaml"))
    write_result(r, tmp_path)
    old = r.capacity.rename(
        columns={
            "allocated_minutes": "purchased",
            "used_minutes": "consumed",
            "overage_minutes": "overage",
        }
    )
    old.to_parquet(tmp_path / "capacity.parquet", index=False)
    pd.testing.assert_frame_equal(load_run(tmp_path).capacity, r.capacity)
