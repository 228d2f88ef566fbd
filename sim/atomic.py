"""Files that exist are whole: every output is written under a temporary name and renamed.

A reader (a person, ``licsim check``, a resumed sweep) must never take a half-written file
for a finished one. Each file is written as ``.<name>.partial<suffix>`` beside its final
name, in the same folder so the rename is atomic, and renamed only once the writer returns;
a writer that raises leaves no temporary behind. The suffix is kept so that writers which
choose a format by extension (matplotlib, openpyxl) still do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "partial_name"]


def partial_name(path: Path) -> Path:
    """The temporary name ``path`` is written under."""
    return path.with_name(f".{path.name}.partial{path.suffix}")


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` on a temporary name beside ``path`` and rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_name(path)
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
