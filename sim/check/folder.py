"""Checking a run folder: complete, written by licsim, and every file the one it wrote.

:func:`check_run` reads a folder written by :func:`~sim.result.write_result`, or one
stored piece of a sweep (``runs/variant=…/replication=…``, :mod:`sim.experiments.store`),
and runs the checks of :mod:`sim.check.invariants` over it. A folder without its marker
file (written last) is an interrupted write; a run folder's ``metadata.json`` holds the
digest of each file, so a file edited, replaced, removed or added afterwards is reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.check.invariants import check_result
from sim.check.violation import Violation
from sim.outfolder import digest
from sim.result import TABLES, Result, RunFolderError, load_run, run_files

PIECE = "piece.json"
"""What a sweep's piece holds instead of ``metadata.json`` (:mod:`sim.experiments.store`)."""


def check_run(folder: Path) -> list[Violation]:
    """Every invariant over the run written to ``folder``.

    A folder without ``metadata.json`` (written last) is an interrupted write: the only
    violation reported is ``complete_run_folder``. A sweep's piece has ``piece.json`` in its
    place (a piece folder with its final name is whole; it records no file digests, so the
    integrity check has nothing to compare). Raises :class:`RunFolderError` when the
    folder does not exist or holds no licsim run.
    """
    missing = _missing_files(folder)
    if missing:
        return [
            Violation(
                "complete_run_folder",
                f"incomplete run folder: {', '.join(missing)} missing "
                "(metadata.json is written last)",
            )
        ]
    run = load_run(folder)
    try:
        found = check_result(run)
    # A table that lost a column or holds text where times belong cannot be judged: the
    # folder is not a licsim run any more, whatever the check that tripped over it.
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as err:
        what = f"missing column {err}" if isinstance(err, KeyError) else f"{err}"
        raise RunFolderError(
            f"{folder}: the tables do not have the columns and types of a licsim run ({what})"
        ) from None
    return found if is_piece(folder) else [*_integrity(folder), *found]


def is_piece(folder: Path) -> bool:
    """Whether ``folder`` is a stored piece of a sweep rather than a ``licsim run`` folder."""
    return (folder / PIECE).is_file() and not (folder / "metadata.json").exists()


def _integrity(folder: Path) -> list[Violation]:
    """Every file of the run is the one it wrote: ``metadata.json`` holds the SHA-256 of each
    (:func:`sim.result.mark_complete`); a file edited, replaced, removed or added among the
    run's outputs afterwards is reported. A folder written before digests were recorded has
    none to compare and passes."""
    try:
        recorded = json.loads((folder / "metadata.json").read_text()).get("files")
    except (OSError, ValueError, AttributeError):
        return [Violation("integrity", "metadata.json is not readable JSON")]
    if recorded is None:
        return []
    present = set(run_files(folder))
    rows = [
        (name, "changed" if name in present else "missing")
        for name, sha in sorted(recorded.items())
        if name not in present or digest(folder / name) != sha
    ]
    rows += [(name, "not written by this run") for name in sorted(present - set(recorded))]
    if not rows:
        return []
    table = pd.DataFrame(rows, columns=["file", "problem"])
    return [
        Violation(
            "integrity",
            f"{len(rows)} file(s) differ from what the run wrote (metadata.json digests)",
            table,
        )
    ]


def rows_checked(result: Result) -> int:
    """How many table rows the checks looked at (for the summary line)."""
    return sum(len(t) for t in result.tables().values())


def _missing_files(folder: Path) -> list[str]:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise RunFolderError(f"{folder}: {what}")
    marker = PIECE if is_piece(folder) else "metadata.json"
    expected = [f"{name}.parquet" for name in TABLES] + ["scenario.json", marker]
    present = [name for name in expected if (folder / name).is_file()]
    if not present:
        raise RunFolderError(f"{folder}: not a licsim run (none of {', '.join(expected)} is there)")
    return [name for name in expected if name not in present]
