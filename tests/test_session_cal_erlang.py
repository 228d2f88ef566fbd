"""QlikView Session CALs against Erlang B.

A large population opening documents around the clock is a Poisson arrival stream; a
Session CAL pool that refuses when full is an Erlang loss system, whose blocking
probability depends on the holding time only through its mean (insensitivity). Holding
time here is the session (Gamma, mean 60 clicks × 60 s) plus, for the half of sessions the
user does not close explicitly, the 1,800 s idle timeout: mean 3,600 + 0.5 × 1,800 =
4,500 s; the 15-minute minimum never binds. Tolerance: the 95 % Student-t interval
over 8 seeded replications (first day discarded as warm-up) must contain Erlang B.
"""

import numpy as np
import pytest

from sim import parse_scenario, simulate

T95_7 = 2.365
LOGOUT_SHARE = 0.5
MEAN_HOLD = 60 * 60.0 + (1 - LOGOUT_SHARE) * 1800.0
RATE_PER_USER = 0.005  # sessions per user and day: second sessions (and CAL reuse) are rare


def erlang_b(servers: int, load: float) -> float:
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def blocking(cals: int, load: float, replication: int) -> float:
    users = round(load * 86400.0 / MEAN_HOLD / RATE_PER_USER)
    sc = parse_scenario(
        {
            "name": "erlang",
            "seed": 11,
            "start": "2026-01-05T00:00",
            "duration": "40d",
            "licenses": [
                {
                    "id": "qv",
                    "activation": "lef",
                    "term": "perpetual",
                    "qlikview_cals": {"session": cals},
                }
            ],
            "servers": [{"id": "qvs", "product": "qlikview", "license": "qv"}],
            "users": [
                {
                    "group": "walk-ins",
                    "count": users,
                    "access": "session_cal",
                    "servers": ["qvs"],
                    "behaviour": {
                        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                        "day_start": {"spread": "uniform"},
                        "sessions_per_day": RATE_PER_USER,
                        "clicks_per_session": 60,
                        "click_gap": "60s",
                        "logout_share": LOGOUT_SHARE,
                    },
                }
            ],
        }
    )
    s = simulate(sc, replication=replication).sessions
    s = s[s["start"] >= s["start"].min().normalize() + np.timedelta64(1, "D")]
    return float(s["denied_reason"].notna().mean())


@pytest.mark.parametrize(("cals", "load"), [(5, 4.0), (10, 8.0), (20, 15.0)])
def test_session_cal_blocking_matches_erlang_b(cals: int, load: float) -> None:
    p = np.array([blocking(cals, load, k) for k in range(8)])
    half = T95_7 * p.std(ddof=1) / np.sqrt(p.size)
    expected = erlang_b(cals, load)
    assert p.mean() - half <= expected <= p.mean() + half, (p.mean(), half, expected)
