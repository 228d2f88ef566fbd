"""The sweep itself: every variant × replication, run anywhere, stored, and aggregated.

:func:`sweep` builds the grid (:mod:`.grid`), skips the pieces already stored in ``out``
(:mod:`.store`), runs the others on the chosen executor (:mod:`.executors`), writes each
as it completes, and stacks every table in a fixed order (variant order, then
replication), so that the result does not depend on where or in which order pieces ran.
With ``out`` it also writes ``summary.csv``, ``differences.csv`` (see :mod:`.stats`),
``failures.csv`` (variant, replication, error type, message of every piece that failed in
this sweep; failed pieces are tried again by the next one) and ``sweep.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.atomic import atomic_text
from sim.intervals import DEFAULT_CONFIDENCE, check_confidence
from sim.result import TABLES
from sim.scenario import Problem, Scenario, ScenarioError
from sim.scenario.errors import format_path
from sim.scenario.paths import _check_path, canonical_path
from sim.spreadsheet import write_csv

from . import stats, store
from .executors import Task, execute
from .grid import MAX_PIECES, Variant, build_variants

__all__ = ["FAILURE_COLUMNS", "SweepResult", "check_paths", "plan", "scenario_data", "sweep"]

FAILURE_COLUMNS = ["variant", "replication", "error_type", "message"]

Progress = Callable[[int, int, dict[str, Any]], None]
"""Called after each computed piece with (pieces done, pieces to compute, outcome)."""


@dataclass
class SweepResult:
    """The stacked tables of a sweep and their aggregates."""

    scenario: Scenario
    variants: list[Variant]
    replications: int
    tables: Mapping[str, pd.DataFrame]
    summary: pd.DataFrame
    differences: pd.DataFrame
    failures: pd.DataFrame
    computed: int = 0
    skipped: int = 0
    wall_seconds: float = 0.0
    out: Path | None = None
    parameters: list[str] = field(default_factory=list)
    confidence: float = DEFAULT_CONFIDENCE

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            return self.tables[name]
        raise AttributeError(name)


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON-ready data that a worker turns back into the same one."""
    data: dict[str, Any] = scenario.model_dump(mode="json", exclude_unset=True)
    data.setdefault("timezone", scenario.timezone)
    return data


def check_paths(scenario: Scenario, paths: Sequence[str], source: str = "sweep") -> None:
    """Raise :class:`ScenarioError` if a swept path leads nowhere in ``scenario``, or if
    two paths reach one field (``licenses.corp.analyzer`` and ``licenses.0.analyzer``) or
    one lies inside the other: the variants' names would then say what did not run."""
    problems = []
    reached: dict[tuple[str, ...], str] = {}
    for path in paths:
        reason = _check_path(scenario, path) if path.strip() else "expected a dotted path"
        if reason is not None:
            problems.append(Problem(format_path((path,)), path, reason))
            continue
        here = tuple(canonical_path(scenario, path).split("."))
        for there, other in reached.items():
            shorter = min(len(here), len(there))
            if here[:shorter] == there[:shorter]:
                what = "the same field as" if here == there else "overlaps"
                problems.append(
                    Problem(
                        format_path((path,)),
                        path,
                        f"{what} {other!r} (both are {'.'.join(here[:shorter])}); "
                        "expected each field swept by one path",
                    )
                )
                break
        else:
            reached[here] = path
    if problems:
        raise ScenarioError(source, problems)


def plan(
    scenario: Scenario,
    variants: Mapping[str, Sequence[Any]] | None = None,
    replications: int | None = None,
    source: str = "sweep",
) -> tuple[Mapping[str, Sequence[Any]], list[Variant], int]:
    """The sweep's parameters, variants and replications (defaults from the scenario's
    ``experiment``), checked and bounded before anything runs or is written: raises
    :class:`ScenarioError` for a path that leads nowhere or reaches a field twice or for a
    variant whose scenario does not validate (every variant is built here, so a bad value
    stops the sweep before its first run instead of failing its variant later), and
    ``ValueError`` for a repeated value or a grid over the limits of :mod:`.grid`."""
    experiment = scenario.experiment
    if variants is None:
        variants = experiment.sweep if experiment is not None else {}
    if replications is None:
        replications = experiment.replications if experiment is not None else 1
    if replications < 1:
        raise ValueError(f"replications: expected at least 1, not {replications}")
    check_paths(scenario, list(variants), source)
    grid = build_variants(variants)
    if len(grid) * replications > MAX_PIECES:
        raise ValueError(
            f"sweep: {len(grid):,} variants × {replications:,} replications = "
            f"{len(grid) * replications:,} runs; expected at most {MAX_PIECES:,}"
        )
    problems: dict[str, Problem] = {}
    for variant in grid:
        try:
            scenario.with_overrides(variant.overrides, source=source)
        except ScenarioError as err:
            # A bad value is in every variant combining it with the other paths' values;
            # it is said once.
            problems.update((str(p), p) for p in err.problems if str(p) not in problems)
    if problems:
        raise ScenarioError(source, list(problems.values()))
    return variants, grid, replications


