"""Scenario models: defaults, legality rules, cross-references, time handling, overrides."""

from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from scenario_problems import problem_at, problems

from sim.scenario import (
    WEEKDAYS,
    Behaviour,
    DayStart,
    Outage,
    Rules,
    Scenario,
    ScenarioError,
    ScriptedSession,
    parse_scenario,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "acme",
        "start": "2026-01-05T00:00",
        "duration": "90d",
        "licenses": [{"id": "corp", "professional": 20, "analyzer": 150}],
        "servers": [{"id": "prod", "license": "corp"}],
    }
    data.update(changes)
    return data


def with_users(**group: Any) -> dict[str, Any]:
    base = {"group": "analysts", "count": 3, "access": "analyzer", "servers": ["prod"]}
    return minimal(users=[{**base, **group}])


# --- defaults -------------------------------------------------------------------------


def test_defaults_all_filled_in() -> None:
    s = parse_scenario(
        minimal(users=[{"group": "g", "count": 1, "access": "capacity", "servers": ["prod"]}])
    )
    assert s.seed == 0
    assert s.timezone == "UTC"
    assert s.end is None
    assert s.experiment is None
    assert s.desktops == []
    assert s.backend.outages == []
    assert s.backend.random_outages is None
    r = s.rules
    assert r.grace == 72 * 3600
    assert r.delayed_sync_window == 60 * 86400
    assert r.desktop_unlock == 30 * 86400
    assert r.capacity_unit == 360
    assert r.max_parallel_sessions == 5
    assert r.parallel_session_wait == 300
    assert r.user_sync_interval == 600
    assert r.definition_refresh_interval == 86400
    lic = s.licenses[0]
    assert (lic.activation, lic.term, lic.overage) == ("slk", "subscription", "none")
    assert (lic.capacity_minutes, lic.valid_from, lic.valid_until) == (0, None, None)
    assert (lic.allocation.professional, lic.allocation.analyzer) == ("manual", "manual")
    assert lic.tokens is None and lic.qlikview_cals is None
    srv = s.servers[0]
    assert (srv.product, srv.role, srv.link_outages, srv.random_outages) == (
        "qlik_sense",
        "production",
        [],
        None,
    )
    g = s.users[0]
    assert g.directory is None and g.sessions is None
    b = g.behaviour
    assert b.days == ["mon", "tue", "wed", "thu", "fri"]
    assert b.weekday_numbers == (0, 1, 2, 3, 4)
    assert b.day_start.mean == "09:00" and b.day_start.mean_seconds == 9 * 3600
    assert b.day_start.sd == 1800
    assert (b.sessions_per_day, b.clicks_per_session) == (2, 40)
    assert (b.click_gap, b.session_break, b.devices) == (45, 3600, 1)


def test_every_field_documents_its_source() -> None:
    from pydantic import BaseModel

    from sim.scenario import admin, fields, licenses, network, paths, rules, scenario, users

    modules = [admin, fields, licenses, network, paths, rules, scenario, users]
    models = [
        v
        for m in modules
        for v in vars(m).values()
        if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == m.__name__
    ]
    assert len(models) > 10
    for model in models:
        if model.__name__.startswith("_"):
            continue
        assert model.__doc__, model
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"


def test_models_are_frozen() -> None:
    s = parse_scenario(minimal())
    with pytest.raises(ValidationError):
        s.name = "other"  # type: ignore[misc]


def test_extra_defaults() -> None:
    assert Rules().grace == 72 * 3600
    assert Behaviour().weekday_numbers == (0, 1, 2, 3, 4)
    assert Behaviour(days=["sun", "mon"]).weekday_numbers == (0, 6)
    assert WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- license legality (licensing-rules.md) --------------------------------------------


def lic(**fields: Any) -> dict[str, Any]:
    return minimal(licenses=[{"id": "corp", **fields}])


def test_analyzer_needs_professional() -> None:
    p = problem_at(lic(analyzer=10), "licenses[0].analyzer")
    assert p.value == 10
    assert "Analyzer requires at least 1 Professional (licensing-rules §3)" in p.expected


def test_capacity_is_subscription_only() -> None:
    p = problem_at(lic(capacity_minutes=1000, term="perpetual"), "licenses[0].capacity_minutes")
    assert "subscription only (licensing-rules §4)" in p.expected


