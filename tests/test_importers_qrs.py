"""QRS license exports: totals and allocations."""

from pathlib import Path

import pytest

from sim.importers.errors import SourceError
from sim.importers.qrs import license_state, sniff_qrs

SITE = Path(__file__).parent / "fixtures" / "site"
QRS = SITE / "good" / "qrs"


def test_exports_are_recognised_by_content_and_merged() -> None:
    files = [sniff_qrs(p) for p in sorted(QRS.iterdir())]
    assert [f.kind for f in files if f] == ["overview", "analyzer", "professional"]
    state = license_state([f for f in files if f])
    assert state["overview"]["professional"]["total"] == 2
    assert state["overview"]["analyzer"]["total"] == 5
    assert state["seat_counts"] == {
        "analyzer": {"listed": 3, "quarantined": 1, "excess": 0},
        "professional": {"listed": 1, "quarantined": 0, "excess": 0},
    }
    carol = next(s for s in state["seats"]["analyzer"] if s["user"] == "carol")
    assert carol["quarantined"] and carol["quarantine_end"] == "2026-01-12T00:00:00.000Z"


def test_broken_json_names_the_line() -> None:
    with pytest.raises(SourceError) as err:
        sniff_qrs(SITE / "bad" / "bad_json" / "accesstypeoverview.json")
    assert err.value.line == 3


def test_unrelated_json_is_not_a_qrs_export(tmp_path: Path) -> None:
    p = tmp_path / "notes.json"
    p.write_text('{"hello": 1}')
    assert sniff_qrs(p) is None
