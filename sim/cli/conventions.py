"""What every ``licsim`` command keeps: exit statuses, bad input, Ctrl-C, out folders, output.

Bad input never produces a traceback: the problem is printed on one line of standard error
(a scenario's as ``file: path: value — expected …``, an option's prefixed with its name)
and the command exits with status 2. Ctrl-C ends a command with one line and status 130,
leaving nothing half-written (:mod:`sim.atomic`, :mod:`sim.outfolder`). An out folder is
claimed before anything is written into it; ``--set`` reads dotted paths as the sweep
does; ``--json`` prints the result as JSON on standard output and nothing else there.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import NoReturn

import click

from sim.outfolder import Kind, UnsafeOutput, claim, safe_name
from sim.scenario import Scenario, ScenarioError


class ExitStatus(IntEnum):
    """How a command ends, besides 0 (done)."""

    FAILED = 1
    """The command ran and found a failure: an invariant, a sweep's piece, no feasible plan."""
    BAD_INPUT = 2
    """A bad scenario, option or folder; nothing was run (or written)."""
    INTERRUPTED = 130
    """Ctrl-C, as a shell reports a process ended by SIGINT."""


def refuse(message: str) -> NoReturn:
    """Print ``message`` on standard error and exit for bad input."""
    click.echo(message, err=True)
    sys.exit(ExitStatus.BAD_INPUT)


def interrupt_behind(err: BaseException) -> None:
    """Raise the Ctrl-C behind ``err``, if there is one: pydantic's serializer turns a
    KeyboardInterrupt raised while it dumps a scenario into a ValueError
    (``PydanticSerializationError``), which would otherwise be reported as bad input."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        seen = seen.__cause__ or seen.__context__


def fail(err: ScenarioError) -> NoReturn:
    """Report a scenario problem as bad input (unless a Ctrl-C is behind it)."""
    interrupt_behind(err)
    refuse(str(err))


class Commands(click.Group):
    """The ``licsim`` group: Ctrl-C ends any command with one line and status 130.

    Every writer leaves either a finished file or none (:mod:`sim.atomic`) and a folder
    says whether it is finished (:mod:`sim.outfolder`), so stopping between two bytecodes is
    safe; the traceback would only hide that.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _interrupted(ctx)
        except ValueError as err:
            try:
                interrupt_behind(err)
            except KeyboardInterrupt:
                _interrupted(ctx)
            raise


def _interrupted(ctx: click.Context) -> NoReturn:
    click.echo(f"licsim {ctx.invoked_subcommand or ''}: interrupted".strip(), err=True)
    sys.exit(ExitStatus.INTERRUPTED)


def prepare_out(out: Path, force: bool, kind: Kind) -> Path:
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
        refuse(f"--out: {err}")


def default_out(name: str, suffix: str = "") -> Path:
    """``out/<name><suffix>`` with the scenario's name made safe: a name is never a path."""
    return Path("out") / safe_name(name + suffix)


@contextmanager
def writing(out: Path) -> Iterator[None]:
    """Turn a refused or failed write into one line and exit status 2."""
    try:
        yield
    except OSError as err:
        where = getattr(err, "filename", None) or out
        refuse(f"{where}: cannot write ({err.strerror or err})")


def grid_of(sets: tuple[str, ...]) -> dict[str, list[object]]:
    """Each ``--set PATH=V1,V2,...`` as path → values (read as YAML scalars); exit 2
    naming the option on a malformed one or a path given twice."""
    from sim.experiments import parse_assignment

    grid: dict[str, list[object]] = {}
    for text in sets:
        try:
            path, values = parse_assignment(text)
        except ValueError as err:
            interrupt_behind(err)
            refuse(f"--set: {err}")
        if path in grid:
            refuse(f"--set: {path!r} is given twice; list all its values in one --set")
        grid[path] = values
    return grid


def overrides_of(sets: tuple[str, ...]) -> dict[str, object]:
    """Each ``--set PATH=VALUE`` as path → value (the sweep's syntax, one value per path);
    exit 2 naming the option on any problem."""
    overrides: dict[str, object] = {}
    for path, values in grid_of(sets).items():
        if len(values) != 1:
            refuse(
                f"--set: {path}={','.join(map(str, values))}: expected one value (a run is "
                "one variant; `licsim sweep` runs several)"
            )
        overrides[path] = values[0]
    return overrides


def overridden(sc: Scenario, overrides: dict[str, object]) -> Scenario:
    """``sc`` with ``overrides`` applied and validated as a whole, or exit 2."""
    from sim.experiments.sweep import check_paths

    if not overrides:
        return sc
    try:
        check_paths(sc, list(overrides), "--set")
        return sc.with_overrides(overrides, source="--set")
    except ScenarioError as err:
        fail(err)


def json_out(data: object) -> None:
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


def records(table: object) -> list[dict[str, object]]:
    """A table's rows as plain records, for :func:`json_out`."""
    import pandas as pd

    assert isinstance(table, pd.DataFrame)
    return table.astype(object).to_dict(orient="records")  # type: ignore[return-value]


def say(message: str) -> None:
    """A progress line, on standard error (standard output is the result's)."""
    click.echo(message, err=True)


SEED = click.IntRange(min=0, max=2**63 - 1)
CONFIDENCE = click.FloatRange(0, 1, min_open=True, max_open=True)
CONF_HELP = "Confidence level of the Student-t intervals across replications."
SET_HELP = (
    "Replace a value at a dotted path before running (the sweep's syntax: list items by "
    "index or id, as in licenses.corp.analyzer=120); repeat for several paths."
)
JSON_HELP = "Print the result as JSON on standard output (nothing else there)."
QUIET_HELP = "Print one line: no progress and no table."
FORCE_HELP = "Write into a non-empty folder licsim did not create."
