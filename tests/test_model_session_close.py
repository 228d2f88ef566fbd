"""Session close through the whole engine: each access type's session stays open until the
idle timeout after its last activity unless the user logs out (the project's rules digest
§3–§6). Hand-worked: the expected times are written out with their arithmetic."""

from typing import Any

import pandas as pd
import pytest

from sim import parse_scenario, simulate

DAY = "2026-02-02"


def at(hhmm: str) -> pd.Timestamp:
    return pd.Timestamp(f"{DAY}T{hhmm}", tz="UTC")


def scenario(lics: list[dict[str, Any]], srvs: list[dict[str, Any]], **group: Any):
    return parse_scenario(
        {
            "name": "close",
            "start": f"{DAY}T00:00",
            "duration": "1d",
            "licenses": lics,
            "servers": srvs,
            "users": [{"group": "g", "count": 1, **group}],
        }
    )


def sessions(sc) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return simulate(sc).sessions.sort_values("start").reset_index(drop=True)


SEATS = [{"id": "corp", "professional": 1, "analyzer": 1}]
SENSE = [{"id": "prod", "license": "corp"}]


def six(logout: bool) -> list[dict[str, Any]]:
    """Five short sessions between 10:00 and 10:22, then one at 10:30, 10:42 and 10:45; a
    scripted session without a duration times out unless it says it logs out."""
    opened = [("10:00", "10min"), ("10:12", "5min"), ("10:20", "0s"), ("10:21", "0s")]
    opened += [("10:22", "0s"), ("10:30", "0s"), ("10:42", "0s"), ("10:45", "0s")]
    return [
        {
            "at": f"{DAY}T{t}",
            "device": d,
            "activity": ["0s", last],
            **({"logout": True} if logout else {}),
        }
        for d, (t, last) in enumerate(opened)
    ]


def test_the_sixth_session_is_refused_while_five_are_in_their_idle_tail() -> None:
    s = sessions(
        scenario(SEATS, SENSE, access="professional", servers=["prod"], sessions=six(False))
    )
    # Activity ends 10:10, 10:17, 10:20, 10:21, 10:22; each closes 30 min later: 10:40,
    # 10:47, 10:50, 10:51, 10:52. At 10:30 all five are open though nobody clicks: refused.
    assert s.loc[:4, "end"].tolist() == [
        at("10:40"),
        at("10:47"),
        at("10:50"),
        at("10:51"),
        at("10:52"),
    ]
    assert s.loc[5, "denied_reason"] == "parallel_limit"
    # The first closes at 10:40 with five open, so its slot waits 5 min: 10:42 is refused,
    # 10:45 is granted (and closes at 10:45 + 30 min).
    assert s.loc[6, "denied_reason"] == "parallel_limit"
    assert s.loc[7, "access"] == "professional"
    assert s.loc[7, "end"] == at("11:15")


def test_the_sixth_session_is_granted_when_the_earlier_ones_logged_out() -> None:
    s = sessions(
        scenario(SEATS, SENSE, access="professional", servers=["prod"], sessions=six(True))
    )
    # Logged out at 10:10, 10:17, 10:20, 10:21, 10:22: nothing is open at 10:30.
    assert s.loc[:4, "end"].tolist() == [
        at("10:10"),
        at("10:17"),
        at("10:20"),
        at("10:21"),
        at("10:22"),
    ]
    assert s["access"].tolist() == ["professional"] * 8
    assert s.loc[5, "end"] == at("10:30")


def one(access: str, lics: list[dict[str, Any]], srvs: list[dict[str, Any]]) -> pd.DataFrame:
    """One session at 10:00 with clicks at 0 and 10 min, on each way of leaving it."""
    ways = [{}, {"logout": True}, {"duration": "20min"}, {"duration": "20min", "logout": False}]
    return sessions(
        scenario(
            lics,
            srvs,
            access=access,
            servers=[srvs[0]["id"]],
            sessions=[
                {"at": f"{DAY}T{10 + k}:00", "activity": ["0s", "10min"], **w}
                for k, w in enumerate(ways)
            ],
        )
    )


