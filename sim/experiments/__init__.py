"""Experiments: sweeps of a scenario over variants and replications, on any executor.

``sweep(scenario, {"servers.prod.link_outages.0.duration": ["24h", "96h"]}, 5,
executor="processes", out="out/sweep")`` runs every variant (full factorial; the first
combination is the baseline) × replication as a pure worker function of plain data
(:func:`run_piece`), serially, in spawned local processes or on Dask; replication ``k`` of
every variant sees the same user behaviour (common random numbers). With ``out`` each
piece is stored as it completes and a re-run computes only the missing ones. The result
stacks every table and adds per-variant summaries and paired differences against the
baseline, with Student-t intervals (95 % unless ``confidence`` says otherwise).
"""

from .grid import BASE, Variant, build_variants, format_value, parse_assignment, safe_name
from .stats import differences, mean_ci, summarise
from .sweep import (
    FAILURE_COLUMNS,
    SweepResult,
    check_paths,
    plan,
    scenario_data,
    sweep,
    write_sweep,
)
from .worker import run_piece

__all__ = [
    "BASE",
    "FAILURE_COLUMNS",
    "SweepResult",
    "Variant",
    "build_variants",
    "check_paths",
    "differences",
    "format_value",
    "mean_ci",
    "parse_assignment",
    "plan",
    "run_piece",
    "safe_name",
    "scenario_data",
    "summarise",
    "sweep",
    "write_sweep",
]
