"""The performance issue's five workloads, each side by side with the naive per-click model.

Each workload is a scenario file in ``benchmarks/``: the reference year (enough seats,
ample minutes), scarce dynamic seats with capacity that runs out every month, a token site
(user and login passes), Analyzer users on five devices each (the parallel limit is
reachable) and 20 users over ten years. For each, in one run of this script, a child
process runs licsim's engine and builds every result table (``run_engine`` +
``build_result``), and another child runs the naive one-event-per-click SimPy model
(``naive_per_click.py``) on a comparable population: up to ``--naive-users`` users over the
workload's days. Each child is its own process so its peak RSS (``ru_maxrss``) is the
workload's alone. Prints a Markdown table: user-months per second of both, the ratio,
licsim's wall seconds, sessions and peak RSS, and the machine's load. Not part of the
test suite.

    python benchmarks/workloads.py                      # all five, full size (a few minutes)
    python benchmarks/workloads.py --scale 0.1 --days 60   # a quick look (< 1 min)
    python benchmarks/workloads.py --only five-devices --only token-site
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MONTH_DAYS = 365.0 / 12.0
WORKLOADS = {
    "reference-year": ("reference_year.yaml", "reference year (enough seats, ample minutes)"),
    "scarce-seats": (
        "workload-scarce-seats.yaml",
        "10,000 users, dynamic Professional and Analyzer with too few seats, "
        "capacity that runs out every month",
    ),
    "token-site": (
        "workload-token-site.yaml",
        "10,000 token users (3,000 user passes, 7,000 login-pass users)",
    ),
    "five-devices": (
        "workload-five-devices.yaml",
        "3,000 Analyzer users on 5 devices each (the parallel limit is reachable)",
    ),
    "long-small": ("workload-long-small.yaml", "20 users over 10 years"),
}


def scaled(name: str, scale: float, days: int | None) -> Any:
    """The workload's scenario with every group's count times ``scale`` (at least 1) and,
    if given, ``days`` as its duration."""
    from sim import load_scenario

    sc = load_scenario(HERE / WORKLOADS[name][0])
    overrides: dict[str, Any] = {
        f"users.{g.group}.count": max(1, round(g.count * scale)) for g in sc.users
    }
    if days is not None:
        overrides["duration"] = f"{days}d"
    return sc.with_overrides(overrides)


def child_engine(name: str, scale: float, days: int | None) -> dict[str, Any]:
    from sim.model.engine import run_engine
    from sim.result import build_result

    sc = scaled(name, scale, days)
    began = time.perf_counter()
    result = build_result(*run_engine(sc))
    wall = time.perf_counter() - began
    users = sum(g.count for g in sc.users)
    return {
        "users": users,
        "days": sc.horizon / 86400.0,
        "wall": wall,
        "sessions": len(result.sessions),
    }


def child_naive(users: int, days: int) -> dict[str, Any]:
    from naive_per_click import simulate_naive

    began = time.perf_counter()
    _, clicks = simulate_naive(users, days, datetime(2026, 1, 1, tzinfo=UTC), 1)
    return {"wall": time.perf_counter() - began, "clicks": clicks}


def in_child(args: list[str]) -> tuple[dict[str, Any], float]:
    """Run this script with ``args`` in a fresh process: its JSON answer and peak RSS (GB)."""
    child = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, cwd=HERE)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {' '.join(args)} failed (status {status})")
    return json.loads(out), usage.ru_maxrss / 2**20  # kilobytes on Linux


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", action="append", choices=sorted(WORKLOADS), help="repeatable")
    p.add_argument("--scale", type=float, default=1.0, help="times every group's users")
    p.add_argument("--days", type=int, help="duration in days instead of the file's")
    p.add_argument("--naive-users", type=int, default=200)
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        kind, *rest = a.child
        if kind == "engine":
            answer = child_engine(rest[0], float(rest[1]), int(rest[2]) or None)
        else:
            answer = child_naive(int(rest[0]), int(rest[1]))
        print(json.dumps(answer))
        return

    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} cores"
    )
    print(
        "| workload | users × days | licsim user-months/s | naive user-months/s | × naive "
        "| licsim s | sessions | peak RSS |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in a.only or list(WORKLOADS):
        engine, rss = in_child(["--child", "engine", name, str(a.scale), str(a.days or 0)])
        users, days = engine["users"], round(engine["days"])
        rate = users * days / MONTH_DAYS / engine["wall"]
        naive_users = min(users, a.naive_users)
        naive, _ = in_child(["--child", "naive", str(naive_users), str(days)])
        naive_rate = naive_users * days / MONTH_DAYS / naive["wall"]
        print(
            f"| {WORKLOADS[name][1]} | {users:,} × {days} | {rate:,.0f} | {naive_rate:,.0f} "
            f"| {rate / naive_rate:,.1f}× | {engine['wall']:.2f} | {engine['sessions']:,} "
            f"| {rss:.2f} GB |",
            flush=True,
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
