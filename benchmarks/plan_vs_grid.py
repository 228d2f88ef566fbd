"""The plan against the exhaustive grid: the same answer, for a fraction of the runs.

    python benchmarks/plan_vs_grid.py                       # scenarios/enterprise.yaml
    python benchmarks/plan_vs_grid.py --workers 2 --duration 28d

Both judge every mix with the same sequential feasibility check (sim.plan.selection) on the
same random streams (replication k of every mix sees the same users); the grid checks every
mix of the bounds, the plan only those its monotone search needs. Prints each one's mixes,
simulator runs and wall time, and the cheapest feasible mix each found. Without a
``prices:`` block in the scenario, the illustrative list prices of notebook 02 are used.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim import load_scenario
from sim.plan import Procedure, decision_variables, parse_bound, plan
from sim.plan.evaluate import Evaluator
from sim.plan.planner import _executor
from sim.plan.search import exhaustive
from sim.plan.variables import cost

ROOT = Path(__file__).resolve().parent.parent
PRICES = {"professional": 70.0, "analyzer": 40.0, "capacity_minutes": 0.04}
BOUNDS = [
    "licenses.corp.professional=18:20",
    "licenses.corp.analyzer=144:150",
    "licenses.corp.capacity_minutes=34:44",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=ROOT / "scenarios" / "enterprise.yaml")
    ap.add_argument("--target", action="append", default=None)
    ap.add_argument("--bounds", action="append", default=None)
    ap.add_argument("--duration", default=None, help="Override the scenario's duration.")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    targets = args.target or ["denial_rate<=1%"]
    bounds = dict((p, (lo, hi)) for p, lo, hi in map(parse_bound, args.bounds or BOUNDS))
    sc = load_scenario(args.scenario)
    changes: dict[str, object] = {} if sc.prices is not None else {"prices": PRICES}
    if args.duration:
        changes["duration"] = args.duration
    sc = sc.with_overrides(changes) if changes else sc
    executor = "processes" if args.workers > 1 else "serial"

    began = time.perf_counter()
    result = plan(
        sc, targets, bounds=bounds, sensitivity=False, executor=executor, workers=args.workers
    )
    plan_wall = time.perf_counter() - began
    search_runs = result.search_runs()
    verify_runs = int(result.runs.set_index("phase")["runs"].get("verification", 0))

    began = time.perf_counter()
    variables = decision_variables(sc, bounds)
    procedure = Procedure()
    with _executor(executor, args.workers) as running:
        ev = Evaluator(
            sc, variables, result.targets, procedure, executor=running, workers=args.workers
        )
        grid = exhaustive(ev)
    grid_wall = time.perf_counter() - began
    grid_runs = sum(d.replications for d in grid.decisions.values())

    print(f"{sc.name}: {', '.join(targets)}; bounds {', '.join(args.bounds or BOUNDS)}")
    print(
        f"plan: {len(result.candidates)} mixes checked, {search_runs} search runs "
        f"+ {verify_runs} verification runs ({result.total_runs} with the marginal table), "
        f"{plan_wall:.1f} s"
    )
    print(f"      {result.statement}")
    for row in result.verification.itertuples(index=False):
        print(
            f"      {row.target}: promised {row.promised_mean:.3g} ({row.promised_n} runs), "
            f"achieved {row.achieved_mean:.3g} on fresh seeds ({row.achieved_n} runs, "
            f"{row.confirmed})"
        )
    print(f"grid: {len(grid.decisions)} mixes checked, {grid_runs} runs, {grid_wall:.1f} s")
    if grid.best is None:
        print("      no mix of the grid meets the targets")
    else:
        mix = ", ".join(f"{v.label} {n}" for v, n in zip(variables, grid.best, strict=True))
        print(f"      cheapest feasible: {mix}: {cost(variables, grid.best):,.2f} a month")
    ratio = (search_runs + verify_runs) / grid_runs if grid_runs else float("nan")
    print(f"plan / grid runs: {ratio:.2f}; wall {plan_wall / grid_wall:.2f}")


if __name__ == "__main__":
    main()
