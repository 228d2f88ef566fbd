"""Targets: read as a license manager writes them, refused with the reason and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.plan import KPIS, TargetError, parse_target, parse_targets

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "scenarios" / "plan-enterprise.yaml"
GROUPS = ["developers", "analysts", "occasional"]


def test_targets_read_with_their_bound_direction_and_tolerance() -> None:
    t = parse_target("denial_rate<=1%")
    assert (t.kpi, t.op, t.threshold, t.group) == ("denial_rate", "<=", 1.0, None)
    # 10 % of the 1-point bound.
    assert t.tolerance == pytest.approx(0.1)
    h = parse_target(" busiest_month_capacity_headroom >= 10 % ")
    assert (h.op, h.threshold, h.tolerance) == (">=", 10.0, pytest.approx(1.0))
    assert h.met(10.0) and not h.met(9.99)
    g = parse_target("denial_rate[analysts]<0.5", GROUPS)
    assert (g.name, g.op, g.threshold) == ("denial_rate[analysts]", "<=", 0.5)
    # A zero bound still has a tolerance: one 6-minute capacity unit.
    assert parse_target("unmet_capacity_minutes<=0min").tolerance == 6.0
    assert parse_target("spare_analyzer_seats>=5 seats", tolerance=0.2).tolerance == 1.0


@pytest.mark.parametrize(
    "text, words",
    [
        ("denial_rte<=1%", ["unknown KPI 'denial_rte'", "did you mean denial_rate?", "known KPIs"]),
        ("denial_rate>=1%", ["more licenses make denial_rate lower", "denial_rate<=..."]),
        ("busiest_month_capacity_headroom<=10%", ["busiest_month_capacity_headroom>=..."]),
        ("denial_rate[analyst]<=1%", ["unknown group 'analyst'", "did you mean analysts?"]),
        ("unmet_capacity_minutes[analysts]<=0", ["no per-group form"]),
        ("denial_rate<=1 min", ["denial_rate is in %, not 'min'"]),
        ("denial_rate=1%", ["expected <= or >="]),
        ("denial_rate", ["expected KPI<=VALUE"]),
        ("denial_rate<=150%", ["from -100 to 100"]),
    ],
)
def test_a_bad_target_says_what_is_wrong(text: str, words: list[str]) -> None:
    with pytest.raises(TargetError) as err:
        parse_target(text, GROUPS)
    for word in words:
        assert word in str(err.value)


def test_the_known_kpis_are_listed_and_a_kpi_is_bounded_once() -> None:
    with pytest.raises(TargetError) as err:
        parse_target("nonsense<=1")
    assert all(name in str(err.value) for name in KPIS)
    with pytest.raises(TargetError, match="bounded twice"):
        parse_targets(["denial_rate<=1%", "denial_rate<=2%"])
    with pytest.raises(TargetError, match="at least one target"):
        parse_targets([])


def test_the_command_line_exits_2_naming_the_bad_target(tmp_path: Path) -> None:
    args = ["plan", str(SMALL), "--target", "denail_rate<=1%", "--out", str(tmp_path / "p")]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    assert "--target: target 'denail_rate<=1%'" in done.output
    assert "did you mean denial_rate?" in done.output
    assert not (tmp_path / "p").exists()
