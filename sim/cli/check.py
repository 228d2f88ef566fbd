"""``licsim check``: the invariants of a run folder or a sweep's piece (:mod:`sim.check`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.conventions import JSON_HELP, ExitStatus, json_out, refuse


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help=JSON_HELP + " {ok, folder, piece, invariants, rows, files, violations}.",
)
def check(folder: Path, as_json: bool) -> None:
    """Check the invariants of a run written to FOLDER (exit 1 if any fails).

    FOLDER is a `licsim run` folder or one stored piece of a sweep
    (OUT/runs/variant=.../replication=K).
    """
    from sim.check import CHECKS, RunFolderError, check_run, is_piece, load_run, rows_checked

    try:
        violations = check_run(folder)
    except RunFolderError as err:
        refuse(str(err))
    piece = is_piece(folder)
    run = None if violations else load_run(folder)
    rows = rows_checked(run) if run is not None else None
    files = None if run is None or piece else len(run.metadata.get("files", {}))
    if as_json:
        json_out(
            {
                "ok": not violations,
                "folder": str(folder),
                "piece": piece,
                "invariants": len(CHECKS),
                "rows": rows,
                "files": files,
                "violations": [
                    {"invariant": v.invariant, "detail": v.detail, "rows": len(v.rows)}
                    for v in violations
                ],
            }
        )
    elif violations:
        for v in violations:
            click.echo(str(v))
    elif piece:
        click.echo(f"ok: {len(CHECKS)} invariants hold over {rows} rows of a sweep piece")
    else:
        click.echo(
            f"ok: {len(CHECKS)} invariants hold over {rows} rows; "
            f"{files} files match the digests the run recorded"
        )
    if violations:
        sys.exit(ExitStatus.FAILED)
