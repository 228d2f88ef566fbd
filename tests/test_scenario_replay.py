"""A replayed user group: which recorded sessions it selects, and what it refuses."""

from pathlib import Path

import pandas as pd
import pytest

from sim.scenario import ScenarioError, load_scenario
from tests.replay_traces import WEEK, write_trace

HEAD = """\
name: replay
start: 2026-03-02T00:00
duration: 7d
timezone: Europe/Berlin
licenses:
  - {id: corp, activation: slk, professional: 1, analyzer: 4, allocation: {analyzer: dynamic}}
servers:
  - {id: QS1, product: qlik_sense, license: corp}
  - {id: QS2, product: qlik_sense, license: corp}
users:
"""


def scenario(tmp_path: Path, groups: str) -> Path:
    write_trace(tmp_path, WEEK)
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + groups)
    return path


def group(replay: str, extra: str = "") -> str:
    return (
        f"  - group: site\n    access: analyzer\n    servers: [QS1, QS2]\n{extra}"
        f"    replay: {replay}\n"
    )


def test_the_trace_gives_the_users_their_names_and_the_count(tmp_path: Path) -> None:
    sc = load_scenario(scenario(tmp_path, group("{trace: trace.parquet}")))
    (g,) = sc.users
    # CORP\alice and corp\Alice are one user (Qlik ids are not case-sensitive), named as
    # first written; the others as recorded.
    assert g.user_names() == ["CORP\\alice", "CORP\\bob", "CORP\\carol", "PARTNER\\dave"]
    assert g.count == 4
    assert g.user_number("corp\\ALICE") == 0 and g.user_number("CORP\\erin") is None
    assert g.replay is not None and Path(g.replay.trace).is_absolute()
    rows = g.replayed
    assert rows is not None and len(rows) == 5
    assert rows.user.tolist() == [0, 1, 2, 3, 0]
    assert rows.duration.tolist() == [3600, 1200, 600, 7200, 900]
    assert rows.timed_out.tolist() == [True, False, False, True, False]
    assert rows.selections.tolist() == [12, 3, -1, 40, 2]


@pytest.mark.parametrize(
    ("replay", "users", "sessions"),
    [
        ("{trace: trace.parquet, directories: [corp]}", 3, 4),
        ("{trace: trace.parquet, users: ['alice']}", 1, 2),
        ('{trace: trace.parquet, users: ["PARTNER\\\\dave", "CORP\\\\bob"]}', 2, 2),
        ("{trace: trace.parquet, apps: [HR]}", 3, 3),
        ("{trace: trace.parquet, apps: [sales]}", 2, 2),  # by app id
        ("{trace: trace.parquet, start: 2026-03-03T00:00}", 2, 2),
        ("{trace: trace.parquet, end: 2026-03-02T10:00}", 2, 2),  # start before 10:00
    ],
)
def test_filters_select_users_and_sessions(
    tmp_path: Path, replay: str, users: int, sessions: int
) -> None:
    (g,) = load_scenario(scenario(tmp_path, group(replay))).users
    assert g.count == users and g.replayed is not None and len(g.replayed) == sessions


def test_shift_and_shift_to_move_the_sessions(tmp_path: Path) -> None:
    (plain,) = load_scenario(scenario(tmp_path, group("{trace: trace.parquet}"))).users
    (later,) = load_scenario(scenario(tmp_path, group("{trace: trace.parquet, shift: 7d}"))).users
    (moved,) = load_scenario(
        scenario(tmp_path, group("{trace: trace.parquet, shift_to: 2026-03-09T00:00}"))
    ).users
    assert plain.replayed is not None and later.replayed is not None
    assert moved.replayed is not None
    week = [t + pd.Timedelta(days=7) for t in plain.replayed.start]
    assert list(later.replayed.start) == week
    # shift_to: the first selected session's day (2 March) is moved to 9 March
    assert list(moved.replayed.start) == week


@pytest.mark.parametrize(
    ("groups", "words"),
    [
        (group("{trace: nowhere.parquet}"), "users[0].replay.trace: 'nowhere.parquet' — no trace"),
        (group("{trace: trace.parquet, users: [zed]}"), "expected a replay that selects some"),
        (
            group("{trace: trace.parquet}", "    count: 9\n"),
            "users[0].count: 9 — expected 4: the replay selects that many users",
        ),
        (
            group("{trace: trace.parquet, shift: 1d, shift_to: 2026-03-09T00:00}"),
            "expected shift or shift_to, not both",
        ),
        (
            group("{trace: trace.parquet, start: 2026-03-05T00:00, end: 2026-03-04T00:00}"),
            "expected a time after start",
        ),
        (
            group("{trace: trace.parquet}")
            + group("{trace: trace.parquet, users: [bob]}").replace("group: site", "group: b"),
            "CORP\\bob is also replayed by users[0]",
        ),
        (group("{trace: s.yaml}"), "not a readable licsim trace"),
    ],
)
def test_bad_replays_are_refused_with_the_field_named(
    tmp_path: Path, groups: str, words: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario(tmp_path, groups))
    assert words in str(err.value), str(err.value)


def test_growth_copies_whole_histories_and_negative_growth_leaves_users_out(
    tmp_path: Path,
) -> None:
    (g,) = load_scenario(scenario(tmp_path, group("{trace: trace.parquet, growth: 0.5}"))).users
    # 4 users + round(0.5 × 4) = 2 copies, each with the whole history of its original
    assert g.count == 6 and g.replayed is not None
    copies = [n for n in g.user_names() if "+" in n]
    assert len(copies) == 2
    rows = g.replayed
    for copy in copies:
        original = copy.rsplit("+", 1)[0]
        mine = rows.start[rows.user == g.user_number(copy)].tolist()
        theirs = rows.start[rows.user == g.user_number(original)].tolist()
        assert mine == theirs and len(mine) > 0
    (fewer,) = load_scenario(
        scenario(tmp_path, group("{trace: trace.parquet, growth: -0.5}"))
    ).users
    assert fewer.count == 2 and set(fewer.user_names()) < set(g.user_names())
    # Another seed copies other histories, or the same ones: deterministic either way.
    (again,) = load_scenario(scenario(tmp_path, group("{trace: trace.parquet, growth: 0.5}"))).users
    assert again.user_names() == g.user_names()


def test_growth_of_three_times_copies_some_histories_more_than_once(tmp_path: Path) -> None:
    (g,) = load_scenario(scenario(tmp_path, group("{trace: trace.parquet, growth: 3}"))).users
    assert g.count == 16 and g.replayed is not None and len(g.replayed) > 5 * 3
    assert any(n.endswith("+2") for n in g.user_names())
