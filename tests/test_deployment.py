"""Which license may be applied to which servers: the combinations matrix and its rules.

Every (activation, license kind, product) combination is either simulated with its real
semantics or refused at validation with the rule named (licensing-rules §1, §4, §5, §6).
The expected matrix below is typed by hand from the rules digest, not derived from the code.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from scenario_problems import problem_at, problems

from sim import load_scenario, parse_scenario, simulate
from sim.check import check_result
from sim.scenario import ScenarioError

HERE = Path(__file__).parent / "scenarios"

ACTIVATIONS = ("lef", "slk", "delayed_sync", "sld")
KINDS = (
    "professional_analyzer",
    "capacity",
    "user_passes",
    "login_passes",
    "named_cal",
    "document_cal",
    "session_cal",
    "usage_cal",
)
PRODUCTS = ("qlik_sense", "qlikview", "nprinting", "unified")

QS, QV, NP, U = "qlik_sense", "qlikview", "nprinting", "unified"
TOKENS = {QS}  # §5: tokens are Qlik Sense's; §1 (seed): an SLK for any license but QV CALs
CALS_LEF = {QV}  # §1, §6: QlikView CALs are QlikView's and never on a signed key

ACCEPTED: dict[tuple[str, str], set[str]] = {
    # Professional/Analyzer. LEF: Qlik Sense perpetual seats, NPrinting's own LEF (before
    # Feb 2020); QlikView Pro/Analyzer needs a signed key (§1, §6); unified needs one (§6).
    # delayed_sync / sld: NPrinting cannot be activated offline (§1); an SLD on the two
    # servers of a unified pair would copy the seats (§1: only servers that sync share).
    ("lef", "professional_analyzer"): {QS, NP},
    ("slk", "professional_analyzer"): {QS, QV, NP, U},
    ("delayed_sync", "professional_analyzer"): {QS, QV, U},
    ("sld", "professional_analyzer"): {QS, QV},
    # Analyzer Capacity: signed key only (§4); QlikView only through a unified key (§6).
    ("lef", "capacity"): set(),
    ("slk", "capacity"): {QS, NP, U},
    ("delayed_sync", "capacity"): {QS, U},
    ("sld", "capacity"): {QS},
    ("lef", "user_passes"): TOKENS,
    ("slk", "user_passes"): TOKENS,
    ("delayed_sync", "user_passes"): TOKENS,
    ("sld", "user_passes"): TOKENS,
    ("lef", "login_passes"): TOKENS,
    ("slk", "login_passes"): TOKENS,
    ("delayed_sync", "login_passes"): TOKENS,
    ("sld", "login_passes"): TOKENS,
    **{("lef", cal): CALS_LEF for cal in KINDS[4:]},
    **{(a, cal): set() for a in ACTIVATIONS[1:] for cal in KINDS[4:]},
}

HOLDS: dict[str, dict[str, Any]] = {
    "professional_analyzer": {"professional": 1, "analyzer": 2},
    "capacity": {"professional": 1, "capacity_minutes": 600},
    "user_passes": {"tokens": {"user_passes": 2}},
    "login_passes": {"tokens": {"login_passes": 10}},
    "named_cal": {"qlikview_cals": {"named": 2}},
    "document_cal": {"qlikview_cals": {"document": 2}},
    "session_cal": {"qlikview_cals": {"session": 2}},
    "usage_cal": {"qlikview_cals": {"usage": 2}},
}
ACCESS = {
    "professional_analyzer": "analyzer",
    "capacity": "capacity",
    "user_passes": "user_pass",
    "login_passes": "login_pass",
    "named_cal": "named_cal",
    "document_cal": "document_cal",
    "session_cal": "session_cal",
    "usage_cal": "usage_cal",
}


def cell(activation: str, kind: str, product: str) -> dict[str, Any]:
    """A one-day scenario: the license kind on the activation, applied to the product (or
    to a Qlik Sense and a QlikView server for a unified key), with one user per server."""
    lic: dict[str, Any] = {"id": "key", "activation": activation, **copy.deepcopy(HOLDS[kind])}
    if activation == "sld":
        lic["valid_until"] = "2027-01-01"
    if product == U:
        lic["unified"] = True
        servers = [
            {"id": "sense", "product": QS, "license": "key"},
            {"id": "view", "product": QV, "license": "key"},
        ]
    else:
        servers = [{"id": "srv", "product": product, "license": "key"}]
    session: dict[str, Any] = {"at": "2026-01-05T09:00", "activity": ["0s", "5min"]}
    if kind in ("document_cal", "usage_cal"):
        session["document"] = "sales.qvw"
    users = [
        {
            "group": f"g-{s['id']}",
            "count": 1,
            "access": ACCESS[kind],
            "servers": [s["id"]],
            "sessions": [session],
        }
        for s in servers
        if s["product"] != NP
    ]
    return {
        "name": f"{activation}-{kind}-{product}",
        "start": "2026-01-05T00:00",
        "duration": "1d",
        "licenses": [lic],
        "servers": servers,
        "users": users,
    }


def test_the_matrix_covers_every_combination() -> None:
    assert set(ACCEPTED) == {(a, k) for a in ACTIVATIONS for k in KINDS}
    assert sum(len(v) for v in ACCEPTED.values()) == 29


@pytest.mark.parametrize("product", PRODUCTS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_combination_is_simulated_or_refused_with_its_rule(
    activation: str, kind: str, product: str
) -> None:
    data = cell(activation, kind, product)
    if product not in ACCEPTED[(activation, kind)]:
        with pytest.raises(ScenarioError) as info:
            parse_scenario(data, source="t.yaml")
        assert any("licensing-rules §" in p.expected for p in info.value.problems), str(info.value)
        return
    if (activation, kind) == ("sld", "capacity"):
        # Capacity needs the backend by default (rules.capacity_on_sld: false, the 2019
        # reading): simulated as refused units; the 2023 reading grants them.
        r = simulate(parse_scenario(data, source="t.yaml"))
        assert set(r.sessions["denied_reason"].astype(object)) == {"backend_unreachable"}
        data = {**data, "rules": {"capacity_on_sld": True}}
    r = simulate(parse_scenario(data, source="t.yaml"))
    assert check_result(r) == []
    st = r.server_states
    assert set(st["state"]) <= {"licensed", "offline_sld", "delayed_sync"}
    # Simulated with its real semantics: each user is granted the kind's own access.
    s = r.sessions
    assert len(s) == len(data["users"])
    assert s["access"].astype(object).tolist() == [ACCESS[kind]] * len(s)


# --- one license on several servers (§1) ------------------------------------------------


def two_servers(activation: str, **fields: Any) -> dict[str, Any]:
    data = cell(activation, "professional_analyzer", QS)
    data["licenses"][0].update(fields)
    data["servers"] = [{"id": "north", "license": "key"}, {"id": "south", "license": "key"}]
    data["users"] = []
    return data


@pytest.mark.parametrize("activation", ["sld", "lef"])
def test_one_sld_or_lef_on_two_servers_is_refused(activation: str) -> None:
    p = problem_at(two_servers(activation), "servers[1].license")
    assert p.value == "key"
    why = (
        "a LEF keeps its user assignments on its own site"
        if activation == "lef"
        else "an offline SLD never syncs"
    )
    assert p.expected == (
        f"license key ({activation}) is applied to 2 servers (north, south): applying one "
        "license to more than one server is permitted only when all of them connect and "
        f"sync, which is how they share its seats (licensing-rules §1), and {why}, so each "
        "server would hold its own copy of every seat; expected one license per server, "
        "activation: slk, or over_deployed: true on the license to model the "
        "over-deployment and report the excess"
    )


def test_one_slk_on_two_servers_is_fine() -> None:
    assert len(parse_scenario(two_servers("slk")).servers) == 2


def test_over_deployed_sld_grants_the_second_user_and_reports_excess_one() -> None:
    r = simulate(load_scenario(HERE / "over-deployed-sld.yaml"))
    s = r.sessions.sort_values("start")
    assert s["access"].astype(object).tolist() == ["analyzer", "analyzer"]
    a = r.allocations
    wide = a[(a["pool"] == "site") & (a["type"] == "analyzer")]
    # Before 09:05 one user holds the one seat bought; from 09:05 two do: excess 1.
    assert wide["total"].tolist() == [1, 1, 1, 1]
    assert wide["allocated"].tolist() == [0, 0, 1, 2]
    assert wide["excess"].tolist() == [0, 0, 0, 1]
    assert wide["time"].iloc[-1] == pd.Timestamp("2026-01-05T09:05", tz="UTC")
    excess = r.events[r.events["kind"] == "excess"]
    assert excess["detail"].tolist() == [
        "analyzer: 2 users hold seats of 1 bought, over-deployed on north, south"
    ]
    assert r.kpi("peak_excess_analyzer") == 1.0
    # Two distinct users across the two plants: the copies of the pool are not added to the
    # license-wide count a second time.
    assert r.kpi("peak_allocated_analyzer") == 2.0
    assert r.kpi("peak_excess_professional") == 0.0
    assert check_result(r) == []


def test_over_deployed_is_only_for_lef_or_sld() -> None:
    p = problem_at(two_servers("slk", over_deployed=True), "licenses[0].over_deployed")
    assert "expected activation lef or sld, or over_deployed: false" in p.expected


def test_over_deployed_refuses_consumables_it_cannot_report() -> None:
    data = two_servers("lef")
    data["licenses"][0] = {
        "id": "key",
        "activation": "lef",
        "qlikview_cals": {"named": 2, "session": 3},
        "over_deployed": True,
    }
    for s in data["servers"]:
        s["product"] = QV
    p = problem_at(data, "licenses[0].over_deployed")
    assert "this license also holds qlikview_cals.session" in p.expected


def delayed(north_outage: str, south_outage: str) -> dict[str, Any]:
    data = two_servers("delayed_sync")
    data["duration"] = "90d"
    for srv, length in zip(data["servers"], (north_outage, south_outage), strict=True):
        srv["link_outages"] = [{"start": "2026-01-05T00:00", "duration": length}]
    return data


def test_delayed_sync_on_two_servers_that_never_connect_is_refused() -> None:
    # The window is 60 days from the start (2026-01-05): it ends 2026-03-06T00:00. North's
    # link is back on day 59, south's only on day 70: south never syncs within its window.
    found = problems(delayed("59d", "70d"))
    assert [p.path for p in found] == ["servers[1].link_outages"]
    assert found[0].expected == (
        "license key (delayed_sync) is applied to 2 servers (north, south), and server south "
        "cannot reach the backend before its delayed-sync window ends (2026-03-06T00:00+00:00): "
        "applying one license to more than one server is permitted only when all of them "
        "connect and sync, which is how they share its seats (licensing-rules §1); without a "
        "sync each server hands out the same seats. Expected a successful contact within the "
        "window (an outage that ends before it), or a delayed-sync license of its own"
    )


def test_delayed_sync_on_two_servers_that_both_sync_in_the_window_is_fine() -> None:
    assert len(parse_scenario(delayed("59d", "30d")).servers) == 2


def test_delayed_sync_window_counts_backend_outages_too() -> None:
    data = delayed("1d", "1d")
    data["backend"] = {"outages": [{"start": "2026-01-05T00:00", "duration": "61d"}]}
    assert {p.path for p in problems(data)} == {
        "servers[0].link_outages",
        "servers[1].link_outages",
    }


# --- products -------------------------------------------------------------------------


def test_qlikview_cals_on_a_qlik_sense_server_are_refused() -> None:
    p = problem_at(cell("lef", "session_cal", QS), "servers[0].license")
    assert p.value == "key"
    assert p.expected == (
        "license key (QlikView CALs, lef) cannot be applied to qlik_sense server srv: "
        "QlikView CALs (Named, Document, Session, Usage) license QlikView Server only "
        "(licensing-rules §6), and Qlik Sense has no concurrent license and cannot use them; "
        "expected a qlikview server, or a license with Professional/Analyzer seats or tokens "
        "for this one"
    )


def test_tokens_on_qlikview_are_refused() -> None:
    p = problem_at(cell("lef", "user_passes", QV), "servers[0].license")
    assert "tokens (user and login access passes) are a Qlik Sense license" in p.expected
    assert "(licensing-rules §5)" in p.expected


def test_a_lef_with_professional_analyzer_on_qlikview_is_refused() -> None:
    p = problem_at(cell("lef", "professional_analyzer", QV), "servers[0].license")
    assert "QlikView Professional/Analyzer access needs a signed key" in p.expected


# --- minimum versions for a signed key (§1) ------------------------------------------------


def versioned(product: str, version: str, activation: str = "slk") -> dict[str, Any]:
    data = cell(activation, "professional_analyzer", product)
    data["servers"][0]["version"] = version
    return data


@pytest.mark.parametrize(
    ("product", "version", "first"),
    [
        (QS, "November 2018", "February 2019"),
        (QS, "2018-11", "February 2019"),
        (QV, "12.30", "12.40 (April 2019)"),
        (QV, "November 2018", "12.40 (April 2019)"),
        (NP, "November 2019", "February 2020"),
    ],
)
def test_an_old_release_on_a_signed_key_is_refused(product: str, version: str, first: str) -> None:
    p = problem_at(versioned(product, version), "servers[0].version")
    assert p.value == version
    name = {QS: "Qlik Sense", QV: "QlikView", NP: "NPrinting"}[product]
    assert p.expected == (
        f"{name} uses a signed license key from {first} on (licensing-rules §1: older "
        "software cannot use one, although Qlik can issue it); license key is a signed key "
        "(slk): expected that release or a later one, or a license with activation: lef"
    )


@pytest.mark.parametrize(
    ("product", "version"),
    [
        (QS, "February 2019"),
        (QS, "Feb 2019"),
        (QS, "2024-11"),
        (QV, "12.40"),
        (QV, "12.40 SR3"),
        (QV, "April 2019"),
        (QV, "May 2024"),
        (NP, "February 2020"),
    ],
)
def test_a_recent_release_on_a_signed_key_is_fine(product: str, version: str) -> None:
    assert parse_scenario(versioned(product, version)).servers[0].version == version


def test_an_old_release_on_a_lef_is_fine() -> None:
    assert parse_scenario(versioned(QS, "November 2018", "lef")).servers[0].version


def test_a_version_that_is_not_a_release_is_refused() -> None:
    p = problem_at(versioned(QS, "12.40"), "servers[0].version")
    assert p.expected == "expected a release name such as February 2019, Feb 2019 or 2019-02"
    p = problem_at(versioned(QV, "Febuary 2019"), "servers[0].version")
    assert p.expected.endswith("or a version number such as 12.40 or 11.20")


# --- login passes are whole tokens (§5) ------------------------------------------------------


def test_login_passes_must_be_whole_tokens() -> None:
    data = cell("lef", "login_passes", QS)
    data["licenses"][0]["tokens"]["login_passes"] = 15
    p = problem_at(data, "licenses[0].tokens.login_passes")
    assert p.value == 15
    assert p.expected == (
        "expected a multiple of 10: one token buys 10 login access passes (licensing-rules "
        "§5), and 15 passes would be 1.5 tokens; write 10 or 20"
    )


def test_a_change_of_login_passes_must_be_whole_tokens() -> None:
    data = cell("lef", "login_passes", QS)
    data["licenses"][0]["changes"] = [{"at": "2026-01-05T12:00", "login_passes": 25}]
    p = problem_at(data, "licenses[0].changes[0].login_passes")
    assert "write 20 or 30" in p.expected


# --- tokens on a signed key: passes go through the backend (§1, §5) ---------------------------


def tokens_on_slk() -> dict[str, Any]:
    data = cell("slk", "login_passes", QS)
    data["licenses"][0]["tokens"] = {"user_passes": 1, "login_passes": 10}
    data["servers"][0]["link_outages"] = [{"start": "2026-01-05T10:00", "duration": "2h"}]
    data["users"] = [
        {
            "group": "staff",
            "count": 1,
            "access": "user_pass",
            "servers": ["srv"],
            "sessions": [{"at": "2026-01-05T10:30", "activity": ["0s", "5min"]}],
        },
        {
            "group": "visitors",
            "count": 1,
            "access": "login_pass",
            "servers": ["srv"],
            "sessions": [
                # 09:00 online: one pass. 10:30 during the link outage (grace): a new pass
                # needs the backend, refused. 13:00 back online: a second pass.
                {"at": "2026-01-05T09:00", "activity": ["0s", "5min"], "duration": "5min"},
                {"at": "2026-01-05T10:30", "activity": ["0s", "5min"], "duration": "5min"},
                {"at": "2026-01-05T13:00", "activity": ["0s", "5min"], "duration": "5min"},
            ],
        },
    ]
    return data


def test_tokens_on_an_slk_take_login_passes_through_the_backend() -> None:
    r = simulate(parse_scenario(tokens_on_slk()))
    s = r.sessions.sort_values(["group", "start"])
    staff = s[s["group"] == "staff"]
    visitors = s[s["group"] == "visitors"]
    # The user pass is held, like a seat during grace.
    assert staff["access"].astype(object).tolist() == ["user_pass"]
    assert [a if isinstance(a, str) else None for a in visitors["access"]] == [
        "login_pass",
        None,
        "login_pass",
    ]
    assert visitors["denied_reason"].astype(object).tolist()[1] == "backend_unreachable"
    assert visitors["login_passes"].tolist() == [1, 0, 1]
    assert check_result(r) == []


def test_tokens_on_an_sld_take_login_passes_locally() -> None:
    data = tokens_on_slk()
    data["licenses"][0]["activation"] = "sld"
    data["licenses"][0]["valid_until"] = "2027-01-01"
    r = simulate(parse_scenario(data))
    visitors = r.sessions[r.sessions["group"] == "visitors"].sort_values("start")
    assert visitors["access"].astype(object).tolist() == ["login_pass"] * 3


# --- a separate Test & Development license (§3) -------------------------------------------


def test_a_separate_test_and_development_license_needs_a_test_server() -> None:
    p = problem_at(
        two_servers("slk", test_and_development="separate"), "licenses[0].test_and_development"
    )
    assert p.value == "separate"
    assert p.expected == (
        "a separate Test & Development pool needs a test server: no server with role: test "
        "uses license key (licensing-rules §3); expected test_and_development: shared, or a "
        "server with role: test on it"
    )


def test_a_separate_test_and_development_license_is_for_signed_keys() -> None:
    data = two_servers("lef", test_and_development="separate", over_deployed=True)
    data["servers"][1]["role"] = "test"
    p = problem_at(data, "licenses[0].test_and_development")
    assert "a lef already keeps one pool per server" in p.expected


def test_a_separate_test_and_development_license_with_a_test_server_is_valid() -> None:
    data = two_servers("slk", test_and_development="separate")
    data["servers"][1]["role"] = "test"
    assert len(parse_scenario(data).servers) == 2
