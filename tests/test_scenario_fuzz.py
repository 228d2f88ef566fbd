"""Hostile scenario files: whatever the bytes, a ScenarioError or a scenario, quickly.

Hypothesis feeds the loader random YAML structures, wrong types, awkward unicode, huge
numbers, binary junk, alias bombs, deep nesting, duplicated keys and mutations of the
example scenarios. Every case must end in a valid :class:`Scenario` or a
:class:`ScenarioError` whose every line starts with the file name, within a couple of
seconds and without a traceback. The example counts are small so that the file stays
well under a minute; ``LICSIM_FUZZ_EXAMPLES=20000`` runs every property that many times.
"""

import os
import re
import signal
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario import (
    MAX_ESTIMATED_SESSIONS,
    MAX_FILE_BYTES,
    MAX_NODES,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
)
from tests.strategies import AWKWARD, mutated, yaml_values

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "scenarios").glob("*.yaml"))
}
LONG = int(os.environ.get("LICSIM_FUZZ_EXAMPLES", "0"))
SECONDS = 5.0
"""CPU seconds a hostile file may take to be refused: a runaway (an exponential alias
expansion, a quadratic suggestion search) takes minutes; 2 s flaked on a machine running
several times slower than usual."""
SOURCE = "fuzz.yaml"


def examples(n: int) -> settings:
    """``n`` examples normally, the long-mode count when LICSIM_FUZZ_EXAMPLES is set."""
    return settings(max_examples=LONG or n)


