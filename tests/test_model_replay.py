"""Replayed history through the license rules: hand-worked weeks, totals kept, fewer seats."""

from pathlib import Path

import pandas as pd
import pytest

from sim.run import simulate
from sim.scenario import load_scenario
from tests.replay_traces import WEEK, Row, write_trace


def site(tmp_path: Path, rows: list[Row], license_: str, group: str) -> Path:
    write_trace(tmp_path, rows)
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: replay\nstart: 2026-03-02T00:00\nduration: 7d\ntimezone: Europe/Berlin\n"
        f"licenses:\n  - {license_}\n"
        "servers:\n  - {id: QS1, product: qlik_sense, license: corp}\n"
        "  - {id: QS2, product: qlik_sense, license: corp}\n"
        f"users:\n{group}"
    )
    return path


ANALYZERS = (
    "{{id: corp, activation: slk, professional: 1, analyzer: {n}, "
    "allocation: {{analyzer: dynamic}}}}"
)
SITE = "  - {group: site, access: analyzer, servers: [QS1, QS2], replay: {trace: trace.parquet}}\n"


def sessions(tmp_path: Path, analyzers: int, rows: list[Row] = WEEK) -> pd.DataFrame:
    sc = load_scenario(site(tmp_path, rows, ANALYZERS.format(n=analyzers), SITE))
    return simulate(sc).sessions


def test_a_week_replayed_under_its_own_license_keeps_every_session(tmp_path: Path) -> None:
    s = sessions(tmp_path, 4)
    # Every recorded session, at its recorded times, on its recorded server, granted.
    assert s["user"].tolist() == [
        "CORP\\alice", "CORP\\bob", "CORP\\carol", "PARTNER\\dave", "CORP\\alice",
    ]  # fmt: skip
    assert s["server"].tolist() == ["QS1", "QS1", "QS2", "QS2", "QS2"]
    assert s["directory"].tolist() == ["CORP", "CORP", "CORP", "PARTNER", "CORP"]
    # 09:00 CET is 08:00 UTC: 8 h after the run's start at 00:00 CET
    assert s["start"].iloc[0] == pd.Timestamp("2026-03-02 09:00", tz="Europe/Berlin")
    assert (s["end"] - s["start"]).dt.total_seconds().tolist() == [3600, 1200, 600, 7200, 900]
    assert s["access"].eq("analyzer").all() and s["denied_reason"].isna().all()
    # totals: 5 sessions, 4 users, (3600 + 1200 + 600 + 7200 + 900) s = 3.75 h
    assert (len(s), s["user"].nunique()) == (5, 4)
    assert (s["end"] - s["start"]).dt.total_seconds().sum() / 3600 == 3.75


def test_fewer_seats_deny_more_sessions_one_by_one(tmp_path: Path) -> None:
    # The dynamic rule hands seats out in login order: alice 09:00, bob 09:10, carol 10:00,
    # dave (Tuesday 11:00). With 3 seats dave is refused; with 2, carol and dave; with 1,
    # everyone after alice; alice's Tuesday session reuses her seat.
    denied = {}
    for n in (4, 3, 2, 1):
        (tmp_path / str(n)).mkdir()
        s = sessions(tmp_path / str(n), n)
        denied[n] = set(s.index[s["denied_reason"] == "no_seat"])
    assert denied == {4: set(), 3: {3}, 2: {2, 3}, 1: {1, 2, 3}}


def test_a_user_past_the_parallel_limit_is_refused(tmp_path: Path) -> None:
    # Six recorded sessions of one user open at 09:00 … 09:05, each an hour long: the sixth
    # finds five open and is refused (licensing-rules §3: at most 5 parallel sessions).
    rows: list[Row] = [
        ("CORP", "eve", "QS1", "Sales", f"2026-03-02 09:0{k}", 3600, 1, "Logged out")
        for k in range(6)
    ]
    s = sessions(tmp_path, 4, rows)
    assert s["denied_reason"].astype(object).fillna("").tolist() == [""] * 5 + ["parallel_limit"]


CAPACITY = "{id: corp, activation: slk, capacity_minutes: 1000}"


def capacity_group(servers: str = "[QS1, QS2]") -> str:
    return (
        f"  - {{group: guests, access: capacity, servers: {servers}, "
        "replay: {trace: trace.parquet}}\n"
    )


