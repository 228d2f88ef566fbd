"""On-disk pieces of a sweep, written atomically so that an interrupted sweep resumes.

Each finished (variant, replication) is a folder
``DIR/runs/variant=<safe name>/replication=<k>/`` holding its tables as Parquet, the
effective scenario (``scenario.json``) and ``piece.json`` (variant, overrides,
replication, seed and a fingerprint of the inputs). A piece is written into a hidden
temporary folder next to it and renamed into place when complete, so a folder with the
final name is always a finished piece; leftovers of an interrupted write are removed on
the next sweep. A stored piece is reused only if its fingerprint matches, so changing the
scenario or the seed recomputes it rather than mixing old and new runs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from sim.result import TABLES

from .grid import Variant

__all__ = ["fingerprint", "is_finished", "piece_dir", "read_piece", "remove_partial", "write_piece"]


def piece_dir(out: Path, variant: Variant, replication: int) -> Path:
    return out / "runs" / f"variant={variant.folder}" / f"replication={replication}"


def fingerprint(
    scenario: dict[str, Any], variant: Variant, replication: int, seed: int | None
) -> str:
    """A hash of everything that determines a piece's tables."""
    text = json.dumps(
        {
            "scenario": scenario,
            "variant": variant.name,
            "overrides": variant.overrides,
            "replication": replication,
            "seed": seed,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_finished(folder: Path, print_: str) -> bool:
    """Whether ``folder`` holds a finished piece with fingerprint ``print_``."""
    meta = folder / "piece.json"
    if not meta.is_file():
        return False
    try:
        return json.loads(meta.read_text()).get("fingerprint") == print_
    except (OSError, ValueError):
        return False


def remove_partial(out: Path) -> None:
    """Delete temporary folders left by an interrupted write."""
    runs = out / "runs"
    if runs.is_dir():
        for tmp in runs.glob("variant=*/.replication=*.tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)


def write_piece(folder: Path, outcome: dict[str, Any], variant: Variant, print_: str) -> None:
    """Write a successful outcome to ``folder`` atomically (replacing a stale piece)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        for name, df in outcome["tables"].items():
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "scenario.json").write_text(outcome["scenario_json"])
        meta = {
            "variant": variant.name,
            "overrides": variant.overrides,
            "replication": outcome["replication"],
            "seed": outcome.get("seed"),
            "wall_seconds": outcome.get("wall_seconds"),
            "fingerprint": print_,
        }
        # piece.json last: a piece is finished once it has it (and its final name).
        (tmp / "piece.json").write_text(json.dumps(meta, indent=2, default=str))
        if folder.exists():
            stale = folder.with_name(f".{folder.name}.tmp-stale-{uuid.uuid4().hex[:8]}")
            folder.rename(stale)
            shutil.rmtree(stale, ignore_errors=True)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def read_piece(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of a stored piece."""
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}
