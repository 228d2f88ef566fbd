"""``licsim whatif``: outages of one target, each duration against the same baseline.

Every duration and replication is compared with a run of the same replication without the
outage (common random numbers), so the difference is the outage's alone.
"""

from __future__ import annotations

import math
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import click

from sim.cli.conventions import (
    CONF_HELP,
    CONFIDENCE,
    FORCE_HELP,
    JSON_HELP,
    QUIET_HELP,
    SEED,
    SET_HELP,
    default_out,
    fail,
    interrupt_behind,
    json_out,
    overridden,
    overrides_of,
    prepare_out,
    records,
    refuse,
    say,
    writing,
)
from sim.outfolder import Kind
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.errors import suggest


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--outage",
    "target",
    required=True,
    metavar="TARGET",
    help="What fails: 'backend' (the license backend) or a server id (its link to the backend).",
)
@click.option(
    "--durations",
    default="1h,24h,72h,96h,7d",
    show_default=True,
    help="Comma-separated outage durations to compare, e.g. 1h,24h,72h,96h,7d.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for whatif.csv, whatif_runs.csv, whatif_lost.csv and whatif.png; "
    "default out/<scenario name>-whatif.",
)
@click.option(
    "--reps",
    type=click.IntRange(min=1, max=10_000),
    default=None,
    help="Replications per duration (each against its own baseline); default the "
    "scenario's experiment.replications, or 1.",
)
@click.option(
    "--at",
    "at",
    default=None,
    metavar="TIMESTAMP",
    help="When the outage starts, ISO 8601 (naive times are in the scenario's timezone). "
    "Default: the first Monday 08:00 local at least 7 days after the scenario start, so "
    "dynamic allocations are warm. An outage running past the end of the run is clipped.",
)
@click.option(
    "--seed",
    type=SEED,
    default=None,
    help="Override the scenario's seed (a whole number from 0).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Remove the target's scheduled outages from the scenario (baseline and variants) "
    "instead of adding the what-if outage to them.",
)
@click.option("--charts/--no-charts", default=True, help="Draw OUT/whatif.png.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
@click.option("--confidence", type=CONFIDENCE, default=0.95, show_default=True, help=CONF_HELP)
@click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP + " The rows of whatif.csv.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
def whatif(
    file: Path,
    target: str,
    durations: str,
    out: Path | None,
    reps: int | None,
    at: str | None,
    seed: int | None,
    replace: bool,
    charts: bool,
    sets: tuple[str, ...],
    confidence: float,
    quiet: bool,
    as_json: bool,
    force: bool,
) -> None:
    """Compare outages of one target lasting each of --durations with no outage.

    Every duration and replication is run against a baseline of the same replication
    (common random numbers: the same users plan the same sessions), sessions are matched
    one to one, and the extra denials, users affected, time to the first denial and
    unserved session hours are written to OUT/whatif.csv (means, and --confidence intervals
    when --reps > 1), per replication to OUT/whatif_runs.csv, and every session lost to
    OUT/whatif_lost.csv.
    """
    from sim.phases import Phases
    from sim.scenario import parse_duration
    from sim.whatif import outage_whatif, resolve_outage_start, write_whatif

    def bad(option: str, message: str) -> NoReturn:
        refuse(f"{option}: {message}")

    texts = [t.strip() for t in durations.split(",") if t.strip()]
    if not texts:
        bad("--durations", "expected a comma-separated list such as 1h,24h,72h")
    seconds: list[float] = []
    for text in texts:
        try:
            value = parse_duration(text)
        except ValueError as err:
            interrupt_behind(err)
            bad("--durations", f"{text!r}: {err}")
        if value <= 0:
            bad("--durations", f"{text!r}: expected a duration above zero")
        seconds.append(value)
    if len(set(texts)) != len(texts):
        bad("--durations", f"{durations!r}: expected each duration once")
    start: datetime | None = None
    if at is not None:
        try:
            start = datetime.fromisoformat(at.strip())
        except ValueError:
            bad("--at", f"{at!r}: expected an ISO 8601 timestamp such as 2026-03-09T08:00")
    try:
        sc = load_scenario(file)
    except ScenarioError as err:
        fail(err)
    sc = overridden(sc, overrides_of(sets))
    valid = ["backend", *(s.id for s in sc.servers)]
    if target not in valid:
        bad(
            "--outage",
            f"{target!r} is not an outage target in {sc.name!r}; "
            + suggest(target, "expected one of: " + ", ".join(valid)),
        )
    try:
        start = resolve_outage_start(sc, start)
    except ValueError as err:
        interrupt_behind(err)
        bad("--at", str(err))
    if reps is None:
        reps = sc.experiment.replications if sc.experiment is not None else 1
    out = out or default_out(sc.name, "-whatif")
    prepare_out(out, force, Kind.WHATIF)
    clock = Phases(None if quiet or as_json or not sys.stderr.isatty() else say)
    try:
        with clock.phase("simulate"):
            study = outage_whatif(
                sc,
                target,
                seconds,
                at=start,
                reps=reps,
                labels=texts,
                seed=seed,
                replace=replace,
                confidence=confidence,
                progress=clock.bar("runs"),
            )
    except ScenarioError as err:
        fail(err)
    except ValueError as err:
        interrupt_behind(err)
        bad("whatif", str(err))
    with writing(out), clock.phase("tables and chart"):
        write_whatif(study, out, chart=charts)
    for note in study.notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        json_out(
            {
                "scenario": sc.name,
                "out": str(out),
                "target": target,
                "at": study.at.isoformat(),
                "replications": reps,
                "confidence": confidence,
                "table": records(study.table),
            }
        )
        return
    where = "the license backend" if target == "backend" else f"{target}'s link to the backend"
    click.echo(
        f"{sc.name}: outage of {where} from {study.at:%Y-%m-%d %H:%M %Z}, "
        f"{reps} replication(s), engine {study.engine_seconds:.2f} s, command "
        f"{clock.seconds:.2f} s → {out}"
    )
    if not quiet:
        click.echo(_format_whatif(study.table, reps, confidence))


def _format_whatif(table: object, reps: int, confidence: float) -> str:
    import pandas as pd

    from sim.rules.reasons import DENIAL_REASONS

    assert isinstance(table, pd.DataFrame)
    reasons = [r for r in DENIAL_REASONS if (table[f"extra_denied_{r}"].fillna(0) != 0).any()]
    columns = [
        ("extra_denied_sessions", "extra denied"),
        *((f"extra_denied_{r}", r) for r in reasons),
        ("extra_cut_sessions", "extra cut"),
        ("users_affected", "users affected"),
        ("first_denial_after", "1st denial (h)"),
        ("unserved_session_hours", "unserved (h)"),
    ]

    def cell(row: pd.Series, metric: str) -> str:
        value = row[metric]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
        high = row.get(f"{metric}_ci_high")
        if reps > 1 and high is not None and not math.isnan(high):
            shown += f" ±{high - value:,.1f}"
        return shown

    header = ["duration", *(name for _, name in columns)]
    body = [
        [str(row["duration"]), *(cell(row, metric) for metric, _ in columns)]
        for _, row in table.iterrows()
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  " + "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    if reps > 1:
        lines.append(f"  (± half-width of the {confidence * 100:g} % interval across replications)")
    return "\n".join(lines)
