"""The ``licsim`` command line: a thin shell over scenario loading, runs and outputs.

Conventions every command keeps: bad input never produces a traceback (every scenario
problem is printed as ``file: path: value — expected …`` on standard error, with "did you
mean" for a near miss, and the command exits with status 2); Ctrl-C ends a command with one
line on standard error and status 130, leaving nothing half-written (:mod:`sim.atomic`,
:mod:`sim.outfolder`); ``--quiet`` prints one line; ``--json`` prints the result as JSON on
standard output and nothing else there; ``-V`` prints the version.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import click

from sim.outfolder import Kind, UnsafeOutput, claim, safe_name, subfolder
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.errors import suggest


def _interrupt_behind(err: BaseException) -> None:
    """Raise the Ctrl-C behind ``err``, if there is one: pydantic's serializer turns a
    KeyboardInterrupt raised while it dumps a scenario into a ValueError
    (``PydanticSerializationError``), which would otherwise be reported as bad input."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        seen = seen.__cause__ or seen.__context__


def _fail(err: ScenarioError) -> NoReturn:
    _interrupt_behind(err)
    click.echo(str(err), err=True)
    sys.exit(2)


def _prepare_out(out: Path, force: bool, kind: Kind) -> Path:
    """Claim ``out`` for a command of ``kind`` (:func:`sim.outfolder.claim`), removing what
    an earlier command left there, or exit 2 saying why not."""
    from sim.experiments.sweep import SWEEP_OUTPUTS
    from sim.importers.site_import import IMPORT_OUTPUTS
    from sim.result import RUN_OUTPUTS
    from sim.whatif import WHATIF_OUTPUTS

    outputs = {
        Kind.RUN: RUN_OUTPUTS,
        Kind.WHATIF: WHATIF_OUTPUTS,
        Kind.SWEEP: SWEEP_OUTPUTS,
        Kind.IMPORT: IMPORT_OUTPUTS,
    }
    try:
        return claim(out, force, kind, outputs)
    except UnsafeOutput as err:
        click.echo(f"--out: {err}", err=True)
        sys.exit(2)


def _default_out(name: str, suffix: str = "") -> Path:
    """``out/<name><suffix>`` with the scenario's name made safe: a name is never a path."""
    return Path("out") / safe_name(name + suffix)


def _assignments(sets: tuple[str, ...]) -> dict[str, list[object]]:
    """Each ``--set PATH=V1,V2,...`` as path → values (read as YAML scalars); exit 2
    naming the option on a malformed one or a path given twice."""
    from sim.experiments import parse_assignment

    grid: dict[str, list[object]] = {}
    for text in sets:
        try:
            path, values = parse_assignment(text)
        except ValueError as err:
            _interrupt_behind(err)
            click.echo(f"--set: {err}", err=True)
            sys.exit(2)
        if path in grid:
            click.echo(
                f"--set: {path!r} is given twice; list all its values in one --set", err=True
            )
            sys.exit(2)
        grid[path] = values
    return grid


def _overrides(sets: tuple[str, ...]) -> dict[str, object]:
    """Each ``--set PATH=VALUE`` as path → value (the sweep's syntax, one value per path);
    exit 2 naming the option on any problem."""
    overrides: dict[str, object] = {}
    for path, values in _assignments(sets).items():
        if len(values) != 1:
            click.echo(
                f"--set: {path}={','.join(map(str, values))}: expected one value (a run is "
                "one variant; `licsim sweep` runs several)",
                err=True,
            )
            sys.exit(2)
        overrides[path] = values[0]
    return overrides


def _overridden(sc: Scenario, overrides: dict[str, object]) -> Scenario:
    """``sc`` with ``overrides`` applied and validated as a whole, or exit 2."""
    from sim.experiments.sweep import check_paths

    if not overrides:
        return sc
    try:
        check_paths(sc, list(overrides), "--set")
        return sc.with_overrides(overrides, source="--set")
    except ScenarioError as err:
        _fail(err)


CONFIDENCE = click.FloatRange(0, 1, min_open=True, max_open=True)
CONF_HELP = "Confidence level of the Student-t intervals across replications."

