"""``licsim sweep``: every variant × replication of a scenario, serial, in processes or on Dask.

Each piece is stored as it completes, so a sweep run again into the same folder computes
only what is missing; a failing piece is listed and the others go on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.conventions import (
    CONF_HELP,
    CONFIDENCE,
    FORCE_HELP,
    QUIET_HELP,
    SEED,
    ExitStatus,
    fail,
    grid_of,
    interrupt_behind,
    prepare_out,
    refuse,
    writing,
)
from sim.outfolder import Kind
from sim.scenario import ScenarioError, load_scenario


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for runs/, summary.csv, differences.csv, failures.csv and report.html; "
    "running the same sweep into it again computes only the missing pieces.",
)
@click.option(
    "--reps",
    type=click.IntRange(min=1, max=10_000),
    default=None,
    help="Replications per variant; default the scenario's experiment.replications, or 1.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=V1,V2,...",
    help="Sweep a dotted path over values (read as YAML scalars); several --set make a "
    "full factorial. Replaces the scenario's experiment.sweep.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=1024),
    default=None,
    help="Local worker processes (or Dask local workers); default 1, serial.",
)
@click.option(
    "--dask",
    "dask",
    default=None,
    metavar="ADDRESS|local",
    help="Run on a Dask cluster: a scheduler address such as tcp://host:8786, or 'local' "
    "for a local cluster of --workers (default 2) processes.",
)
@click.option(
    "--seed",
    type=SEED,
    default=None,
    help="Override the scenario's seed (a whole number from 0).",
)
@click.option("--confidence", type=CONFIDENCE, default=0.95, show_default=True, help=CONF_HELP)
@click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP.replace("table", "progress bar"))
@click.option("--force", is_flag=True, help=FORCE_HELP)
def sweep(
    file: Path,
    out: Path,
    reps: int | None,
    sets: tuple[str, ...],
    workers: int | None,
    dask: str | None,
    seed: int | None,
    confidence: float,
    quiet: bool,
    force: bool,
) -> None:
    """Run every variant × replication of a scenario sweep and summarise it.

    Each (variant, replication) is stored under OUT/runs/ as it completes; a piece that
    fails is listed in OUT/failures.csv and the others go on (exit status 1 if any
    failed). Every variant's scenario is validated before the first run: a bad value
    stops the sweep (exit 2). OUT/summary.csv has per variant and metric the mean, sd,
    --confidence interval and n; OUT/differences.csv the differences from the baseline
    (the first combination), paired by replication.
    """
    from sim.experiments import plan
    from sim.experiments import sweep as run_sweep
    from sim.experiments.executors import (
        DaskMissing,
        SchedulerUnreachable,
        dask_address_problem,
        require_dask,
        worker_limit,
    )

    grid = grid_of(sets)
    executor: object = "processes" if workers and workers > 1 else "serial"
    if dask is not None:
        import logging
        import os

        # Dask logs every lost connection with a traceback of its own; the sweep says what
        # happened in one line (SchedulerUnreachable) and keeps what it stored. The variable
        # reaches the local cluster's worker processes too.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
        try:
            require_dask()  # configures distributed's loggers, which are then quietened
        except DaskMissing as err:
            refuse(f"--dask: {err}")

        for name in [*logging.root.manager.loggerDict, "distributed"]:
            if name.startswith("distributed"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
        executor = "dask-local" if dask.strip() == "local" else dask.strip()
        if executor != "dask-local":
            problem = dask_address_problem(str(executor))
            if problem is not None:
                refuse(f"--dask: {dask!r}: {problem}")
    if workers is not None and executor in ("processes", "dask-local"):
        limit, why = worker_limit()
        if workers > limit:
            refuse(f"--workers: {workers}: this machine has {why}; expected at most {limit}")
    try:
        sc = load_scenario(file)
        plan(sc, grid or None, reps, source="--set" if grid else str(file))
    except ScenarioError as err:
        fail(err)
    except ValueError as err:
        interrupt_behind(err)
        refuse(f"--set: {err}" if grid else f"{file}: {err}")
    prepare_out(out, force, Kind.SWEEP)
    bar = None

    def progress(done: int, total: int, outcome: dict[str, object]) -> None:
        nonlocal bar
        if quiet or not sys.stdout.isatty():
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="run", desc=sc.name)
        bar.update(1)

    try:
        with writing(out):
            result = run_sweep(
                sc,
                grid or None,
                reps,
                executor=executor,
                workers=workers,
                out=out,
                seed=seed,
                progress=progress,
                confidence=confidence,
            )
    except ScenarioError as err:
        fail(err)
    except SchedulerUnreachable as err:
        refuse(f"--dask: {err}")
    finally:
        if bar is not None:
            bar.close()
    click.echo(
        f"{sc.name}: {len(result.variants)} variant(s) × {result.replications} replication(s): "
        f"{result.computed} run, {result.skipped} already done, {len(result.failures)} failed, "
        f"{result.wall_seconds:.2f} s → {out}"
    )
    for row in result.failures.itertuples(index=False):
        first = str(row.message).splitlines()[0] if row.message else ""
        click.echo(f"failed: {row.variant} #{row.replication}: {row.error_type}: {first}", err=True)
    from sim.htmlreport import write_sweep_report

    with writing(out):
        write_sweep_report(result, out)
    if len(result.failures):
        sys.exit(ExitStatus.FAILED)