def test_capacity_units_follow_the_recorded_sessions(tmp_path: Path) -> None:
    # One selection or none: the activity is the opening and the last interaction only.
    # ann: 600 s, logged out → interactions at 0 and 600 s → units at 0 and 600 s = 12 min.
    # ben: 1900 s, ended at the 30-minute timeout → active 1900 − 1800 = 100 s → one unit.
    # cem: 3000 s, no selections, logged out → interactions at 0 and 3000 s → 12 min.
    rows: list[Row] = [
        ("CORP", "ann", "QS1", "Sales", "2026-03-02 09:00", 600, 1, "Logged out"),
        ("CORP", "ben", "QS1", "Sales", "2026-03-02 09:00", 1900, 1, "Session timeout"),
        ("CORP", "cem", "QS2", "Sales", "2026-03-02 09:00", 3000, 0, "Logged out"),
    ]
    sc = load_scenario(site(tmp_path, rows, CAPACITY, capacity_group()))
    s = simulate(sc).sessions.set_index("user")
    assert s["capacity_minutes"].to_dict() == {"CORP\\ann": 12, "CORP\\ben": 6, "CORP\\cem": 12}


def test_drawn_activity_is_the_same_under_every_license(tmp_path: Path) -> None:
    # Many selections: the activity between the first and last interaction is drawn, from
    # streams keyed by the replay, so another allowance meets the same activity.
    rows: list[Row] = [
        ("CORP", f"u{k}", "QS1", "Sales", f"2026-03-0{2 + k % 4} 1{k % 8}:00", 2400, 25, "x")
        for k in range(12)
    ]
    first = tmp_path / "a"
    first.mkdir()
    base = simulate(load_scenario(site(first, rows, CAPACITY, capacity_group()))).sessions
    other = tmp_path / "b"
    other.mkdir()
    more = CAPACITY.replace("1000", "5000")
    again = simulate(load_scenario(site(other, rows, more, capacity_group()))).sessions
    assert base["capacity_minutes"].tolist() == again["capacity_minutes"].tolist()
    # 40 minutes with 25 interactions: the unit chain runs from the opening to the last
    # interaction, 5 to 7 units of 6 minutes depending on the gaps drawn
    assert base["capacity_minutes"].isin([30, 36, 42]).all()
    assert base["capacity_minutes"].nunique() > 1  # drawn, not one fixed pattern


def test_a_consolidated_site_runs_every_session_on_its_one_server(tmp_path: Path) -> None:
    group = SITE.replace("[QS1, QS2]", "[QS2]")
    sc = load_scenario(site(tmp_path, WEEK, ANALYZERS.format(n=4), group))
    assert simulate(sc).sessions["server"].eq("QS2").all()


@pytest.mark.parametrize("analyzers", [4, 2])
def test_replay_is_deterministic(tmp_path: Path, analyzers: int) -> None:
    one = sessions(tmp_path, analyzers)
    two = sessions(tmp_path, analyzers)
    pd.testing.assert_frame_equal(one, two)


def test_a_grown_site_needs_more_seats(tmp_path: Path) -> None:
    # growth: 1 doubles the four users with copies of their histories; four Analyzer seats
    # then serve the first four people to log in and the other four are refused.
    group = SITE.replace("{trace: trace.parquet}", "{trace: trace.parquet, growth: 1}")
    s = simulate(load_scenario(site(tmp_path, WEEK, ANALYZERS.format(n=4), group))).sessions
    assert s["user"].nunique() == 8 and len(s) == 10
    refused = s[s["denied_reason"] == "no_seat"]
    assert refused["user"].nunique() == 4
    assert s["directory"].notna().all()


def test_sweep_and_whatif_take_a_replaying_scenario(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = site(tmp_path, WEEK, ANALYZERS.format(n=4), SITE)

    def licsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sim", *map(str, args)],
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    done = licsim("sweep", path, "--out", tmp_path / "sw", "--set",
                  "licenses.corp.analyzer=3,4", "--workers", "2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "sw" / "summary.csv")
    no_seat = summary[summary["metric"] == "denied_no_seat"].set_index("variant")["mean"]
    assert no_seat.to_dict() == {"licenses.corp.analyzer=3": 1.0, "licenses.corp.analyzer=4": 0.0}
    done = licsim("whatif", path, "--outage", "backend", "--durations", "96h", "--no-charts",
                  "--at", "2026-03-02T08:00", "--out", tmp_path / "wi")  # fmt: skip
    assert done.returncode == 0, done.stderr
    # The backend is down from Monday 08:00, before anyone logs in: every user would need a
    # new dynamic allocation, which needs the backend, so all 5 sessions of the 4 users are
    # refused backend_unreachable (3.75 h unserved), an hour after the outage starts.
    row = pd.read_csv(tmp_path / "wi" / "whatif.csv").iloc[0]
    assert row["extra_denied_backend_unreachable"] == 5 and row["users_affected"] == 4
    assert row["unserved_session_hours"] == 3.75 and row["first_denial_after"] == 1.0
