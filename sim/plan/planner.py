"""``sim.plan``: the cheapest license mix that meets service targets, with its evidence.

:func:`plan` reads the decision variables (:mod:`.variables`), the targets (:mod:`.targets`)
and the population at the end of the horizon (:mod:`.growth`), searches the mixes
(:mod:`.search`, each mix judged by :mod:`.selection`), then

- **verifies** the recommended mix on fresh random streams (replications no search run
  used): the achieved KPIs beside the promised ones, and the feasibility check run again
  on them, whose verdict, independent of the search, is what the guarantee rests on;
- measures **what each extra unit buys**: the mix with one seat or pack more (and less) of
  each variable, paired with the recommended mix by replication (common random numbers);
- measures the **sensitivity to growth**: the recommended mix at no growth, half, the
  planned, one and a half and twice the planned growth (10, 20 and 30 % a year when none
  was planned).

Everything comes back as DataFrames in a :class:`PlanResult`, with the number of simulator
runs each phase took; :mod:`.outputs` writes them as ``plan.csv``, ``plan.html`` and
companions.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.intervals import mean_ci
from sim.scenario import Scenario, load_scenario

from .choices import combinations, describe, parse_choices
from .evaluate import FRESH, Evaluator, Mix
from .growth import DEFAULT_HORIZON, Growth, grown_counts, parse_growth, parse_horizon, scaled
from .search import search
from .selection import Procedure, Status, probability_met
from .targets import DEFAULT_TOLERANCE, Target, parse_targets
from .variables import Variable, cost, decision_variables, parse_bound

__all__ = ["PlanResult", "plan"]

SENSITIVITY = (0.0, 0.5, 1.0, 1.5, 2.0)
"""Multiples of the planned growth the recommended mix is tried at."""

NO_GROWTH_LEVELS = (0.10, 0.20, 0.30)
"""Annual growth rates tried when the plan assumes none (model choice)."""

RUNNERS_UP = 5
"""Runners-up listed after the recommended mix."""

SEARCH_PHASES = ("top corner", "bisection", "cost order")
"""The phases of :func:`sim.plan.search.search`, whose runs are the search's cost."""


@dataclass
class PlanResult:
    """A plan's answer and its evidence, as DataFrames."""

    scenario: Scenario
    targets: list[Target]
    variables: list[Variable]
    feasible: bool
    statement: str
    recommendation: pd.DataFrame
    verification: pd.DataFrame
    candidates: pd.DataFrame
    runners_up: pd.DataFrame
    marginal: pd.DataFrame
    growth: pd.DataFrame
    pareto: pd.DataFrame
    runs: pd.DataFrame
    bounds: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    best: Mix | None = None
    choice: dict[str, Any] = field(default_factory=dict)
    """The optional choices (``--choose``) of the recommended mix, as scenario overrides."""
    wall_seconds: float = 0.0

    @property
    def monthly_cost(self) -> float:
        return float(self.recommendation["monthly_cost"].sum()) if self.feasible else np.nan

    @property
    def total_runs(self) -> int:
        return int(self.runs["runs"].sum())

    def search_runs(self) -> int:
        """Runs the search itself took (top corner, bisections, cost order)."""
        return int(self.runs.loc[self.runs["phase"].isin(SEARCH_PHASES), "runs"].sum())


def _bounds(
    bounds: Mapping[str, tuple[int, int]] | Sequence[str] | None,
) -> dict[str, tuple[int, int]]:
    if bounds is None:
        return {}
    if isinstance(bounds, Mapping):
        return {str(k): (int(v[0]), int(v[1])) for k, v in bounds.items()}
    out: dict[str, tuple[int, int]] = {}
    for text in bounds:
        path, lo, hi = parse_bound(text)
        out[path] = (lo, hi)
    return out


def _growths(growth: Sequence[str | Growth] | str | None, groups: list[str]) -> list[Growth]:
    if growth is None:
        return []
    items = [growth] if isinstance(growth, str) else list(growth)
    return [g if isinstance(g, Growth) else parse_growth(g, groups) for g in items]


