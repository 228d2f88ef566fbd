"""The ``licsim`` command line: a thin shell over scenario loading, runs and outputs.

Bad input never produces a traceback: every scenario problem is printed as
``file: path: value — expected …`` on standard error and the command exits with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.scenario import ScenarioError, load_scenario

MARKER = ".licsim"


def _fail(err: ScenarioError) -> None:
    click.echo(str(err), err=True)
    sys.exit(2)


def _prepare_out(out: Path, force: bool) -> None:
    """Refuse to write into a non-empty folder that licsim did not create."""
    if out.exists() and not out.is_dir():
        click.echo(f"--out: {out} exists and is not a folder", err=True)
        sys.exit(2)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists() and not force:
        click.echo(
            f"--out: {out} is not empty and was not written by licsim; "
            "choose another folder or pass --force",
            err=True,
        )
        sys.exit(2)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by licsim\n")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="licsim")
def main() -> None:
    """Simulate Qlik license deployments: seats, capacity, outages and grace periods."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def validate(file: Path) -> None:
    """Check a scenario file and print what it describes."""
    try:
        sc = load_scenario(file)
    except ScenarioError as err:
        _fail(err)
    users = sum(g.count for g in sc.users)
    click.echo(
        f"{file}: valid — {sc.name!r}, {len(sc.licenses)} license(s), {len(sc.servers)} "
        f"server(s), {users} user(s), {sc.start_at.isoformat()} → {sc.end_at.isoformat()}"
    )


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for tables (CSV and Parquet) and charts; default out/<scenario name>.",
)
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--charts/--no-charts", default=True, help="Draw PNG charts into OUT/charts/.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder licsim did not create.")
def run(file: Path, out: Path | None, seed: int | None, charts: bool, force: bool) -> None:
    """Run a scenario; write its tables and charts and print the summary."""
    from sim.result import write_result
    from sim.run import simulate

    try:
        sc = load_scenario(file)
        out = out or Path("out") / sc.name
        _prepare_out(out, force)
        result = simulate(sc, seed=seed)
    except ScenarioError as err:
        _fail(err)
    write_result(result, out)
    if charts:
        from sim.charts import save_charts

        save_charts(result, out / "charts")
    click.echo(f"{sc.name}: {result.metadata['wall_seconds']:.2f} s → {out}")
    click.echo(_format_summary(result.summary))


def _format_summary(summary: object) -> str:
    import pandas as pd

    assert isinstance(summary, pd.DataFrame)
    width = int(summary["metric"].str.len().max()) if len(summary) else 10
    lines = []
    for metric, value, unit in summary[["metric", "value", "unit"]].itertuples(index=False):
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        lines.append(f"  {metric:<{width}}  {shown:>14} {unit}")
    return "\n".join(lines)
