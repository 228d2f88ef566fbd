"""Invariants that hold in every run, over random small scenarios (hypothesis).

The invariants themselves live in :mod:`sim.check` (pool counts, no access while
unlicensed, no capacity unit while the backend or link is down or in grace, whole capacity
units, consumed ≤ purchased unless overage, …); here they are run over random scenarios
with every capacity unit recorded. The random scenarios never change a license or
partition a pool, so ``excess_explained`` also asserts that their excess is always zero.
Besides, the same scenario and seed give identical tables.
"""

from typing import Any

import pandas as pd
from hypothesis import given, settings
from strategies import scenarios

from sim import parse_scenario, simulate
from sim.check import check_result, describe


@settings(max_examples=40)
@given(scenarios())
def test_invariants_hold_in_random_scenarios(data: dict[str, Any]) -> None:
    violations = check_result(simulate(parse_scenario(data), record_units=True))
    assert not violations, describe(violations)


@settings(max_examples=8)
@given(scenarios())
def test_same_scenario_and_seed_give_identical_tables(data: dict[str, Any]) -> None:
    sc = parse_scenario(data)
    first, second = simulate(sc), simulate(sc)
    for name, table in first.tables().items():
        pd.testing.assert_frame_equal(table, second.tables()[name], obj=name)