def plan(
    scenario: Scenario | str | Path,
    targets: Sequence[str | Target],
    *,
    bounds: Mapping[str, tuple[int, int]] | Sequence[str] | None = None,
    choices: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    growth: Sequence[str | Growth] | str | None = None,
    horizon: int | str = DEFAULT_HORIZON,
    confidence: float = 0.95,
    tolerance: float = DEFAULT_TOLERANCE,
    first_stage: int = 5,
    max_replications: int = 40,
    verify: int = 10,
    sensitivity: bool = True,
    executor: Any = "serial",
    workers: int | None = None,
    seed: int | None = None,
) -> PlanResult:
    """The cheapest mix of seats and capacity packs within the bounds meeting ``targets``.

    ``targets`` are strings such as ``"denial_rate<=1%"`` (:mod:`sim.plan.targets`);
    ``bounds`` maps variable paths to (lo, hi) in seats or packs, or is a list of
    ``PATH=LO:HI``; ``choices`` optional allocation modes and group access types to choose
    between (:mod:`sim.plan.choices`: ``{"licenses.corp.allocation.analyzer": ["manual",
    "dynamic"]}`` or ``PATH=A,B`` texts), each combination searched on the same random
    streams and the cheapest answer kept; ``growth`` one or more growth specs (``"20%"``,
    ``"analysts=5/month"``) over ``horizon`` months. ``confidence`` is 1 − α of every
    feasibility check, ``tolerance`` its ε as a share of each bound (zone ``[q − 2ε, q]``),
    ``first_stage`` its replications before the first decision. ``executor``, ``workers``
    and ``seed`` are the sweep's (serial, processes, dask-local, a scheduler address or a
    Client).

    Raises :class:`~sim.plan.targets.TargetError`, :class:`~sim.plan.variables.BoundsError`,
    :class:`~sim.plan.choices.ChoiceError` or :class:`~sim.plan.growth.GrowthError` on bad
    input, and returns a result with
    ``feasible=False`` and the reason when no mix in the bounds meets the targets.
    """
    began = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    groups = [g.group for g in sc.users]
    if isinstance(targets, str):
        targets = [targets]
    wanted = [
        t if isinstance(t, Target) else parse_targets([t], groups, tolerance)[0] for t in targets
    ]
    parse_targets([t.text or t.label() for t in wanted], groups, tolerance)
    months = parse_horizon(horizon)
    growths = _growths(growth, groups)
    population = grown_counts(sc, growths, months)
    combos = combinations(sc, parse_choices(sc, choices))
    procedure = Procedure(alpha=1.0 - confidence, n0=first_stage, max_replications=max_replications)
    limits = _bounds(bounds)

    with _executor(executor, workers) as running:
        searched = []
        for combo in combos:
            chosen = sc.with_overrides(combo, source="--choose") if combo else sc
            grown = (
                chosen.with_overrides(
                    {f"users.{g}.count": n for g, n in population.items()}, source="growth"
                )
                if population
                else chosen
            )
            ev = Evaluator(
                chosen,
                decision_variables(grown, limits),
                wanted,
                procedure,
                executor=running,
                workers=workers,
                seed=seed,
                population=population,
            )
            searched.append((combo, ev, search(ev)))
        # The cheapest answer over the combinations; ties go to the earlier one.
        answered = [
            (cost(e.variables, f.best), i) for i, (_, e, f) in enumerate(searched) if f.best
        ]
        pick = min(answered)[1] if answered else 0
        combo, ev, found = searched[pick]
        variables = ev.variables
        best = found.best
        candidates = pd.concat(
            [
                _candidates(e, f.decisions, f.phases, f.best if i == pick else None, c)
                for i, (c, e, f) in enumerate(searched)
            ],
            ignore_index=True,
        ).sort_values(["monthly_cost", "mix"], kind="stable", ignore_index=True)
        if best is None:
            statement = _infeasible_statement(ev, found.upper, len(combos))
            verification = marginal = growth_table = pd.DataFrame()
        else:
            verification = _verify(ev, best, verify)
            marginal = _marginal(ev, best)
            growth_table = (
                _sensitivity(ev, sc, best, growths, months) if sensitivity else pd.DataFrame()
            )
            statement = _feasible_statement(ev, best, verification, combo)
    all_runs: Counter[str] = Counter()
    for _, e, _ in searched:
        all_runs.update(e.runs)
    recommendation = _recommendation(variables, best) if best is not None else pd.DataFrame()
    runners = candidates[(candidates["status"] == Status.FEASIBLE) & (~candidates["recommended"])]
    runners = runners.sort_values(["monthly_cost", "mix"]).head(RUNNERS_UP).reset_index(drop=True)
    runs = pd.DataFrame(
        [{"phase": phase, "runs": n} for phase, n in all_runs.items()], columns=["phase", "runs"]
    )
    result = PlanResult(
        scenario=sc,
        targets=wanted,
        variables=variables,
        feasible=best is not None,
        statement=statement,
        recommendation=recommendation,
        verification=verification,
        candidates=candidates,
        runners_up=runners,
        marginal=marginal,
        growth=growth_table,
        pareto=_pareto(candidates, wanted[0]),
        runs=runs,
        bounds=pd.DataFrame(
            [
                {
                    "variable": v.label,
                    "path": v.path,
                    "unit": v.unit,
                    "unit_size": v.size,
                    "price_per_unit": v.price,
                    "lo": v.lo,
                    "hi": v.hi,
                    "search_lo": found.lower[i],
                    "search_hi": found.upper[i],
                }
                for i, v in enumerate(variables)
            ]
        ),
        settings={
            "confidence": confidence,
            "tolerance": tolerance,
            "first_stage": first_stage,
            "max_replications": max_replications,
            "verify": verify,
            "horizon_months": months,
            "growth": [g.text or f"{g.kind} {g.value}" for g in growths],
            "population": {g.group: population.get(g.group, g.count) for g in sc.users},
            "seed": sc.seed if seed is None else seed,
            "currency": sc.prices.currency if sc.prices is not None else "",
            "choices": [describe(c) for c in combos if c],
        },
        best=best,
        choice=dict(combo),
    )
    result.wall_seconds = round(time.perf_counter() - began, 3)
    return result


