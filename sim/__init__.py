"""licsim: a discrete-event simulator of multi-server Qlik license deployments.

>>> from sim import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/enterprise.yaml"))
>>> result.summary
"""

from sim.result import Result
from sim.run import simulate
from sim.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = ["Result", "Scenario", "ScenarioError", "load_scenario", "parse_scenario", "simulate"]
__version__ = "0.1.0"
