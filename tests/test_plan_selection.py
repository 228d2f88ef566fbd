"""The feasibility check: its constant by hand, its decisions, and its error rate."""

from __future__ import annotations

import numpy as np
import pytest

from sim.plan import Procedure, parse_target
from sim.plan.selection import Status, probability_met

TARGET = parse_target("denial_rate<=1%")  # tolerance 0.1 point


def runs(values: list[float]) -> list[dict[str, float]]:
    return [{"denial_rate": v} for v in values]


def test_h2_by_hand() -> None:
    # n0 = 5, one target, β = 0.05: h² = 4 × (0.1 ** -0.5 − 1) = 4 × 2.16228 = 8.6491.
    assert Procedure(n0=5).h2(1) == pytest.approx(8.6491, abs=1e-4)
    # Two targets share α: β = 0.025, h² = 4 × (0.05 ** -0.5 − 1) = 4 × 3.47214 = 13.8885.
    assert Procedure(n0=5).h2(2) == pytest.approx(13.8885, abs=1e-4)


def test_agreeing_runs_are_decided_after_the_first_stage() -> None:
    p = Procedure(n0=5)
    assert p.decide(runs([0.0] * 5), [TARGET]).status == Status.FEASIBLE
    assert p.decide(runs([2.0] * 5), [TARGET]).status == Status.INFEASIBLE
    # Exactly on the bound meets it (<=): identical runs are judged against the bound itself,
    # not the safe bound q − ε the check otherwise uses.
    assert p.decide(runs([1.0] * 5), [TARGET]).status == Status.FEASIBLE
    unmet = parse_target("unmet_capacity_minutes<=0")  # ε = 6 minutes: safe bound −6
    assert p.decide([{unmet.name: 0.0}] * 5, [unmet]).status == Status.FEASIBLE
    first = p.decide(runs([0.0] * 3), [TARGET])
    assert (first.status, first.more) == (Status.OPEN, 2)


def test_a_close_call_asks_for_more_and_stops_where_the_region_closes() -> None:
    p = Procedure(n0=5, max_replications=100)
    # The check runs against the safe bound q − ε = 0.9. Mean 0.8, first-stage values
    # 0.8 ± 0.5 and 0.8: S² = 4 × 0.25 / 4 = 0.25, so h²S²/(2ε) = 8.6491 × 0.25 / 0.2 =
    # 10.811. Every value averages 0.8, so Z = Σ(Y − 0.9) = −0.1 r and R = 10.811 − 0.05 r:
    # Z <= −R once 0.15 r >= 10.811, i.e. at r = 73.
    values = [0.8 + 0.5 * s for s in (1, -1, 1, -1, 0)] + [0.8] * 95
    assert np.var(values[:5], ddof=1) == pytest.approx(0.25)
    open_ = p.decide(runs(values[:10]), [TARGET])
    assert open_.status == Status.OPEN and 1 <= open_.more <= 5
    done = p.decide(runs(values), [TARGET])
    assert (done.status, done.replications) == (Status.FEASIBLE, 73)
    capped = Procedure(n0=5, max_replications=40).decide(runs(values[:40]), [TARGET])
    assert capped.status == Status.UNDECIDED


@pytest.mark.parametrize("mean, wrong", [(1.0, Status.FEASIBLE), (0.8, Status.INFEASIBLE)])
def test_wrong_calls_at_the_tolerance_stay_below_alpha(mean: float, wrong: str) -> None:
    # At the edges of the one-sided indifference zone [q − 2ε, q] the wrong call must happen
    # in at most α = 5 % of checks: a mix on the bound (μ = q, not safely within it) called
    # feasible, or one 2ε inside called infeasible; 2,000 seeded checks of normal runs with
    # sd 0.3. (The zone [q − ε, q + ε] of the plain procedure called μ = q feasible half the
    # time.)
    rng = np.random.default_rng(17)
    p = Procedure(n0=5, max_replications=10_000)
    errors = 0
    trials = 2000
    for _ in range(trials):
        values = rng.normal(mean, 0.3, size=800)
        decision = p.decide(runs(list(values)), [TARGET])
        errors += decision.status == wrong
    assert errors / trials <= 0.05


def test_probability_met() -> None:
    assert probability_met([0.0, 0.0, 0.0], TARGET) == 1.0
    assert probability_met([2.0, 2.0], TARGET) == 0.0
    # Mean 1 on the bound: a coin toss.
    assert probability_met([0.5, 1.5], TARGET) == pytest.approx(0.5)
