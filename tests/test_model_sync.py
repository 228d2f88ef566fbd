"""Assignment sync between online servers of one signed key: hand-worked timelines.

The user sync runs every 10 min on a grid from the run's start (00:00, 00:10, ...); a sync
at T carries the allocations made up to T (an allocation at the very instant of a sync
precedes it). An online server sees its own allocations at once and another server's from
the first sync at or after them (licensing-rules §1; the project's rules digest §1.2 and
Appendix A), so two servers can each give away the last seat within one sync interval.
"""

import pandas as pd

from sim import parse_scenario, simulate
from sim.check import check_result


def utc(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts, tz="UTC")


def scenario(sessions: list[dict], servers: int = 2, **licence: object):  # type: ignore[no-untyped-def]
    return parse_scenario(
        {
            "name": "sync-lag",
            "start": "2026-02-02T00:00",
            "duration": "1d",
            "licenses": [
                {
                    "id": "corp",
                    "professional": 1,
                    "analyzer": 1,
                    "allocation": {"professional": "manual", "analyzer": "dynamic"},
                    **licence,
                }
            ],
            "servers": [{"id": f"s{k + 1}", "license": "corp"} for k in range(servers)],
            "users": [
                {
                    "group": "u",
                    "count": 3,
                    "access": "analyzer",
                    "servers": [f"s{k + 1}" for k in range(servers)],
                    "sessions": sessions,
                }
            ],
        }
    )


def at(time: str, user: int, server: str) -> dict:  # type: ignore[type-arg]
    return {"at": f"2026-02-02T{time}", "user": user, "server": server, "activity": ["0s", "1min"]}


def granted(result) -> list:  # type: ignore[no-untyped-def, type-arg]
    s = result.sessions.sort_values("start")
    return [None if pd.isna(x) else x for x in s["access"]]


def test_two_servers_give_away_the_last_seat_within_one_sync() -> None:
    # a on s1 at 09:01: the pool has its one seat free and takes a at once (1 of 1).
    # b on s2 at 09:03: s2's last sync was 09:00, before a's seat; it sees 1 - 1 + 1 unseen
    # = 1 seat free and gives it to b, locally (the pool has none for it).
    # The 09:10 sync pushes b's seat: 2 allocated of 1, excess 1, kept and reported.
    r = simulate(scenario([at("09:01", 0, "s1"), at("09:03", 1, "s2")]))
    assert granted(r) == ["analyzer", "analyzer"]
    a = r.allocations[r.allocations["type"] == "analyzer"]
    last = a.iloc[-1]
    assert last["time"] == utc("2026-02-02T09:10")
    assert (last["allocated"], last["total"], last["excess"]) == (2, 1, 1)
    assert a[a["time"] < utc("2026-02-02T09:10")]["excess"].max() == 0
    ev = r.events[r.events["kind"].isin(["allocate", "reconcile", "excess"])]
    assert list(zip(ev["kind"], ev["time"], ev["user"], strict=True)) == [
        ("allocate", utc("2026-02-02T09:01"), "u-1"),
        ("allocate", utc("2026-02-02T09:03"), "u-2"),
        ("reconcile", utc("2026-02-02T09:10"), "u-2"),
        ("excess", utc("2026-02-02T09:10"), "u-2"),
    ]
    assert ev.iloc[1]["detail"] == "analyzer (local)"
    assert r.kpi("peak_excess_analyzer") == 1
    assert check_result(r) == []


def test_after_the_sync_the_other_server_knows_and_refuses() -> None:
    # b at 09:25: s2's last sync was 09:20, after a's seat (09:01): 1 - 1 = 0 free.
    r = simulate(scenario([at("09:01", 0, "s1"), at("09:25", 1, "s2")]))
    assert granted(r) == ["analyzer", None]
    assert r.sessions.sort_values("start")["denied_reason"].iloc[1] == "no_seat"
    assert r.allocations["excess"].max() == 0


def test_an_allocation_at_a_sync_instant_is_carried_by_it() -> None:
    # a at 09:00 precedes the 09:00 sync, which carries it: s2 at 09:03 sees 0 free.
    r = simulate(scenario([at("09:00", 0, "s1"), at("09:03", 1, "s2")]))
    assert granted(r) == ["analyzer", None]


def test_a_user_on_a_second_server_within_the_lag_takes_no_second_seat() -> None:
    # a on s1 at 09:01 (1 of 1); a on s2 at 09:05: s2 has not heard of a's seat and gives
    # a one locally. At the 09:10 sync the pool already holds a: one seat per user, so
    # nothing is added and there is no excess. c on s1 at 09:12 finds no seat.
    r = simulate(scenario([at("09:01", 0, "s1"), at("09:05", 0, "s2"), at("09:12", 2, "s1")]))
    assert granted(r) == ["analyzer", "analyzer", None]
    a = r.allocations[r.allocations["type"] == "analyzer"]
    assert a["allocated"].max() == 1
    assert a["excess"].max() == 0
    rec = r.events[r.events["kind"] == "reconcile"]
    assert rec["time"].tolist() == [utc("2026-02-02T09:10")]
    assert rec["detail"].tolist() == ["analyzer: already allocated"]
    assert check_result(r) == []


def test_a_single_server_sees_its_own_allocations_at_once() -> None:
    r = simulate(scenario([at("09:01", 0, "s1"), at("09:03", 1, "s1")], servers=1))
    assert granted(r) == ["analyzer", None]
    assert r.events[r.events["kind"] == "reconcile"].empty


def tnd(test_and_development: str):  # type: ignore[no-untyped-def]
    return parse_scenario(
        {
            "name": "test-and-development",
            "start": "2026-02-02T00:00",
            "duration": "1d",
            "licenses": [
                {
                    "id": "corp",
                    "professional": 1,
                    "analyzer": 1,
                    "allocation": {"professional": "manual", "analyzer": "dynamic"},
                    "test_and_development": test_and_development,
                }
            ],
            "servers": [
                {"id": "prod", "license": "corp"},
                {"id": "qa", "license": "corp", "role": "test"},
            ],
            "users": [
                {
                    "group": "u",
                    "count": 2,
                    "access": "analyzer",
                    "servers": ["prod", "qa"],
                    "sessions": [at("09:00", 0, "prod"), at("11:00", 1, "qa")],
                }
            ],
        }
    )


def test_a_separate_test_and_development_license_has_seats_of_its_own() -> None:
    # a on prod at 09:00 takes production's one Analyzer seat; b on qa at 11:00 takes the
    # Test & Development pool's own one (the same allocation: 1 Analyzer), so both are in.
    r = simulate(tnd("separate"))
    assert granted(r) == ["analyzer", "analyzer"]
    a = r.allocations[r.allocations["type"] == "analyzer"]
    last = a.groupby(a["pool"].astype(str)).last()
    assert last.loc["corp", ["total", "allocated", "excess"]].tolist() == [1, 1, 0]
    assert last.loc["corp.test", ["total", "allocated", "excess"]].tolist() == [1, 1, 0]
    ev = r.events[r.events["kind"] == "allocate"]
    assert ev["license"].astype(str).tolist() == ["corp", "corp.test"]
    assert check_result(r) == []


def test_a_shared_test_server_takes_production_seats() -> None:
    # Shared (the default): a takes the one seat at 09:00; by 11:00 every server has
    # synced it, so b on qa finds none.
    r = simulate(tnd("shared"))
    assert granted(r) == ["analyzer", None]
    assert r.sessions.sort_values("start")["denied_reason"].iloc[1] == "no_seat"
    assert set(r.allocations["pool"].astype(str)) == {"corp"}
