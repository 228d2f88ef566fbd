"""The scenario layer: reading, validating and describing a simulated deployment.

A scenario file (YAML) is read by :func:`load_scenario` (or :func:`parse_scenario` for text
and dicts) into a frozen :class:`Scenario`, with every default filled in, durations in
seconds and timestamps aware. Anything wrong with the file raises a :class:`ScenarioError`
listing each problem with its path, value and what was expected.
"""

from .admin import AdminAction, LicenseChange, Reclaim, Renewal
from .durations import format_duration, parse_duration
from .errors import MISSING, Problem, ScenarioError, problems_from_validation_error
from .fields import Duration, Timestamp
from .licenses import Allocation, License, QlikViewCals, Tokens
from .load import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load_scenario, parse_scenario
from .network import (
    ADDRESS_CHANGE,
    Backend,
    Desktop,
    Firewall,
    Launch,
    Outage,
    RandomAddressChanges,
    RandomOutages,
    Server,
)
from .paths import Experiment
from .rules import Rules
from .scenario import MAX_ESTIMATED_SESSIONS, MAX_HORIZON, MAX_TOTAL_USERS, Scenario
from .users import (
    ACCESS_TYPES,
    WEEKDAYS,
    AccessType,
    Behaviour,
    DayStart,
    QmcUse,
    ScriptedSession,
    UserGroup,
    Weekday,
)

__all__ = [
    "ACCESS_TYPES",
    "ADDRESS_CHANGE",
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_ESTIMATED_SESSIONS",
    "MAX_FILE_BYTES",
    "MAX_HORIZON",
    "MAX_NODES",
    "MAX_TOTAL_USERS",
    "MISSING",
    "WEEKDAYS",
    "AccessType",
    "AdminAction",
    "Allocation",
    "Backend",
    "Behaviour",
    "DayStart",
    "Desktop",
    "Duration",
    "Experiment",
    "Firewall",
    "Launch",
    "License",
    "LicenseChange",
    "Outage",
    "Problem",
    "QlikViewCals",
    "QmcUse",
    "RandomAddressChanges",
    "RandomOutages",
    "Reclaim",
    "Renewal",
    "Rules",
    "Scenario",
    "ScenarioError",
    "ScriptedSession",
    "Server",
    "Timestamp",
    "Tokens",
    "UserGroup",
    "Weekday",
    "format_duration",
    "load_scenario",
    "parse_duration",
    "parse_scenario",
    "problems_from_validation_error",
]
