"""Model validity: laws of queueing, metamorphic relations, and a long horizon.

Each test states its tolerance. Runs are seeded; the hypothesis tests follow the profiles of
``conftest.py`` (derandomized in CI). Metamorphic tests use common random numbers: the same
seed and replication with one parameter changed, so every user behaves identically (the
engine draws behaviour from streams keyed by name) and only the licensing outcome may move.
"""

import re
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import parse_scenario, simulate
from sim.check import check_result, describe

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def seconds(t: pd.Series, start: datetime) -> np.ndarray:
    return (t - pd.Timestamp(start)).dt.total_seconds().to_numpy()


def test_littles_law_on_granted_sessions() -> None:
    """L = λW for granted sessions, L measured independently of λ and W.

    L is the mean number of concurrent sessions at 2,000 uniformly random instants per day;
    λW is the duration of the sessions that start that day, summed, over the day's length
    (arrival rate × mean duration). The first 2 days are warm-up and the last is dropped
    (sessions starting on it may run past the horizon). Tolerance: the mean daily
    difference L − λW lies within 3 standard errors of the batch means (one batch per day,
    25 batches), and 3 standard errors are under 3 % of λW so that the test has teeth.
    Measured: L = 3.692, λW = 3.713, difference −0.021 = 0.76 standard errors (0.027).
    """
    sc = parse_scenario(
        {
            "name": "little",
            "seed": 3,
            "start": "2026-01-05T00:00",
            "duration": "28d",
            "licenses": [
                {
                    "id": "lef",
                    "activation": "lef",
                    "term": "perpetual",
                    "analyzer": 100,
                    "professional": 1,
                }
            ],
            "servers": [{"id": "prod", "license": "lef"}],
            "users": [
                {
                    "group": "readers",
                    "count": 60,
                    "access": "analyzer",
                    "servers": ["prod"],
                    "behaviour": {"days": EVERY_DAY, "sessions_per_day": 3},
                }
            ],
        }
    )
    s = simulate(sc).sessions
    s = s[s["access"].notna()]
    start = seconds(s["start"], sc.start_at)
    end = seconds(s["end"], sc.start_at)
    starts, ends = np.sort(start), np.sort(end)
    rng = np.random.default_rng(2026)
    day, l_batch, lw_batch = 86400.0, [], []
    for k in range(2, 27):
        t = rng.uniform(k * day, (k + 1) * day, 2000)
        open_now = np.searchsorted(starts, t, "right") - np.searchsorted(ends, t, "right")
        l_batch.append(open_now.mean())
        begins = (start >= k * day) & (start < (k + 1) * day)
        lw_batch.append((end[begins] - start[begins]).sum() / day)
    diff = np.array(l_batch) - np.array(lw_batch)
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert abs(diff.mean()) <= 3 * se, (np.mean(l_batch), np.mean(lw_batch), se)
    assert 3 * se < 0.03 * np.mean(lw_batch), "too few samples for the stated precision"


def seats_scenario(analyzers: int, outage_hours: float = 0.0) -> dict[str, Any]:
    """30 dynamic Analyzer users on one SLK server, with an optional backend outage."""
    return {
        "name": "seats",
        "seed": 5,
        "start": "2026-03-02T00:00",
        "duration": "14d",
        "backend": {
            "outages": [{"start": "2026-03-02T08:00", "duration": f"{outage_hours}h"}]
            if outage_hours
            else []
        },
        "licenses": [
            {
                "id": "corp",
                "professional": 1,
                "analyzer": analyzers,
                "allocation": {"analyzer": "dynamic"},
            }
        ],
        "servers": [{"id": "prod", "license": "corp"}],
        "users": [{"group": "readers", "count": 30, "access": "analyzer", "servers": ["prod"]}],
    }


def denied(data: dict[str, Any], reason: str | None = None) -> pd.DataFrame:
    s = simulate(parse_scenario(data)).sessions
    d = s[s["denied_reason"].notna()]
    return d if reason is None else d[d["denied_reason"] == reason]


@settings(max_examples=12)
@given(seats=st.integers(0, 30), more=st.integers(1, 10))
def test_more_seats_never_more_no_seat_denials(seats: int, more: int) -> None:
    """Adding Analyzer seats never adds a ``no_seat`` denial (tolerance: none; in fact each
    session denied with more seats is denied with fewer). Dynamic allocation hands seats out
    in first-login order, which common random numbers keep the same in both variants, so
    the users served with more seats are a superset."""
    few = denied(seats_scenario(seats), "no_seat")
    many = denied(seats_scenario(seats + more), "no_seat")
    assert len(many) <= len(few)
    keys = ["user", "start"]
    assert set(map(tuple, many[keys].astype(str).to_numpy())) <= set(
        map(tuple, few[keys].astype(str).to_numpy())
    )


@settings(max_examples=12)
@given(hours=st.floats(0.5, 150.0), longer=st.floats(0.5, 100.0))
def test_longer_outage_never_fewer_denials(hours: float, longer: float) -> None:
    """A longer backend outage (same start) never denies fewer sessions; tolerance: none
    (each session denied in the shorter outage is denied in the longer one).

    Restricted to a pool with a seat for every user. With scarce dynamic seats the relation
    legitimately breaks: a user refused during the longer outage may lose the seat to one
    who logs in later, and then the two users' session counts decide the total. Measured
    with 5 seats for these 30 users: a 1 h outage denies 529 sessions, a 2 h one 518,
    because the five seats go to five other users, who happen to log in more often.
    """
    short = denied(seats_scenario(30, hours))
    long = denied(seats_scenario(30, hours + longer))
    assert len(long) >= len(short)
    keys = ["user", "start"]
    assert set(map(tuple, short[keys].astype(str).to_numpy())) <= set(
        map(tuple, long[keys].astype(str).to_numpy())
    )


