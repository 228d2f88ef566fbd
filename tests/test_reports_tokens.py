"""A token license's user and login access in tokens (sim.reports.token_overview)."""

from pathlib import Path

import pytest

from sim import load_scenario, reports, simulate
from sim.scenario.entitlement import LOGIN_PASSES_PER_TOKEN, TOKENS_PER_USER_PASS

HERE = Path(__file__).parent / "scenarios"


@pytest.fixture(scope="module")
def tokens():  # type: ignore[no-untyped-def]
    return simulate(load_scenario(HERE / "tokens.yaml"))


def test_user_and_login_access_in_tokens(tokens) -> None:  # type: ignore[no-untyped-def]
    t = reports.token_overview(tokens).set_index("type")
    user, login = t.loc["user_pass"], t.loc["login_pass"]
    assert user["token_cost"] == TOKENS_PER_USER_PASS == 1
    assert login["token_cost"] == pytest.approx(1 / LOGIN_PASSES_PER_TOKEN) == 0.1
    # Two user passes allocated, staff-01's used (its 5-hour session), staff-02's never.
    assert (user["passes"], user["allocated_tokens"], user["used_tokens"]) == (2, 2.0, 1.0)
    assert user["quarantined_tokens"] == 0
    # One token's ten passes; at the end (14 March) only the pass taken on 3 March is out,
    # the others returned 28 days after their use in early February.
    assert (login["passes"], login["allocated_tokens"]) == (10, pytest.approx(1.0))
    assert login["used_tokens"] == pytest.approx(0.1)


def test_the_headline_counts_tokens_as_the_qmc_does(tokens) -> None:  # type: ignore[no-untyped-def]
    k = reports.kpis(tokens).set_index("metric")
    assert k.loc["User access: 2 allocations (tokenCost 1)", "value"] == 2
    assert k.loc["Login access: 10 passes (tokenCost 0.1)", "value"] == pytest.approx(1.0)
    assert set(k.loc[k.index.str.contains("tokenCost"), "unit"]) == {"tokens"}
    assert "Tokens" in reports.report_tables(tokens)


def test_a_remix_leaves_no_tokens() -> None:
    r = simulate(load_scenario(HERE / "token-remix.yaml"))
    t = reports.token_overview(r).set_index("type")
    assert t["allocated_tokens"].tolist() == [0.0, 0.0]
    # The login pass taken before the remix is not counted against a pool of none.
    assert t["used_tokens"].tolist() == [0.0, 0.0]


def test_no_token_license_no_token_table() -> None:
    r = simulate(load_scenario(HERE / "qlikview-cals.yaml"))
    assert reports.token_overview(r).empty
    assert "Tokens" not in reports.report_tables(r)
    assert not reports.kpis(r)["metric"].str.contains("tokenCost").any()