class _executor:
    """The executor a plan's many small batches run on: a pool or local cluster started
    once for the whole plan instead of at every batch; other executors pass through."""

    def __init__(self, executor: Any, workers: int | None) -> None:
        self.executor, self.workers = executor, workers
        self._close: list[Any] = []

    def __enter__(self) -> Any:
        if self.workers is not None and self.executor in ("processes", "dask-local"):
            from sim.experiments.executors import worker_limit

            limit, why = worker_limit()
            if self.workers > limit:
                raise ValueError(
                    f"{self.workers} workers: this machine has {why}; expected at most {limit}"
                )
        if self.executor == "processes":
            from sim.experiments.executors import process_pool

            pool = process_pool(self.workers)
            self._close.append(lambda: pool.shutdown(wait=True, cancel_futures=True))
            return pool
        if self.executor == "dask-local":
            from contextlib import ExitStack

            from dask.distributed import Client

            from sim.experiments.local_cluster import local_cluster

            stack = ExitStack()
            address = stack.enter_context(local_cluster(self.workers or 2))
            client = stack.enter_context(Client(address))
            self._close.append(stack.close)
            return client
        return self.executor

    def __exit__(self, *exc: object) -> None:
        for close in reversed(self._close):
            close()


def _mean(values: list[dict[str, float]], name: str) -> float:
    return float(np.mean([v[name] for v in values])) if values else np.nan


