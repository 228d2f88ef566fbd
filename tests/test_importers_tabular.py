"""Streaming delimited files: every row keeps its line number across blocks and bad lines."""

from pathlib import Path

import numpy as np
import pytest

import sim.importers.tabular as tabular
from sim.importers.errors import Rejects, SourceError
from sim.importers.tabular import header_key, read_header, resolve_columns, stream_blocks


def test_header_keys() -> None:
    assert header_key("Session Start") == header_key("SessionStart") == header_key("session_start")
    assert header_key("Session%20Duration") == "sessionduration"
    assert header_key("CPU Spent (s)") == "cpuspents"


@pytest.mark.parametrize("block", [64, 1 << 20])
def test_line_numbers_survive_small_blocks_and_bad_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(tabular, "BLOCK_BYTES", block)
    lines = ["a\tb\tc"]
    bad = {7, 8, 30, 31, 55}  # lines (1-based) with two fields instead of three
    for no in range(2, 61):
        lines.append(f"{no}\tx" if no in bad else f"{no}\tx\ty")
    p = tmp_path / "f.txt"
    p.write_text("\n".join(lines) + "\n")
    rej = Rejects()
    header = read_header(p, "\t")
    cols = resolve_columns(p, header, {"a": ("a",), "c": ("c",)}, ["a"])
    got_lines, got_a = [], []
    for b in stream_blocks(p, delimiter="\t", columns=cols, header=header, rejects=rej):
        got_lines += b.lines.tolist()
        got_a += b.frame["a"].astype(int).tolist()
    expect = [n for n in range(2, 61) if n not in bad]
    # the value in column a is the line number: each row is labelled with its own line
    assert got_lines == got_a == expect
    assert rej.counts() == {"wrong number of fields (header has 3)": 5}
    assert np.array_equal(
        sorted(rej.reasons["wrong number of fields (header has 3)"].examples),
        sorted(f"{p}:{n} value '2 fields'" for n in (7, 8, 30)),
    )


def test_blank_line_is_a_rejected_row(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    p.write_text("a\tb\n1\t2\n\n4\t5\n")
    rej = Rejects()
    header = read_header(p, "\t")
    blocks = list(stream_blocks(p, delimiter="\t", columns={"a": 0}, header=header, rejects=rej))
    assert [n for b in blocks for n in b.lines.tolist()] == [2, 4]
    assert rej.counts() == {"blank line": 1}


def test_empty_and_utf16_files(tmp_path: Path) -> None:
    p = tmp_path / "e.txt"
    p.write_text("")
    with pytest.raises(SourceError, match="empty"):
        read_header(p, "\t")
    p.write_bytes("a\tb\n".encode("utf-16"))
    with pytest.raises(SourceError, match="UTF-16"):
        read_header(p, "\t")
