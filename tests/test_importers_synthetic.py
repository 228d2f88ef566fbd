"""The test-site generator: deterministic, and independent of licsim's behaviour model."""

import ast
import hashlib
from datetime import date, timedelta
from pathlib import Path

from sim.importers import synthetic
from sim.importers.synthetic import generate_site

ROOT = Path(__file__).resolve().parent.parent


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    kw = dict(users=20, start=date(2026, 3, 2), days=21)
    a = generate_site(tmp_path / "a", seed=3, **kw)
    b = generate_site(tmp_path / "b", seed=3, **kw)
    generate_site(tmp_path / "c", seed=4, **kw)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")
    assert a == b and a.sessions > 0


def test_site_has_the_promised_features(tmp_path: Path) -> None:
    t = generate_site(
        tmp_path, seed=5, users=40, start=date(2026, 3, 23), days=21, holidays=(date(2026, 4, 3),)
    )
    assert set(t.users_by_directory) == {"CORP", "PARTNER"}
    assert len(t.sessions_by_server) == 3
    archived = list((tmp_path / "logs" / "ArchivedLogs").rglob("*_Session_Engine_*Z.log"))
    assert len(archived) >= 2
    assert t.rejected["truncated last line (file cut while being written)"] == 1
    # no user session starts on the holiday (Good Friday 2026-04-03); the scheduler still runs
    start_col = synthetic.ENGINE_HEADER.index("Session Start")
    dir_col = synthetic.ENGINE_HEADER.index("ActiveUserDirectory")
    starts = []
    for f in (tmp_path / "logs").rglob("*_Session_Engine*"):
        for line in f.read_text().splitlines()[1:]:
            fields = line.split("\t")
            if len(fields) == len(synthetic.ENGINE_HEADER) and fields[dir_col] != "INTERNAL":
                starts.append(fields[start_col][:8])
    assert starts and "20260403" not in starts and "20260402" in starts


def test_generator_does_not_use_licsims_model() -> None:
    tree = ast.parse(Path(synthetic.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m and m.startswith("sim") for m in imported)


def test_month_end_is_the_calendar_months_last_two_working_days() -> None:
    # A period Mon 2026-03-23 .. Sun 2026-04-05 with Good Friday 2026-04-03 a holiday.
    # March 2026 ends on Tue 31: its last two working days are Mon 30 and Tue 31.
    # April 2026 ends on Thu 30: its month end (Wed 29, Thu 30) lies after the period, so
    # the period's April days (Wed 1, Thu 2) are ordinary days, not a month end.
    period = [date(2026, 3, 23) + timedelta(days=i) for i in range(14)]
    assert synthetic._month_end_days(period, {date(2026, 4, 3)}) == {
        date(2026, 3, 30),
        date(2026, 3, 31),
    }
    # December 2026 ends on Thu 31; a site closed on New Year's Eve ends the month on
    # Tue 29 and Wed 30.
    december = [date(2026, 12, 1) + timedelta(days=i) for i in range(31)]
    assert synthetic._month_end_days(december, {date(2026, 12, 31)}) == {
        date(2026, 12, 29),
        date(2026, 12, 30),
    }
    # January 2028 ends on Mon 31: the month end spans the weekend (Fri 28, Mon 31).
    january = [date(2028, 1, 1) + timedelta(days=i) for i in range(31)]
    assert synthetic._month_end_days(january, set()) == {date(2028, 1, 28), date(2028, 1, 31)}


def test_a_period_that_stops_early_in_a_month_has_no_month_end_peak(tmp_path: Path) -> None:
    """Mon 2026-03-23 to Thu 2026-04-02 (11 days), 200 users, seeded.

    Users in on a working day, in expectation: 20 heavy × 0.85 + 130 regular × 0.45 +
    50 occasional × 0.07 = 17 + 58.5 + 3.5 = 79; on a month-end day (× 1.8, at most 0.98):
    19.6 + 105.3 + 6.3 = 131.2. Mar 30 and 31 are March's month end; Apr 1 and 2 are
    ordinary days of an April that ends after the period (a generator that took the last
    two weekdays of the period's April would raise them to ~131 too).
    """
    generate_site(tmp_path, seed=7, users=200, start=date(2026, 3, 23), days=11, malformed=False)
    start_col = synthetic.ENGINE_HEADER.index("Session Start")
    user_col = synthetic.ENGINE_HEADER.index("ActiveUserId")
    dir_col = synthetic.ENGINE_HEADER.index("ActiveUserDirectory")
    users: dict[str, set[str]] = {}
    for f in (tmp_path / "logs").rglob("*_Session_Engine*"):
        for line in f.read_text().splitlines()[1:]:
            fields = line.split("\t")
            if fields[dir_col] != "INTERNAL":
                users.setdefault(fields[start_col][:8], set()).add(fields[user_col])
    n = {day: len(u) for day, u in users.items()}
    for day in ("20260330", "20260331"):
        assert n[day] > 110, n
    for day in ("20260323", "20260324", "20260325", "20260326", "20260327", "20260401", "20260402"):
        assert n[day] < 100, n


def test_german_holidays() -> None:
    # Easter Sunday 2026-04-05, 2027-03-28, 2028-04-16 (published calendars); Good Friday
    # 2 days before, Easter Monday 1 after, Ascension 39, Whit Monday 50
    h = synthetic.german_holidays(range(2026, 2029))
    assert len(h) == 27
    assert h[:9] == tuple(
        date.fromisoformat(d)
        for d in [
            "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
            "2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26",
        ]
    )  # fmt: skip
    assert date(2027, 3, 26) in h and date(2027, 5, 17) in h
    assert date(2028, 4, 14) in h and date(2028, 6, 5) in h
