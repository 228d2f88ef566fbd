"""The display vocabulary (sim.reports.labels): what a reader sees for each code."""

from pathlib import Path

import numpy as np
import pandas as pd

from sim import load_scenario
from sim.reports import labels

HERE = Path(__file__).parent / "scenarios"


def test_pools_as_an_admin_reads_them() -> None:
    assert labels.pool_name("tokens@qs") == "tokens on qs"
    assert labels.pool_name("corp.test") == "corp (Test & Development)"
    assert labels.pool_name("corp") == "corp"
    assert labels.pool_title("tokens@qs", "user_pass") == "tokens on qs: User access"


def test_users_with_their_directory() -> None:
    assert labels.user_name("alice", "CORP") == "CORP\\alice"
    assert labels.user_name("sales-1", None) == "sales-1"
    assert labels.user_name("sales-1", np.nan) == "sales-1"
    sc = load_scenario(HERE / "reports-tiny.yaml")
    assert labels.directories(sc) == {"sales-1": "EMEA", "sales-2": "EMEA", "finance-1": "AMER"}
    # A group without a directory adds nobody.
    assert labels.directories(load_scenario(HERE / "tokens.yaml")) == {}


def test_a_report_table_in_the_readers_words() -> None:
    table = pd.DataFrame(
        {
            "pool": ["tokens@qs", "corp.test"],
            "type": ["user_pass", "analyzer"],
            "user": ["staff-1", "visitor-1"],
            "reason": ["no_login_pass", None],
            "pct_of_attempts": [8.5, 1.0],
        }
    )
    shown = labels.readable(table, {"staff-1": "CORP"})
    assert list(shown.columns) == ["pool", "type", "user", "reason", "% of attempts"]
    assert shown["pool"].tolist() == ["tokens on qs", "corp (Test & Development)"]
    assert shown["type"].tolist() == ["User access", "Analyzer access"]
    assert shown["user"].tolist() == ["CORP\\staff-1", "visitor-1"]
    assert shown["reason"].iloc[0] == "no login access pass left" and pd.isna(shown["reason"][1])
    assert shown["% of attempts"].tolist() == [8.5, 1.0]
    # The table itself keeps its codes.
    assert table["type"].tolist() == ["user_pass", "analyzer"]


def test_a_table_that_carries_the_directory_folds_it_into_the_user() -> None:
    table = pd.DataFrame({"user": ["a", "b"], "directory": ["EMEA", None], "minutes": [6, 12]})
    shown = labels.readable(table, {"a": "ELSEWHERE"})
    assert list(shown.columns) == ["user", "minutes"]
    assert shown["user"].tolist() == ["EMEA\\a", "b"]


def test_a_launch_outcome_and_a_denial_reason_of_the_same_code_read_apart() -> None:
    launches = labels.readable(
        pd.DataFrame({"outcome": ["personal_edition"], "denied_reason": ["personal_edition"]})
    )
    assert launches["outcome"][0] == "Personal Edition"
    assert launches["denied reason"][0] == "QlikView Desktop without a lease (Personal Edition)"


def test_summary_metrics_in_words() -> None:
    shown = labels.readable(
        pd.DataFrame(
            {
                "metric": ["sessions_user_pass", "launches_desktop_locked", "users"],
                "value": [1.0, 2.0, 3.0],
            }
        )
    )
    assert shown["metric"].tolist() == [
        "sessions: User access",
        "launches: Qlik Sense Desktop locked",
        "users",
    ]
