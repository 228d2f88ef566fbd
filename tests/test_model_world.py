"""Random outages: exponential up and down times, each target on its own stream."""

import numpy as np

from sim import parse_scenario
from sim.model.world import build_world

T95_19 = 2.093  # Student t, 95 %, 19 degrees of freedom


def scenario(servers: int = 1) -> dict:  # type: ignore[type-arg]
    return {
        "name": "random-outages",
        "start": "2026-01-01T00:00",
        "duration": "365d",
        "backend": {"random_outages": {"mtbf": "10h", "mttr": "2h"}},
        "licenses": [{"id": "k", "professional": 1}],
        "servers": [
            {"id": f"s{i}", "license": "k", "random_outages": {"mtbf": "30d", "mttr": "4h"}}
            for i in range(servers)
        ],
    }


def test_backend_down_fraction_matches_mttr_over_mtbf_plus_mttr() -> None:
    sc = parse_scenario(scenario())
    fractions = []
    for rep in range(20):
        w = build_world(sc, replication=rep)
        down = sum(min(b, w.horizon) - a for a, b, _ in w.backend_outages)
        fractions.append(down / w.horizon)
    f = np.array(fractions)
    half = T95_19 * f.std(ddof=1) / np.sqrt(f.size)
    assert abs(f.mean() - 2 / 12) < half, (f.mean(), half)


def test_each_target_draws_from_its_own_stream() -> None:
    one = build_world(parse_scenario(scenario(1)))
    two = build_world(parse_scenario(scenario(2)))
    assert one.backend_outages == two.backend_outages
    assert one.servers[0].outages == two.servers[0].outages
    assert two.servers[0].outages != two.servers[1].outages
    other = build_world(parse_scenario(scenario(1)), replication=1)
    assert other.backend_outages != one.backend_outages
