"""Optional choices: the allocation mode per seat type and which groups hold named seats,
decided with the seats and packs (tests/scenarios/plan-allocation.yaml, worked by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sim import load_scenario
from sim.cli import main
from sim.plan import ChoiceError, parse_choices, plan

ALLOCATION = Path(__file__).resolve().parent / "scenarios" / "plan-allocation.yaml"
MODE, LIGHT = "licenses.corp.allocation.analyzer", "users.light.access"


def test_the_cheapest_combination_of_mode_access_and_mix_is_recommended() -> None:
    # Professional is held at the 1 the license needs (40); a seat costs 18, a 60-minute
    # pack 6. Scripted sessions: every replication agrees, so each check ends at n0.
    # - dynamic, light on [analyzer, capacity]: the light user logs in first (08:00) and
    #   takes the seat; the heavy user then needs 300 minutes: 5 packs (a session that
    #   starts with minutes left is admitted), 40 + 30 = 70; 4 packs deny the last two
    #   days. Two seats (40 + 36 = 76) cost more.
    # - dynamic, light on capacity only: the heavy user takes the seat at 09:00, the light
    #   user's 12 minutes need 1 pack: 40 + 18 + 6 = 64.
    # - manual: the admin names the heavy user (first group) for the seat at once: 64
    #   whatever the light user's access.
    # Ties go to the earlier combination: dynamic with the light user on capacity.
    result = plan(
        ALLOCATION,
        ["denial_rate<=1%"],
        choices={MODE: ["dynamic", "manual"], LIGHT: ["analyzer+capacity", "capacity"]},
        first_stage=2,
        verify=2,
        sensitivity=False,
    )
    assert result.feasible and result.best == (1, 1, 1)
    assert result.choice == {MODE: "dynamic", LIGHT: "capacity"}
    assert result.monthly_cost == pytest.approx(64.0)
    assert "with licenses.corp.allocation.analyzer=dynamic; users.light.access=capacity" in (
        result.statement
    )
    c = result.candidates
    cheapest = c[c["status"] == "feasible"].groupby("choice")["monthly_cost"].min().to_dict()
    assert cheapest == pytest.approx(
        {
            f"{MODE}=dynamic; {LIGHT}=analyzer+capacity": 70.0,
            f"{MODE}=dynamic; {LIGHT}=capacity": 64.0,
            f"{MODE}=manual; {LIGHT}=analyzer+capacity": 64.0,
            f"{MODE}=manual; {LIGHT}=capacity": 64.0,
        }
    )
    shared = c[(c["choice"] == f"{MODE}=dynamic; {LIGHT}=analyzer+capacity")]
    at_70 = shared[(shared["status"] == "feasible") & (shared["monthly_cost"] == 70.0)]
    assert at_70["mix"].tolist() == ["corp.professional 1, corp.analyzer 0, corp.capacity_packs 5"]
    assert result.verification["met"].all()


def test_bad_choices_are_refused_with_what_is_expected(tmp_path: Path) -> None:
    sc = load_scenario(ALLOCATION)
    with pytest.raises(ChoiceError, match="expected manual or dynamic"):
        parse_choices(sc, [f"{MODE}=manual,named"])
    with pytest.raises(ChoiceError, match=r"expected licenses\.LICENSE\.allocation\.professional"):
        parse_choices(sc, ["licenses.corp.analyzer=1,2"])
    with pytest.raises(ChoiceError, match="at least two different options"):
        parse_choices(sc, [f"{MODE}=manual,manual"])
    with pytest.raises(ChoiceError, match="expected access types"):
        parse_choices(sc, [f"{LIGHT}=capacity,seat"])
    args = ["plan", str(ALLOCATION), "--target", "denial_rate<=1%", "--choose", f"{MODE}=on,off"]
    done = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "p")])
    assert done.exit_code == 2 and "--choose: choice" in done.output
    assert "Traceback" not in done.output


def test_no_combination_meeting_the_targets_gives_a_statement_and_exit_1(tmp_path: Path) -> None:
    # No seat and at most one pack: the heavy user's 300 minutes cannot fit in 60, under
    # either allocation mode; each combination needs only its top corner's first stage.
    args = ["plan", str(ALLOCATION), "--target", "denial_rate<=1%", "--first-stage", "2"]
    args += [
        "--bounds",
        "licenses.corp.analyzer=0",
        "--bounds",
        "licenses.corp.capacity_minutes=0:1",
    ]
    args += ["--choose", f"{MODE}=dynamic,manual", "--out", str(tmp_path / "p")]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 1, done.output
    assert "No mix within the bounds meets the targets under any of the 2 combinations" in (
        done.output
    )
    assert "2 mixes checked; 4 runs (top corner 4)" in done.output