SET_HELP = (
    "Replace a value at a dotted path before running (the sweep's syntax: list items by "
    "index or id, as in licenses.corp.analyzer=120); repeat for several paths."
)


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Turn a refused or failed write into one line and exit status 2."""
    try:
        yield
    except OSError as err:
        where = getattr(err, "filename", None) or out
        click.echo(f"{where}: cannot write ({err.strerror or err})", err=True)
        sys.exit(2)


def _json_out(data: object) -> None:
    """Print ``data`` as JSON on standard output; NaN (no value) as null."""

    def plain(value: object) -> object:
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if hasattr(value, "item"):  # a numpy scalar
            return plain(value.item())  # type: ignore[attr-defined]
        return value

    click.echo(json.dumps(plain(data), indent=2, default=str, allow_nan=False))


def _records(table: object) -> list[dict[str, object]]:
    import pandas as pd

    assert isinstance(table, pd.DataFrame)
    return table.astype(object).to_dict(orient="records")  # type: ignore[return-value]


JSON_HELP = "Print the result as JSON on standard output (nothing else there)."
QUIET_HELP = "Print one line: no progress and no table."


class _Commands(click.Group):
    """The ``licsim`` group: Ctrl-C ends any command with one line and status 130.

    Every writer leaves either a finished file or none (:mod:`sim.atomic`) and a folder
    says whether it is finished (:mod:`sim.outfolder`), so stopping between two bytecodes is
    safe; the traceback would only hide that.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(f"licsim {ctx.invoked_subcommand or ''}: interrupted".strip(), err=True)
            sys.exit(130)
        except ValueError as err:
            try:
                _interrupt_behind(err)
            except KeyboardInterrupt:
                click.echo(f"licsim {ctx.invoked_subcommand or ''}: interrupted".strip(), err=True)
                sys.exit(130)
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "-V", "--version", package_name="licsim", prog_name="licsim")
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
    help="Folder for tables (CSV and Parquet), charts and reports; default out/<scenario name>.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Override the scenario's seed (a whole number from 0).",
)
@click.option("--charts/--no-charts", default=True, help="Draw PNG charts into OUT/charts/.")
@click.option(
    "--report/--no-report",
    default=True,
    help="Write OUT/report.html (KPIs, charts, tables) and OUT/report.xlsx.",
)
@click.option(
    "--xlsx-rows",
    type=click.IntRange(min=2, max=1_048_576),
    default=None,
    help="Rows per raw-table sheet of report.xlsx, header included; default 1,000 (the "
    "Parquet files have all; the report tables come first, whole).",
)
@click.option(
    "--csv",
    is_flag=True,
    help="Write every table as CSV too (default: Parquet for all, CSV for summary, capacity "
    "and server_states only).",
)
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
@click.option("--quiet", "-q", is_flag=True, help="Print one line: no phases and no summary table.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.csv's rows as JSON instead.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder licsim did not create.")
def run(
    file: Path,
    out: Path | None,
    seed: int | None,
    csv: bool,
    sets: tuple[str, ...],
    quiet: bool,
    as_json: bool,
    charts: bool,
    report: bool,
    xlsx_rows: int | None,
    force: bool,
) -> None:
    """Run a scenario; write its tables, charts and reports and print the summary.

    With --json, standard output is ``{"scenario", "out", "summary"}``, the summary as
    summary.csv's rows (metric, value, unit).
    """
    from sim.phases import Phases
    from sim.result import CSV_TABLES, TABLES, mark_complete, write_result
    from sim.run import simulate

    clock = Phases(None if quiet or not sys.stderr.isatty() else _say)
    try:
        overrides = _overrides(sets)
        sc = _overridden(load_scenario(file), overrides)
        out = out or _default_out(sc.name)
        # From here until mark_complete the folder holds no finished result (sim.result).
        _prepare_out(out, force, Kind.RUN)
        with clock.phase("simulate"):
            result = simulate(sc, seed=seed, progress=clock.bar("days"))
        if overrides:
            result.metadata["overrides"] = overrides
    except ScenarioError as err:
        _fail(err)
    with _writing(out):
        with clock.phase("tables"):
            write_result(result, out, complete=False, csv=csv)
        pngs = None
        if charts or report:
            from sim.charts import chart_pngs

            with clock.phase("charts"):
                pngs = chart_pngs(result)  # drawn once, for charts/ and report.html alike
        if charts:
            from sim.charts import save_charts

            save_charts(result, subfolder(out, "charts"), pngs)
        if report:
            from sim.htmlreport import write_report, write_workbook
            from sim.reports import report_tables

            with clock.phase("report"):
                tables = report_tables(result)  # once, for report.html and report.xlsx
                write_report(result, out, pngs, tables)
            with clock.phase("workbook"):
                write_workbook(result, out, max_rows=xlsx_rows, tables=tables)
        result.metadata.update(clock.record())
        mark_complete(result, out)
    if as_json:
        _json_out({"scenario": sc.name, "out": str(out), "summary": _records(result.summary)})
        return
    click.echo(
        f"{sc.name}: engine {result.metadata['wall_seconds']:.2f} s, command "
        f"{clock.seconds:.2f} s → {out}"
    )
    if not csv:
        only = ", ".join(t for t in TABLES if t not in CSV_TABLES)
        click.echo(f"  {only} in Parquet only (--csv writes them as CSV too)")
    if not quiet:
        click.echo(_format_summary(result.summary))