@contextmanager
def time_limit(seconds: float = SECONDS) -> Iterator[None]:
    """Fail if the block takes more than ``seconds`` of this process's CPU; a runaway loop
    is interrupted, not waited for. CPU time, not wall time: other processes on a busy
    machine must not make the bound flaky."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took longer than {4 * seconds} s of CPU")

    # The alarm only stops a runaway; the assertion below is the limit being tested.
    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, 4 * seconds)
    start = time.process_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    elapsed = time.process_time() - start
    assert elapsed < seconds, f"took {elapsed:.2f} s of CPU"


def outcome(data: str | bytes | dict[str, Any]) -> Scenario | ScenarioError:
    """Parse ``data``; only a scenario or a well-formed scenario error may come out."""
    with time_limit():
        try:
            return parse_scenario(data, SOURCE)
        except ScenarioError as err:
            assert err.problems
            for line in str(err).splitlines():
                assert line.startswith(f"{SOURCE}: "), line
            for problem in err.problems:
                assert problem.expected.strip()
            return err


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# --- random structures -------------------------------------------------------------------


@examples(150)
@given(yaml_values())
def test_random_structures(data: Any) -> None:
    outcome(dump(data))


@examples(150)
@given(st.dictionaries(st.sampled_from(sorted(EXAMPLES["enterprise.yaml"])), yaml_values()))
def test_random_values_under_real_keys(data: dict[str, Any]) -> None:
    outcome(dump(data))
    outcome(data)


@examples(200)
@given(st.sampled_from(sorted(EXAMPLES)).flatmap(lambda name: mutated(EXAMPLES[name])))
def test_mutated_examples(data: Any) -> None:
    outcome(dump(data))
    if isinstance(data, dict):
        outcome(data)


def test_examples_are_valid() -> None:
    for data in EXAMPLES.values():
        assert isinstance(outcome(dump(data)), Scenario)


# --- raw text and bytes ------------------------------------------------------------------

PIECES = st.sampled_from(
    [": ", "- ", "[", "]", "{", "}", "*a", "&a ", "!!binary ", "!!python/object ", "? ",
     "<<: ", "\n", "\n  ", "'", '"', "%YAML 1.1\n", "---\n", "...\n", "1e308", "-.inf",
     "9" * 400, "name: x\n", "start: 2026-01-05\n", "duration: -3d\n"]
)  # fmt: skip


@examples(200)
@given(st.lists(st.one_of(PIECES, AWKWARD, st.text(max_size=8)), max_size=40).map("".join))
def test_random_text(text: str) -> None:
    outcome(text)


@examples(150)
@given(st.binary(max_size=300))
def test_binary_junk(raw: bytes) -> None:
    outcome(raw)
    outcome(b"\xef\xbb\xbf" + raw)


@examples(100)
@given(st.sampled_from(sorted(EXAMPLES)), st.data())
def test_invalid_utf8_in_an_example(name: str, data: st.DataObject) -> None:
    raw = (ROOT / "scenarios" / name).read_bytes()
    at = data.draw(st.integers(0, len(raw)))
    junk = data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xfe\xff"]))
    outcome(raw[:at] + junk + raw[at:])


# --- duplicate keys ----------------------------------------------------------------------


@examples(100)
@given(st.sampled_from(sorted(EXAMPLES)), st.data())
def test_duplicated_keys_are_named_with_their_path(name: str, data: st.DataObject) -> None:
    lines = dump(EXAMPLES[name]).splitlines(keepends=True)
    # Lines that open with a key (a list item that is a timestamp has a colon but no key).
    keyed = [i for i, line in enumerate(lines) if re.match(r"[A-Za-z_][\w-]*:", line.lstrip("- "))]
    i = data.draw(st.sampled_from(keyed))
    line = lines[i]
    # The copy of the first key of a list item belongs to the same item, so drop its dash.
    indent = len(line) - len(line.lstrip(" -"))
    copy = " " * indent + line.lstrip(" -")
    key = copy.strip().split(":")[0]
    err = outcome("".join([*lines[: i + 1], copy, *lines[i + 1 :]]))
    assert isinstance(err, ScenarioError)
    problem = err.problems[0]
    assert f"duplicate key {key!r}" in problem.expected
    assert problem.path.endswith(key) and problem.line == i + 2


# --- huge, deep and exploding input ------------------------------------------------------


@contextmanager
def memory_limit(megabytes: int = 200) -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < megabytes * 2**20, f"peak {peak / 2**20:.0f} MB"


@pytest.mark.parametrize(
    "text",
    [
        "name: " + "[" * 10_000 + "]" * 10_000,
        "name: " + "{a: " * 10_000 + "1" + "}" * 10_000,
        "".join(" " * i + "- \n" for i in range(0, 20_000, 2)),
        "".join(" " * i + "a:\n" for i in range(0, 20_000, 2)),
        "a: &a [" + ",".join(["x"] * 10) + "]\n"
        + "".join(f"{b}: &{b} [" + ",".join([f"*{a}"] * 10) + "]\n"
                  for a, b in zip("abcdefghi", "bcdefghij", strict=True)),
        "x: &x [*x]\n",
        "a: [" + "1," * (MAX_NODES + 10) + "]\n",
        "".join(f"k{i}: 1\n" for i in range(MAX_NODES + 10)),
        "".join(f"k{i}: 1\n" for i in range(MAX_NODES // 2 - 10)),
        "name: '" + "x" * (MAX_FILE_BYTES - 20) + "'\n",
        "#" * (MAX_FILE_BYTES - 10) + "\nname: x\n",
    ],
    ids=["deep-flow-lists", "deep-flow-maps", "deep-block-lists", "deep-block-maps",
         "billion-laughs", "self-alias", "too-many-values", "too-many-keys", "unknown-keys",
         "long-string",
         "long-comment"],
)  # fmt: skip
def test_hostile_shapes_fail_quickly_and_small(text: str) -> None:
    assert isinstance(outcome(text), ScenarioError)
    # Measured apart: tracing every allocation makes parsing several times slower.
    with memory_limit(), pytest.raises(ScenarioError):
        parse_scenario(text)


@examples(30)
@given(st.integers(2, 30), st.integers(2, 12))
def test_alias_bombs(levels: int, fan_out: int) -> None:
    lines = ["l0: &l0 [lol, lol]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan_out) + "]")
    result = outcome("\n".join(lines) + "\n")
    assert isinstance(result, ScenarioError)


def test_a_ten_megabyte_file_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" * (2 * 1024 * 1024))
    with time_limit(), pytest.raises(ScenarioError, match=f"at most {MAX_FILE_BYTES:,} bytes"):
        load_scenario(path)


BASE = EXAMPLES["enterprise.yaml"]


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        ({"duration": "7400d"}, "duration", "at most 20 years"),
        ({"end": "2199-01-01", "duration": None}, "end", "at most 20 years"),
        ({"duration": -3}, "duration", "negative"),
        ({"duration": "-3d"}, "duration", "negative"),
        ({"duration": 1e308}, "duration", "at most 100 years"),
        ({"duration": float("inf")}, "duration", "finite"),
        ({"duration": float("nan")}, "duration", "finite"),
        ({"seed": 10**100}, "seed", "less than"),
        ({"seed": -1}, "seed", "at least 0"),
        ({"users": [{**BASE["users"][0], "count": 10**100}]}, "users[0].count", "less than 2^53"),
        ({"users": [{**BASE["users"][0], "count": 2_000_000}]}, "users", "at most 1,000,000"),
        (
            {"users": [{**BASE["users"][1], "count": 900_000}]},
            "users",
            f"at most {MAX_ESTIMATED_SESSIONS:,} sessions",
        ),
    ],
    ids=["horizon", "horizon-end", "negative", "negative-text", "1e308", "inf", "nan",
         "huge-seed", "negative-seed", "huge-count", "too-many-users", "too-many-sessions"],
)  # fmt: skip
def test_limits_name_the_field_value_and_expectation(
    change: dict[str, Any], path: str, fragment: str
) -> None:
    data = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    err = outcome(dump(data))
    assert isinstance(err, ScenarioError)
    problem = next(p for p in err.problems if p.path == path)
    assert fragment in problem.expected and "expected" in problem.expected
    assert str(problem).startswith(f"{path}: ")


# --- through the command line ------------------------------------------------------------

CLI_SAMPLES = [
    b"name: x\nname: y\n",
    b"\xff\xfe junk",
    b"a: &a [*a]\n",
    b"name: " + b"[" * 10_000,
    b"duration: 1e308\n",
    dump({**BASE, "duration": "7400d"}).encode(),
    dump({**BASE, "users": [{**BASE["users"][1], "count": 900_000}]}).encode(),
    b"",
    b"\x00\x01\x02",
    "name: \ufeff\u202e\U0001f600\n".encode(),
]


@pytest.mark.parametrize("raw", CLI_SAMPLES, ids=range(len(CLI_SAMPLES)))
def test_cli_validate_exits_2_without_a_traceback(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(raw)
    with time_limit(5 * SECONDS):
        result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"{path}: ")


@settings(max_examples=LONG // 20 or 15)
@given(st.sampled_from(sorted(EXAMPLES)).flatmap(lambda name: mutated(EXAMPLES[name])))
def test_cli_validate_on_mutated_examples(data: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.yaml"
        path.write_text(dump(data), encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert isinstance(result.exception, SystemExit | None)
    assert "Traceback" not in result.output
