"""One run: a scenario and a replication in, a :class:`~sim.result.Result` out.

A run is a pure function of ``(scenario, variant, replication)``: the seed comes from the
scenario (or the caller) and the replication number, never from global state, so a run can
travel to any worker and give the same tables there.
"""

from __future__ import annotations

import time

import pandas as pd

from sim.model.engine import run_engine
from sim.model.progress import Progress
from sim.result import Result, build_result, sessions_table
from sim.scenario import Scenario


def simulate(
    scenario: Scenario,
    *,
    seed: int | None = None,
    replication: int = 0,
    variant: str = "base",
    record_units: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Simulate ``scenario`` and return its tables.

    ``record_units`` adds ``result.units``: every capacity unit charged (time, license,
    server, user, device), for audits and invariant checks. ``progress`` is called with
    the local days simulated so far and the run's days (a terminal's progress bar).
    """
    began = time.perf_counter()
    world, rec = run_engine(scenario, replication, seed, record_units, progress=progress)
    result = build_result(world, rec, variant, replication)
    result.metadata["wall_seconds"] = round(time.perf_counter() - began, 3)
    return result


def simulate_sessions(
    scenario: Scenario, *, seed: int | None = None, replication: int = 0
) -> pd.DataFrame:
    """The ``sessions`` table of :func:`simulate`'s run alone, without making the others
    (for many replications of which only the sessions are read)."""
    world, rec = run_engine(scenario, replication, seed, False)
    return sessions_table(world, rec, "base", replication)