def _say(message: str) -> None:
    click.echo(message, err=True)


def _format_summary(summary: object) -> str:
    import pandas as pd

    from sim.reports import zero_breakdowns

    assert isinstance(summary, pd.DataFrame)
    shown_rows = list(
        summary.loc[~zero_breakdowns(summary), ["metric", "value", "unit"]].itertuples(index=False)
    )
    width = max((len(m) for m, _, _ in shown_rows), default=10)
    lines = []
    for metric, value, unit in shown_rows:
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        lines.append(f"  {metric:<{width}}  {shown:>14} {unit}")
    if len(shown_rows) < len(summary):
        lines.append(
            f"  ({len(summary) - len(shown_rows)} breakdowns that are zero: see summary.csv)"
        )
    return "\n".join(lines)


@main.command()
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
    type=click.IntRange(min=0, max=2**63 - 1),
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
@click.option("--force", is_flag=True, help="Write into a non-empty folder licsim did not create.")
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
        click.echo(f"{option}: {message}", err=True)
        sys.exit(2)

    texts = [t.strip() for t in durations.split(",") if t.strip()]
    if not texts:
        bad("--durations", "expected a comma-separated list such as 1h,24h,72h")
    seconds: list[float] = []
    for text in texts:
        try:
            value = parse_duration(text)
        except ValueError as err:
            _interrupt_behind(err)
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
        _fail(err)
    sc = _overridden(sc, _overrides(sets))
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
        _interrupt_behind(err)
        bad("--at", str(err))
    if reps is None:
        reps = sc.experiment.replications if sc.experiment is not None else 1
    out = out or _default_out(sc.name, "-whatif")
    _prepare_out(out, force, Kind.WHATIF)
    clock = Phases(None if quiet or as_json or not sys.stderr.isatty() else _say)
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
        _fail(err)
    except ValueError as err:
        _interrupt_behind(err)
        bad("whatif", str(err))
    with _writing(out), clock.phase("tables and chart"):
        write_whatif(study, out, chart=charts)
    for note in study.notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        _json_out(
            {
                "scenario": sc.name,
                "out": str(out),
                "target": target,
                "at": study.at.isoformat(),
                "replications": reps,
                "confidence": confidence,
                "table": _records(study.table),
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
    import math

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


@main.command()
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
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Override the scenario's seed (a whole number from 0).",
)
@click.option("--confidence", type=CONFIDENCE, default=0.95, show_default=True, help=CONF_HELP)
@click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP.replace("table", "progress bar"))
@click.option("--force", is_flag=True, help="Write into a non-empty folder licsim did not create.")
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

    grid = _assignments(sets)
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
            click.echo(f"--dask: {err}", err=True)
            sys.exit(2)

        for name in [*logging.root.manager.loggerDict, "distributed"]:
            if name.startswith("distributed"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
        executor = "dask-local" if dask.strip() == "local" else dask.strip()
        if executor != "dask-local":
            problem = dask_address_problem(str(executor))
            if problem is not None:
                click.echo(f"--dask: {dask!r}: {problem}", err=True)
                sys.exit(2)
    if workers is not None and executor in ("processes", "dask-local"):
        limit, why = worker_limit()
        if workers > limit:
            click.echo(
                f"--workers: {workers}: this machine has {why}; expected at most {limit}",
                err=True,
            )
            sys.exit(2)
    try:
        sc = load_scenario(file)
        plan(sc, grid or None, reps, source="--set" if grid else str(file))
    except ScenarioError as err:
        _fail(err)
    except ValueError as err:
        _interrupt_behind(err)
        click.echo(f"--set: {err}" if grid else f"{file}: {err}", err=True)
        sys.exit(2)
    _prepare_out(out, force, Kind.SWEEP)
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
        with _writing(out):
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
        _fail(err)
    except SchedulerUnreachable as err:
        click.echo(f"--dask: {err}", err=True)
        sys.exit(2)
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

    with _writing(out):
        write_sweep_report(result, out)
    if len(result.failures):
        sys.exit(1)


@main.command("plan")
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
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Override the scenario's seed.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty folder licsim did not create.")
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
            click.echo(f"--dask: {dask!r}: {problem}", err=True)
            sys.exit(2)
    overrides = _overrides(sets)
    try:
        sc = _overridden(load_scenario(file), overrides)
    except ScenarioError as err:
        _fail(err)
    folder = out if out is not None else _default_out(sc.name, "-plan")
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
        _fail(err)
    except MissingPrice as err:
        click.echo(f"{file}: {err}", err=True)
        sys.exit(2)
    except (TargetError, BoundsError, ChoiceError, GrowthError) as err:
        option = {
            TargetError: "--target",
            BoundsError: "--bounds",
            ChoiceError: "--choose",
            GrowthError: "--growth",
        }
        click.echo(f"{option[type(err)]}: {err}", err=True)
        sys.exit(2)
    except (ValueError, PlanRunError, SchedulerUnreachable) as err:
        click.echo(f"{file}: {err}", err=True)
        sys.exit(2)
    try:
        claim(folder, force, Kind.PLAN, {Kind.PLAN: PLAN_OUTPUTS})
    except UnsafeOutput as err:
        click.echo(f"--out: {err}", err=True)
        sys.exit(2)
    with _writing(folder):
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
        sys.exit(1)


@main.command()
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
        click.echo(str(err), err=True)
        sys.exit(2)
    piece = is_piece(folder)
    run = None if violations else load_run(folder)
    rows = rows_checked(run) if run is not None else None
    files = None if run is None or piece else len(run.metadata.get("files", {}))
    if as_json:
        _json_out(
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
        sys.exit(1)


@main.command("import")
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
@click.option("--force", is_flag=True, help="Write into a non-empty folder licsim did not create.")
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
        click.echo("--salt: only used with --anonymise", err=True)
        sys.exit(2)
    if salt is not None and not salt:
        click.echo("--salt: '': expected some text (an empty salt protects nothing)", err=True)
        sys.exit(2)

    try:
        name = plain_text(name, "scenario name")
    except ValueError as err:
        _interrupt_behind(err)
        click.echo(f"--name: {name!r}: {err}", err=True)
        sys.exit(2)
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
        _prepare_out(out, force, Kind.IMPORT)
        written = write_outputs(
            result, out, tz=tz, scenario_text=text, calibrated=calibrated, anonymised=anonymise
        )
    except (SourceError, ScenarioError) as err:
        click.echo(str(err), err=True)
        sys.exit(2)
    if not quiet:
        click.echo(result.summary())
    click.echo("wrote: " + ", ".join(p.name for p in written) + f" → {out}")
