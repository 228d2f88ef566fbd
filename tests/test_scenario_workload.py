"""Valid files that ask for too much work are refused up front, naming the keys.

Each case is a file of a few hundred bytes that the first session estimate let through
(25 users × 14 days of 1-second login passes ran 4 min 33 s in 4.3 GB; a desktop
launched four million times a week; a million users over twenty years; sessions of
10,000 clicks ten minutes apart). The expected estimates are worked by hand below.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, parse_scenario
from sim.scenario.workload import LIMITS, estimate


def scenario(**change: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "w",
        "start": "2026-01-05",
        "duration": "14d",
        "licenses": [
            {"id": "corp", "capacity_minutes": 600_000},
            {"id": "tok", "activation": "lef", "tokens": {"login_passes": 1000}},
        ],
        "servers": [{"id": "prod", "license": "corp"}, {"id": "old", "license": "tok"}],
        "users": [
            {
                "group": "a",
                "count": 25,
                "access": "capacity",
                "servers": ["prod"],
                "behaviour": {"sessions_per_day": 2, "clicks_per_session": 40, "click_gap": "45s"},
            }
        ],
    }
    data.update(change)
    return data


def loads(data: dict[str, object]) -> dict[str, float]:
    sc = parse_scenario(data)
    loads = estimate(sc.users, sc.desktops, sc.rules, sc.horizon)
    return {load.what: load.estimate for load in loads}


def test_the_estimates_match_hand_worked_figures() -> None:
    # 25 users × 1 device × 2 sessions × 5/7 working days × 14 days = 500 sessions; a
    # session lasts 40 × 45 s = 30 min = 5 units of 6 min, so 500 × (1 + 5) = 3,000 units.
    got = loads(scenario())
    assert got["sessions"] == pytest.approx(500)
    assert got["user-days"] == pytest.approx(25 * 14)
    assert got["capacity units"] == pytest.approx(3000)
    assert got["login passes"] == 0 and got["desktop launches"] == 0
    # Login passes: (30 min + 30 min inactivity) / 60 min = 1 pass a session.
    group = {**scenario()["users"][0], "access": "login_pass", "servers": ["old"]}  # type: ignore[index]
    assert loads(scenario(users=[group]))["login passes"] == pytest.approx(500)
    # Desktops: 25 users × 2 machines × 5 a week × 2 weeks = 500 launches.
    desk = {"id": "d", "product": "qlik_sense_desktop", "users": "a", "server": "prod",
            "launches_per_week": 5, "machines": 2}  # fmt: skip
    assert loads(scenario(desktops=[desk]))["desktop launches"] == pytest.approx(500)


def validate(tmp_path: Path, data: dict[str, object]) -> subprocess.CompletedProcess[str]:
    import yaml

    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    return subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _group(**behaviour: object) -> dict[str, object]:
    base = scenario()["users"][0]  # type: ignore[index]
    return {**base, "behaviour": {**base["behaviour"], **behaviour}}


@pytest.mark.parametrize(
    "change, words",
    [
        ({"rules": {"login_pass_period": "1s", "session_inactivity": "8h"}},
         ["rules.login_pass_period", "'1s'", "from 10min to 1d"]),
        ({"rules": {"session_inactivity": "30d"}}, ["rules.session_inactivity", "to 1d"]),
        ({"rules": {"capacity_unit": "1s"}}, ["rules.capacity_unit", "from 1min to 1h"]),
        ({"rules": {"user_sync_interval": "1s"}}, ["rules.user_sync_interval"]),
        ({"desktops": [{"id": "d", "product": "qlik_sense_desktop", "users": "a",
                        "server": "prod", "launches_per_week": 4e6}]},
         ["desktops", "desktop launches", "launches_per_week"]),
        ({"duration": "7300d", "users": [{**_group(sessions_per_day=0.0001), "count": 1_000_000}]},
         ["about 7,300,000,000 user-days", "users[].count"]),
        ({"users": [_group(clicks_per_session=10_000, click_gap="10min")]},
         ["users[0].behaviour.clicks_per_session", "clicks_per_session × click_gap"]),
    ],
    ids=["1s-login-pass", "long-inactivity", "1s-unit", "1s-sync", "launches", "user-days",
         "endless-sessions"],
)  # fmt: skip
def test_expensive_files_are_refused_naming_the_keys(
    tmp_path: Path, change: dict[str, object], words: list[str]
) -> None:
    done = validate(tmp_path, scenario(**change))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_login_passes_are_bounded_with_real_rule_values() -> None:
    # 100,000 users of 10-minute passes held 24 h each: 2 sessions × 5/7 × 14 d × 145.
    group = {**_group(), "count": 100_000, "access": "login_pass", "servers": ["old"]}
    rules = {"login_pass_period": "10min", "session_inactivity": "24h"}
    with pytest.raises(ScenarioError, match="login passes"):
        parse_scenario(scenario(users=[group], rules=rules))
    assert LIMITS["login passes"] == 10_000_000
