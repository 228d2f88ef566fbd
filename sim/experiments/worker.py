"""The worker: one (variant, replication) of a sweep, from plain data to plain data.

:func:`run_piece` is a module-level function of picklable arguments (the scenario as a
JSON-ready dict, the variant's overrides, the replication number) returning a dict of
DataFrames and strings, so it can run in this process, in a spawned process pool (also
from Jupyter) or on a Dask worker. Errors never escape: an invalid variant
(:class:`~sim.scenario.ScenarioError` from ``with_overrides``) or a run that raises comes
back as ``ok=False`` with the error's type and message, and the sweep goes on.

When the sweep stores its pieces, the worker writes its own piece (``store``: the piece's
folder, ``fingerprint``: its inputs' hash) and returns only its status. Shipping a year
of tables back to the parent through a pipe and writing them there would serialise the
sweep on the parent process, which on a 2-core machine is what caps the speed-up.

Seeds: the engine derives every random stream from ``SeedSequence(seed, spawn_key=
(replication, ...))``, so replication ``k`` of every variant sees the same user behaviour
(common random numbers), whichever worker runs it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sim.run import simulate
from sim.scenario import ScenarioError, parse_scenario

from .grid import Variant
from .store import write_piece

__all__ = ["run_piece"]


def run_piece(
    scenario: dict[str, Any],
    overrides: dict[str, Any],
    variant: str,
    replication: int,
    seed: int | None = None,
    store: str | None = None,
    fingerprint: str = "",
) -> dict[str, Any]:
    """Run one piece; return its tables and effective scenario (or store them), or its error."""
    began = time.perf_counter()
    out: dict[str, Any] = {"variant": variant, "replication": replication}
    try:
        base = parse_scenario(scenario, source="<sweep scenario>")
        effective = base.with_overrides(overrides, source=f"variant {variant}")
        result = simulate(effective, seed=seed, replication=replication, variant=variant)
    except ScenarioError as err:
        out.update(ok=False, error_type="ScenarioError", message=str(err))
    except Exception as err:
        out.update(ok=False, error_type=type(err).__name__, message=str(err))
    else:
        out.update(
            ok=True,
            tables=result.tables(),
            scenario_json=effective.model_dump_json(indent=2),
            seed=result.metadata.get("seed"),
        )
    out["wall_seconds"] = round(time.perf_counter() - began, 3)
    if store is not None and out["ok"]:
        try:
            write_piece(Path(store), out, Variant(variant, overrides), fingerprint)
        except OSError as err:
            out.update(ok=False, error_type=type(err).__name__, message=str(err))
        del out["tables"], out["scenario_json"]
    return out
