"""The reference year: 10,000 users for 365 days, against the naive per-click model.

Runs ``benchmarks/reference_year.yaml`` through licsim (engine and result tables) and the
naive one-event-per-click SimPy model on a slice of the same population, side by side in
one process, and prints wall time, user-months per second, events processed, peak RSS and
the speed ratio. Not part of the test suite.

    python benchmarks/reference_year.py [--naive-users 300]
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from naive_per_click import simulate_naive

from sim import load_scenario, simulate

HERE = Path(__file__).resolve().parent
MONTH_DAYS = 365.0 / 12.0


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", type=Path, default=HERE / "reference_year.yaml")
    p.add_argument("--naive-users", type=int, default=300)
    a = p.parse_args()

    sc = load_scenario(a.scenario)
    users = sum(g.count for g in sc.users)
    days = sc.horizon / 86400.0
    began = time.perf_counter()
    r = simulate(sc)
    wall = time.perf_counter() - began
    rss = peak_rss_mib()
    user_months = users * days / MONTH_DAYS
    units = r.kpi("capacity_minutes_consumed") / (sc.rules.capacity_unit / 60.0)
    processed = len(r.sessions) + int(units) + len(r.events)
    print(f"licsim: {users:,} users x {days:.0f} days in {wall:.2f} s")
    print(f"  user-months/s      {user_months / wall:,.0f}")
    print(
        f"  events processed   {processed:,} ({len(r.sessions):,} sessions, "
        f"{int(units):,} capacity units, {len(r.events):,} license events)"
    )
    print(f"  events/s           {processed / wall:,.0f}")
    print(f"  peak RSS           {rss:,.0f} MiB")

    began = time.perf_counter()
    _, clicks = simulate_naive(a.naive_users, int(days), datetime(2026, 1, 1, tzinfo=UTC), 1)
    naive_wall = time.perf_counter() - began
    naive_rate = a.naive_users * days / MONTH_DAYS / naive_wall
    print(f"naive per-click: {a.naive_users:,} users x {days:.0f} days in {naive_wall:.2f} s")
    print(f"  user-months/s      {naive_rate:,.0f} ({clicks:,} click events)")
    print(f"speed ratio          {user_months / wall / naive_rate:,.1f}x")


if __name__ == "__main__":
    main()
