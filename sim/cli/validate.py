"""``licsim validate``: check a scenario file and say what it describes."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.conventions import fail
from sim.scenario import ScenarioError, load_scenario


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def validate(file: Path) -> None:
    """Check a scenario file and print what it describes."""
    try:
        sc = load_scenario(file)
    except ScenarioError as err:
        fail(err)
    users = sum(g.count for g in sc.users)
    click.echo(
        f"{file}: valid — {sc.name!r}, {len(sc.licenses)} license(s), {len(sc.servers)} "
        f"server(s), {users} user(s), {sc.start_at.isoformat()} → {sc.end_at.isoformat()}"
    )
