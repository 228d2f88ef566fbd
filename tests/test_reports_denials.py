"""Denials and denial % against hand counts."""

import pytest
from reports_frames import tiny_result

from sim.reports import denial_rate, denials_by_reason, denials_over_time

ROWS = [
    ("sales-1", "alpha", "2026-02-02T09:00", 30, "capacity", None, 6.0),
    ("sales-1", "alpha", "2026-02-02T10:00", 0, None, "capacity_exhausted", 0.0),
    ("sales-2", "alpha", "2026-02-02T11:00", 0, None, "capacity_exhausted", 0.0),
    ("sales-2", "alpha", "2026-02-03T11:00", 20, "capacity", None, 6.0),
    ("finance-1", "beta", "2026-02-03T09:00", 0, None, "backend_unreachable", 0.0),
    ("finance-1", "beta", "2026-02-03T10:00", 40, "capacity", None, 6.0),
    ("finance-1", "beta", "2026-02-03T12:00", 40, "capacity", None, 6.0),
    ("finance-1", "beta", "2026-02-04T12:00", 40, "capacity", None, 6.0),
]


def test_denial_percent_by_hand() -> None:
    r = tiny_result(ROWS)
    total = denial_rate(r).iloc[0]
    assert (total["attempted"], total["granted"], total["denied"]) == (8, 5, 3)
    assert total["denial_pct"] == pytest.approx(100 * 3 / 8)
    by_server = denial_rate(r, by="server").set_index("server")
    assert by_server.loc["alpha", "denial_pct"] == pytest.approx(50.0)
    assert by_server.loc["beta", "denial_pct"] == pytest.approx(25.0)
    by_domain = denial_rate(r, by="domain").set_index("directory")
    assert by_domain.loc["EMEA", "denied"] == 2


def test_denials_by_reason_by_hand() -> None:
    d = denials_by_reason(tiny_result(ROWS))
    assert list(d["reason"]) == ["capacity_exhausted", "backend_unreachable"]
    assert list(d["denied"]) == [2, 1]
    assert list(d["pct_of_attempts"]) == pytest.approx([25.0, 12.5])
    assert list(d["pct_of_denials"]) == pytest.approx([200 / 3, 100 / 3])
    per_group = denials_by_reason(tiny_result(ROWS), by="group")
    assert set(zip(per_group["group"], per_group["reason"], strict=True)) == {
        ("sales", "capacity_exhausted"),
        ("finance", "backend_unreachable"),
    }


def test_denials_per_day() -> None:
    t = denials_over_time(tiny_result(ROWS))
    assert t.sum().to_dict() == {"backend_unreachable": 1, "capacity_exhausted": 2}
    assert len(t) == 2


def test_no_sessions_no_denials() -> None:
    r = tiny_result([])
    assert denial_rate(r).iloc[0]["denial_pct"] == 0.0
    assert denials_by_reason(r).empty and denials_over_time(r).empty


def test_unknown_breakdown_is_refused() -> None:
    with pytest.raises(ValueError, match="by='colour'"):
        denial_rate(tiny_result(ROWS), by="colour")
