"""licsim: a discrete-event simulator of multi-server Qlik license deployments.

>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/enterprise.yaml"))
>>> result.summary

Many runs: ``sim.sweep(scenario, variants={"rules.grace": ["24h", "72h"]}, replications=5,
executor="processes")`` (see :mod:`sim.experiments`).

What to buy: ``sim.plan(scenario, ["denial_rate<=1%"], growth="20%")`` returns the cheapest
mix of seats and capacity packs meeting the targets, with its evidence (see :mod:`sim.plan`).
"""

from sim.experiments import SweepResult, sweep
from sim.plan import PlanResult, plan
from sim.result import Result, load_run
from sim.run import simulate
from sim.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = [
    "PlanResult",
    "Result",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "load_run",
    "load_scenario",
    "parse_scenario",
    "plan",
    "simulate",
    "sweep",
]
__version__ = "0.1.0"
