"""Running mixes: their replications on any executor of the experiments layer, as KPIs.

The plan's search asks for replications of mixes; :class:`Evaluator` turns each request into
the sweep's pieces (:func:`sim.experiments.worker.run_piece`: the scenario as plain data,
the mix as overrides at its variables' dotted paths, the replication number) and runs them
with :func:`sim.experiments.executors.execute`, so a plan runs serially, in local
processes or on a Dask cluster unchanged. The tables of each run are reduced to the
targets' KPIs (:mod:`sim.plan.kpis`) as they arrive and then dropped.

Replication ``k`` of every mix sees the same user behaviour (common random numbers); the
verification uses replications from :data:`FRESH` on, streams no search run used. What
was run once is never run again, whatever asks for it, and every run is counted by the
phase that first asked for it, so the plan can say what its answer cost in simulator
runs. KPI values are stored by (mix, replication), so the outcome never depends on the
order in which an executor completes its pieces.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sim.experiments.executors import Task, execute
from sim.experiments.grid import format_value
from sim.experiments.sweep import scenario_data
from sim.result import Result
from sim.scenario import Scenario, ScenarioError

from .kpis import measure
from .selection import Decision, Procedure
from .targets import Target
from .variables import Variable

__all__ = ["FRESH", "Evaluator", "Mix", "PlanRunError"]

FRESH = 1_000_000
"""First replication number of the verification runs: far from any the search uses."""

Mix = tuple[int, ...]


class PlanRunError(RuntimeError):
    """A run of the plan failed; the message names the mix, replication and error."""


class Evaluator:
    """Replications of mixes, their KPIs, and the count of simulator runs."""

    def __init__(
        self,
        scenario: Scenario,
        variables: Sequence[Variable],
        targets: Sequence[Target],
        procedure: Procedure,
        *,
        executor: Any = "serial",
        workers: int | None = None,
        seed: int | None = None,
        population: Mapping[str, int] | None = None,
    ) -> None:
        self.scenario = scenario
        self.variables = list(variables)
        self.targets = list(targets)
        self.procedure = procedure
        self.executor = executor
        self.workers = workers
        self.seed = seed
        self.population = dict(population or {})
        self.data = scenario_data(scenario)
        self.kpis = list(dict.fromkeys([t.name for t in targets] + ["denial_rate"]))
        self.runs: Counter[str] = Counter()
        self.wall_seconds = 0.0
        self._values: dict[tuple[str, int], dict[str, float]] = {}
        self._scenarios: dict[str, Scenario] = {}

    # --- naming --------------------------------------------------------------------

    def overrides(self, mix: Mix, population: Mapping[str, int] | None = None) -> dict[str, Any]:
        """The dotted-path overrides that make ``mix`` (with a population's group counts)."""
        counts = self.population if population is None else population
        out: dict[str, Any] = {v.path: v.value(n) for v, n in zip(self.variables, mix, strict=True)}
        out.update({f"users.{group}.count": n for group, n in counts.items()})
        return out

    def name(self, mix: Mix, population: Mapping[str, int] | None = None) -> str:
        return "; ".join(
            f"{p}={format_value(v)}" for p, v in self.overrides(mix, population).items()
        )

    # --- running ------------------------------------------------------------------

    def observe(
        self,
        wanted: Iterable[tuple[Mix, Sequence[int]]],
        phase: str,
        population: Mapping[str, int] | None = None,
    ) -> None:
        """Run every (mix, replication) asked for that has not run yet."""
        tasks: list[Task] = []
        queued: set[tuple[str, int]] = set()
        for mix, reps in wanted:
            overrides = self.overrides(mix, population)
            name = self.name(mix, population)
            for k in reps:
                if (name, k) in self._values or (name, k) in queued:
                    continue
                queued.add((name, k))
                tasks.append((self.data, overrides, name, k, self.seed, None, ""))
        if not tasks:
            return
        began = time.perf_counter()
        by_name = {t[2]: t[1] for t in tasks}
        for outcome in execute(tasks, self.executor, self.workers):
            name, k = outcome["variant"], outcome["replication"]
            if not outcome["ok"]:
                raise PlanRunError(
                    f"mix {name}, replication {k}: {outcome['error_type']}: {outcome['message']}"
                )
            effective = self._effective(name, by_name[name])
            result = Result(scenario=effective, **outcome["tables"])
            self._values[name, k] = {
                t.name: measure(result, t.kpi, t.group) for t in self.targets
            } | {"denial_rate": measure(result, "denial_rate")}
        self.runs[phase] += len(tasks)
        self.wall_seconds += time.perf_counter() - began

    def _effective(self, name: str, overrides: dict[str, Any]) -> Scenario:
        if name not in self._scenarios:
            try:
                self._scenarios[name] = self.scenario.with_overrides(overrides, source=name)
            except ScenarioError as err:
                raise PlanRunError(f"mix {name}: {err}") from None
        return self._scenarios[name]

    def values(
        self, mix: Mix, reps: Iterable[int], population: Mapping[str, int] | None = None
    ) -> list[dict[str, float]]:
        """KPI values of the replications of ``mix`` that have run, in replication order."""
        name = self.name(mix, population)
        return [self._values[name, k] for k in reps if (name, k) in self._values]

    def replications(self, mix: Mix) -> int:
        """How many consecutive replications from 0 of ``mix`` have run."""
        name = self.name(mix)
        n = 0
        while (name, n) in self._values:
            n += 1
        return n

    def classify(self, mixes: Iterable[Mix], phase: str) -> dict[Mix, Decision]:
        """Run the feasibility check on every mix to its decision, all mixes at once: each
        round runs the next replications every open mix needs, in one batch."""
        todo = list(dict.fromkeys(mixes))
        decided: dict[Mix, Decision] = {}
        while todo:
            wanted = []
            for mix in todo:
                n = self.replications(mix)
                decision = self.procedure.decide(self.values(mix, range(n)), self.targets)
                if decision.more:
                    wanted.append((mix, range(n, n + decision.more)))
                else:
                    decided[mix] = decision
            todo = [m for m, _ in wanted]
            self.observe(wanted, phase)
        return decided
