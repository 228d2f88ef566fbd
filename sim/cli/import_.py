"""``licsim import``: a site's Qlik logs, QRS exports or session CSVs into licsim's tables.

Besides the trace, the import writes a scenario of the site and a calibrated one, and can
replace every user id by a salted pseudonym so that the folder can be shared.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from sim.cli.conventions import FORCE_HELP, interrupt_behind, prepare_out, refuse
from sim.outfolder import Kind
from sim.scenario import ScenarioError


@click.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for trace.parquet, denials.parquet, license_state.json, scenario.yaml, "
    "calibrated.yaml, fit.html.",
)
@click.option(
    "--timezone",
    "tz",
    default="UTC",
    show_default=True,
    help="The site's time zone: for timestamps without a UTC offset, and the scenario's.",
)
@click.option("--name", default="site", show_default=True, help="The scenario's name.")
@click.option(
    "--max-rejected",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Share of rows that may be rejected before the import fails (default 0.01).",
)
@click.option("--strict", is_flag=True, help="Fail on the first rejected row.")
@click.option(
    "--anonymise",
    is_flag=True,
    help="Replace every user id (and client machine) by a salted hash, the same in every "
    "source, so the folder can be shared.",
)
@click.option(
    "--salt",
    default=None,
    metavar="TEXT",
    help="The salt of --anonymise (default: random, never written); the same salt gives "
    "the same pseudonyms in another import.",
)
@click.option(
    "--holiday",
    "holidays",
    multiple=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="A public holiday of the site's calendar (repeatable): left out of the calibration "
    "like the holidays the trace shows, and a holiday of calibrated.yaml's users.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print one line: no import report.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
def import_(
    sources: tuple[Path, ...],
    out: Path,
    tz: str,
    name: str,
    max_rejected: float | None,
    strict: bool,
    anonymise: bool,
    salt: str | None,
    holidays: tuple[datetime, ...],
    quiet: bool,
    force: bool,
) -> None:
    """Read a site's Qlik logs, QRS exports or session CSVs into licsim's tables."""
    from sim.importers import SourceError
    from sim.scenario.fields import plain_text

    if salt is not None and not anonymise:
        refuse("--salt: only used with --anonymise")
    if salt is not None and not salt:
        refuse("--salt: '': expected some text (an empty salt protects nothing)")

    try:
        name = plain_text(name, "scenario name")
    except ValueError as err:
        interrupt_behind(err)
        refuse(f"--name: {name!r}: {err}")
    from sim.importers.limits import DEFAULT_MAX_REJECTED
    from sim.importers.site_import import (
        calibrated_texts,
        import_site,
        site_scenario_text,
        write_outputs,
    )

    try:
        result = import_site(
            list(sources),
            tz=tz,
            strict=strict,
            max_rejected=DEFAULT_MAX_REJECTED if max_rejected is None else max_rejected,
            echo=lambda msg: click.echo(msg, err=True),
        )
        if anonymise:
            import secrets

            from sim.importers.anonymise import anonymise as pseudonymise

            key = salt.encode() if salt is not None else secrets.token_bytes(32)
            result = pseudonymise(result, key)
        text = site_scenario_text(result, out, tz=tz, name=name, sources=[str(s) for s in sources])
        calibrated = calibrated_texts(
            result,
            out,
            scenario_text=text,
            name=name,
            holidays=[d.date() for d in holidays],
        )
        prepare_out(out, force, Kind.IMPORT)
        written = write_outputs(
            result, out, tz=tz, scenario_text=text, calibrated=calibrated, anonymised=anonymise
        )
    except (SourceError, ScenarioError) as err:
        refuse(str(err))
    if not quiet:
        click.echo(result.summary())
    click.echo("wrote: " + ", ".join(p.name for p in written) + f" → {out}")