def test_overage_on_perpetual_without_capacity_is_refused() -> None:
    p = problem_at(lic(term="perpetual", overage="unlimited"), "licenses[0].overage")
    assert "only extends a capacity purchase" in p.expected


def test_capacity_needs_a_signed_key() -> None:
    p = problem_at(lic(capacity_minutes=1000, activation="lef"), "licenses[0].capacity_minutes")
    assert "signed key (licensing-rules §4)" in p.expected


@pytest.mark.parametrize("activation", ["slk", "sld", "delayed_sync"])
def test_capacity_with_signed_keys_is_fine(activation: str) -> None:
    # An offline SLD always has an end date (licensing-rules §1, §2).
    until = {"valid_until": "2027-01-01"} if activation == "sld" else {}
    s = parse_scenario(lic(capacity_minutes=1000, activation=activation, overage=500, **until))
    assert s.licenses[0].overage == 500


def test_overage_without_capacity() -> None:
    p = problem_at(lic(overage="unlimited"), "licenses[0].overage")
    assert p.value == "unlimited"
    assert "overage only extends a capacity purchase" in p.expected


@pytest.mark.parametrize("seat", ["professional", "analyzer", "capacity_minutes"])
def test_tokens_never_with_seats(seat: str) -> None:
    fields: dict[str, Any] = {seat: 5, "activation": "lef", "tokens": {"user_passes": 4}}
    if seat == "analyzer":
        fields["professional"] = 1
    p = problem_at(lic(**fields), "licenses[0].tokens")
    assert "either tokens or Professional/Analyzer/capacity" in p.expected
    assert "§5" in p.expected


def test_tokens_may_use_a_signed_key() -> None:
    # licensing-rules §1 (seed): Qlik can provide an SLK for every license except QlikView
    # CALs, so a token license on an SLK is accepted (and simulated, see the matrix test).
    s = parse_scenario(lic(tokens={"login_passes": 20}))
    assert s.licenses[0].activation == "slk"
    assert s.licenses[0].tokens is not None


def test_token_license_is_fine() -> None:
    s = parse_scenario(lic(activation="lef", tokens={"user_passes": 40, "login_passes": 200}))
    assert s.licenses[0].tokens is not None
    assert s.licenses[0].tokens.login_passes == 200


def test_qlikview_cals_cannot_use_an_slk() -> None:
    p = problem_at(lic(qlikview_cals={"named": 10}), "licenses[0].activation")
    assert "QlikView CAL licenses cannot use an SLK" in p.expected


@pytest.mark.parametrize(
    "extra",
    [{"professional": 1}, {"tokens": {"user_passes": 1}}],
)
def test_qlikview_cals_alone(extra: dict[str, Any]) -> None:
    p = problem_at(
        lic(activation="lef", qlikview_cals={"session": 5}, **extra), "licenses[0].qlikview_cals"
    )
    assert "cannot share a license" in p.expected


def test_qlikview_cal_license_is_fine() -> None:
    data = lic(activation="lef", qlikview_cals={"named": 10, "usage": 20})
    data["servers"][0]["product"] = "qlikview"
    s = parse_scenario(data)
    cals = s.licenses[0].qlikview_cals
    assert cals is not None and (cals.named, cals.document, cals.session, cals.usage) == (
        10,
        0,
        0,
        20,
    )


def test_valid_until_after_valid_from() -> None:
    p = problem_at(
        lic(valid_from="2026-06-01", valid_until="2026-01-01"), "licenses[0].valid_until"
    )
    assert "after valid_from" in p.expected


@pytest.mark.parametrize(
    ("value", "expected"), [("none", "none"), ("unlimited", "unlimited"), (300, 300), ("300", 300)]
)
def test_overage_values(value: object, expected: object) -> None:
    s = parse_scenario(lic(capacity_minutes=100, overage=value))
    assert s.licenses[0].overage == expected


@pytest.mark.parametrize("value", ["lots", -1, True, 1.5, None, "None"])
def test_overage_bad_values(value: object) -> None:
    p = problem_at(lic(capacity_minutes=100, overage=value), "licenses[0].overage")
    assert "none, unlimited, or a ceiling in minutes" in p.expected


