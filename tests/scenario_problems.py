"""Helpers for scenario tests: the problems a scenario dict is refused with."""

from typing import Any

import pytest

from sim.scenario import Problem, ScenarioError, parse_scenario


def problems(data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, source="t.yaml")
    return info.value.problems


def problem_at(data: dict[str, Any], path: str) -> Problem:
    found = problems(data)
    matches = [p for p in found if p.path == path]
    assert matches, f"no problem at {path}; got: {[str(p) for p in found]}"
    return matches[0]
