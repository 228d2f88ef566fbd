"""Last use of every seat kind, and the quarantine and idle reclaim that count from it:
hand-worked timelines (licensing-rules §3, §4.4, §5, §6).

Last use is the start of the holder's latest session granted on the seat. A removed seat
used within the last 7 days is quarantined until 7 days after that use (same time of
day); one not used within them, or never used, is released at once. The reclaim policy
releases a seat unused for ``idle``.
"""

from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, simulate

HERE = Path(__file__).parent / "scenarios"
POOL_EVENTS = ["allocate", "allocate_refused", "deallocate", "quarantine", "quarantine_end"]


def run(name: str):  # type: ignore[no-untyped-def]
    return simulate(load_scenario(HERE / name))


def lst(series: pd.Series) -> list:  # type: ignore[type-arg]
    return [None if pd.isna(x) else x for x in series]


def utc(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts, tz="UTC")


def sessions_of(result, user: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    s = result.sessions
    return s[s["user"] == user].sort_values("start").reset_index(drop=True)


def pool_events(result) -> list[tuple[pd.Timestamp, str, str]]:  # type: ignore[no-untyped-def]
    e = result.events
    e = e[e["kind"].isin(POOL_EVENTS)]
    return list(zip(e["time"], e["kind"], e["user"], strict=True))


@pytest.mark.parametrize(
    ("scenario", "holder", "idler", "seat", "server"),
    [
        ("user-pass-daily-reclaim.yaml", "staff-1", "staff-2", "user_pass", "qs"),
        ("named-cal-daily-reclaim.yaml", "clerk-1", "clerk-2", "named_cal", "qvs"),
    ],
)
def test_a_holder_logging_in_daily_is_never_reclaimed(
    scenario: str, holder: str, idler: str, seat: str, server: str
) -> None:
    r = run(scenario)
    daily = sessions_of(r, holder)
    assert lst(daily["access"]) == [seat] * 10
    assert daily["denied_reason"].isna().all()
    # The idle holder: last used 2 Feb 09:00, idle 3 days at the 5th 09:00, released at the
    # next daily check (6 Feb 00:00), quarantined until 9 Feb 09:00.
    assert pool_events(r) == [
        (utc("2026-02-02T00:00"), "allocate", holder),
        (utc("2026-02-02T00:00"), "allocate", idler),
        (utc("2026-02-06T00:00"), "deallocate", idler),
        (utc("2026-02-06T00:00"), "quarantine", idler),
        (utc("2026-02-09T09:00"), "quarantine_end", idler),
    ]
    e = r.events.set_index("kind")
    assert e.loc["deallocate", "detail"].startswith(f"{seat} (reclaim: idle")
    assert e.loc["quarantine", "server"] == server
    idle = sessions_of(r, idler)
    assert lst(idle["access"]) == [seat, None]
    assert lst(idle["denied_reason"]) == [None, "quarantined"]


@pytest.mark.parametrize(
    ("scenario", "first", "second", "seat", "no_seat"),
    [
        ("user-pass-quarantine.yaml", "staff-1", "staff-2", "user_pass", "no_seat"),
        ("named-cal-quarantine.yaml", "clerk-1", "clerk-2", "named_cal", "no_cal"),
    ],
)
def test_quarantine_counts_from_the_last_use_not_the_allocation(
    scenario: str, first: str, second: str, seat: str, no_seat: str
) -> None:
    r = run(scenario)
    # Allocated 2 Feb, used 11 Feb 10:00, removed 12 Feb 09:00: quarantined until 18 Feb
    # 10:00; staff-2 is refused at 09:00 on the 15th and at 09:59 on the 18th.
    assert pool_events(r) == [
        (utc("2026-02-02T00:00"), "allocate", first),
        (utc("2026-02-12T09:00"), "deallocate", first),
        (utc("2026-02-12T09:00"), "quarantine", first),
        (utc("2026-02-15T09:00"), "allocate_refused", second),
        (utc("2026-02-18T09:59"), "allocate_refused", second),
        (utc("2026-02-18T10:00"), "quarantine_end", first),
        (utc("2026-02-18T10:00"), "allocate", second),
    ]
    q = r.events[r.events["kind"] == "quarantine"].iloc[0]
    # 16 days 10 hours after the start; last used 9 days 10 hours after it.
    until, used = "2026-02-18T10:00:00+00:00", "2026-02-11T10:00:00+00:00"
    assert q["detail"] == f"{seat} until {until} (last used {used})"
    assert lst(sessions_of(r, first)["denied_reason"]) == [None, "quarantined"]
    later = sessions_of(r, second)
    assert lst(later["denied_reason"]) == [no_seat, None]
    assert lst(later["access"]) == [None, seat]
    a = r.allocations[r.allocations["type"] == seat]
    during = a[a["time"] == utc("2026-02-12T09:00")].iloc[-1]
    assert (during["allocated"], during["quarantined"], during["available"]) == (0, 1, 0)


def test_a_lef_seat_last_used_10_days_ago_is_released_and_2_days_ago_quarantined() -> None:
    r = run("lef-last-use.yaml")
    assert pool_events(r) == [
        (utc("2026-02-02T00:00"), "allocate", "team-1"),
        (utc("2026-02-02T00:00"), "allocate", "team-2"),
        # team-1 used it on the 2nd at 10:00: quarantined until the 9th at 10:00
        (utc("2026-02-03T09:00"), "deallocate", "team-1"),
        (utc("2026-02-03T09:00"), "quarantine", "team-1"),
        (utc("2026-02-06T09:00"), "allocate", "team-1"),  # reinstated, never used again
        # last use 10 days before: released at once, and team-3 has it half an hour later
        (utc("2026-02-12T10:00"), "deallocate", "team-1"),
        (utc("2026-02-12T10:30"), "allocate", "team-3"),
        # team-2 used it 2 days before (10th 10:00): quarantined until the 17th 10:00
        (utc("2026-02-12T12:00"), "deallocate", "team-2"),
        (utc("2026-02-12T12:00"), "quarantine", "team-2"),
        (utc("2026-02-17T09:59"), "allocate_refused", "team-4"),
        (utc("2026-02-17T10:00"), "quarantine_end", "team-2"),
        (utc("2026-02-17T10:00"), "allocate", "team-4"),
    ]
    allocated = r.events[r.events["kind"] == "allocate"]["detail"].tolist()
    assert allocated[2] == "analyzer (reinstated)"
    assert lst(sessions_of(r, "team-3")["access"]) == ["analyzer"]
    team4 = sessions_of(r, "team-4")
    assert lst(team4["access"]) == [None, "analyzer"]
    assert lst(team4["denied_reason"]) == ["no_seat", None]


def test_a_lef_seat_never_used_is_released_at_once() -> None:
    r = run("lef-release-unused.yaml")
    assert pool_events(r) == [
        (utc("2026-02-03T09:00"), "allocate", "team-1"),
        (utc("2026-02-05T09:00"), "deallocate", "team-1"),
        (utc("2026-02-05T10:00"), "allocate", "team-2"),
    ]
    team2 = sessions_of(r, "team-2")
    assert lst(team2["access"]) == ["analyzer"]
    a = r.allocations[r.allocations["type"] == "analyzer"]
    freed = a[a["time"] == utc("2026-02-05T09:00")].iloc[-1]
    assert (freed["allocated"], freed["quarantined"], freed["available"]) == (0, 0, 1)
