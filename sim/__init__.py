"""licsim: a discrete-event simulator of multi-server Qlik license deployments.

>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/enterprise.yaml"))
>>> result.summary

Many runs: ``sim.sweep(scenario, variants={"rules.grace": ["24h", "72h"]}, replications=5,
executor="processes")`` (see :mod:`sim.experiments`).
"""

from sim.experiments import SweepResult, sweep
from sim.result import Result, load_run
from sim.run import simulate
from sim.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = [
    "Result",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "load_run",
    "load_scenario",
    "parse_scenario",
    "simulate",
    "sweep",
]
__version__ = "0.1.0"
