"""Sweep speed-up: 16 runs serially against 2 local worker processes.

The reference workload (``reference_year.yaml``) cut to 1,000 users over 300 days (about
1.5 s a run), swept over 4 durations of the September link outage × 4 replications,
serially and on 2 spawned local processes, each storing its pieces in a fresh folder as
``licsim sweep`` does, in 3 alternating rounds; prints every time, the speed-up (best
against best, and the median of the rounds), and checks that both give the same tables.
The sum of the pieces' own run times shows how much of the gap to 2× is the machine (two
busy processes run slower than one) and how much is the sweep's own overhead; a
pure-Python busy loop on 1 and 2 processes gives the machine's ceiling in each round.
Not part of the test suite.

    python benchmarks/sweep_speedup.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from sim import load_scenario
from sim.experiments import sweep

HERE = Path(__file__).resolve().parent
GRID = {"servers.prod.link_outages.1.duration": ["1h", "24h", "72h", "96h"]}
REPS = 4
ROUNDS = 3


def spin(n: int = 8_000_000) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def ceiling() -> float:
    """The speed-up of 4 CPU-bound pure-Python tasks on 2 processes over serial."""
    began = time.perf_counter()
    for _ in range(4):
        spin()
    serial = time.perf_counter() - began
    with ProcessPoolExecutor(2) as pool:
        pool.submit(spin, 10).result()
        began = time.perf_counter()
        list(pool.map(spin, [8_000_000] * 4))
    return serial / (time.perf_counter() - began)


def busy_seconds(folder: Path) -> float:
    return sum(json.loads(p.read_text())["wall_seconds"] for p in folder.rglob("piece.json"))


def main() -> None:
    base = load_scenario(HERE / "reference_year.yaml").with_overrides(
        {
            "users.analyzers.count": 500,
            "users.capacity.count": 500,
            "licenses.corp.analyzer": 500,
            "duration": "300d",
        }
    )
    runs = len(GRID[next(iter(GRID))]) * REPS
    timings: dict[str, list[float]] = {"serial": [], "2 processes": []}
    ratios, ceilings = [], []
    results = {}
    scratch = Path(tempfile.mkdtemp(prefix="licsim-sweep-"))
    # A shared 2-core machine is noisy: alternate the two modes over several rounds, each
    # with its own busy-loop ceiling, and report the best and the median.
    for round_ in range(ROUNDS):
        for label, executor, workers in (
            ("serial", "serial", None),
            ("2 processes", "processes", 2),
        ):
            folder = scratch / f"{executor}-{round_}"
            began = time.perf_counter()
            results[label] = sweep(base, GRID, REPS, executor=executor, workers=workers, out=folder)
            timings[label].append(time.perf_counter() - began)
            print(
                f"round {round_ + 1} {label:>12}: {runs} runs in {timings[label][-1]:.2f} s "
                f"(sum of run times {busy_seconds(folder):.2f} s)",
                flush=True,
            )
        ratios.append(timings["serial"][-1] / timings["2 processes"][-1])
        ceilings.append(ceiling())
        print(
            f"round {round_ + 1}: speedup {ratios[-1]:.2f}×, machine ceiling {ceilings[-1]:.2f}× "
            "(busy loop, 4 tasks on 2 processes)",
            flush=True,
        )
    # Whole tables compared cheaply: the per-run summaries and a digest of the sessions.
    one, two = results["serial"], results["2 processes"]
    pd.testing.assert_frame_equal(one.tables["summary"], two.tables["summary"])
    assert pd.util.hash_pandas_object(one.sessions, index=False).equals(
        pd.util.hash_pandas_object(two.sessions, index=False)
    )
    best = min(timings["serial"]) / min(timings["2 processes"])
    print(
        f"speedup: {best:.2f}× best against best, median {statistics.median(ratios):.2f}× "
        f"(rounds {', '.join(f'{r:.2f}' for r in ratios)}); machine ceiling median "
        f"{statistics.median(ceilings):.2f}×; identical tables"
    )


if __name__ == "__main__":
    main()
