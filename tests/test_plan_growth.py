"""Growth over the horizon: the population a plan is sized for, counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import load_scenario
from sim.plan import GrowthError, parse_growth, parse_horizon
from sim.plan.growth import grown_counts

SMALL = Path(__file__).resolve().parent / "scenarios" / "plan-enterprise.yaml"
GROUPS = ["developers", "analysts", "occasional"]


def test_growth_forms_give_hand_counted_populations() -> None:
    # 100 × 1.2 ** (6 / 12) = 109.54 → 110 people; a year of 20 % is exactly 120.
    assert parse_growth("20%").count_after(100, 6) == 110
    assert parse_growth("20%/year").count_after(100, 12) == 120
    # 100 × 1.02 ** 12 = 126.82 → 127.
    assert parse_growth("2%/month").count_after(100, 12) == 127
    # 100 + 5 × 12.
    assert parse_growth("5/month").count_after(100, 12) == 160
    assert parse_growth("-10%").count_after(100, 12) == 90


def test_a_group_spec_wins_over_the_default_and_scripted_groups_stay() -> None:
    sc = load_scenario(SMALL)
    specs = [parse_growth("50%", GROUPS), parse_growth("analysts=1/month", GROUPS)]
    # developers 2 × 1.5 = 3, analysts 60 + 12, occasional 30 × 1.5 = 45.
    assert grown_counts(sc, specs, 12) == {"developers": 3, "analysts": 72, "occasional": 45}
    assert grown_counts(sc, [], 12) == {}


@pytest.mark.parametrize(
    "text, words",
    [
        ("lots", ["expected a rate such as 20%"]),
        ("5", ["needs /month"]),
        ("analyst=5/month", ["unknown group 'analyst'", "analysts"]),
        ("-100%", ["above -100%"]),
    ],
)
def test_bad_growth_is_refused(text: str, words: list[str]) -> None:
    with pytest.raises(GrowthError) as err:
        parse_growth(text, GROUPS)
    for word in words:
        assert word in str(err.value)


def test_horizons() -> None:
    assert parse_horizon("12 months") == 12
    assert parse_horizon("2 years") == 24
    assert parse_horizon(6) == 6
    with pytest.raises(GrowthError, match="1 to 120 months"):
        parse_horizon("0 months")
    with pytest.raises(GrowthError, match="expected a number of months"):
        parse_horizon("soon")