@pytest.mark.parametrize("field", ["professional", "analyzer", "capacity_minutes"])
def test_counts_are_non_negative_whole_numbers(field: str) -> None:
    assert problem_at(lic(**{field: -1}), f"licenses[0].{field}").expected == "expected at least 0"
    assert "whole number" in problem_at(lic(**{field: "many"}), f"licenses[0].{field}").expected
    assert "not true/false" in problem_at(lic(**{field: True}), f"licenses[0].{field}").expected


# --- outages --------------------------------------------------------------------------


def test_outage_needs_exactly_one_length() -> None:
    with pytest.raises(ValidationError):
        Outage(start="2026-01-01")  # type: ignore[arg-type]
    p = problem_at(
        minimal(backend={"outages": [{"start": "2026-02-01"}]}), "backend.outages[0].duration"
    )
    assert "give duration or end" in p.expected
    p = problem_at(
        minimal(
            backend={"outages": [{"start": "2026-02-01", "duration": "1h", "end": "2026-02-02"}]}
        ),
        "backend.outages[0].end",
    )
    assert "not both" in p.expected


def test_outage_length_must_be_positive() -> None:
    p = problem_at(
        minimal(backend={"outages": [{"start": "2026-02-01", "duration": 0}]}),
        "backend.outages[0].duration",
    )
    assert "greater than zero" in p.expected
    p = problem_at(
        minimal(backend={"outages": [{"start": "2026-02-01", "end": "2026-02-01"}]}),
        "backend.outages[0].end",
    )
    assert "after start" in p.expected


def test_outage_stop() -> None:
    o = Outage(start="2026-03-02T00:00", duration="4d", cause="firewall")  # type: ignore[arg-type]
    assert o.stop == datetime(2026, 3, 6, tzinfo=UTC)
    o = Outage(start="2026-03-02", end="2026-03-03T12:00")  # type: ignore[arg-type]
    assert o.stop == datetime(2026, 3, 3, 12, tzinfo=UTC)


def test_random_outages_positive() -> None:
    p = problem_at(
        minimal(backend={"random_outages": {"mtbf": "0s", "mttr": "4h"}}),
        "backend.random_outages.mtbf",
    )
    assert "greater than zero" in p.expected
    p = problem_at(
        minimal(backend={"random_outages": {"mtbf": "120d"}}), "backend.random_outages.mttr"
    )
    assert p.expected == "required key is missing"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("capacity_unit", "0s"),
        ("user_sync_interval", 0),
        ("definition_refresh_interval", "0h"),
        ("max_parallel_sessions", 0),
        ("grace", "-1h"),
        ("grace", "3 parsecs"),
    ],
)
def test_rules_limits(key: str, value: object) -> None:
    problem_at(minimal(rules={key: value}), f"rules.{key}")


def test_rules_overrides() -> None:
    s = parse_scenario(minimal(rules={"grace": "4d", "capacity_unit": "10min"}))
    assert s.rules.grace == 4 * 86400 and s.rules.capacity_unit == 600


# --- users ----------------------------------------------------------------------------


def test_access_single_or_list() -> None:
    s = parse_scenario(with_users(access="capacity"))
    assert s.users[0].access_types == ("capacity",)
    s = parse_scenario(with_users(access=["analyzer", "capacity"]))
    assert s.users[0].access_types == ("analyzer", "capacity")


@pytest.mark.parametrize(
    ("access", "path"),
    [
        ("seat", "users[0].access"),
        (["analyzer", "analyzer"], "users[0].access[1]"),
        (["analyzer", "nope"], "users[0].access[1]"),
        ([], "users[0].access"),
        (5, "users[0].access"),
    ],
)
def test_access_errors(access: object, path: str) -> None:
    p = problem_at(with_users(access=access), path)
    assert "professional" in p.expected or "once" in p.expected


def test_group_count_positive() -> None:
    assert problem_at(with_users(count=0), "users[0].count").expected == "expected at least 1"


def test_group_needs_servers() -> None:
    assert "at least 1 item" in problem_at(with_users(servers=[]), "users[0].servers").expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("days", []),
        ("days", ["mon", "funday"]),
        ("days", ["mon", "mon"]),
        ("sessions_per_day", -1),
        ("sessions_per_day", 101),
        ("sessions_per_day", float("nan")),
        ("clicks_per_session", 10_001),
        ("click_gap", 0),
        ("session_break", "-1h"),
        ("devices", 0),
        ("devices", 11),
        ("devices", True),
    ],
)
def test_behaviour_limits(key: str, value: object) -> None:
    found = problems(with_users(behaviour={key: value}))
    assert any(p.path.startswith(f"users[0].behaviour.{key}") for p in found), found


