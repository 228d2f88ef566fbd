"""The output folder: the one place a command writes, and nothing outside it.

A scenario file and whatever already sits in the output folder are untrusted. A scenario's
``name`` is text, not a path: the default folder ``out/<name>`` is built from
:func:`safe_name`, which can never climb out of ``out/`` or start somewhere else. A file or
folder planted inside the output folder may be a symbolic link pointing anywhere, so
licsim never follows one there: folders below the output folder are made by
:func:`subfolder`, which refuses a link; files are written by :mod:`sim.atomic`, which
creates its temporary file exclusively and renames over a link rather than through it;
and :func:`remove_tree` deletes a link, never what it points to. The output folder itself
may be a link: that is the user's own choice, made on the command line.

A folder licsim writes into is marked with a ``.licsim`` file naming the kind of output it
holds (a run, a what-if study, a sweep, an imported site), so that a second command of the
same kind may replace its contents while a folder of another kind, or holding someone
else's files, is refused. Before a command writes anything, every file that an earlier
command of that kind left there is removed, so a folder never mixes two commands' outputs
(charts of an old run beside the tables of a new one); each kind's completion marker is
written last.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path

__all__ = [
    "MARKER",
    "Kind",
    "UnsafeOutput",
    "claim",
    "digest",
    "folder_kind",
    "remove_tree",
    "safe_name",
    "subfolder",
]

MARKER = ".licsim"
"""The file that says licsim wrote a folder."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]")

_MAX_NAME = 100
"""Longest folder name kept as it is; longer names are cut and keep a hash of the rest."""


class Kind(StrEnum):
    """What an output folder holds: the command that wrote it."""

    RUN = "run"
    WHATIF = "whatif"
    SWEEP = "sweep"
    IMPORT = "import"
    PLAN = "plan"


_MARK_PREFIX = "licsim "


class UnsafeOutput(OSError):
    """The output folder cannot be written as asked; the message says why."""


def safe_name(name: str) -> str:
    """``name`` if it is safe as one folder name, else a cleaned prefix and a short hash.

    Safe means lower-case ASCII letters, digits and ``._=+-`` only, not starting with a
    dot, at most 100 characters: no separator, no ``..``, no drive, no control character.
    Any other name becomes its cleaned, lower-cased prefix, ``~`` and a hash of the name
    itself. So distinct names give distinct folders by construction, even on a file system
    that ignores case (macOS, Windows): a name kept as it is has no capital and no ``~``,
    and two names that clean alike (``Field`` and ``field``) keep apart through the hash.
    """
    text = unicodedata.normalize("NFC", name)
    cleaned = _UNSAFE.sub("_", text)
    kept = cleaned == text and text == text.lower() and not text.startswith(".")
    if kept and 0 < len(text) <= _MAX_NAME:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned.lower().lstrip('.')[:80]}~{digest}"


def subfolder(root: Path, *parts: str) -> Path:
    """``root/parts...``, created as needed, with no symbolic link among ``parts``."""
    folder = root
    for part in parts:
        folder = folder / part
        if folder.is_symlink():
            raise UnsafeOutput(f"{folder}: is a symbolic link; licsim does not write through one")
        if folder.exists() and not folder.is_dir():
            raise UnsafeOutput(f"{folder}: exists and is not a folder")
        folder.mkdir(exist_ok=True)
    return folder


def remove_tree(path: Path) -> None:
    """Delete ``path``: a link is unlinked (its target is left alone), a folder removed."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def folder_kind(out: Path) -> Kind | None:
    """The kind recorded in ``out``'s marker; None if unmarked, a link, or an older marker."""
    marker = out / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    first = marker.read_text(errors="replace").partition("\n")[0]
    try:
        return Kind(first.removeprefix(_MARK_PREFIX))
    except ValueError:
        return None


def claim(
    out: Path, force: bool, kind: Kind, outputs: Mapping[Kind, Iterable[str]] | None = None
) -> Path:
    """Make ``out`` a folder of ``kind``: create it, or accept it, clear it and mark it.

    A non-empty folder without a marker (or with a link in the marker's place) is refused
    unless ``force``, and so is a folder marked as another kind. Then what a command of
    this kind writes, and with ``force`` what the folder's former kind wrote (``outputs``
    maps a kind to names relative to ``out``, files or folders), is removed, with any
    temporary files left by an interrupted write, before anything new is written. Raises
    :class:`UnsafeOutput` with the reason.
    """
    try:
        return _claim(out, force, kind, outputs or {})
    except UnsafeOutput:
        raise
    except OSError as err:  # a name too long, a folder we may not read, ...
        raise UnsafeOutput(f"{out}: cannot use this folder ({err.strerror or err})") from None


def _claim(out: Path, force: bool, kind: Kind, outputs: Mapping[Kind, Iterable[str]]) -> Path:
    from sim.atomic import atomic_text, is_partial

    if out.is_symlink() and not out.exists():
        raise UnsafeOutput(f"{out} is a symbolic link to {out.readlink()}, which does not exist")
    for above in out.absolute().parents:
        if above.exists() and not above.is_dir():
            raise UnsafeOutput(f"{out} lies under {above}, which is a file, not a folder")
    if out.exists() and not out.is_dir():
        raise UnsafeOutput(f"{out} exists and is not a folder")
    marker = out / MARKER
    ours = marker.is_file() and not marker.is_symlink()
    if out.is_dir() and any(out.iterdir()) and not ours and not force:
        raise UnsafeOutput(
            f"{out} is not empty and was not written by licsim; "
            "choose another folder or pass --force"
        )
    found = folder_kind(out)
    if found is not None and found != kind and not force:
        raise UnsafeOutput(
            f"{out} holds a licsim {found}, not a {kind}; "
            f"choose another folder or pass --force to replace it"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UnsafeOutput(f"{out}: cannot create the folder ({err.strerror or err})") from None
    atomic_text(marker, f"{_MARK_PREFIX}{kind}\n")
    stale = {*outputs.get(kind, ()), *(outputs.get(found, ()) if found is not None else ())}
    for name in sorted(stale):
        remove_tree(out / name)
    for left in out.iterdir():
        if is_partial(left):
            remove_tree(left)
    return out


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
