"""The search: the cheapest mix within the bounds that meets every target, without a grid.

More seats or capacity never make a target worse (:mod:`sim.plan.kpis`): feasibility is
**monotone** in the mix. If a mix is infeasible, so is every mix below it (no more of
anything); if one is feasible, so is every mix above it. The search uses this three ways,
each mix judged by the sequential check of :mod:`sim.plan.selection`:

1. **Top corner.** The mix with every variable at its upper bound is checked first; if it
   misses a target, no mix in the bounds can meet it, and the plan says so.
2. **Bisection per variable.** With the other variables at their upper bounds, the least
   value ``m_i`` of variable i that still meets the targets is found by bisection. Every
   feasible mix has ``x_i >= m_i`` (raise the others to their bounds and it stays
   feasible), so if ``m`` itself is feasible it is the answer. With the others at their
   least values ``m``, the least value ``u_i`` that is
   feasible bounds the cheapest mix from above: any mix with ``x_i > u_i`` could drop to
   ``u_i`` and stay feasible for less. The bisections of all variables run in lockstep, so
   each round is one batch for the executor.
3. **Best-first in cost order** over the box ``[m, u]``: mixes are taken cheapest first
   (ties by the mix itself, so the order is fixed); a mix below one already found
   infeasible is skipped without a run, the others are checked, and the first feasible
   one is the answer: every cheaper mix was checked or implied infeasible.

If every mix is classified correctly, the answer is the cheapest feasible mix of the whole
lattice within the bounds, the mix an exhaustive grid would choose, after checking a
number of mixes of the order of the variables × log(range) plus the mixes near the
cost–service frontier, instead of every mix. Each check is right with probability at least
1 − α (mixes in a target's indifference zone excepted), but that every check is right is
only bounded by 1 − α × (mixes checked); the planner therefore confirms the answer on fresh
streams (docs/plan.md, "The guarantee"). Mixes are checked with common random numbers,
which keeps neighbours' classifications consistent with each other.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .evaluate import Evaluator, Mix
from .selection import Decision, Status
from .variables import cost

__all__ = ["MAX_BOX", "SearchResult", "exhaustive", "search"]

MAX_BOX = 4_000_000
"""Most mixes the cost-ordered phase may hold in memory (narrow the bounds beyond)."""


@dataclass
class SearchResult:
    """What the search found: the answer (None: nothing feasible) and every mix checked."""

    best: Mix | None
    decisions: dict[Mix, Decision] = field(default_factory=dict)
    phases: dict[Mix, str] = field(default_factory=dict)
    lower: Mix = ()
    upper: Mix = ()


class _Known:
    """Mixes decided so far, and what monotonicity implies about others."""

    def __init__(self, ev: Evaluator, result: SearchResult) -> None:
        self.ev = ev
        self.result = result
        self.feasible: list[Mix] = []
        self.infeasible: list[Mix] = []

    def implied(self, mix: Mix) -> bool | None:
        a = np.array(mix)
        if any(np.all(a >= np.array(f)) for f in self.feasible):
            return True
        if any(np.all(a <= np.array(z)) for z in self.infeasible):
            return False
        return None

    def check(self, mixes: list[Mix], phase: str, run_implied: bool = False) -> dict[Mix, bool]:
        """Whether each mix is feasible, running only those not implied (unless asked)."""
        out: dict[Mix, bool] = {}
        todo = []
        for mix in mixes:
            if mix in self.result.decisions:
                out[mix] = self.result.decisions[mix].status == Status.FEASIBLE
            elif not run_implied and (known := self.implied(mix)) is not None:
                out[mix] = known
            else:
                todo.append(mix)
        for mix, decision in self.ev.classify(todo, phase).items():
            self.result.decisions[mix] = decision
            self.result.phases[mix] = phase
            ok = decision.status == Status.FEASIBLE
            (self.feasible if ok else self.infeasible).append(mix)
            out[mix] = ok
        return out


def _bisect(
    known: _Known, starts: dict[int, tuple[int, int]], base: list[int], phase: str
) -> dict[int, int]:
    """For each variable i, the least x in (a, b] feasible with the others at ``base``,
    where b is known feasible (and a infeasible, or below the range)."""
    bounds = dict(starts)
    while any(b - a > 1 for a, b in bounds.values()):
        probes: dict[int, Mix] = {}
        for i, (a, b) in bounds.items():
            if b - a > 1:
                probe = list(base)
                probe[i] = (a + b) // 2
                probes[i] = tuple(probe)
        ok = known.check(list(probes.values()), phase)
        for i, mix in probes.items():
            a, b = bounds[i]
            bounds[i] = (a, mix[i]) if ok[mix] else (mix[i], b)
    return {i: b for i, (_, b) in bounds.items()}


def search(ev: Evaluator) -> SearchResult:
    """The cheapest mix within the variables' bounds that meets every target."""
    vs = ev.variables
    # A free variable costs nothing at its upper bound and more of it never hurts.
    lo = [v.hi if v.price == 0 else v.lo for v in vs]
    hi = [v.hi for v in vs]
    result = SearchResult(best=None, lower=tuple(lo), upper=tuple(hi))
    known = _Known(ev, result)
    top = tuple(hi)
    if not known.check([top], "top corner")[top]:
        return result

    free = [i for i in range(len(vs)) if lo[i] < hi[i]]
    least = _bisect(known, {i: (lo[i] - 1, hi[i]) for i in free}, hi, "bisection")
    m = [least.get(i, hi[i]) for i in range(len(vs))]
    result.lower = tuple(m)
    # Every feasible mix lies above m, so a feasible m is the cheapest of all.
    if known.check([tuple(m)], "bisection")[tuple(m)]:
        result.best = result.upper = tuple(m)
        return result
    corners = {i: tuple(hi[i] if j == i else m[j] for j in range(len(vs))) for i in free}
    ok = known.check(list(corners.values()), "bisection")
    u = list(hi)
    start = {i: (m[i] - 1, hi[i]) for i in free if ok[corners[i]] and m[i] < hi[i]}
    for i, b in _bisect(known, start, m, "bisection").items():
        u[i] = b
    result.lower, result.upper = tuple(m), tuple(u)

    axes = [np.arange(m[i], u[i] + 1) for i in range(len(vs))]
    size = int(np.prod([len(a) for a in axes]))
    if size > MAX_BOX:
        raise ValueError(
            f"the search box {' × '.join(str(len(a)) for a in axes)} = {size:,} mixes is "
            f"larger than {MAX_BOX:,}; narrow the bounds (--bounds PATH=LO:HI)"
        )
    points = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    prices = np.array([v.price for v in vs])
    costs = points @ prices
    order = np.lexsort([*(points[:, j] for j in reversed(range(len(vs)))), costs])
    points = points[order]
    pruned = np.zeros(len(points), dtype=bool)
    for z in known.infeasible:
        pruned |= np.all(points <= np.array(z), axis=1)
    position = 0
    while True:
        open_ = np.flatnonzero(~pruned[position:])
        if not len(open_):
            break
        position += int(open_[0])
        mix = tuple(int(x) for x in points[position])
        if known.check([mix], "cost order", run_implied=True)[mix]:
            result.best = mix
            break
        pruned |= np.all(points <= np.array(mix), axis=1)
    if result.best is None:
        # Every mix of the box failed its check although the corners above passed: the
        # cheapest feasible corner is the answer (the checks disagreed near a bound).
        feasible = [mx for mx, d in result.decisions.items() if d.status == Status.FEASIBLE]
        result.best = min(feasible, key=lambda mx: (cost(vs, mx), mx))
    return result


def exhaustive(ev: Evaluator) -> SearchResult:
    """The reference the search is measured against: every mix of the bounds checked by the
    same procedure, the cheapest feasible one chosen (ties by the mix)."""
    vs = ev.variables
    axes = [range(v.lo, v.hi + 1) for v in vs]
    mixes = [tuple(int(x) for x in p) for p in itertools.product(*axes)]
    result = SearchResult(best=None, lower=tuple(v.lo for v in vs), upper=tuple(v.hi for v in vs))
    result.decisions = ev.classify(mixes, "grid")
    result.phases = {mix: "grid" for mix in mixes}
    feasible = [mx for mx, d in result.decisions.items() if d.status == Status.FEASIBLE]
    if feasible:
        result.best = min(feasible, key=lambda mx: (cost(vs, mx), mx))
    return result
