"""Is this mix good enough? A fully sequential feasibility check with an indifference zone.

Each mix is judged by the feasibility procedure of Andradóttir & Kim (2010, "Fully
sequential procedures for comparing constrained systems via simulation", Naval Research
Logistics 57(5): 403–421; Procedure F, extended to several constraints by Batur & Kim
2010, ACM TOMACS 20(3)), the constraint-side sibling of the KN ranking-and-selection
procedure (Kim & Nelson 2001). For one target written as ``E[Y] <= q`` (a ``>=`` target is
the same on ``-Y``) with tolerance ε, the procedure is run against the **safe bound**
``q − ε``, so that its indifference zone ``[q − 2ε, q]`` lies wholly on the target's side:

1. run ``n0`` replications and take the sample variance S² of their KPI values;
2. with ``h² = (n0 − 1)·((2β)^(−2/(n0−1)) − 1)`` and after every replication r, let
   ``Z = Σ_{j≤r} (Y_j − (q − ε))`` and ``R = max(0, h²S²/(2ε) − εr/2)``;
3. the target is **met** when ``Z <= −R``, **missed** when ``Z >= R`` (at ``R = 0`` the
   sign decides), otherwise one more replication is run.

``R`` closes at ``r = h²S²/ε²``, so the check always ends; a mix whose replications all
agree (S² = 0, e.g. no denial in any run) is decided after ``n0`` runs by its value against
the bound itself (the runs leave no doubt about the mean), and only mixes near a bound get
more: replications go where the decision is close. If the KPI values of a mix are normal
and independent, a target whose mean is **on or beyond its bound** is called met with
probability at most β, and one 2ε or more inside it is called missed with probability at
most β. A purchase needs the first: "met" means met, with the stated confidence; the price
is that a mix less than 2ε inside the bound may be called missed (more is bought than
needed, never less). With β = α / (number of targets) a mix that misses any target is
declared feasible with probability at most α (Bonferroni over its targets; default α = 5 %:
95 % confidence).

Replication k of every mix uses the same random streams (common random numbers, see
:mod:`sim.experiments.worker`), which makes the search's comparisons between neighbouring
mixes consistent; the check itself uses each mix's own replications. A mix still open
after ``max_replications`` (the closing point would lie beyond it) is reported as
*undecided* and not recommended.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from sim.intervals import student_t

from .targets import Target

__all__ = ["Decision", "Procedure", "Status", "probability_met"]


class Status(StrEnum):
    """Where the check of a mix (or of one of its targets) stands."""

    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    OPEN = "open"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Decision:
    """The state of one mix's check after the replications run so far."""

    status: Status
    replications: int
    targets: dict[str, Status]
    more: int = 0
    """Replications to run next when open (0 when decided)."""


@dataclass(frozen=True)
class Procedure:
    """The feasibility check's parameters: confidence 1 − α, first-stage size, cap."""

    alpha: float = 0.05
    n0: int = 5
    max_replications: int = 40

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"confidence: expected between 0 and 100 %, not {1 - self.alpha:.0%}")
        if self.n0 < 2:
            raise ValueError(f"first-stage replications: expected at least 2, not {self.n0}")
        if self.max_replications < self.n0:
            raise ValueError(
                f"max replications {self.max_replications}: expected at least the first "
                f"stage's {self.n0}"
            )

    def h2(self, targets: int) -> float:
        """The constant h² of the continuation region for β = α / targets."""
        beta = self.alpha / max(1, targets)
        return (self.n0 - 1) * ((2.0 * beta) ** (-2.0 / (self.n0 - 1)) - 1.0)

    def decide(self, runs: Sequence[Mapping[str, float]], targets: Sequence[Target]) -> Decision:
        """Check every target on ``runs`` (KPI values by target name, in replication order),
        stopping at the first replication at which the mix is decided."""
        n = len(runs)
        status = {t.name: Status.OPEN for t in targets}
        if n < self.n0:
            return Decision(Status.OPEN, n, status, self.n0 - n)
        h2 = self.h2(len(targets))
        series = {t.name: _signed(runs, t) for t in targets}
        s2 = {name: float(np.var(y[: self.n0], ddof=1)) for name, y in series.items()}
        eps = {t.name: t.tolerance for t in targets}
        for t in targets:
            if np.ptp(series[t.name][: self.n0]) == 0.0:
                # Identical first-stage runs: the procedure has no doubt left about the
                # mean, so it is judged against the bound itself (``unmet <= 0`` met by
                # runs that are all 0, not refused for missing the safe bound −ε).
                met = t.met(float(runs[0][t.name]))
                status[t.name] = Status.FEASIBLE if met else Status.INFEASIBLE
        for r in range(self.n0, n + 1):
            for name in status:
                if status[name] != Status.OPEN:
                    continue
                z = float(series[name][:r].sum())
                reach = max(0.0, h2 * s2[name] / (2 * eps[name]) - eps[name] * r / 2)
                if reach == 0.0:
                    status[name] = Status.FEASIBLE if z <= 0 else Status.INFEASIBLE
                elif z <= -reach:
                    status[name] = Status.FEASIBLE
                elif z >= reach:
                    status[name] = Status.INFEASIBLE
            if Status.INFEASIBLE in status.values():
                return Decision(Status.INFEASIBLE, r, status)
            if all(s == Status.FEASIBLE for s in status.values()):
                return Decision(Status.FEASIBLE, r, status)
        if n >= self.max_replications:
            return Decision(Status.UNDECIDED, n, status)
        closing = max(
            math.floor(h2 * s2[name] / eps[name] ** 2) + 1
            for name, s in status.items()
            if s == Status.OPEN
        )
        # A quarter of the way to the closing point at a time, at most n0: few wasted runs
        # once a target exits, yet parallel executors get several runs at once.
        more = min(self.max_replications - n, self.n0, max(1, math.ceil((closing - n) / 4)))
        return Decision(Status.OPEN, n, status, more)


def _signed(runs: Sequence[Mapping[str, float]], target: Target) -> np.ndarray:
    """``Y − (q − ε)``, the distance past the safe bound, with the target written as an
    upper bound."""
    y = np.array([run[target.name] for run in runs], dtype=np.float64)
    past = y - target.threshold if target.upper else target.threshold - y
    return past + target.tolerance


def probability_met(values: Sequence[float], target: Target) -> float:
    """How sure the runs make us that the KPI's mean meets the bound: the Student-t
    probability that the mean lies on the target's side (1 or 0 when every run agrees)."""
    y = np.asarray(values, dtype=np.float64)
    if len(y) == 0:
        return math.nan
    margin = (target.threshold - y.mean()) if target.upper else (y.mean() - target.threshold)
    sd = float(y.std(ddof=1)) if len(y) > 1 else 0.0
    if sd == 0.0 or not math.isfinite(sd):
        return 1.0 if margin >= 0 else 0.0
    return float(student_t().cdf(margin / (sd / math.sqrt(len(y))), len(y) - 1))