def sweep(
    scenario: Scenario,
    variants: Mapping[str, Sequence[Any]] | None = None,
    replications: int | None = None,
    executor: Any = "serial",
    workers: int | None = None,
    out: Path | str | None = None,
    *,
    seed: int | None = None,
    progress: Progress | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> SweepResult:
    """Run every variant × replication of ``scenario`` and aggregate them.

    ``variants`` maps dotted paths to the values to try (full factorial); default the
    scenario's ``experiment.sweep``. ``replications`` defaults to
    ``experiment.replications`` (or 1). ``executor`` is ``"serial"``, ``"processes"``,
    ``"dask-local"``, a Dask scheduler address or a ``dask.distributed.Client``;
    ``workers`` the number of local processes. ``seed`` overrides the scenario's seed.
    ``confidence`` is the level of the summaries' intervals (:mod:`sim.intervals`).
    Raises :class:`ScenarioError` before anything runs if a swept path does not exist or a
    value makes its variant invalid (:func:`plan`); a run that raises fails its own piece.
    """
    began = time.perf_counter()
    confidence = check_confidence(confidence)
    variants, grid, replications = plan(scenario, variants, replications)
    data = scenario_data(scenario)
    folder = Path(out) if out is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        store.remove_partial(folder)
        for variant in grid:
            store.make_variant_dir(folder, variant)

    # Workers on this machine write their own pieces; a remote cluster's workers may not
    # share this disk, so their tables come back and are written here.
    # Where the workers store their own pieces (on a remote cluster the pieces come back).
    own = folder if executor in ("serial", "processes", "dask-local") else None
    tasks: list[Task] = []
    prints: dict[tuple[str, int], str] = {}
    skipped = 0
    for variant in grid:
        for k in range(replications):
            if folder is not None:
                prints[variant.name, k] = store.fingerprint(data, variant, k, seed)
                if store.is_finished(store.piece_dir(folder, variant, k), prints[variant.name, k]):
                    skipped += 1
                    continue
            where = None if own is None else str(store.piece_dir(own, variant, k))
            tasks.append(
                (
                    data,
                    variant.overrides,
                    variant.name,
                    k,
                    seed,
                    where,
                    prints.get((variant.name, k), ""),
                )
            )

    by_name = {v.name: v for v in grid}
    memory: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    failures: list[dict[str, Any]] = []
    outcomes = execute(tasks, executor, workers)
    try:
        for done, outcome in enumerate(outcomes, start=1):
            if not outcome["ok"]:
                failures.append({c: outcome[c] for c in FAILURE_COLUMNS})
            elif folder is None:
                memory[outcome["variant"], outcome["replication"]] = outcome["tables"]
            elif own is None:
                variant = by_name[outcome["variant"]]
                k = outcome["replication"]
                store.write_piece(
                    store.piece_dir(folder, variant, k), outcome, variant, prints[variant.name, k]
                )
            if progress is not None:
                progress(done, len(tasks), outcome)
    finally:
        # Interrupted (Ctrl-C) or not, the executor ends its running pieces first; the
        # temporary folders of pieces ended mid-write then go, so nothing half-written stays.
        outcomes.close()
        if folder is not None:
            store.remove_partial(folder)

    failed = {(f["variant"], f["replication"]) for f in failures}
    tables: Mapping[str, pd.DataFrame]
    if folder is None:
        pieces = [
            memory[v.name, k]
            for v in grid
            for k in range(replications)
            if (v.name, k) not in failed
        ]
        tables = {name: store.stack([p[name] for p in pieces]) for name in TABLES}
    else:
        tables = store.StoredTables(
            [
                piece
                for v in grid
                for k in range(replications)
                if (v.name, k) not in failed
                and store.is_finished(piece := store.piece_dir(folder, v, k), prints[v.name, k])
            ]
        )
    rank = {v.name: i for i, v in enumerate(grid)}
    failures.sort(key=lambda f: (rank[f["variant"]], f["replication"]))
    failure_frame = pd.DataFrame(failures, columns=FAILURE_COLUMNS)
    summary_in = tables["summary"] if len(tables["summary"]) else _empty_summary()
    result = SweepResult(
        scenario=scenario,
        variants=grid,
        replications=replications,
        tables=tables,
        summary=stats.summarise(summary_in, grid, confidence),
        differences=stats.differences(summary_in, grid, confidence),
        failures=failure_frame,
        computed=len(tasks),
        skipped=skipped,
        out=folder,
        parameters=list(variants),
        confidence=confidence,
    )
    result.wall_seconds = round(time.perf_counter() - began, 3)
    if folder is not None:
        write_sweep(result, folder)
    return result


def _empty_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variant": pd.Series(dtype=object),
            "replication": pd.Series(dtype="int64"),
            "metric": pd.Series(dtype=object),
            "value": pd.Series(dtype=float),
        }
    )


SWEEP_OUTPUTS = ("summary.csv", "differences.csv", "failures.csv", "report.html", "sweep.json")
"""What a sweep folder holds besides its stored pieces (``runs/``, kept for resuming, each
piece checked by its fingerprint); a new sweep into the folder removes these first."""


def write_sweep(result: SweepResult, out: Path) -> list[Path]:
    """Write ``summary.csv``, ``differences.csv``, ``failures.csv`` and ``sweep.json``."""
    written = []
    for name in ("summary", "differences", "failures"):
        path = out / f"{name}.csv"
        table: pd.DataFrame = getattr(result, name)
        write_csv(path, table)
        written.append(path)
    meta = {
        "scenario": result.scenario.name,
        "replications": result.replications,
        "confidence": result.confidence,
        "parameters": result.parameters,
        "variants": [
            {"name": v.name, "folder": v.folder, "overrides": v.overrides} for v in result.variants
        ],
        "baseline": result.variants[0].name,
        "computed": result.computed,
        "skipped": result.skipped,
        "failed": len(result.failures),
        "wall_seconds": result.wall_seconds,
    }
    path = atomic_text(out / "sweep.json", json.dumps(meta, indent=2, default=str))
    return [*written, path]