def _candidates(
    ev: Evaluator,
    decisions: dict[Mix, Any],
    phases: dict[Mix, str],
    best: Mix | None,
    combo: Mapping[str, Any],
) -> pd.DataFrame:
    rows = []
    for mix, decision in decisions.items():
        values = ev.values(mix, range(decision.replications))
        row: dict[str, Any] = {"mix": _describe(ev, mix), "recommended": mix == best}
        if combo:
            row["choice"] = describe(combo)
        row.update({v.label: n for v, n in zip(ev.variables, mix, strict=True)})
        row.update(
            monthly_cost=cost(ev.variables, mix),
            status=decision.status.value,
            replications=decision.replications,
            phase=phases[mix],
        )
        for name in ev.kpis:
            row[name] = _mean(values, name)
        for t in ev.targets:
            row[f"p_met[{t.name}]"] = probability_met([v[t.name] for v in values], t)
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values(["monthly_cost", "mix"]).reset_index(drop=True)


def _recommendation(variables: list[Variable], best: Mix) -> pd.DataFrame:
    rows = []
    for v, n in zip(variables, best, strict=True):
        rows.append(
            {
                "variable": v.label,
                "path": v.path,
                "units": n,
                "unit": v.unit,
                "scenario_value": v.value(n),
                "price_per_unit": v.price,
                "monthly_cost": v.price * n,
                "at_bound": "upper"
                if n == v.hi and v.lo < v.hi
                else "lower"
                if n == v.lo and v.lo < v.hi
                else "",
            }
        )
    return pd.DataFrame(rows)


def _verify(ev: Evaluator, best: Mix, n: int) -> pd.DataFrame:
    """The recommended mix on fresh streams: achieved KPIs beside the promised ones, and the
    feasibility check run again on them (``confirmed``), continued past ``n`` runs while
    it is open. The fresh streams are independent of the search that picked the mix, so a
    confirmed mix meets every target with the check's confidence whatever the search did.
    """
    search_n = ev.replications(best)
    promised = ev.values(best, range(search_n))
    ev.observe([(best, range(FRESH, FRESH + n))], "verification")
    while True:
        achieved = ev.values(best, range(FRESH, FRESH + n))
        decision = ev.procedure.decide(achieved, ev.targets)
        if not decision.more:
            break
        ev.observe([(best, range(FRESH + n, FRESH + n + decision.more))], "verification")
        n += decision.more
    rows = []
    for t in ev.targets:
        got = np.array([v[t.name] for v in achieved])
        mean, _, low, high, count = mean_ci(got)
        rows.append(
            {
                "target": t.label(),
                "kpi": t.name,
                "threshold": t.threshold,
                "unit": t.unit,
                "tolerance": t.tolerance,
                "promised_mean": _mean(promised, t.name),
                "promised_p_met": probability_met([v[t.name] for v in promised], t),
                "promised_n": len(promised),
                "achieved_mean": mean,
                "achieved_ci_low": low,
                "achieved_ci_high": high,
                "achieved_p_met": probability_met(got.tolist(), t),
                "achieved_n": count,
                "met": bool(t.met(mean)),
                "confirmed": (
                    Status.UNDECIDED
                    if decision.status == Status.UNDECIDED
                    and decision.targets[t.name] == Status.OPEN
                    else decision.targets[t.name]
                ).value,
            }
        )
    return pd.DataFrame(rows)


def _marginal(ev: Evaluator, best: Mix) -> pd.DataFrame:
    """One unit more and one less of each variable, paired with the recommended mix."""
    n = ev.procedure.n0
    reps = range(n)
    ev.observe([(best, reps)], "marginal")
    base = ev.values(best, reps)
    rows = []
    for i, v in enumerate(ev.variables):
        for step in (+1, -1):
            units = best[i] + step
            if not v.lo <= units <= v.hi:
                continue
            mix = tuple(units if j == i else x for j, x in enumerate(best))
            ev.observe([(mix, reps)], "marginal")
            other = ev.values(mix, reps)
            row: dict[str, Any] = {
                "variable": v.label,
                "change": f"1 {'more' if step > 0 else 'fewer'} {v.unit[:-1]}",
                "units": units,
                "extra_monthly_cost": step * v.price,
            }
            for t in ev.targets:
                diff = np.array([o[t.name] - b[t.name] for o, b in zip(other, base, strict=True)])
                mean, _, low, high, _ = mean_ci(diff)
                row[f"change[{t.name}]"] = mean
                row[f"change_ci_low[{t.name}]"] = low
                row[f"change_ci_high[{t.name}]"] = high
                row[f"meets[{t.name}]"] = bool(t.met(_mean(other, t.name)))
            rows.append(row)
    return pd.DataFrame(rows)


