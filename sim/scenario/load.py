"""Reading scenario files: from bytes on disk to a validated :class:`Scenario`.

The loader is deliberately suspicious. A scenario file is hand-written, so YAML's quiet
habits are turned into errors: a key written twice in one mapping (YAML keeps the last one
without a word) is refused, and so are files that are not UTF-8, empty, or not a mapping
at the top. It may also come from someone else, so its size (1 MiB), the number of values
(50,000), the nesting depth (50) and the number of aliases (100) are capped before anything
is built: a few lines of aliases can otherwise expand into billions of nodes, and PyYAML
needs several seconds per megabyte. Whatever goes wrong, the caller gets a
:class:`ScenarioError` naming the file, never a traceback; validation problems also carry
the line they are on.
"""

import os
import stat
from pathlib import Path
from typing import Any, NoReturn, cast

import yaml
from pydantic import ValidationError
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from .errors import (
    MISSING,
    Loc,
    Problem,
    ScenarioError,
    format_path,
    problems_from_validation_error,
)
from .scenario import Scenario, zone_of

__all__ = [
    "MAX_ALIASES",
    "MAX_ALIAS_EXPANSION",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "load_scenario",
    "parse_scenario",
]

# A hand-written scenario is a few kilobytes and a few hundred values; even thousands of
# scripted sessions stay well inside these. They keep the worst file to about a second.
MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 50_000
MAX_ALIASES = 100
MAX_DEPTH = 50
MAX_ALIAS_EXPANSION = 1_000_000
# Past a screenful the rest of the list helps nobody (and a file of 20,000 unknown keys
# would print 20,000 lines).
MAX_PROBLEMS = 100

EMPTY_MESSAGE = (
    "the file is empty: expected a mapping with at least name, start, duration or end, "
    "licenses, servers"
)

_MERGE_TAG = "tag:yaml.org,2002:merge"

_REFUSED_TAGS = {
    "tag:yaml.org,2002:set": "a set has no order, so the tables would follow Python's string "
    "hash; write a list [a, b]",
    "tag:yaml.org,2002:omap": "write a mapping or a list",
    "tag:yaml.org,2002:pairs": "write a mapping or a list",
    "tag:yaml.org,2002:binary": "a scenario holds text, numbers, mappings and lists",
}
"""YAML types a safe loader builds that have no place in a scenario, with what to write."""


class _DuplicateKey(ConstructorError):
    """A key written twice in one mapping; the loader turns it into a problem at its path."""

    def __init__(self, mapping: MappingNode, key: object, first: Node, again: Node) -> None:
        super().__init__(
            "while reading a mapping",
            mapping.start_mark,
            f"duplicate key {key!r} (first written on line {first.start_mark.line + 1}); "
            "YAML would silently keep only the last, so expected each key once",
            again.start_mark,
        )
        self.mapping = mapping
        self.key = key


