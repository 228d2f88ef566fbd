"""Capacity planning: the cheapest license mix that meets service targets, with a guarantee.

``sim.plan("site.yaml", ["denial_rate<=1%", "busiest_month_capacity_headroom>=10%"],
growth="20%", horizon="12 months")`` answers "what should we buy?": the Professional and
Analyzer seats and Analyzer Capacity packs per license (:mod:`.variables`) of least
monthly cost whose expected KPIs (:mod:`.kpis`) meet every target (:mod:`.targets`) for
the population at the end of the horizon (:mod:`.growth`), optionally also the allocation
mode per seat type and which groups hold named seats (:mod:`.choices`). Mixes are judged by a fully
sequential feasibility check with an indifference zone (:mod:`.selection`, Andradóttir &
Kim 2010) on common random numbers, and chosen by a search that uses the monotonicity of
the KPIs in the mix (:mod:`.search`) instead of a grid; the runs go through the
experiments layer (:mod:`.evaluate`), so a plan runs serially, in processes or on Dask
unchanged. :mod:`.planner` adds the verification on fresh seeds, the value of one more
seat or pack and the sensitivity to growth; :mod:`.outputs` writes ``plan.csv`` and
``plan.html``. The method and its guarantee: docs/plan.md.
"""

from .choices import Choice, ChoiceError, parse_choices
from .growth import Growth, GrowthError, parse_growth, parse_horizon
from .kpis import KPIS
from .outputs import PLAN_OUTPUTS, write_plan
from .planner import PlanResult, plan
from .selection import Procedure
from .targets import Target, TargetError, parse_target, parse_targets
from .variables import BoundsError, Variable, decision_variables, parse_bound

__all__ = [
    "KPIS",
    "PLAN_OUTPUTS",
    "BoundsError",
    "Choice",
    "ChoiceError",
    "Growth",
    "GrowthError",
    "PlanResult",
    "Procedure",
    "Target",
    "TargetError",
    "Variable",
    "decision_variables",
    "parse_bound",
    "parse_choices",
    "parse_growth",
    "parse_horizon",
    "parse_target",
    "parse_targets",
    "plan",
    "write_plan",
]
