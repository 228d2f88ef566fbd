"""Scenario keys for activation modes, license changes, admin actions and reclaim.

Covers the rules added for them (quarantine, SLK quarantine, capacity on SLD, NPrinting's
restart, offline allocation), the license's activation date, SLD renewals, scheduled
changes checked in order, named admin actions, the reclaim policy, the NPrinting/SLD rule,
the user-name helpers, and that all of it survives a dump and a reload.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from scenario_problems import problem_at, problems

from sim.scenario import (
    MISSING,
    AdminAction,
    LicenseChange,
    Reclaim,
    Renewal,
    Rules,
    ScenarioError,
    UserGroup,
    parse_scenario,
)


def scenario(licenses: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "acme",
        "start": "2026-01-05T00:00",
        "duration": "90d",
        "licenses": licenses or [{"id": "corp", "professional": 2, "analyzer": 10}],
        "servers": [{"id": "prod", "license": "corp"}],
        "users": [
            {"group": "readers", "count": 12, "access": "analyzer", "servers": ["prod"]},
            {"group": "admins", "count": 3, "access": "professional", "servers": ["prod"]},
        ],
    }
    data.update(changes)
    return data


def lic(**fields: Any) -> dict[str, Any]:
    return scenario([{"id": "corp", "professional": 2, "analyzer": 10, **fields}])


def change(**fields: Any) -> dict[str, Any]:
    return {"at": "2026-02-01T00:00", **fields}


def action(user: str, kind: str = "deallocate", **fields: Any) -> dict[str, Any]:
    return {"at": "2026-02-01T09:00", "action": kind, "user": user, **fields}


# --- rules ----------------------------------------------------------------------------


def test_rule_defaults() -> None:
    r = parse_scenario(scenario()).rules
    assert r.quarantine == 7 * 86400
    assert r.quarantine_on_slk is False
    assert r.capacity_on_sld is False
    assert r.capacity_on_delayed_sync is False
    assert r.nprinting_resume == 60
    assert r.offline_allocation == "refuse"
    assert Rules() == r


def test_rule_overrides() -> None:
    r = parse_scenario(
        scenario(
            rules={
                "quarantine": "24h",
                "quarantine_on_slk": True,
                "capacity_on_sld": True,
                "nprinting_resume": "5min",
                "offline_allocation": "local",
            }
        )
    ).rules
    assert (r.quarantine, r.quarantine_on_slk, r.capacity_on_sld) == (86400, True, True)
    assert (r.nprinting_resume, r.offline_allocation) == (300, "local")


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("quarantine", "-1d", "negative durations are not allowed"),
        ("quarantine", "7 fortnights", "unknown unit"),
        ("nprinting_resume", "1m", "'m' is ambiguous"),
        ("quarantine_on_slk", 1, "expected true or false"),
        ("quarantine_on_slk", "yes", "expected true or false"),
        ("capacity_on_sld", None, "expected true or false"),
        ("offline_allocation", "queue", "expected one of: refuse, local"),
    ],
)
def test_rule_errors(key: str, value: object, fragment: str) -> None:
    p = problem_at(scenario(rules={key: value}), f"rules.{key}")
    assert p.value == value
    assert fragment in p.expected


# --- license defaults and activation --------------------------------------------------


def test_license_defaults() -> None:
    lc = parse_scenario(scenario()).licenses[0]
    assert lc.activated is None
    assert (lc.renewals, lc.changes, lc.actions, lc.reclaim) == ([], [], [], None)


def test_activated_is_a_timestamp_in_the_scenario_timezone() -> None:
    data = lic(activation="delayed_sync", activated="2025-12-01T08:00")
    data["timezone"] = "Europe/Stockholm"
    lc = parse_scenario(data).licenses[0]
    assert lc.activated == datetime(2025, 12, 1, 7, tzinfo=UTC)
    assert lc.activated is not None and lc.activated.tzinfo == ZoneInfo("Europe/Stockholm")
    p = problem_at(lic(activated="last week"), "licenses[0].activated")
    assert p.value == "last week" and "ISO 8601 timestamp" in p.expected


def test_sld_needs_valid_until() -> None:
    p = problem_at(lic(activation="sld"), "licenses[0].valid_until")
    assert p.value is MISSING
    assert "an offline SLD is valid until an end date: set valid_until" in p.expected
    assert "licensing-rules §1" in p.expected
    assert str(p).startswith("licenses[0].valid_until: an offline SLD")


def test_sld_with_renewals() -> None:
    renewals = [
        {"at": "2026-02-27", "until": "2026-06-01"},
        {"at": "2026-05-30", "until": "2026-09-01"},
    ]
    lc = parse_scenario(
        lic(activation="sld", valid_until="2026-03-01", renewals=renewals)
    ).licenses[0]
    assert [r.until for r in lc.renewals] == [
        datetime(2026, 6, 1, tzinfo=UTC),
        datetime(2026, 9, 1, tzinfo=UTC),
    ]


@pytest.mark.parametrize("activation", ["slk", "lef", "delayed_sync"])
def test_renewals_only_for_sld(activation: str) -> None:
    renewals = [{"at": "2026-02-27", "until": "2026-06-01"}]
    fields: dict[str, Any] = {"activation": activation, "renewals": renewals}
    if activation == "lef":
        fields["term"] = "perpetual"
    p = problem_at(lic(**fields), "licenses[0].renewals")
    assert p.value == [{"at": "2026-02-27T00:00+00:00", "until": "2026-06-01T00:00+00:00"}]
    assert (
        "renewals are re-applied Signed License Definitions: only for activation: sld" in p.expected
    )
    assert f"this license is {activation}" in p.expected


def test_no_renewals_is_fine_for_any_activation() -> None:
    parse_scenario(lic(renewals=[]))


@pytest.mark.parametrize("until", ["2026-02-27", "2026-02-01"])
def test_renewal_ends_after_it_is_applied(until: str) -> None:
    data = lic(
        activation="sld",
        valid_until="2026-03-01",
        renewals=[{"at": "2026-02-27", "until": until}],
    )
    p = problem_at(data, "licenses[0].renewals[0].until")
    assert p.value == datetime.fromisoformat(until).replace(tzinfo=UTC)
    assert p.expected == "expected an end date after at (2026-02-27T00:00+00:00)"
    with pytest.raises(ValidationError):
        Renewal(at="2026-02-27", until=until)  # type: ignore[arg-type]


def test_renewal_needs_both_dates() -> None:
    data = lic(activation="sld", valid_until="2026-03-01", renewals=[{"at": "2026-02-27"}])
    assert problem_at(data, "licenses[0].renewals[0].until").expected == "required key is missing"


# --- NPrinting ------------------------------------------------------------------------


def nprinting(activation: str, **fields: Any) -> dict[str, Any]:
    data = scenario(
        [{"id": "corp", "professional": 2, "activation": activation, **fields}],
        users=[],
    )
    data["servers"] = [{"id": "np", "product": "nprinting", "license": "corp"}]
    return data


def test_nprinting_cannot_use_an_sld() -> None:
    p = problem_at(nprinting("sld", valid_until="2027-01-01"), "servers[0].license")
    assert p.value == "corp"
    assert "NPrinting cannot be activated offline (licensing-rules §1" in p.expected
    assert "this license is an offline SLD: expected activation slk or lef" in p.expected


def test_nprinting_cannot_use_a_delayed_sync_key() -> None:
    # licensing-rules §1: NPrinting cannot be activated offline (May 2022) and stops when its
    # licensing service does not answer, so a window that starts offline does not apply.
    p = problem_at(nprinting("delayed_sync"), "servers[0].license")
    assert p.value == "corp"
    assert p.expected == (
        "license corp (Professional/Analyzer, delayed_sync) cannot be applied to nprinting "
        "server np: NPrinting cannot be activated offline (licensing-rules §1, since May 2022) "
        "and stops whenever its licensing service does not answer, so it has no offline "
        "window; this license is a delayed-sync key, which starts offline: expected "
        "activation slk or lef"
    )


@pytest.mark.parametrize("activation", ["slk", "lef"])
def test_nprinting_other_activations_are_fine(activation: str) -> None:
    fields = {"term": "perpetual"} if activation == "lef" else {}
    assert parse_scenario(nprinting(activation, **fields)).servers[0].product == "nprinting"


def test_qlik_sense_on_an_sld_is_fine() -> None:
    s = parse_scenario(lic(activation="sld", valid_until="2027-01-01", capacity_minutes=600))
    assert s.licenses[0].valid_until == datetime(2027, 1, 1, tzinfo=UTC)


# --- license changes ------------------------------------------------------------------


def test_change_defaults_and_values() -> None:
    changes = [
        change(analyzer=4, key="renewal-2026"),
        change(at="2026-03-01", professional=3, capacity_minutes=1000, overage="unlimited"),
        change(at="2026-03-01", overage="500"),
    ]
    lc = parse_scenario(lic(changes=changes)).licenses[0]
    first, second, third = lc.changes
    assert (first.professional, first.analyzer, first.capacity_minutes) == (None, 4, None)
    assert (first.overage, first.key) == (None, "renewal-2026")
    assert (second.professional, second.capacity_minutes, second.overage) == (3, 1000, "unlimited")
    assert third.overage == 500
    assert LicenseChange(at="2026-01-01", key="x").analyzer is None  # type: ignore[arg-type]


def test_change_needs_something_besides_at() -> None:
    p = problem_at(lic(changes=[change()]), "licenses[0].changes[0]")
    assert p.value == {"at": "2026-02-01T00:00+00:00"}
    assert p.expected == (
        "expected at least one of professional, analyzer, capacity_minutes, overage, "
        "user_passes, login_passes, key besides at"
    )
    # An explicit null is "unchanged" too.
    problem_at(lic(changes=[change(analyzer=None)]), "licenses[0].changes[0]")


@pytest.mark.parametrize(
    ("fields", "path", "fragment"),
    [
        ({"analyzer": -1}, "licenses[0].changes[0].analyzer", "expected at least 0"),
        ({"professional": True}, "licenses[0].changes[0].professional", "not true/false"),
        ({"capacity_minutes": "many"}, "licenses[0].changes[0].capacity_minutes", "whole number"),
        ({"overage": "lots"}, "licenses[0].changes[0].overage", "none, unlimited, or a ceiling"),
        ({"key": ""}, "licenses[0].changes[0].key", "expected non-empty text"),
        ({"analyzr": 3}, "licenses[0].changes[0].analyzr", "did you mean 'analyzer'?"),
    ],
)
def test_change_field_errors(fields: dict[str, Any], path: str, fragment: str) -> None:
    p = problem_at(lic(changes=[change(**fields)]), path)
    assert fragment in p.expected


def test_change_must_keep_analyzer_with_professional() -> None:
    p = problem_at(lic(changes=[change(professional=0)]), "licenses[0].changes[0]")
    assert p.value == {"at": "2026-02-01T00:00+00:00", "professional": 0}
    assert p.expected.startswith("after this change the license would have professional 0 and ")
    assert "analyzer 10" in p.expected
    assert "Analyzer requires at least 1 Professional (licensing-rules §3)" in p.expected
    # Dropping both together is fine.
    parse_scenario(lic(changes=[change(professional=0, analyzer=0)]))


def test_changes_apply_on_top_of_each_other() -> None:
    changes = [change(professional=0, analyzer=0), change(at="2026-03-01", analyzer=5)]
    p = problem_at(lic(changes=changes), "licenses[0].changes[1]")
    assert "professional 0 and analyzer 5" in p.expected
    # ...and a later change can make a license legal again.
    changes = [change(professional=0, analyzer=0), change(at="2026-03-01", professional=1)]
    parse_scenario(lic(changes=changes))


def test_a_broken_rule_is_reported_once() -> None:
    changes = [change(professional=0), change(at="2026-03-01", capacity_minutes=100)]
    found = problems(lic(changes=changes))
    assert [p.path for p in found] == ["licenses[0].changes[0]"]
    # A mistake in the license itself is not repeated against its changes.
    found = problems(scenario([{"id": "corp", "analyzer": 5, "changes": [change(analyzer=6)]}]))
    assert [p.path for p in found] == ["licenses[0].analyzer"]


def test_change_capacity_on_perpetual_stays_illegal() -> None:
    data = lic(term="perpetual", changes=[change(capacity_minutes=1000)])
    p = problem_at(data, "licenses[0].changes[0]")
    assert "term perpetual and capacity_minutes 1000" in p.expected
    assert "Analyzer Capacity is subscription only (licensing-rules §4)" in p.expected


def test_change_capacity_on_lef_is_illegal() -> None:
    data = lic(activation="lef", changes=[change(capacity_minutes=1000)])
    p = problem_at(data, "licenses[0].changes[0]")
    assert "activation lef and capacity_minutes 1000" in p.expected
    assert "needs a signed key (licensing-rules §4)" in p.expected


def test_change_overage_needs_capacity() -> None:
    p = problem_at(lic(changes=[change(overage="unlimited")]), "licenses[0].changes[0]")
    assert "capacity_minutes 0 and overage unlimited" in p.expected
    assert "overage only extends a capacity purchase" in p.expected
    data = lic(capacity_minutes=600, overage=100, changes=[change(capacity_minutes=0)])
    problem_at(data, "licenses[0].changes[0]")
    data = lic(capacity_minutes=600, overage=100, changes=[change(capacity_minutes=0, overage=0)])
    parse_scenario(data)


def test_change_cannot_add_seats_to_a_token_license() -> None:
    data = scenario(
        [
            {
                "id": "corp",
                "activation": "lef",
                "tokens": {"user_passes": 10},
                "changes": [change(professional=2)],
            }
        ]
    )
    p = problem_at(data, "licenses[0].changes[0]")
    assert "either tokens or Professional/Analyzer/capacity" in p.expected
    assert "§5" in p.expected


def test_a_change_that_takes_every_token_remixes_them_into_seats() -> None:
    tokens = {"id": "corp", "activation": "lef", "tokens": {"user_passes": 25}}
    remix = change(professional=5, analyzer=20, user_passes=0, login_passes=0)
    sc = parse_scenario(scenario([{**tokens, "changes": [remix]}]))
    assert sc.licenses[0].changes[0].remix
    # Only a change that takes every token away is a remix.
    p = problem_at(
        scenario([{**tokens, "changes": [change(professional=5, user_passes=0)]}]),
        "licenses[0].changes[0]",
    )
    assert "either tokens or Professional/Analyzer/capacity" in p.expected
    assert "set user_passes: 0 and login_passes: 0 in this change" in p.expected
    # After a remix the tokens are gone: moving them is refused, changing seats is fine.
    later = [remix, change(at="2026-02-20", user_passes=3)]
    p = problem_at(scenario([{**tokens, "changes": later}]), "licenses[0].changes[1].user_passes")
    assert "token moves need a token license" in p.expected and "remixed earlier" in p.expected
    parse_scenario(scenario([{**tokens, "changes": [remix, change(at="2026-02-20", analyzer=30)]}]))
    # Giving every token away without seats in return is not a remix.
    gone = parse_scenario(scenario([{**tokens, "changes": [change(user_passes=0)]}]))
    assert not gone.licenses[0].changes[0].remix


def test_changes_in_time_order() -> None:
    changes = [change(analyzer=4), change(at="2026-01-20", analyzer=6)]
    p = problem_at(lic(changes=changes), "licenses[0].changes[1].at")
    assert p.value == datetime(2026, 1, 20, tzinfo=UTC)
    assert p.expected == (
        "expected changes in time order (the previous one is at 2026-02-01T00:00+00:00)"
    )
    # Two changes at the same moment are in order.
    parse_scenario(lic(changes=[change(analyzer=4), change(professional=3)]))


def test_change_not_before_the_start() -> None:
    p = problem_at(lic(changes=[change(at="2026-01-01", analyzer=4)]), "licenses[0].changes[0].at")
    assert p.value == datetime(2026, 1, 1, tzinfo=UTC)
    assert "at or after the start (2026-01-05T00:00+00:00)" in p.expected
    # After the end is harmless: the change simply does not happen within the run.
    parse_scenario(lic(changes=[change(at="2027-01-01", analyzer=4)]))


# --- admin actions --------------------------------------------------------------------


def test_actions() -> None:
    actions = [
        action("readers-01", "allocate", type="analyzer"),
        action("admins-3", "allocate", type="professional"),
        action("readers-12"),
        action("readers-02", type="analyzer"),  # type is ignored for deallocate
    ]
    lc = parse_scenario(lic(actions=actions)).licenses[0]
    first, second, third, fourth = lc.actions
    assert (first.action, first.user, first.type) == ("allocate", "readers-01", "analyzer")
    assert first.at == datetime(2026, 2, 1, 9, tzinfo=UTC)
    assert second.type == "professional"
    assert (third.action, third.type) == ("deallocate", None)
    assert fourth.type == "analyzer"


def test_allocate_needs_a_type() -> None:
    p = problem_at(lic(actions=[action("readers-01", "allocate")]), "licenses[0].actions[0].type")
    assert p.value is MISSING
    assert "required for action: allocate" in p.expected
    assert "expected professional or analyzer" in p.expected
    with pytest.raises(ValidationError):
        AdminAction(at="2026-02-01", action="allocate", user="x-1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "path", "fragment"),
    [
        ({"action": "assign"}, "licenses[0].actions[0].action", "allocate, deallocate"),
        ({"type": "capacity"}, "licenses[0].actions[0].type", "professional, analyzer"),
        ({"user": ""}, "licenses[0].actions[0].user", "non-empty name"),
        ({"at": "soon"}, "licenses[0].actions[0].at", "ISO 8601 timestamp"),
    ],
)
def test_action_field_errors(fields: dict[str, Any], path: str, fragment: str) -> None:
    p = problem_at(lic(actions=[{**action("readers-01"), **fields}]), path)
    assert fragment in p.expected


@pytest.mark.parametrize(
    ("user", "fragment"),
    [
        ("readers-1", "expected a user of group readers: readers-01 … readers-12"),
        ("readers-13", "expected a user of group readers: readers-01 … readers-12"),
        ("readers-00", "(n from 1 to 12, 2 digits)"),
        ("admins-01", "expected a user of group admins: admins-1 … admins-3"),
        ("readers", "<group>-<n>"),
        (
            "writers-01",
            "expected a user name <group>-<n> (n from 1, zero-padded to the width of the "
            "group's count): readers-01 … readers-12, admins-1 … admins-3",
        ),
    ],
)
def test_action_user_must_exist(user: str, fragment: str) -> None:
    p = problem_at(lic(actions=[action(user)]), "licenses[0].actions[0].user")
    assert p.value == user
    assert fragment in p.expected


def test_action_user_without_groups() -> None:
    data = lic(actions=[action("readers-01")])
    data["users"] = []
    p = problem_at(data, "licenses[0].actions[0].user")
    assert "the scenario has no user groups" in p.expected


def test_action_user_must_use_the_license() -> None:
    data = scenario(
        [
            {"id": "corp", "professional": 2, "actions": [action("lab-1")]},
            {"id": "other", "professional": 1},
        ]
    )
    data["servers"].append({"id": "lab", "license": "other"})
    data["users"].append({"group": "lab", "count": 2, "access": "professional", "servers": ["lab"]})
    p = problem_at(data, "licenses[0].actions[0].user")
    assert p.expected == (
        "expected a user who logs in to a server on license corp (prod); lab-1 is in group "
        "lab, whose servers are: lab"
    )


@pytest.mark.parametrize("at", ["2026-01-04T23:59", "2026-04-05T00:00", "2027-01-01"])
def test_action_within_the_period(at: str) -> None:
    p = problem_at(lic(actions=[{**action("readers-01"), "at": at}]), "licenses[0].actions[0].at")
    assert "expected a time within the simulated period (2026-01-05T00:00+00:00 to " in p.expected


# --- reclaim --------------------------------------------------------------------------


def test_reclaim() -> None:
    lc = parse_scenario(lic(reclaim={"idle": "30d"})).licenses[0]
    assert lc.reclaim == Reclaim(idle=30 * 86400)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"idle": 0}, "greater than zero"),
        ({"idle": "-3d"}, "negative"),
        ({}, "required key is missing"),
        ({"idle": "3d", "keep": 1}, "unknown key"),
    ],
)
def test_reclaim_errors(value: dict[str, Any], fragment: str) -> None:
    found = problems(lic(reclaim=value))
    assert any(p.path.startswith("licenses[0].reclaim") and fragment in p.expected for p in found)


# --- user names -----------------------------------------------------------------------


def test_user_names() -> None:
    g = UserGroup(group="readers", count=12, access="analyzer", servers=["prod"])
    assert [g.user_name(k) for k in (0, 8, 11)] == ["readers-01", "readers-09", "readers-12"]
    assert g.name_width == 2 and g.name_pattern == "readers-01 … readers-12"
    assert g.user_number("readers-09") == 8
    for name in ("readers-9", "readers-13", "readers-00", "readers-1a", "admins-01", "readers-"):
        assert g.user_number(name) is None
    with pytest.raises(IndexError):
        g.user_name(12)
    one = UserGroup(group="solo", count=1, access="analyzer", servers=["prod"])
    assert one.user_name(0) == "solo-1" and one.name_pattern == "solo-1"
    big = UserGroup(group="plant-a", count=1000, access="capacity", servers=["prod"])
    assert big.user_name(0) == "plant-a-0001" and big.user_number("plant-a-1000") == 999


def test_scenario_user_lookups() -> None:
    s = parse_scenario(scenario())
    assert s.user_index("readers-01") == 0
    assert s.user_index("readers-12") == 11
    assert s.user_index("admins-1") == 12
    assert [s.user_name(i) for i in (0, 11, 12, 14)] == [
        "readers-01",
        "readers-12",
        "admins-1",
        "admins-3",
    ]
    group, k = s.find_user("admins-2")
    assert (group.group, k) == ("admins", 1)
    with pytest.raises(KeyError, match="readers-01 … readers-12"):
        s.user_index("readers-1")
    for index in (-1, 15):
        with pytest.raises(IndexError):
            s.user_name(index)


# --- dumps, overrides and files -------------------------------------------------------


def everything() -> dict[str, Any]:
    data = scenario(
        [
            {
                "id": "corp",
                "activation": "delayed_sync",
                "activated": "2025-12-01",
                "professional": 2,
                "analyzer": 10,
                "capacity_minutes": 600,
                "changes": [change(analyzer=4, overage=100, key="renewal"), change(professional=3)],
                "actions": [action("readers-01", "allocate", type="analyzer"), action("admins-2")],
                "reclaim": {"idle": "30d"},
            },
            {
                "id": "offline",
                "activation": "sld",
                "valid_until": "2026-03-01",
                "renewals": [{"at": "2026-03-04", "until": "2026-06-01"}],
                "professional": 1,
            },
        ],
        rules={"quarantine": "3d", "quarantine_on_slk": True, "offline_allocation": "local"},
    )
    data["servers"].append({"id": "plant", "license": "offline"})
    return data


def test_new_keys_round_trip() -> None:
    s = parse_scenario(everything())
    assert parse_scenario(s.model_dump()) == s
    assert parse_scenario(s.model_dump(mode="json")) == s
    assert parse_scenario(s.model_dump(exclude_unset=True)) == s
    # The defaults dumped in full validate again too.
    plain = parse_scenario(scenario())
    assert parse_scenario(plain.model_dump(mode="json")) == plain


def test_overrides_and_sweeps_reach_the_new_keys() -> None:
    s = parse_scenario(everything())
    v = s.with_overrides(
        {
            "rules.capacity_on_sld": True,
            "licenses.corp.changes.0.analyzer": 6,
            "licenses.corp.reclaim.idle": "7d",
            "licenses.offline.renewals.0.at": "2026-02-27",
        }
    )
    assert v.rules.capacity_on_sld is True
    assert v.licenses[0].changes[0].analyzer == 6
    assert v.licenses[0].reclaim == Reclaim(idle=7 * 86400)
    assert v.licenses[1].renewals[0].at == datetime(2026, 2, 27, tzinfo=UTC)
    with pytest.raises(ScenarioError, match="Analyzer requires at least 1 Professional"):
        s.with_overrides({"licenses.corp.changes.1.professional": 0})
    data = everything()
    data["experiment"] = {
        "sweep": {"rules.quarantine": ["1d", "7d"], "licenses.corp.reclaim.idle": ["1d"]}
    }
    parse_scenario(data)


YAML = """\
name: admin
start: 2026-02-02T00:00
duration: 14d
licenses:
  - id: legacy
    activation: lef
    term: perpetual
    professional: 1
    analyzer: 1
    changes:
      - {at: 2026-02-05T00:00, professional: 0}
    actions:
      - {at: 2026-02-05T09:00, action: deallocate, user: team-3}