@pytest.mark.parametrize("access", ["professional", "analyzer"])
def test_user_based_sessions_close_at_the_timeout_or_the_logout(access: str) -> None:
    s = one(access, SEATS, SENSE)
    assert s["access"].tolist() == [access] * 4
    # 10:10 + 30 min; logout at 11:10; logout at 12:00 + 20 min; tab closed 13:20 + 30 min
    assert s["end"].tolist() == [at("10:40"), at("11:10"), at("12:20"), at("13:50")]
    assert s["planned_end"].tolist() == [at("10:10"), at("11:10"), at("12:20"), at("13:20")]


def test_capacity_sessions_stay_open_but_are_charged_for_activity_only() -> None:
    s = one("capacity", [{"id": "corp", "capacity_minutes": 1000}], SENSE)
    assert s["access"].tolist() == ["capacity"] * 4
    assert s["end"].tolist() == [at("10:40"), at("11:10"), at("12:20"), at("13:50")]
    # clicks at 0 and 10 min start two 6-minute units; the idle tail starts none
    assert s["capacity_minutes"].tolist() == [12.0] * 4


TOKENS = [
    {
        "id": "tokens",
        "activation": "lef",
        "term": "perpetual",
        "tokens": {"user_passes": 1, "login_passes": 10},
    }
]
QS = [{"id": "qs", "license": "tokens"}]


def test_user_pass_sessions_close_at_the_timeout_or_the_logout() -> None:
    s = one("user_pass", TOKENS, QS)
    assert s["access"].tolist() == ["user_pass"] * 4
    assert s["end"].tolist() == [at("10:40"), at("11:10"), at("12:20"), at("13:50")]


def test_login_passes_count_until_the_close() -> None:
    s = one("login_pass", TOKENS, QS)
    assert s["end"].tolist() == [at("10:40"), at("11:10"), at("12:20"), at("13:50")]
    # Each login (10:00, 11:00, 12:00, 13:00) is at or past the end of the previous pass's
    # 60 minutes, so it takes a pass; each closes (10:40, 11:10, 12:20, 13:50) within it.
    assert s["login_passes"].tolist() == [1, 1, 1, 1]


def test_qlikview_cal_sessions_close_at_qlikviews_own_idle_timeout() -> None:
    sc = scenario(
        [{"id": "qv", "activation": "lef", "term": "perpetual", "qlikview_cals": {"session": 1}}],
        [{"id": "qvs", "product": "qlikview", "license": "qv"}],
        access="session_cal",
        servers=["qvs"],
        sessions=[
            {"at": f"{DAY}T{10 + k}:00", "activity": ["0s", "10min"], **w}
            for k, w in enumerate([{}, {"logout": True}])
        ],
    )
    sc = sc.model_copy(
        update={"rules": sc.rules.model_copy(update={"qlikview_idle_timeout": 900.0})}
    )
    s = sessions(sc)
    # 10:10 + 900 s; closed explicitly at 11:10
    assert s["end"].tolist() == [at("10:25"), at("11:10")]


def generated(share: float) -> pd.DataFrame:
    sc = parse_scenario(
        {
            "name": "close",
            "start": f"{DAY}T00:00",
            "duration": "14d",
            "licenses": [{"id": "corp", "professional": 20}],
            "servers": SENSE,
            "users": [
                {
                    "group": "g",
                    "count": 20,
                    "access": "professional",
                    "servers": ["prod"],
                    "behaviour": {"logout_share": share, "session_break": "20min", "devices": 2},
                }
            ],
        }
    )
    return simulate(sc).sessions


def test_generated_sessions_time_out_unless_logged_out_and_the_draw_shifts_nothing_else() -> None:
    never, always, half = generated(0.0), generated(1.0), generated(0.5)
    for other in (always, half):
        for col in ("user", "device", "start", "planned_end", "clicks"):
            assert other[col].tolist() == never[col].tolist()
    granted = never["access"].notna() & never["interrupted"].isna()
    tail = (never["end"] - never["planned_end"])[granted]
    assert (tail == pd.Timedelta(minutes=30)).all()
    assert (always["end"] == always["planned_end"])[always["access"].notna()].all()
    halves = (half["end"] - half["planned_end"])[half["access"].notna()]
    assert 0.3 < (halves == pd.Timedelta(0)).mean() < 0.7
