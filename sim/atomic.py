"""Files that exist are whole: every output is written under a temporary name and renamed.

A reader (a person, ``licsim check``, a resumed sweep) must never take a half-written file
for a finished one. Each file is written as ``.<name>.partial-<random><suffix>`` beside its
final name, in the same folder so the rename is atomic, and renamed only once the writer
returns; a writer that raises leaves no temporary behind. The suffix is kept so that a
person looking at leftovers sees what they were.

The temporary file is created exclusively (``O_CREAT | O_EXCL``), which fails rather than
follows a symbolic link planted under that name, and the writer is handed the open file, so
nothing reopens it by name; the rename then replaces a link at the final name instead of
writing through it (see :mod:`sim.outfolder`).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_text", "atomic_write", "is_partial"]


def is_partial(path: Path) -> bool:
    """Whether ``path`` is the temporary name of a file being written."""
    return path.name.startswith(".") and ".partial" in path.name


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write`` on a new temporary file beside ``path`` and rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        raise IsADirectoryError(errno.EISDIR, "a folder is where a file goes", str(path))
    fd, name = tempfile.mkstemp(
        prefix=f".{path.name}.partial-", suffix=path.suffix, dir=path.parent
    )
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``, atomically."""
    return atomic_write(path, lambda f: f.write(data))


def atomic_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` as UTF-8, atomically."""
    return atomic_bytes(path, text.encode("utf-8"))
