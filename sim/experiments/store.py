"""On-disk pieces of a sweep, written atomically so that an interrupted sweep resumes.

Each finished (variant, replication) is a folder
``DIR/runs/variant=<safe name>/replication=<k>/`` holding its tables as Parquet, the
effective scenario (``scenario.json``) and ``piece.json`` (variant, overrides,
replication, seed and a fingerprint of the inputs). A piece is written into a hidden
temporary folder next to it and renamed into place when complete, so a folder with the
final name is always a finished piece; leftovers of an interrupted write are removed on
the next sweep. A stored piece is reused only if its fingerprint matches, so changing the
scenario or the seed recomputes it rather than mixing old and new runs.

The stacked tables of a stored sweep (:class:`StoredTables`) are read from the pieces
when first asked for, so a sweep of many large runs summarises without holding every
session of every run in memory.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.outfolder import remove_tree, subfolder
from sim.result import TABLES, read_table

from .grid import Variant

__all__ = [
    "StoredTables",
    "fingerprint",
    "is_finished",
    "make_variant_dir",
    "piece_dir",
    "remove_partial",
    "stack",
    "write_piece",
]


def piece_dir(out: Path, variant: Variant, replication: int) -> Path:
    return out / "runs" / f"variant={variant.folder}" / f"replication={replication}"


def make_variant_dir(out: Path, variant: Variant) -> Path:
    """Create a variant's folder, refusing a symbolic link on the way (sim.outfolder)."""
    return subfolder(out, "runs", f"variant={variant.folder}")


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
    if folder.is_symlink() or not meta.is_file():
        return False
    try:
        return json.loads(meta.read_text()).get("fingerprint") == print_
    except (OSError, ValueError):
        return False


def remove_partial(out: Path) -> None:
    """Delete temporary folders left by an interrupted write (never through a link)."""
    runs = out / "runs"
    if not runs.is_dir() or runs.is_symlink():
        return
    for variant in runs.glob("variant=*"):
        if variant.is_dir() and not variant.is_symlink():
            for tmp in variant.glob(".replication=*.tmp-*"):
                remove_tree(tmp)


def write_piece(folder: Path, outcome: dict[str, Any], variant: Variant, print_: str) -> None:
    """Write a successful outcome to ``folder`` atomically (replacing a stale piece)."""
    runs = folder.parent.parent
    subfolder(runs.parent, runs.name, folder.parent.name)
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
        if folder.is_symlink() or folder.exists():
            stale = folder.with_name(f".{folder.name}.tmp-stale-{uuid.uuid4().hex[:8]}")
            folder.rename(stale)
            remove_tree(stale)
        tmp.rename(folder)
    finally:
        remove_tree(tmp)


class StoredTables(Mapping[str, pd.DataFrame]):
    """Every table of the given pieces stacked in their order, each read on first use."""

    def __init__(self, pieces: list[Path]) -> None:
        self._pieces = pieces
        self._loaded: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(name)
        if name not in self._loaded:
            frames = [read_table(p / f"{name}.parquet", name) for p in self._pieces]
            self._loaded[name] = stack(frames)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)


def stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other, categorical columns kept categorical.

    ``pd.concat`` turns a categorical column into plain objects as soon as two pieces
    have different categories, and Parquet gives an all-empty categorical back as plain
    objects; uniting the categories first makes the stacked dtypes the same whether the
    pieces came from memory or from disk.
    """
    if not frames:
        return pd.DataFrame()
    categorical = {
        column
        for frame in frames
        for column in frame.columns
        if isinstance(frame[column].dtype, pd.CategoricalDtype)
    }
    for column in categorical:
        seen: dict[Any, None] = {}
        for frame in frames:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                seen.update(dict.fromkeys(values.cat.categories))
            else:
                seen.update(dict.fromkeys(values.dropna()))
        dtype = pd.CategoricalDtype(list(seen))
        frames = [f.assign(**{column: f[column].astype(dtype)}) for f in frames]
    return pd.concat(frames, ignore_index=True)
