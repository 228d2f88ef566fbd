"""The naive per-click model: the speed baseline and an independent oracle for capacity.

A straightforward SimPy model of design.md's default behaviour with one process per user
and one event per click: each working day the user starts at Normal(09:00, 30 min) UTC,
opens Poisson(2) sessions separated by Exponential(1 h) breaks; a session opens an app and
makes Poisson(40) clicks at Exponential(45 s) gaps. Every activity (the opening and each
click) that falls outside the running 6-minute unit starts a new unit, charged to the UTC
month in which it starts. Nothing here is shared with licsim's engine except the behaviour
parameters, so agreement between the two is evidence, not tautology.

    python benchmarks/naive_per_click.py --users 200 --days 90
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import simpy

DAY = 86400.0
UNIT = 360.0


def _user(
    env: simpy.Environment,
    rng: np.random.Generator,
    start: datetime,
    days: int,
    minutes: dict[tuple[int, str], float],
    uid: int,
    counter: list[int],
) -> Generator[Any, Any, None]:
    unit_end = -np.inf
    for d in range(days):
        day = start + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        first = d * DAY + float(np.clip(rng.normal(9 * 3600, 1800), 0, DAY - 1))
        yield env.timeout(max(0.0, first - env.now))
        for _ in range(rng.poisson(2.0)):
            clicks = rng.poisson(40.0)
            for c in range(clicks + 1):
                if c:
                    yield env.timeout(rng.exponential(45.0))
                counter[0] += 1
                if env.now >= unit_end:
                    unit_end = env.now + UNIT
                    month = (start + timedelta(seconds=env.now)).strftime("%Y-%m")
                    minutes[(uid, month)] += 6.0
            yield env.timeout(rng.exponential(3600.0))


def simulate_naive(
    users: int, days: int, start: datetime, seed: int
) -> tuple[dict[tuple[int, str], float], int]:
    """Capacity minutes per (user, UTC month) and the number of clicks simulated."""
    env = simpy.Environment()
    minutes: dict[tuple[int, str], float] = defaultdict(float)
    counter = [0]
    root = np.random.SeedSequence(seed)
    for uid, child in enumerate(root.spawn(users)):
        env.process(_user(env, np.random.default_rng(child), start, days, minutes, uid, counter))
    env.run(until=days * DAY)
    return dict(minutes), counter[0]


def per_user_month(
    minutes: dict[tuple[int, str], float], users: int, months: list[str]
) -> np.ndarray:
    """Minutes of every (user, month) pair for the given months, zeros included."""
    return np.array([minutes.get((u, m), 0.0) for u in range(users) for m in months])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    minutes, clicks = simulate_naive(a.users, a.days, start, a.seed)
    wall = time.perf_counter() - began
    user_months = a.users * a.days / (365.0 / 12.0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"naive per-click: {a.users} users x {a.days} days in {wall:.2f} s")
    print(f"  user-months/s   {user_months / wall:,.0f}")
    print(f"  click events    {clicks:,}")
    print(f"  capacity min    {sum(minutes.values()) / user_months:,.1f} per user-month")
    print(f"  peak RSS        {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