def test_weekday_error_lists_choices() -> None:
    p = problem_at(with_users(behaviour={"days": ["mon", "funday"]}), "users[0].behaviour.days[1]")
    assert p.expected == "expected one of: mon, tue, wed, thu, fri, sat, sun"


def test_day_start_unquoted_time_is_explained() -> None:
    p = problem_at(
        with_users(behaviour={"day_start": {"mean": 570}}), "users[0].behaviour.day_start.mean"
    )
    assert '"09:30"' in p.expected and "570" in p.expected


@pytest.mark.parametrize(("text", "seconds"), [("9:30", 34200), ("00:00", 0), ("23:59", 86340)])
def test_day_start_mean(text: str, seconds: float) -> None:
    ds = DayStart(mean=text)
    assert ds.mean_seconds == seconds
    assert len(ds.mean) == 5


@pytest.mark.parametrize("text", ["24:00", "9", "09:60", "nine", "", "-1:00"])
def test_day_start_bad_mean(text: str) -> None:
    with pytest.raises(ValidationError):
        DayStart(mean=text)


def session(**fields: Any) -> dict[str, Any]:
    return {"at": "2026-01-06T10:00", **fields}


def test_scripted_session_defaults() -> None:
    s = parse_scenario(with_users(servers=["prod"], sessions=[session()]))
    sess = s.users[0].sessions
    assert sess is not None
    only = sess[0]
    assert (only.user, only.server, only.device, only.activity, only.duration) == (
        0,
        "prod",
        0,
        [0.0],
        None,
    )
    assert only.length == 0 and only.stop == only.at


def test_scripted_session_timeline() -> None:
    s = ScriptedSession(
        at="2026-01-06T10:00",
        activity=[0, "5min", "20min"],  # type: ignore[arg-type, list-item]
        duration="30min",
    )
    assert s.activity == [0, 300, 1200]
    assert s.length == 1800
    assert s.stop - s.at == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("fields", "path", "fragment"),
    [
        ({"activity": ["1min"]}, "users[0].sessions[0].activity[0]", "expected 0"),
        ({"activity": [0, "5min", "1min"]}, "users[0].sessions[0].activity[2]", "non-decreasing"),
        ({"activity": []}, "users[0].sessions[0].activity", "at least 1 item"),
        (
            {"activity": [0, "5min"], "duration": "1min"},
            "users[0].sessions[0].duration",
            "at least the last activity offset (5min)",
        ),
        ({"user": 3}, "users[0].sessions[0].user", "from 0 to 2"),
        ({"server": "other"}, "users[0].sessions[0].server", "this group's servers: prod"),
        ({"at": "2026-05-01"}, "users[0].sessions[0].at", "within the simulated period"),
        ({"at": "2026-01-04T23:59"}, "users[0].sessions[0].at", "within the simulated period"),
    ],
)
def test_scripted_session_errors(fields: dict[str, Any], path: str, fragment: str) -> None:
    p = problem_at(with_users(sessions=[session(**fields)]), path)
    assert fragment in p.expected


def test_behaviour_and_sessions_conflict() -> None:
    p = problem_at(
        with_users(behaviour={"sessions_per_day": 4}, sessions=[session()]), "users[0].behaviour"
    )
    assert "either behaviour or sessions" in p.expected
    # A behaviour identical to the defaults does no harm (full dumps validate again).
    parse_scenario(with_users(behaviour={}, sessions=[session()]))


# --- the scenario as a whole ----------------------------------------------------------


def test_end_or_duration_exactly_one() -> None:
    data = minimal()
    del data["duration"]
    p = problem_at(data, "duration")
    assert "give duration" in p.expected and "or end" in p.expected
    p = problem_at(minimal(end="2026-02-01"), "end")
    assert "not both" in p.expected
    s = parse_scenario({**data, "end": "2026-02-01"})
    assert s.duration is None
    assert s.horizon == 27 * 86400


