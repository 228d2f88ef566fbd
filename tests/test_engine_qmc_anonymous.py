"""Hand-worked timelines of administrators in the QMC and of anonymous capacity users, from
scenario files in tests/scenarios (the project's rules digest: licensing-rules §3-§6,
licensing-research §4.1)."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from scenario_problems import problem_at

from sim import load_scenario, parse_scenario, simulate
from sim.check import check_result
from sim.model.engine import run_engine
from sim.result import build_result

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "scenarios"


def run(name: str):  # type: ignore[no-untyped-def]
    return simulate(load_scenario(HERE / name))


def lst(series: pd.Series) -> list:  # type: ignore[type-arg]
    return [None if pd.isna(x) else x for x in series]


def rows(result, group: str, server: str | None = None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    s = result.sessions
    pick = s["group"] == group
    if server is not None:
        pick &= s["server"] == server
    return s[pick].sort_values("start").reset_index(drop=True)


def test_a_qmc_session_takes_a_parallel_slot_on_a_signed_key_but_not_on_a_lef() -> None:
    r = run("qmc-sessions.yaml")
    # SLK: hub 10:00, 10:01, 10:02, 10:03 hold 4 slots; the QMC at 10:04 is the 5th
    # (with an SLK opening the QMC counts as a session); the hub at 10:05 would be the 6th.
    slk = rows(r, "admin", "sense")
    assert lst(slk["client"]) == ["hub"] * 4 + ["qmc", "hub"]
    assert lst(slk["access"]) == ["professional"] * 5 + [None]
    assert lst(slk["denied_reason"]) == [None] * 5 + ["parallel_limit"]
    # LEF: the QMC holds no slot, so the hub at 10:05 is only the 5th: granted.
    lef = rows(r, "admin", "old")
    assert lst(lef["client"]) == ["hub"] * 4 + ["qmc", "hub"]
    assert lst(lef["access"]) == ["professional"] * 6
    assert check_result(r) == []


def test_an_admin_on_analyzer_gets_limited_qmc_access() -> None:
    r = run("qmc-sessions.yaml")
    steward = rows(r, "steward")
    assert lst(steward["access"]) == ["analyzer"]
    assert lst(steward["client"]) == ["qmc_limited"]
    # Professional QMC sessions are full (2: one per day); the Analyzer one is limited.
    assert r.kpi("sessions_qmc") == 3
    assert r.kpi("sessions_qmc_granted") == 3
    assert r.kpi("sessions_qmc_limited") == 1


def test_a_root_admin_burns_capacity_in_the_qmc_under_the_legacy_rule() -> None:
    r = run("qmc-root-admin.yaml")
    # 10:00-10:14 in the QMC, active throughout: units at 10:00, 10:06, 10:12 → 3 × 6 = 18.
    legacy = rows(r, "legacy")
    assert lst(legacy["access"]) == ["capacity"]
    assert legacy["capacity_minutes"].tolist() == [18.0]
    assert lst(legacy["client"]) == ["qmc_limited"]  # buttons greyed out
    # Excluded from the capacity rule (Qlik's fix): 0 minutes, the RootAdmin role alone.
    fixed = rows(r, "fixed")
    assert lst(fixed["access"]) == ["root_admin"]
    assert fixed["capacity_minutes"].tolist() == [0.0]
    assert lst(fixed["client"]) == ["qmc"]
    assert r.kpi("capacity_minutes_consumed") == 18.0
    # A dynamic Analyzer rule covering the root admin allocates a seat at the QMC login.
    covered = rows(r, "covered")
    assert lst(covered["access"]) == ["analyzer"]
    assert lst(covered["client"]) == ["qmc_limited"]
    allocate = r.events[r.events["kind"] == "allocate"]
    assert allocate[["user", "detail"]].values.tolist() == [["covered-1", "analyzer (dynamic)"]]
    assert check_result(r) == []


def test_each_anonymous_session_burns_its_own_units() -> None:
    r = run("anonymous-capacity.yaml")
    # Anonymous: 10:00, 10:02, 10:04, each its own device: 3 units, 6 + 6 + 6 = 18 minutes.
    assert rows(r, "guests")["capacity_minutes"].tolist() == [6.0, 6.0, 6.0]
    # Identified, one device: the unit of 10:00 runs to 10:06 and covers the other two.
    assert rows(r, "named")["capacity_minutes"].tolist() == [6.0, 0.0, 0.0]
    assert r.kpi("capacity_minutes_consumed") == 24.0
    assert check_result(r) == []


def anonymous(access: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "anon",
        "start": "2026-02-02T00:00",
        "duration": "1d",
        "licenses": [{"id": "key", "professional": 1, "analyzer": 5, "capacity_minutes": 100}],
        "servers": [{"id": "sense", "license": "key"}],
        "users": [
            {
                "group": "guests",
                "count": 3,
                "anonymous": True,
                "access": access,
                "servers": ["sense"],
                **extra,
            }
        ],
    }


def test_an_anonymous_group_with_analyzer_access_is_refused() -> None:
    p = problem_at(anonymous(["capacity", "analyzer"]), "users[0].access[1]")
    assert p.value == "analyzer"
    assert "anonymous users have no identity" in p.expected
    assert "capacity, login_pass, session_cal" in p.expected
    p = problem_at(anonymous("professional"), "users[0].access")
    assert "professional is allocated to an identified user" in p.expected
    for access in ("user_pass", "named_cal", "document_cal", "usage_cal"):
        problem_at(anonymous(access), "users[0].access")
    problem_at(anonymous("capacity", qmc={}), "users[0].qmc")
    assert parse_scenario(anonymous(["capacity"])).users[0].anonymous


def test_the_refusal_is_a_clear_line_with_exit_status_2(tmp_path: Path) -> None:
    bad = tmp_path / "anon.yaml"
    bad.write_text(
        "name: anon\nstart: 2026-02-02T00:00\nduration: 1d\n"
        "licenses: [{id: key, professional: 1, analyzer: 5}]\n"
        "servers: [{id: sense, license: key}]\n"
        "users: [{group: guests, count: 3, anonymous: true, access: analyzer, "
        "servers: [sense]}]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "users[0].access" in done.stderr and "analyzer" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_qmc_session_needs_an_admin_group_and_a_sense_server() -> None:
    data = anonymous("capacity")
    data["users"][0].pop("anonymous")
    data["users"][0]["sessions"] = [{"at": "2026-02-02T10:00", "client": "qmc"}]
    problem_at(data, "users[0].sessions[0].client")
    data["users"][0]["qmc"] = {"server": "nope"}
    problem_at(data, "users[0].qmc.server")


def admins_by_behaviour() -> dict[str, Any]:
    return {
        "name": "admins",
        "seed": 3,
        "start": "2026-02-02T00:00",
        "duration": "14d",
        "licenses": [{"id": "key", "professional": 2, "analyzer": 1, "capacity_minutes": 5000}],
        "servers": [{"id": "sense", "license": "key"}],
        "users": [
            {
                "group": "admins",
                "count": 4,
                "access": ["professional", "analyzer"],
                "servers": ["sense"],
                "qmc": {"sessions_per_day": 2, "root_admin": True},
            },
            {
                "group": "kiosk",
                "count": 20,
                "anonymous": True,
                "access": "capacity",
                "servers": ["sense"],
                "behaviour": {
                    "sessions_per_day": 4,
                    "session_break": "1min",
                    "clicks_per_session": 2,
                    "click_gap": "20s",
                },
            },
        ],
    }


def test_behaviour_draws_qmc_sessions_and_both_paths_agree() -> None:
    sc = parse_scenario(admins_by_behaviour())
    fast = build_result(*run_engine(sc, fast=True))
    exact = build_result(*run_engine(sc, fast=False))
    for name, table in fast.tables().items():
        pd.testing.assert_frame_equal(table, exact.tables()[name], obj=name)
    s = fast.sessions
    qmc = s[s["client"] != "hub"]
    assert len(qmc) > 0 and set(qmc["group"]) == {"admins"}
    # Admins 1 and 2 hold the Professional seats (full QMC), admin 3 the Analyzer seat
    # (limited QMC); admin 4 is a root admin no rule covers: the RootAdmin role alone.
    assert set(qmc["client"]) == {"qmc", "qmc_limited"}
    by_user = qmc.groupby(qmc["user"].astype(str))["access"].agg(lambda a: set(a.astype(str)))
    assert by_user.to_dict() == {
        "admins-1": {"professional"},
        "admins-2": {"professional"},
        "admins-3": {"analyzer"},
        "admins-4": {"root_admin"},
    }
    assert set(qmc.loc[qmc["client"] == "qmc_limited", "user"]) == {"admins-3"}
    assert check_result(fast) == []


def test_anonymous_sessions_never_carry_a_unit_on_the_fast_path() -> None:
    sc = parse_scenario(admins_by_behaviour())
    world, rec = run_engine(sc, fast=True)
    fast_rows = sum(len(c[0]) for c in rec.session_chunks)
    r = build_result(world, rec)
    kiosk = r.sessions[r.sessions["group"] == "kiosk"]
    # Every granted anonymous session starts a unit of its own at its opening.
    granted = kiosk[kiosk["access"] == "capacity"]
    assert len(granted) > 100 and (granted["capacity_minutes"] >= 6.0).all()
    assert fast_rows > 0.5 * len(kiosk)  # most kiosk sessions took the fast path


def test_an_admin_action_on_an_anonymous_user_is_refused() -> None:
    data = anonymous("capacity")
    data["licenses"][0]["actions"] = [
        {"at": "2026-02-02T09:00", "action": "allocate", "user": "guests-1", "type": "analyzer"}
    ]
    p = problem_at(data, "licenses[0].actions[0].user")
    assert "anonymous" in p.expected


@pytest.mark.parametrize("minutes", [600, 1500, 2400, 5550])
def test_qmc_capacity_use_is_seen_by_routing_when_the_allowance_runs_out(minutes: int) -> None:
    # Root admins burn capacity in the QMC while anonymous kiosk users take the fast path:
    # on the day the allowance runs out, routing must know of the QMC sessions' units.
    data = {
        "name": "admins",
        "seed": 3,
        "start": "2026-02-02T00:00",
        "duration": "10d",
        "licenses": [{"id": "key", "professional": 1, "capacity_minutes": minutes}],
        "servers": [{"id": "sense", "license": "key"}],
        "users": [
            {
                "group": "admins",
                "count": 3,
                "access": ["capacity"],
                "servers": ["sense"],
                "qmc": {"sessions_per_day": 3, "root_admin": True, "duration": "40min"},
            },
            {
                "group": "kiosk",
                "count": 20,
                "anonymous": True,
                "access": "capacity",
                "servers": ["sense"],
                "behaviour": {"sessions_per_day": 2, "clicks_per_session": 5},
            },
        ],
    }
    sc = parse_scenario(data)
    fast = build_result(*run_engine(sc, fast=True))
    exact = build_result(*run_engine(sc, fast=False))
    for name, table in fast.tables().items():
        pd.testing.assert_frame_equal(table, exact.tables()[name], obj=name)


def test_each_anonymous_session_takes_its_own_login_pass() -> None:
    r = run("anonymous-login-pass.yaml")
    # Identified: the pass of 10:00 runs to 11:00 and covers the login at 10:20: 1 + 0.
    assert rows(r, "visitor")["login_passes"].tolist() == [1, 0]
    # Anonymous: no pass carries between sessions: 1 + 1.
    assert rows(r, "guest")["login_passes"].tolist() == [1, 1]
    passes = r.events[r.events["kind"] == "login_pass"]
    assert len(passes) == 3
    assert check_result(r) == []