def capacity_scenario(minutes: int) -> dict[str, Any]:
    return {
        "name": "capacity",
        "seed": 9,
        "start": "2026-01-01T00:00",
        "duration": "90d",
        "licenses": [{"id": "cap", "capacity_minutes": minutes}],
        "servers": [{"id": "prod", "license": "cap"}],
        "users": [{"group": "cap", "count": 15, "access": "capacity", "servers": ["prod"]}],
    }


@settings(max_examples=10)
@given(minutes=st.integers(0, 20_000), more=st.integers(1, 10_000))
def test_more_capacity_never_exhausts_earlier(minutes: int, more: int) -> None:
    """More capacity minutes never bring a month's exhaustion earlier; tolerance: none.

    Until the smaller allowance runs out both variants charge the same units, so the larger
    one has consumed the same and cannot run out sooner; a month that never runs out with
    the smaller allowance never runs out with the larger one."""
    small = simulate(parse_scenario(capacity_scenario(minutes))).capacity
    large = simulate(parse_scenario(capacity_scenario(minutes + more))).capacity
    both = small.merge(large, on=["license", "month"], suffixes=("_small", "_large"))
    assert len(both) == len(small) == len(large)
    never = both["exhausted_at_large"].isna()
    later = both["exhausted_at_large"] >= both["exhausted_at_small"]
    assert (never | later).all(), both[["month", "exhausted_at_small", "exhausted_at_large"]]


def shifted(weeks: int) -> dict[str, Any]:
    """A scenario without Analyzer Capacity whose every timestamp moves by ``weeks``."""
    base = datetime(2026, 2, 2) + timedelta(weeks=weeks)

    def at(days: float, hours: float = 0.0) -> str:
        return (base + timedelta(days=days, hours=hours)).isoformat()

    return {
        "name": "shift",
        "seed": 13,
        "start": at(0),
        "end": at(35),
        "backend": {"outages": [{"start": at(9, 10), "duration": "5h"}]},
        "licenses": [
            {
                "id": "corp",
                "professional": 3,
                "analyzer": 12,
                "allocation": {"analyzer": "dynamic"},
                "valid_until": at(30),
                "changes": [{"at": at(14), "analyzer": 8}],
            }
        ],
        "servers": [
            {
                "id": "prod",
                "license": "corp",
                "link_outages": [{"start": at(14, 8), "duration": "100h", "cause": "firewall"}],
            },
            {"id": "test", "license": "corp", "role": "test"},
        ],
        "users": [
            {"group": "makers", "count": 4, "access": "professional", "servers": ["prod", "test"]},
            {"group": "readers", "count": 16, "access": "analyzer", "servers": ["prod"]},
        ],
    }


ISO_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def _unshift(table: pd.DataFrame, by: pd.Timedelta) -> pd.DataFrame:
    """``table`` moved back by ``by``: its timestamp columns and the timestamps written in
    event details (``last contact at 2026-02-11T09:50:00+00:00``)."""
    out = table.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col] - by
    if "detail" in out.columns:

        def back(m: re.Match[str]) -> str:
            return (pd.Timestamp(m.group(0)) - by).isoformat()

        out["detail"] = (
            out["detail"]
            .map(lambda d: ISO_STAMP.sub(back, d) if isinstance(d, str) else d)
            .astype(table["detail"].dtype)
        )
    return out


@settings(max_examples=4)
@given(weeks=st.integers(-52, 104).filter(bool))
def test_shifting_by_whole_weeks_shifts_every_output_timestamp(weeks: int) -> None:
    """Moving every input timestamp by whole weeks moves every output timestamp by the same
    amount and changes nothing else; tolerance: exact equality of every table. No Analyzer
    Capacity: its calendar months would legitimately break this."""
    a, b = simulate(parse_scenario(shifted(0))), simulate(parse_scenario(shifted(weeks)))
    assert a.kpi("sessions_denied") > 0 and a.kpi("sessions_granted") > 0
    by = pd.Timedelta(weeks=weeks)
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, _unshift(b.tables()[name], by), obj=name)


def decade() -> dict[str, Any]:
    """Ten years of 20 users (Professional, Analyzer and capacity) on an SLK with outages."""
    return {
        "name": "decade",
        "seed": 10,
        "start": "2026-01-01T00:00",
        "duration": "3652d",
        "backend": {"random_outages": {"mtbf": "60d", "mttr": "30h"}},
        "licenses": [
            {
                "id": "corp",
                "professional": 2,
                "analyzer": 8,
                "capacity_minutes": 600,
                "allocation": {"analyzer": "dynamic"},
            }
        ],
        "servers": [{"id": "prod", "license": "corp"}],
        "users": [
            {"group": "makers", "count": 2, "access": "professional", "servers": ["prod"]},
            {
                "group": "readers",
                "count": 10,
                "access": ["analyzer", "capacity"],
                "servers": ["prod"],
            },
            {"group": "casual", "count": 8, "access": "capacity", "servers": ["prod"]},
        ],
    }


def test_ten_year_horizon_keeps_every_invariant() -> None:
    """The ten-year run completes, up to its last week, and every invariant of
    :mod:`sim.check` holds (tolerance: none)."""
    sc = parse_scenario(decade())
    r = simulate(sc, record_units=True)
    assert r.sessions["end"].max() <= pd.Timestamp(sc.end_at)
    assert r.sessions["start"].max() > pd.Timestamp(sc.end_at) - pd.Timedelta(days=7)
    assert len(r.capacity) == 120
    assert r.kpi("denied_grace_expired") > 0 and r.kpi("capacity_denied_units") > 0
    violations = check_result(r)
    assert not violations, describe(violations)