def test_end_after_start() -> None:
    data = minimal()
    del data["duration"]
    p = problem_at({**data, "end": "2026-01-01"}, "end")
    assert "after start" in p.expected


def test_horizon_at_most_20_years() -> None:
    parse_scenario(minimal(duration="1040w"))
    p = problem_at(minimal(duration="1050w"), "duration")
    assert "at most 20 years" in p.expected
    data = minimal()
    del data["duration"]
    problem_at({**data, "end": "2050-01-01"}, "end")


@pytest.mark.parametrize("seed", [-1, 2**63, "x", True])
def test_seed_limits(seed: object) -> None:
    problem_at(minimal(seed=seed), "seed")


def test_seed_max() -> None:
    assert parse_scenario(minimal(seed=2**63 - 1)).seed == 2**63 - 1


def test_name_required_and_non_empty() -> None:
    assert problem_at(minimal(name=""), "name").expected == "expected non-empty text"
    data = minimal()
    del data["name"]
    assert problem_at(data, "name").expected == "required key is missing"


def test_invalid_timezone_names_the_value() -> None:
    p = problem_at(minimal(timezone="Europe/Stokholm"), "timezone")
    assert p.value == "Europe/Stokholm"
    assert "IANA time zone" in p.expected
    assert "Europe/Stockholm" in p.expected


def test_unknown_key_lists_the_keys() -> None:
    p = problem_at(
        minimal(servers=[{"id": "prod", "license": "corp", "lnk_outages": []}]),
        "servers[0].lnk_outages",
    )
    assert "unknown key" in p.expected
    assert "did you mean 'link_outages'?" in p.expected
    assert "id, product, role, license, link_outages, random_outages" in p.expected


def test_wrong_type() -> None:
    p = problem_at(minimal(servers="prod"), "servers")
    assert p.expected.startswith("expected a list")
    p = problem_at(minimal(rules=[1]), "rules")
    assert p.expected.startswith("expected a mapping")
    p = problem_at(minimal(name=2026), "name")
    assert "put it in quotes" in p.expected


def test_literal_choices() -> None:
    p = problem_at(
        minimal(servers=[{"id": "prod", "license": "corp", "role": "staging"}]), "servers[0].role"
    )
    assert p.expected == "expected one of: production, test"


def test_bad_duration_in_nested_place() -> None:
    data = minimal(
        servers=[
            {
                "id": "prod",
                "license": "corp",
                "link_outages": [{"start": "2026-03-02", "duration": "4 days!"}],
            }
        ]
    )
    p = problem_at(data, "servers[0].link_outages[0].duration")
    assert p.value == "4 days!"
    assert "expected a duration such as 45s" in p.expected


def test_ids_have_no_dots() -> None:
    p = problem_at(minimal(servers=[{"id": "prod.eu", "license": "corp"}]), "servers[0].id")
    assert "without dots" in p.expected


@pytest.mark.parametrize("collection", ["licenses", "servers"])
def test_unique_ids(collection: str) -> None:
    data = minimal()
    data[collection] = data[collection] * 2
    p = problem_at(data, f"{collection}[1].id")
    assert f"already used by {collection}[0]" in p.expected


def test_unique_group_names() -> None:
    data = with_users()
    data["users"] = data["users"] * 2
    assert "already used by users[0]" in problem_at(data, "users[1].group").expected


def test_dangling_license() -> None:
    p = problem_at(minimal(servers=[{"id": "prod", "license": "corpx"}]), "servers[0].license")
    assert p.value == "corpx"
    assert p.expected == "did you mean 'corp'? expected one of the license ids: corp"
    assert str(p) == (
        "servers[0].license: 'corpx' — did you mean 'corp'? expected one of the license ids: corp"
    )


def test_dangling_group_server() -> None:
    p = problem_at(with_users(servers=["prod", "nope"]), "users[0].servers[1]")
    assert p.expected == "expected one of the server ids: prod"


