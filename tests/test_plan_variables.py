"""Decision variables: seats and capacity packs, priced, bounded by the population."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import load_scenario
from sim.plan import BoundsError, decision_variables, parse_bound
from sim.plan.variables import cost

SMALL = Path(__file__).resolve().parent / "scenarios" / "plan-enterprise.yaml"


def test_variables_and_bounds_are_inferred_from_the_population() -> None:
    sc = load_scenario(SMALL)
    vs = {v.kind: v for v in decision_variables(sc)}
    pro, an, cap = vs["professional"], vs["analyzer"], vs["capacity_minutes"]
    # 2 developers; Analyzer seats need a Professional one, so at least 1 (rules §3).
    assert (pro.lo, pro.hi, pro.price) == (1, 2, 40.0)
    assert (an.lo, an.hi, an.price) == (0, 60, 18.0)
    # 250-minute packs at 0.012 a minute cost 3.00; twice the 2,000 minutes bought = 16.
    assert (cap.lo, cap.hi, cap.size, cap.unit) == (0, 16, 250, "packs")
    assert cap.price == pytest.approx(3.0)
    assert cap.value(8) == 2000
    assert cost([pro, an, cap], (2, 59, 8)) == pytest.approx(2 * 40 + 59 * 18 + 8 * 3)


def test_bounds_win_and_bad_ones_are_refused() -> None:
    sc = load_scenario(SMALL)
    assert parse_bound("licenses.corp.analyzer=50:60") == ("licenses.corp.analyzer", 50, 60)
    assert parse_bound("licenses.corp.professional=2") == ("licenses.corp.professional", 2, 2)
    # The license by index reaches the same variable.
    vs = decision_variables(sc, {"licenses.0.analyzer": (50, 55)})
    assert [(v.lo, v.hi) for v in vs if v.kind == "analyzer"] == [(50, 55)]
    with pytest.raises(BoundsError, match="upper bound 3 is below the lower 5"):
        parse_bound("licenses.corp.analyzer=5:3")
    with pytest.raises(BoundsError, match="not a decision variable; expected one of"):
        decision_variables(sc, {"licenses.corp.tokens": (0, 1)})
    with pytest.raises(BoundsError, match="need at least 1 Professional"):
        decision_variables(sc, {"licenses.corp.professional": (0, 0)})


def test_a_plan_needs_prices() -> None:
    sc = load_scenario(SMALL).with_overrides({"prices.analyzer": None})
    with pytest.raises(BoundsError, match=re.escape("prices.analyzer: expected a price")):
        decision_variables(sc)
