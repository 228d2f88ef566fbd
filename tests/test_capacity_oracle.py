"""Capacity minutes from the engine agree with the naive per-click oracle.

``benchmarks/naive_per_click.py`` simulates every click of design.md's default behaviour
with SimPy and charges 6-minute units directly; the engine never draws a click (it draws a
few unit windows per session). Same behaviour model, independent random streams: the mean
capacity minutes per user-month must agree within 3 standard errors of their difference,
on a population large enough that 3 standard errors are under 2 % of the mean.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from sim import parse_scenario, simulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from naive_per_click import per_user_month, simulate_naive  # noqa: E402

USERS = 130
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def engine_minutes() -> np.ndarray:
    sc = parse_scenario(
        {
            "name": "oracle",
            "seed": 2026,
            "start": "2026-01-01T00:00",
            "duration": "365d",
            "licenses": [{"id": "cap", "capacity_minutes": 10_000_000}],
            "servers": [{"id": "prod", "license": "cap"}],
            "users": [{"group": "cap", "count": USERS, "access": "capacity", "servers": ["prod"]}],
        }
    )
    units = simulate(sc, record_units=True).units
    assert units is not None
    month = units["time"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
    table = units.groupby([units["user"].astype(str), month]).size() * 6.0
    users = [f"cap-{k:03d}" for k in range(1, USERS + 1)]
    return np.array([table.get((u, m), 0.0) for u in users for m in MONTHS])


def test_engine_agrees_with_the_per_click_oracle() -> None:
    engine = engine_minutes()
    minutes, _ = simulate_naive(USERS, 365, datetime(2026, 1, 1, tzinfo=UTC), seed=77)
    naive = per_user_month(minutes, USERS, MONTHS)
    assert engine.size == naive.size == USERS * 12
    se = np.sqrt(engine.var(ddof=1) / engine.size + naive.var(ddof=1) / naive.size)
    mean = (engine.mean() + naive.mean()) / 2
    assert 3 * se < 0.02 * mean, "population too small for the stated precision"
    assert abs(engine.mean() - naive.mean()) < 3 * se, (engine.mean(), naive.mean(), se)