def _sensitivity(
    ev: Evaluator, sc: Scenario, best: Mix, growths: list[Growth], months: int
) -> pd.DataFrame:
    if growths:
        levels = [(f"{f:g} × planned", scaled(growths, f)) for f in SENSITIVITY]
    else:
        levels = [("no growth", [])] + [
            (f"{r:.0%} a year", [Growth("annual", r)]) for r in NO_GROWTH_LEVELS
        ]
    reps = range(ev.procedure.n0)
    rows = []
    for label, specs in levels:
        counts = grown_counts(sc, specs, months)
        ev.observe([(best, reps)], "growth", counts)
        values = ev.values(best, reps, counts)
        users = sum(counts.get(g.group, g.count) for g in sc.users)
        row: dict[str, Any] = {"growth": label, "users": users}
        for t in ev.targets:
            got = [v[t.name] for v in values]
            row[t.name] = float(np.mean(got))
            row[f"p_met[{t.name}]"] = probability_met(got, t)
            row[f"meets[{t.name}]"] = bool(t.met(float(np.mean(got))))
        rows.append(row)
    return pd.DataFrame(rows)


def _pareto(candidates: pd.DataFrame, target: Target) -> pd.DataFrame:
    """Checked mixes no other beats on both cost and the first target's KPI."""
    if candidates.empty:
        return candidates
    kpi = target.name
    sign = 1.0 if target.upper else -1.0
    ordered = candidates.sort_values(["monthly_cost", kpi]).reset_index(drop=True)
    keep, best = [], np.inf
    for i, row in ordered.iterrows():
        value = sign * row[kpi]
        if value < best:
            keep.append(i)
            best = value
    return ordered.loc[keep].reset_index(drop=True)


def _describe(ev: Evaluator, mix: Mix) -> str:
    return ", ".join(f"{v.label} {n}" for v, n in zip(ev.variables, mix, strict=True))


def _infeasible_statement(ev: Evaluator, top: Mix, combos: int) -> str:
    values = ev.values(top, range(ev.replications(top)))
    missed = []
    for t in ev.targets:
        got = [v[t.name] for v in values]
        if not t.met(float(np.mean(got))) or probability_met(got, t) < 0.5:
            missed.append(f"{t.label()} (mean {np.mean(got):.3g} over {len(got)} runs)")
    why = "; ".join(missed) or "the check could not confirm the targets"
    under = f" under any of the {combos} combinations of choices" if combos > 1 else ""
    return (
        f"No mix within the bounds meets the targets{under}: even the largest mix "
        f"({_describe(ev, top)}) misses {why}. Widen the bounds or relax the targets."
    )


def _feasible_statement(
    ev: Evaluator, best: Mix, verification: pd.DataFrame, combo: Mapping[str, Any]
) -> str:
    currency = ev.scenario.prices.currency if ev.scenario.prices is not None else ""
    runs = int(verification["achieved_n"].iloc[0])
    confidence = f"{1 - ev.procedure.alpha:.0%}"
    doubted = verification[verification["confirmed"] != Status.FEASIBLE]
    if doubted.empty:
        held = f"it meets every target, confirmed by the check at {confidence} confidence"
    else:
        which = ", ".join(
            f"{r.target} (mean {r.achieved_mean:.3g}: {r.confirmed} after {r.achieved_n} runs)"
            for r in doubted.itertuples()
        )
        held = (
            f"the check does not confirm {which}: the search's runs met it, the fresh ones "
            "leave it in doubt; consider the next runner-up or a smaller --tolerance"
        )
    how = f" with {describe(combo)}" if combo else ""
    return (
        f"Buy {_describe(ev, best)}{how}: {cost(ev.variables, best):,.2f} {currency} a month. "
        f"On {runs} fresh runs {held}."
    )
