"""``licsim plan``: the cheapest license mix that meets service targets (docs/plan.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.conventions import (
    FORCE_HELP,
    SEED,
    SET_HELP,
    ExitStatus,
    default_out,
    fail,
    overridden,
    overrides_of,
    refuse,
    writing,
)
from sim.outfolder import Kind, UnsafeOutput, claim
from sim.scenario import ScenarioError, load_scenario


@click.command("plan")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--target",
    "targets",
    multiple=True,
    required=True,
    metavar="KPI<=VALUE",
    help="A service target such as denial_rate<=1% or busiest_month_capacity_headroom>=10%; "
    "repeat for several (all must hold).",
)
@click.option(
    "--bounds",
    "bounds",
    multiple=True,
    metavar="PATH=LO:HI",
    help="Bounds of a decision variable in seats or capacity packs, such as "
    "licenses.corp.analyzer=100:160 (PATH=N holds it fixed); default from the population.",
)
@click.option(
    "--choose",
    "choices",
    multiple=True,
    metavar="PATH=A,B",
    help="Let the plan choose an allocation mode or a group's access, such as "
    "licenses.corp.allocation.analyzer=manual,dynamic or users.occasional.access=capacity,"
    "analyzer (a seat else capacity: analyzer+capacity); each combination is searched.",
)
@click.option(
    "--growth",
    "growth",
    multiple=True,
    metavar="RATE",
    help="Population growth: 20% (a year), 2%/month, 5/month, or GROUP=... for one group.",
)
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
@click.option("--horizon", default="12 months", show_default=True, help="Months planned.")
@click.option(
    "--confidence",
    type=click.FloatRange(min=50, max=99.99),
    default=95.0,
    show_default=True,
    help="Confidence (%) of every feasibility check.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0.1, max=100),
    default=10.0,
    show_default=True,
    help="Tolerance ε (%) of each target's bound: the check may refuse a mix less than 2ε "
    "inside the bound, never accept one beyond it.",
)
@click.option(
    "--first-stage",
    type=click.IntRange(min=2, max=100),
    default=5,
    show_default=True,
    help="Replications of a mix before its first decision.",
)
@click.option(
    "--max-reps",
    type=click.IntRange(min=2, max=10_000),
    default=40,
    show_default=True,
    help="Most replications of one mix.",
)
@click.option(
    "--verify",
    type=click.IntRange(min=2, max=10_000),
    default=10,
    show_default=True,
    help="Fresh-seed replications of the recommended mix (more while its check is open).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for plan.html, plan.csv and companions; default out/<name>-plan.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=1024),
    default=None,
    help="Local worker processes; default 1, serial.",
)
@click.option(
    "--dask",
    "dask",
    default=None,
    metavar="ADDRESS|local",
    help="Run on a Dask cluster: a scheduler address, or 'local'.",
)
@click.option(
    "--seed",
    type=SEED,
    default=None,
    help="Override the scenario's seed.",
)
@click.option("--force", is_flag=True, help=FORCE_HELP)
def plan_(
    file: Path,
    targets: tuple[str, ...],
    bounds: tuple[str, ...],
    choices: tuple[str, ...],
    growth: tuple[str, ...],
    sets: tuple[str, ...],
    horizon: str,
    confidence: float,
    tolerance: float,
    first_stage: int,
    max_reps: int,
    verify: int,
    out: Path | None,
    workers: int | None,
    dask: str | None,
    seed: int | None,
    force: bool,
) -> None:
    """The cheapest license mix that meets service targets, with a statistical guarantee.

    Searches the Professional and Analyzer seats and Analyzer Capacity packs of the
    scenario's licenses (priced by its prices: block) for the cheapest mix whose expected
    KPIs meet every --target with the requested confidence, for the population at the end
    of the --horizon; verifies it on fresh seeds. Exit status 1 when no mix within the
    bounds meets the targets, 2 on bad input. The method: docs/plan.md.
    """
    from sim.experiments.executors import SchedulerUnreachable, dask_address_problem
    from sim.plan import (
        PLAN_OUTPUTS,
        BoundsError,
        ChoiceError,
        GrowthError,
        TargetError,
        write_plan,
    )
    from sim.plan import plan as make_plan
    from sim.plan.evaluate import PlanRunError
    from sim.plan.variables import MissingPrice

    executor: object = "processes" if workers and workers > 1 else "serial"
    if dask is not None:
        executor = "dask-local" if dask.strip() == "local" else dask.strip()
        problem = None if executor == "dask-local" else dask_address_problem(str(executor))
        if problem is not None:
            refuse(f"--dask: {dask!r}: {problem}")
    overrides = overrides_of(sets)
    try:
        sc = overridden(load_scenario(file), overrides)
    except ScenarioError as err:
        fail(err)
    folder = out if out is not None else default_out(sc.name, "-plan")
    try:
        result = make_plan(
            sc,
            list(targets),
            bounds=list(bounds),
            choices=list(choices),
            growth=list(growth),
            horizon=horizon,
            confidence=confidence / 100.0,
            tolerance=tolerance / 100.0,
            first_stage=first_stage,
            max_replications=max_reps,
            verify=verify,
            executor=executor,
            workers=workers,
            seed=seed,
        )
    except ScenarioError as err:
        fail(err)
    except MissingPrice as err:
        refuse(f"{file}: {err}")
    except (TargetError, BoundsError, ChoiceError, GrowthError) as err:
        option = {
            TargetError: "--target",
            BoundsError: "--bounds",
            ChoiceError: "--choose",
            GrowthError: "--growth",
        }
        refuse(f"{option[type(err)]}: {err}")
    except (ValueError, PlanRunError, SchedulerUnreachable) as err:
        refuse(f"{file}: {err}")
    try:
        claim(folder, force, Kind.PLAN, {Kind.PLAN: PLAN_OUTPUTS})
    except UnsafeOutput as err:
        refuse(f"--out: {err}")
    with writing(folder):
        write_plan(result, folder)
    click.echo(result.statement)
    if result.feasible:
        for row in result.verification.itertuples(index=False):
            click.echo(
                f"  {row.target}: promised {row.promised_mean:.3g} ({row.promised_n} runs), "
                f"achieved {row.achieved_mean:.3g} on fresh seeds ({row.achieved_n} runs)"
            )
    runs = ", ".join(f"{r.phase} {r.runs}" for r in result.runs.itertuples(index=False))
    click.echo(
        f"{len(result.candidates)} mixes checked; {result.total_runs} runs ({runs}); "
        f"{result.wall_seconds:.1f} s → {folder}"
    )
    if not result.feasible:
        sys.exit(ExitStatus.FAILED)