class _PyEvents(Reader, Scanner, Parser):
    """PyYAML's pure-Python event source, for when it was built without libyaml."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


try:
    # libyaml's scanner and parser are about five times faster than PyYAML's Python ones;
    # composing stays in Python below so that it can be watched and stopped early.
    from yaml._yaml import CParser as _Events

    LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _Events = _PyEvents  # type: ignore[assignment,misc]
    LIBYAML = False


class _StrictLoader(Composer, SafeConstructor, Resolver, _Events):  # type: ignore[misc,valid-type]
    """A safe loader that refuses duplicate keys and caps aliases, nodes and nesting depth."""

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._aliases = 0
        self._nodes = 0
        self._depth = 0
        self._checked: set[int] = set()

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            self._refuse(
                f"more than {MAX_NODES:,} values; a scenario file is expected to be far smaller"
            )
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                self._refuse(
                    f"more than {MAX_ALIASES} aliases (*name); refusing the file because "
                    "aliases can expand it enormously (an 'alias bomb')"
                )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                self._refuse(f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1

    def _refuse(self, message: str) -> NoReturn:
        event = self.peek_event()
        # The C loader's marks are duck-typed to yaml.error.Mark.
        mark = cast("yaml.error.Mark | None", event.start_mark if event else None)
        raise ComposerError(None, None, message, mark)

    def flatten_mapping(self, node: MappingNode) -> None:
        # Checked here, before merge keys (<<) are flattened in: keys brought in by a merge
        # may legitimately be overridden, keys written twice by hand may not.
        if id(node) not in self._checked:
            self._checked.add(id(node))
            seen: dict[Any, Node] = {}
            merges = [k for k, _ in node.value if k.tag == _MERGE_TAG]
            if len(merges) > 1:
                raise ConstructorError(
                    None,
                    None,
                    "two merge keys (<<) in one mapping: the second silently overrides the "
                    "first; write one, with a list of aliases (<<: [*a, *b])",
                    merges[1].start_mark,
                )
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # unhashable key: the base constructor reports it
                if first is not None:
                    raise _DuplicateKey(node, key, first, key_node)
                seen[key] = key_node
        super().flatten_mapping(node)  # type: ignore[no-untyped-call]

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # PyYAML's scalar constructors raise bare ValueErrors (2026-02-30, `!!float abc`,
        # an integer with 5,000 digits); give them the node's position like any YAML error.
        if node.tag in _REFUSED_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise ConstructorError(
                None,
                None,
                f"the tag {tag} is not accepted: {_REFUSED_TAGS[node.tag]}",
                node.start_mark,
            )
        try:
            return super().construct_object(node, deep)  # type: ignore[no-untyped-call]
        except (ValueError, TypeError, AttributeError, IndexError, OverflowError) as exc:
            value = node.value if isinstance(node, ScalarNode) else ""
            shown = value if len(value) <= 40 else value[:37] + "..."
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            if "digits" in str(exc):
                problem = f"cannot read {shown!r} as {tag}: it has too many digits"
            elif tag == "!!timestamp" and isinstance(exc, AttributeError):
                # PyYAML's constructor assumes its own pattern matched: it did not.
                problem = (
                    f"invalid date or time {shown!r}: expected an ISO 8601 date or date and "
                    "time such as 2026-01-05 or 2026-01-05T08:00"
                )
            elif tag == "!!timestamp":
                problem = f"invalid date or time {shown!r}: {exc}"
            else:
                problem = f"cannot read {shown!r} as {tag}: {exc}"
            raise ConstructorError(None, None, problem, node.start_mark) from None


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Node) -> str | None:
    """Why the node graph is unsafe to build and validate as a tree, or None.

    Aliases make the composed graph share nodes; everything after construction treats it
    as a tree. Counting its size as a tree catches chains of aliases that double at each
    step (a hundred aliases can stand for 2**100 nodes) and aliases inside their own
    anchor, which would make the tree infinite.
    """
    sizes: dict[int, int] = {}
    started: set[int] = set()
    # Iterative post-order walk: through aliases the depth is unbounded.
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            started.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] - len(sizes) > MAX_ALIAS_EXPANSION:
                return (
                    f"its aliases expand to more than {MAX_ALIAS_EXPANSION:,} extra values; "
                    "refusing it as a possible alias bomb"
                )
            continue
        if key in sizes:
            continue
        started.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in started:
                line = child.start_mark.line + 1
                return (
                    f"an alias refers to the anchor that contains it (the anchor on line "
                    f"{line}), which would make the scenario infinitely deep"
                )
            if id(child) not in sizes:
                stack.append((child, False))
    return None


def _yaml_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts the position in UTF-8 bytes, PyYAML's reader in characters.
        before = (
            text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")
            if LIBYAML
            else text[: exc.position]
        )
        return _bad_character(text, len(before), exc.character)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.context_mark is not None:
            message = f"{message} ({exc.context} starting on line {exc.context_mark.line + 1})"
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return Problem(where, MISSING, f"not valid YAML: {message}")
    return Problem("", MISSING, f"not valid YAML: {' '.join(str(exc).split())}")


def _bad_character(text: str, position: int, character: object) -> Problem:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    shown = f"#x{character:04x}" if isinstance(character, int) else repr(character)
    return Problem(
        f"line {line}, column {column}", MISSING, f"character {shown} is not allowed in YAML"
    )


def _path_to(root: Node, target: Node) -> Loc | None:
    """Where ``target`` sits in the tree under ``root``, as keys and list indices."""
    stack: list[tuple[Node, Loc]] = [(root, ())]
    seen: set[int] = set()
    while stack:  # iterative: aliases may make the graph deep
        node, loc = stack.pop()
        if node is target:
            return loc
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, ScalarNode) else "?"
                stack.append((value_node, (*loc, key)))
        elif isinstance(node, SequenceNode):
            stack.extend((child, (*loc, i)) for i, child in enumerate(node.value))
    return None


def _duplicate_problem(exc: _DuplicateKey, root: Node | None) -> Problem:
    # A key that is not text is shown quoted so that 1 cannot pass for a list index.
    key = exc.key if isinstance(exc.key, str) else str(exc.key)
    loc = (_path_to(root, exc.mapping) if root is not None else None) or ()
    mark = exc.problem_mark
    return Problem(
        format_path((*loc, key)), MISSING, exc.problem or "", mark.line + 1 if mark else None
    )


def _read_yaml(text: str, source: str) -> tuple[Any, Node | None]:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # A lone surrogate (only possible in text given as str) cannot reach libyaml.
        raise ScenarioError(
            source, [_bad_character(text, exc.start, ord(text[exc.start]))]
        ) from None
    loader: _StrictLoader | None = None
    node: Node | None = None
    try:
        # The reader checks every character while being constructed, so this is inside.
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, None
        unsafe = _check_expansion(node)
        if unsafe is not None:
            raise ScenarioError(source, f"not usable YAML: {unsafe}")
        return loader.construct_document(node), node
    except ScenarioError:
        raise
    except _DuplicateKey as exc:
        raise ScenarioError(source, [_duplicate_problem(exc, node)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, [_yaml_problem(exc, text)]) from None
    except RecursionError:
        raise ScenarioError(source, "not usable YAML: it is nested too deeply") from None
    except Exception as exc:  # e.g. an integer with more digits than Python will convert
        raise ScenarioError(source, f"not usable YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _locator(root: Node | None) -> Any:
    """A function giving the line of a location in the YAML node tree, if known."""

    # Keys of each mapping, indexed on first use: a file with thousands of unknown keys
    # would otherwise make looking up every problem's line quadratic.
    keys: dict[int, dict[str, Node]] = {}

    def child_of(node: MappingNode, key: str) -> Node | None:
        index = keys.get(id(node))
        if index is None:
            index = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    index.setdefault(key_node.value, value_node)
            keys[id(node)] = index
        return index.get(key)

    def locate(loc: Loc) -> int | None:
        node = root
        if node is None:
            return None
        for part in loc:
            child: Node | None = None
            if isinstance(node, MappingNode):
                child = child_of(node, str(part))
            elif (
                isinstance(node, SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    return locate


def _validate(data: object, source: str, root: Node | None, base: str | None) -> Scenario:
    if data is None:
        raise ScenarioError(source, EMPTY_MESSAGE)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r:.40}"
        raise ScenarioError(
            source,
            "the top level must be a mapping of keys such as name, start, licenses and "
            f"servers; found {kind}",
        )
    if not data:
        raise ScenarioError(source, EMPTY_MESSAGE)
    try:
        # base: the folder that paths in the file (a replay's trace) are relative to.
        return Scenario.model_validate(data, context={"tz": zone_of(data), "base": base})
    except ValidationError as exc:
        problems = problems_from_validation_error(
            exc, Scenario, locate=_locator(root), limit=MAX_PROBLEMS
        )
        raise ScenarioError(source, problems) from None


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            source,
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} (offset {exc.start}); "
            "save the file as UTF-8",
        ) from None


def _too_big(size: int) -> str:
    return (
        f"the file is too big ({size:,} bytes or more); a scenario file may be at most "
        f"{MAX_FILE_BYTES:,} bytes"
    )


def parse_scenario(
    data: str | bytes | dict[str, Any], source: str = "<string>", base: str | None = None
) -> Scenario:
    """Validate a scenario given as YAML text (``str`` or UTF-8 ``bytes``) or as a dict.

    ``source`` names where it came from in error messages; relative paths in it (a
    replay's trace) are relative to ``base``, by default the working folder. Raises
    :class:`ScenarioError`.
    """
    if not isinstance(data, str | bytes | bytearray | dict):
        raise TypeError(
            f"parse_scenario takes YAML text, bytes or a dict, not {type(data).__name__}; "
            "use load_scenario for a file"
        )
    try:
        root: Node | None = None
        if isinstance(data, bytes | bytearray):
            if len(data) > MAX_FILE_BYTES:
                raise ScenarioError(source, _too_big(len(data)))
            data = _decode(bytes(data), source)
        if isinstance(data, str):
            if len(data) > MAX_FILE_BYTES or len(data.encode("utf-8", "replace")) > MAX_FILE_BYTES:
                raise ScenarioError(source, _too_big(len(data)))
            data, root = _read_yaml(data, source)
        return _validate(data, source, root, base)
    except ScenarioError:
        raise
    except RecursionError:
        raise ScenarioError(source, "the scenario is nested too deeply to validate") from None
    except Exception as exc:
        # Validators are written not to fail this way; if one does, the user still gets a
        # scenario error naming the file rather than a traceback.
        raise ScenarioError(
            source, f"could not validate the scenario ({type(exc).__name__}: {exc})"
        ) from None


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate the scenario file at ``path``. Raises :class:`ScenarioError`."""
    source = os.fspath(path)
    file = Path(source)
    try:
        # A FIFO or a device would block or never end: only a regular file is opened.
        mode = file.stat().st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(source)
        if not stat.S_ISREG(mode):
            raise ScenarioError(
                source, f"is a {_kind_of(mode)}, not a regular file; expected a YAML file"
            )
        with file.open("rb") as stream:
            # Read one byte past the limit: the file may grow after stat().
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(source, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(source, "is a directory, expected a YAML file") from None
    except PermissionError:
        raise ScenarioError(source, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise ScenarioError(source, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, _too_big(len(raw)))
    return parse_scenario(raw, source, base=str(file.resolve().parent))
