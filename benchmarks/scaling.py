"""How the cost grows: users × days → seconds and user-months per second.

Runs the reference workload (``reference_year.yaml``) at 1k / 5k / 10k users over 30 / 90 /
365 days and prints a Markdown table (the one in the README). Not part of the test suite.

    python benchmarks/scaling.py
"""

from __future__ import annotations

import time
from pathlib import Path

from sim import load_scenario, simulate

HERE = Path(__file__).resolve().parent
MONTH_DAYS = 365.0 / 12.0


def main() -> None:
    base = load_scenario(HERE / "reference_year.yaml")
    print("| users | days | seconds | user-months/s |")
    print("|---:|---:|---:|---:|")
    for users in (1_000, 5_000, 10_000):
        for days in (30, 90, 365):
            sc = base.with_overrides(
                {
                    "users.analyzers.count": users // 2,
                    "users.capacity.count": users // 2,
                    "duration": f"{days}d",
                }
            )
            began = time.perf_counter()
            simulate(sc)
            wall = time.perf_counter() - began
            rate = users * days / MONTH_DAYS / wall
            print(f"| {users:,} | {days} | {wall:.2f} | {rate:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
