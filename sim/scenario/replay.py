"""Replay: a user group whose sessions are a site's recorded history.

``licsim import`` turns a site's logs into a trace (``trace.parquet``, one row per observed
session: :mod:`sim.importers.trace`). A user group with ``replay`` takes its users and its
sessions from that trace instead of from the random behaviour model, so the site's own
history can be run under its own license, or under another one (fewer seats, an outage, a
capacity allowance). The sessions go through the same license rules as generated ones.

A replay selects rows of the trace by user directory, user, app and period, and may shift
them in time (last year's March replayed into a scenario that starts next March). The
group's users are the distinct ``DIRECTORY\\user`` identities of the rows it selects, named
so in every table; its ``count`` is theirs.

The trace's path is relative to the scenario file. It is resolved to an absolute path when
the scenario is first validated, so the effective scenario (``scenario.json``, a sweep's
worker) names the same file wherever it is read. The trace is read once per process and
file version (path, size, modification time).
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from .errors import Invalid
from .fields import Duration, NonNegativeInt, Timestamp, _Model

__all__ = [
    "MAX_REPLAY_ROWS",
    "REPLAY_COLUMNS",
    "Replay",
    "ReplayRows",
    "active_seconds",
    "identity",
    "replayed_rows",
    "server_id",
    "timed_out",
]

REPLAY_COLUMNS = (
    "directory",
    "user",
    "server",
    "app_id",
    "app_title",
    "start",
    "end",
    "duration_s",
    "selections",
    "exit_reason",
)
"""The trace columns a replay reads (the trace's schema is :mod:`sim.importers.trace`)."""

MAX_REPLAY_ROWS = 10_000_000
"""Rows of a trace a replay may read: the run's session limit (:mod:`.workload`)."""

TIMEOUT_EXITS = ("timeout", "time out", "timed out", "inactiv")
"""Words of an exit reason saying the session ended at its inactivity timeout (the Engine
session log writes ``Session timeout``): such a session was idle for its last
``rules.session_inactivity``."""


class Replay(_Model):
    """Which recorded sessions a user group replays, and when."""

    trace: str = Field(
        description="The trace file written by `licsim import` (trace.parquet), relative to "
        "the scenario file. Required (model choice)."
    )
    directories: list[str] | None = Field(
        None,
        min_length=1,
        description="Only users of these user directories (e.g. [CORP]). Default: every "
        "directory (model choice).",
    )
    users: list[str] | None = Field(
        None,
        min_length=1,
        description="Only these users, written DIRECTORY\\user (or user alone for any "
        "directory). Default: every user the other filters keep (model choice).",
    )
    apps: list[str] | None = Field(
        None,
        min_length=1,
        description="Only sessions in these apps (app ids or titles). Default: every app "
        "(model choice).",
    )
    start: Timestamp | None = Field(
        None, description="Only sessions starting at or after this. Default: the trace's first."
    )
    end: Timestamp | None = Field(
        None, description="Only sessions starting before this. Default: up to the trace's last."
    )
    shift: Duration = Field(
        0.0,
        description="Moves every replayed session by this much (negative: earlier), e.g. 364d "
        "to replay a year later on the same weekdays. Default 0 (model choice).",
    )
    growth: float = Field(
        0.0,
        ge=-0.99,
        le=10.0,
        allow_inf_nan=False,
        description="More (or, below 0, fewer) users like the recorded ones: 0.3 adds 30 % "
        "as copies of whole recorded histories drawn at random (a copy of CORP\\ann is "
        "CORP\\ann+1, with ann's sessions), -0.2 leaves out 20 % of the users. Default 0 "
        "(model choice).",
    )
    growth_seed: NonNegativeInt = Field(
        0,
        description="Which histories growth copies or leaves out (sweep it for variants). "
        "Default 0 (model choice).",
    )
    shift_to: Timestamp | None = Field(
        None,
        description="Moves the replayed sessions so that `start` (or the first selected "
        "session's day) falls here; instead of shift. Default none (model choice).",
    )

    @field_validator("trace")
    @classmethod
    def _absolute(cls, value: str, info: ValidationInfo) -> str:
        base = (info.context or {}).get("base") if info.context else None
        path = Path(value)
        if not path.is_absolute():
            path = Path(base or os.getcwd()) / path
        path = path.resolve()
        if not path.is_file():
            raise ValueError(
                f"no trace file at {path}; expected the trace.parquet that `licsim import` "
                "wrote (a path relative to the scenario file)"
            )
        return str(path)

    @model_validator(mode="after")
    def _consistent(self) -> Replay:
        problems: list[tuple[tuple[str | int, ...], object, str]] = []
        if self.start is not None and self.end is not None and self.end <= self.start:
            problems.append((("end",), self.end, "expected a time after start"))
        if self.shift_to is not None and self.shift != 0.0:
            problems.append((("shift_to",), self.shift_to, "expected shift or shift_to, not both"))
        if problems:
            raise Invalid(problems)
        return self


@dataclass
class ReplayRows:
    """A replay's selected sessions, sorted by start, as the engine reads them."""

    identities: list[str]
    """The group's users, ``DIRECTORY\\user``, sorted; ``user[i]`` indexes them."""
    directories: list[str]
    """Each user's recorded user directory ("" where the source has none)."""
    user: np.ndarray
    server: list[str]
    start: pd.Series
    """Shifted, time zone aware session starts."""
    duration: np.ndarray
    """Seconds from start to the recorded end (the session's close)."""
    selections: np.ndarray
    """Selections made (-1 where the source has none)."""
    timed_out: np.ndarray
    """Whether the session ended at its inactivity timeout rather than by a logout."""

    def __len__(self) -> int:
        return len(self.duration)

    def number(self, name: str) -> int | None:
        """Which of the group's users ``name`` is (not case-sensitive), or None."""
        key = name.casefold()
        k = bisect.bisect_left(self._keys, key)
        return k if k < len(self._keys) and self._keys[k] == key else None

    @functools.cached_property
    def _keys(self) -> list[str]:
        return [n.casefold() for n in self.identities]


def server_id(host: str) -> str:
    """The scenario id of a recorded host name (ids have no dots: they are sweep-path
    segments); a replayed session runs on the group's server of that id."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", host.strip()) or "server"


def identity(directory: str, user: str) -> str:
    """How a recorded user is named in licsim: ``DIRECTORY\\user``, or ``user`` alone."""
    return f"{directory}\\{user}" if directory else user


@functools.lru_cache(maxsize=8)
def _read(path: str, size: int, mtime_ns: int) -> pd.DataFrame:
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(path).metadata.num_rows
    if rows > MAX_REPLAY_ROWS:
        raise ValueError(f"{rows:,} sessions; a replay reads at most {MAX_REPLAY_ROWS:,}")
    frame = pd.read_parquet(path, columns=list(REPLAY_COLUMNS))
    for c in ("start", "end"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
    return frame


def read_trace(path: str) -> pd.DataFrame:
    """The trace at ``path`` (read once per file version); ValueError saying what is wrong."""
    try:
        info = os.stat(path)
        return _read(path, info.st_size, info.st_mtime_ns)
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{path}: not a readable licsim trace ({err})") from None
    except Exception as err:  # pyarrow raises its own types for a file that is not Parquet
        raise ValueError(f"{path}: not a readable licsim trace ({type(err).__name__})") from None


def replayed_rows(replay: Replay) -> ReplayRows:
    """The sessions ``replay`` selects from its trace, filtered and shifted (computed once
    per replay and file version); ValueError if the trace cannot be read."""
    try:
        info = os.stat(replay.trace)
    except OSError as err:
        raise ValueError(f"{replay.trace}: cannot read the trace ({err.strerror})") from None
    return _selected(replay.model_dump_json(), info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _selected(replay_json: str, size: int, mtime_ns: int) -> ReplayRows:
    replay = Replay.model_validate_json(replay_json)
    frame = read_trace(replay.trace)
    keep = np.ones(len(frame), dtype=bool)
    if replay.directories is not None:
        wanted = {d.casefold() for d in replay.directories}
        keep &= frame["directory"].str.casefold().isin(wanted).to_numpy()
    key = _key(frame["directory"], frame["user"])
    if replay.users is not None:
        wanted = {name.casefold() for name in replay.users}
        alone = frame["user"].str.casefold().isin(wanted).to_numpy()
        keep &= key.isin(wanted).to_numpy() | alone
    if replay.apps is not None:
        keep &= (
            frame["app_id"].isin(replay.apps) | frame["app_title"].isin(replay.apps)
        ).to_numpy()
    if replay.start is not None:
        keep &= (frame["start"] >= pd.Timestamp(replay.start)).to_numpy()
    if replay.end is not None:
        keep &= (frame["start"] < pd.Timestamp(replay.end)).to_numpy()
    rows, key = _grown(frame[keep], key[keep], replay.growth, replay.growth_seed)
    start = rows["start"] + pd.to_timedelta(_shift(replay, rows), unit="s")
    order = np.argsort(start.to_numpy(), kind="stable")
    rows, key = rows.iloc[order], key.iloc[order]
    start = start.iloc[order].reset_index(drop=True)
    # Qlik user ids are not case-sensitive: CORP\alice and corp\Alice are one user, named
    # as first written.
    spelling: dict[str, tuple[str, str]] = {}
    for k, d, u in zip(key, rows["directory"], rows["user"], strict=True):
        spelling.setdefault(k, (identity(d, u), d))
    keys = sorted(spelling)
    index = {k: i for i, k in enumerate(keys)}
    return ReplayRows(
        identities=[spelling[k][0] for k in keys],
        directories=[spelling[k][1] for k in keys],
        user=np.fromiter((index[k] for k in key), dtype=np.int64, count=len(key)),
        server=list(rows["server"]),
        start=start,
        duration=np.maximum(
            (rows["end"] - rows["start"]).dt.total_seconds().to_numpy(dtype=np.float64), 0.0
        ),
        selections=rows["selections"].fillna(-1).to_numpy(dtype=np.int64),
        timed_out=timed_out(rows["exit_reason"]),
    )


def timed_out(exit_reasons: pd.Series) -> np.ndarray:
    """Which recorded sessions ended at their inactivity timeout (:data:`TIMEOUT_EXITS`),
    rather than by a logout or a closed client."""
    exits = exit_reasons.fillna("").astype(str).str.lower()
    if not len(exits):
        return np.zeros(0, dtype=bool)
    return np.logical_or.reduce(
        [exits.str.contains(w, regex=False).to_numpy() for w in TIMEOUT_EXITS]
    )


def active_seconds(duration: np.ndarray, timed_out: np.ndarray, inactivity: float) -> np.ndarray:
    """Seconds from a recorded session's start to its last interaction: the whole session,
    or, where it ended at its timeout, the session less ``inactivity`` (the idle tail)."""
    return np.where(timed_out & (duration > inactivity), duration - inactivity, duration)


def _grown(
    rows: pd.DataFrame, key: pd.Series, growth: float, seed: int
) -> tuple[pd.DataFrame, pd.Series]:
    """The selected sessions with ``growth`` × the users added as copies of whole recorded
    histories (or, below 0, that share of the users left out), drawn with ``seed``.

    A copy of ``CORP\\ann`` is ``CORP\\ann+1`` (``+2``, … when one history is copied more
    than once): a new user of the same directory with ann's sessions at ann's times.
    """
    people = np.array(sorted(set(key)), dtype=object)
    change = round(growth * len(people))
    if change == 0 or not len(people):
        return rows, key
    rng = np.random.default_rng([seed, len(people)])
    if change < 0:
        kept = set(rng.choice(people, len(people) + change, replace=False))
        mask = key.isin(kept).to_numpy()
        return rows[mask], key[mask]
    copied = rng.choice(people, change, replace=change > len(people))
    parts, keys = [rows], [key]
    positions = key.groupby(key.to_numpy()).indices
    for k, n in sorted(Counter(copied).items()):
        mine = rows.iloc[positions[k]]
        for j in range(1, n + 1):
            parts.append(mine.assign(user=mine["user"] + f"+{j}"))
            keys.append(pd.Series(f"{k}+{j}", index=mine.index))
    return pd.concat(parts, ignore_index=True), pd.concat(keys, ignore_index=True)


def _key(directory: pd.Series, user: pd.Series) -> pd.Series:
    """Each row's user as a case-folded ``directory\\user`` (``user`` alone if no directory)."""
    prefix = directory.where(directory == "", directory + "\\")
    return (prefix + user).str.casefold()


def _shift(replay: Replay, rows: pd.DataFrame) -> float:
    if replay.shift_to is None:
        return replay.shift
    anchor: datetime
    if replay.start is not None:
        anchor = replay.start
    elif len(rows):
        first = rows["start"].min().tz_convert(replay.shift_to.tzinfo)
        anchor = first.normalize().to_pydatetime()
    else:
        return 0.0
    return (replay.shift_to - anchor).total_seconds()