def desktops(*items: dict[str, Any], servers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data = with_users()
    data["desktops"] = list(items)
    if servers is not None:
        data["servers"] = servers
    return data


def test_desktop_references() -> None:
    data = desktops(
        {"id": "d", "product": "qlik_sense_desktop", "users": "nobody", "server": "nowhere"}
    )
    assert "user groups: analysts" in problem_at(data, "desktops[0].users").expected
    assert "server ids: prod" in problem_at(data, "desktops[0].server").expected


@pytest.mark.parametrize(
    ("product", "server_product", "fragment"),
    [
        (
            "qlik_sense_desktop",
            "qlik_sense",
            "Qlik Sense Desktop cannot authenticate against a test server",
        ),
        ("qlikview_desktop", "qlikview", "QlikView Desktop cannot lease from a test server"),
    ],
)
def test_desktop_never_on_test_server(product: str, server_product: str, fragment: str) -> None:
    servers = [
        {"id": "prod", "license": "corp", "product": server_product},
        {"id": "test", "license": "corp", "product": server_product, "role": "test"},
    ]
    data = desktops(
        {"id": "d", "product": product, "users": "analysts", "server": "test"}, servers=servers
    )
    p = problem_at(data, "desktops[0].server")
    assert fragment in p.expected
    assert p.expected.endswith(": prod")


def test_desktop_product_must_match_server() -> None:
    servers = [
        {"id": "prod", "license": "corp"},
        {"id": "qv", "license": "corp", "product": "qlikview"},
    ]
    data = desktops(
        {"id": "d", "product": "qlikview_desktop", "users": "analysts", "server": "prod"},
        servers=servers,
    )
    p = problem_at(data, "desktops[0].server")
    assert "qlikview_desktop must point at a qlikview server" in p.expected
    assert p.expected.endswith("expected one of: qv")
    data = desktops(
        {"id": "d", "product": "qlik_sense_desktop", "users": "analysts", "server": "qv"},
        servers=servers,
    )
    assert "qlik_sense server" in problem_at(data, "desktops[0].server").expected


QV_SERVERS = [{"id": "qv", "license": "corp", "product": "qlikview"}]


def test_local_license_and_lease_prohibited_are_qlikview_desktop_settings() -> None:
    sense = {"id": "d", "product": "qlik_sense_desktop", "users": "analysts", "server": "prod"}
    data = desktops({**sense, "local_license": True, "lease_prohibited": [0]})
    assert "QlikView Desktop setting" in problem_at(data, "desktops[0].local_license").expected
    assert "qlikview_desktop" in problem_at(data, "desktops[0].lease_prohibited").expected


def test_desktop_users_named_must_be_in_the_group() -> None:
    qv = {"id": "d", "product": "qlikview_desktop", "users": "analysts", "server": "qv"}
    data = desktops({**qv, "local_license": [0, 3]}, servers=QV_SERVERS)
    p = problem_at(data, "desktops[0].local_license[1]")
    assert p.value == 3 and p.expected == "a user of group analysts (0 to 2)"
    data = desktops({**qv, "lease_prohibited": [5]}, servers=QV_SERVERS)
    assert problem_at(data, "desktops[0].lease_prohibited[0]").value == 5


def test_lease_switches_belong_to_qlikview_and_to_a_lef() -> None:
    data = minimal(servers=[{"id": "prod", "license": "corp", "allow_license_lease": False}])
    assert "QlikView Server setting" in problem_at(data, "servers[0].allow_license_lease").expected
    data = minimal(licenses=[{"id": "corp", "professional": 1, "license_lease": False}])
    assert "expected activation lef" in problem_at(data, "licenses[0].license_lease").expected


def test_an_outage_cannot_claim_the_address_change_cause() -> None:
    outage = {"start": "2026-01-06T00:00", "duration": "1h", "cause": "Backend address change"}
    data = minimal(servers=[{"id": "prod", "license": "corp", "link_outages": [outage]}])
    p = problem_at(data, "servers[0].link_outages[0].cause")
    assert "backend.address_changes" in p.expected


def test_desktop_ok() -> None:
    data = desktops(
        {
            "id": "d",
            "product": "qlik_sense_desktop",
            "users": "analysts",
            "server": "prod",
            "away": [{"start": "2026-02-01", "duration": "40d"}],
        }
    )
    s = parse_scenario(data)
    assert s.desktops[0].launches_per_week == 5
    assert s.desktops[0].away[0].duration == 40 * 86400


def test_total_users_limit() -> None:
    data = with_users(count=600_000)
    data["users"].append({**data["users"][0], "group": "more"})
    p = problem_at(data, "users")
    assert p.value == 1_200_000
    assert "1,000,000" in p.expected
    data["users"][1]["count"] = 400_000
    data["duration"] = "3d"  # a million users stay within the session limit only briefly
    parse_scenario(data)


def test_collects_all_cross_reference_problems() -> None:
    data = minimal(servers=[{"id": "a", "license": "x"}, {"id": "b", "license": "y"}])
    paths = [p.path for p in problems(data)]
    assert paths == ["servers[0].license", "servers[1].license"]


# --- time -----------------------------------------------------------------------------


def test_naive_timestamps_read_in_the_scenario_timezone() -> None:
    data = minimal(timezone="Europe/Stockholm", start="2026-03-02T00:00")
    s = parse_scenario(data)
    assert s.start == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert s.start.tzinfo == STOCKHOLM
    assert s.tz == STOCKHOLM
    # Constructing directly, or validating without parse_scenario, reads them the same way.
    assert Scenario(**data).start == s.start
    assert Scenario.model_validate(data).start == s.start


def test_nested_timestamps_use_the_timezone_too() -> None:
    data = minimal(
        timezone="Europe/Stockholm",
        backend={"outages": [{"start": "2026-02-10T08:00", "duration": "6h"}]},
    )
    o = parse_scenario(data).backend.outages[0]
    assert o.start == datetime(2026, 2, 10, 7, 0, tzinfo=UTC)


def test_aware_timestamps_keep_their_offset() -> None:
    s = parse_scenario(minimal(timezone="Europe/Stockholm", start="2026-03-02T00:00Z"))
    assert s.start == datetime(2026, 3, 2, tzinfo=UTC)
    s = parse_scenario(minimal(timezone="Europe/Stockholm", start="2026-03-02T00:00-05:00"))
    assert s.start == datetime(2026, 3, 2, 5, tzinfo=UTC)


def test_date_and_datetime_objects() -> None:
    s = parse_scenario(minimal(timezone="Europe/Stockholm", start=date(2026, 3, 2)))
    assert s.start == datetime(2026, 3, 1, 23, tzinfo=UTC)
    s = parse_scenario(minimal(timezone="Europe/Stockholm", start=datetime(2026, 3, 2, 6)))
    assert s.start == datetime(2026, 3, 2, 5, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", 20260101, "", True, "1900-01-01"])
def test_bad_timestamps(value: object) -> None:
    p = problem_at(minimal(start=value), "start")
    assert "timestamp" in p.expected


def test_duration_is_elapsed_time_across_dst() -> None:
    # Stockholm moves its clocks forward on 2026-03-29.
    s = parse_scenario(
        minimal(timezone="Europe/Stockholm", start="2026-03-28T00:00", duration="2d")
    )
    assert s.horizon == 2 * 86400
    # Subtract in UTC: Python subtracts datetimes sharing a ZoneInfo as wall-clock times.
    assert s.end_at.astimezone(UTC) - s.start_at.astimezone(UTC) == timedelta(days=2)
    assert s.end_at.astimezone(UTC) == datetime(2026, 3, 29, 23, tzinfo=UTC)
    assert s.end_at.tzinfo == STOCKHOLM
    data = minimal(timezone="Europe/Stockholm", start="2026-03-28T00:00", end="2026-03-30T00:00")
    del data["duration"]
    assert parse_scenario(data).horizon == 47 * 3600


def test_seconds_and_end() -> None:
    s = parse_scenario(minimal(timezone="Europe/Stockholm"))
    assert s.start_at == s.start
    assert s.end_at.astimezone(UTC) == s.start.astimezone(UTC) + timedelta(days=90)
    assert s.horizon == 90 * 86400
    assert s.seconds(s.start) == 0
    assert s.seconds(datetime(2026, 1, 5, 1, tzinfo=STOCKHOLM)) == 3600
    assert s.seconds(datetime(2026, 1, 5, 0, tzinfo=UTC)) == 3600
    assert s.seconds(datetime(2026, 1, 5, 1)) == 3600  # naive: scenario time zone


# --- lookups, dumps and overrides -----------------------------------------------------


def test_lookups() -> None:
    s = parse_scenario(with_users())
    assert s.license("corp").professional == 20
    assert s.server("prod").license == "corp"
    assert s.group("analysts").count == 3
    with pytest.raises(KeyError, match="known: prod"):
        s.server("nope")


def test_dump_round_trips() -> None:
    data = with_users(sessions=[session(activity=[0, "1min"])])
    data["experiment"] = {"replications": 3, "sweep": {"rules.grace": ["1h", "2h"]}}
    s = parse_scenario(data)
    assert parse_scenario(s.model_dump()) == s
    assert parse_scenario(s.model_dump(mode="json")) == s
    assert parse_scenario(s.model_dump(exclude_unset=True)) == s


def test_with_overrides() -> None:
    data = minimal(
        servers=[
            {
                "id": "prod",
                "license": "corp",
                "link_outages": [{"start": "2026-03-02", "duration": "4d"}],
            }
        ]
    )
    s = parse_scenario(data)
    v = s.with_overrides(
        {
            "servers.prod.link_outages.0.duration": "1h",
            "rules.grace": "24h",
            "licenses.0.analyzer": 10,
        }
    )
    assert v.servers[0].link_outages[0].duration == 3600
    assert v.rules.grace == 86400
    assert v.licenses[0].analyzer == 10
    assert s.servers[0].link_outages[0].duration == 4 * 86400  # original untouched
    assert "rules" not in s.model_fields_set


def test_with_overrides_errors() -> None:
    s = parse_scenario(minimal())
    with pytest.raises(ScenarioError, match="has no item 'test'"):
        s.with_overrides({"servers.test.role": "test"})
    with pytest.raises(ScenarioError, match="Analyzer requires at least 1 Professional"):
        s.with_overrides({"licenses.corp.professional": 0})
    with pytest.raises(ScenarioError, match="mttr"):
        s.with_overrides({"backend.random_outages.mtbf": "10d"})


def test_sweep_paths_are_checked() -> None:
    data = with_users()
    data["experiment"] = {
        "sweep": {
            "servers.prod.link_outages": [[]],
            "users.analysts.behaviour.sessions_per_day": [1, 2],
            "backend.random_outages.mtbf": ["10d"],
            "servers.1.license": ["corp"],
            "servers.prod.lnk": [1],
            "rules.grace.hours": [1],
            "experiment.replications": [2],
        }
    }
    found = {p.path: p for p in problems(data)}
    assert set(found) == {
        "experiment.sweep['servers.1.license']",
        "experiment.sweep['servers.prod.lnk']",
        "experiment.sweep['rules.grace.hours']",
        "experiment.sweep['experiment.replications']",
    }
    by_index = found["experiment.sweep['servers.1.license']"]
    assert "index below 1 or one of: prod" in by_index.expected
    assert "did you mean" not in found["experiment.sweep['servers.prod.lnk']"].expected


def test_sweep_values_non_empty() -> None:
    data = minimal(experiment={"sweep": {"rules.grace": []}})
    assert "at least one value" in problem_at(data, "experiment.sweep['rules.grace']").expected


@pytest.mark.parametrize("n", [0, 10_001])
def test_replications_limits(n: int) -> None:
    problem_at(minimal(experiment={"replications": n}), "experiment.replications")


def test_input_dict_is_not_modified() -> None:
    data = with_users(sessions=[session()])
    before = deepcopy(data)
    parse_scenario(data)
    assert data == before


def test_scenario_pickles_for_worker_processes() -> None:
    import pickle

    s = parse_scenario(with_users(sessions=[session()]))
    again = pickle.loads(pickle.dumps(s))
    assert again == s
    assert again.group("analysts").count == 3


def test_json_schema_is_available() -> None:
    schema = Scenario.model_json_schema()
    assert {"name", "start", "licenses", "servers"} <= set(schema["required"])
    assert (
        "Default 72h (licensing-rules §2)"
        in schema["$defs"]["Rules"]["properties"]["grace"]["description"]
    )


def test_unknown_key_deep_inside() -> None:
    p = problem_at(with_users(sessions=[session(actvity=[0])]), "users[0].sessions[0].actvity")
    assert "did you mean 'activity'?" in p.expected
    p = problem_at(
        with_users(behaviour={"day_start": {"sdev": "1h"}}), "users[0].behaviour.day_start.sdev"
    )
    assert p.expected == "unknown key (did you mean 'sd'? expected one of: mean, sd, spread)"