servers:
  - {id: qs, license: legacy}
users:
  - {group: team, count: 2, access: analyzer, servers: [qs]}
"""


def test_file_errors_name_the_line() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(YAML, source="admin.yaml")
    (p,) = info.value.problems
    assert p.path == "licenses[0].changes[0]" and p.line == 11
    assert str(info.value).startswith(
        "admin.yaml: licenses[0].changes[0]: {'at': '2026-02-05T00:00+00:00', 'professional': 0}"
        " — after this change the license would have professional 0 and analyzer 1"
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(YAML.replace("professional: 0}", "analyzer: 0}"), source="admin.yaml")
    (p,) = info.value.problems
    assert p.path == "licenses[0].actions[0].user" and p.line == 13
    assert "expected a user of group team: team-1 … team-2" in p.expected


def test_token_moves_need_a_token_license() -> None:
    data = {
        "name": "t",
        "start": "2026-01-01T00:00",
        "duration": "10d",
        "licenses": [
            {
                "id": "k",
                "professional": 1,
                "changes": [{"at": "2026-01-02T00:00", "login_passes": 10}],
            }
        ],
        "servers": [{"id": "s", "license": "k"}],
    }
    p = problem_at(data, "licenses[0].changes[0].login_passes")
    assert "token license" in p.expected
