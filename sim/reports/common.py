"""What every report shares: the run's window and the ``by=`` breakdowns.

Reports look at the simulated period ``[start, end)`` in the scenario's time zone. Most
breakdowns group sessions by one of their own columns; ``by=`` accepts the column name or
the word an admin would use for it:

===============  ==============  =================================================
``by=``          column          meaning
===============  ==============  =================================================
``server``       ``server``      the server the session went to
``product``      ``product``     qlik_sense, qlikview or nprinting
``group``        ``group``       the user group (also ``user_group``)
``directory``    ``directory``   the user directory, the domain (also ``domain``)
``user``         ``user``        one row per user
===============  ==============  =================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.result import Result

BY = {
    "server": "server",
    "product": "product",
    "group": "group",
    "user_group": "group",
    "directory": "directory",
    "domain": "directory",
    "user": "user",
}


def window(result: Result) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start and end of the simulated period, in the scenario's time zone."""
    sc = result.scenario
    return (
        pd.Timestamp(sc.start_at).tz_convert(sc.tz),
        pd.Timestamp(sc.end_at).tz_convert(sc.tz),
    )


def by_column(by: str | None) -> list[str]:
    """The sessions column(s) a ``by=`` names (none for ``None``)."""
    if by is None:
        return []
    if by not in BY:
        raise ValueError(f"by={by!r}: expected one of {', '.join(BY)}")
    return [BY[by]]


def granted(result: Result) -> pd.DataFrame:
    """The sessions that were let in, with a missing end read as the end of the run."""
    s = result.sessions
    s = s[s["access"].notna()]
    return s.assign(end=s["end"].fillna(window(result)[1]))
