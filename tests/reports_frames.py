"""Hand-built sessions for the report tests, on the bare reports-tiny scenario."""

import dataclasses
from pathlib import Path

import pandas as pd

from sim import load_scenario, simulate
from sim.result import Result

TINY = Path(__file__).parent / "scenarios" / "reports-tiny.yaml"
SERVER_PRODUCT = {"alpha": "qlik_sense", "beta": "qlik_sense"}
GROUP = {
    "sales-1": ("sales", "EMEA"),
    "sales-2": ("sales", "EMEA"),
    "finance-1": ("finance", "AMER"),
}


def local(ts: str) -> pd.Timestamp:
    return pd.Timestamp(ts, tz="Europe/Stockholm")


def tiny_result(rows: list[tuple[str, str, str, float, str | None, str | None, float]]) -> Result:
    """The reports-tiny run with these sessions: (user, server, start, minutes, access,
    denied_reason, capacity_minutes) each."""
    base = simulate(load_scenario(TINY))
    frame = pd.DataFrame(
        [
            {
                "user": user,
                "group": GROUP[user][0],
                "directory": GROUP[user][1],
                "server": server,
                "product": SERVER_PRODUCT[server],
                "start": local(start),
                "end": local(start) + pd.Timedelta(minutes=minutes),
                "access": access,
                "denied_reason": reason,
                "capacity_minutes": capacity,
            }
            for user, server, start, minutes, access, reason, capacity in rows
        ],
        columns=[
            "user",
            "group",
            "directory",
            "server",
            "product",
            "start",
            "end",
            "access",
            "denied_reason",
            "capacity_minutes",
        ],
    )
    for column in ("start", "end"):
        # an empty frame would otherwise hold plain objects, unlike a run's sessions
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert("Europe/Stockholm")
    for column in ("user", "group", "directory", "server", "product", "access", "denied_reason"):
        frame[column] = frame[column].astype("category")
    # Every hand-built session's units fall in the UTC month it starts in (none crosses the 1st).
    charged = frame[frame["capacity_minutes"] > 0]
    use = pd.DataFrame(
        {
            "license": "corp",
            "server": charged["server"].astype(str),
            "user": charged["user"].astype(str),
            "month": charged["start"].dt.tz_convert("UTC").dt.strftime("%Y-%m"),
            "capacity_minutes": charged["capacity_minutes"].astype(float),
        },
        columns=["license", "server", "user", "month", "capacity_minutes"],
    )
    use = use.groupby(["license", "server", "user", "month"], as_index=False).sum()
    use.insert(4, "units", (use["capacity_minutes"] // 6).astype("int64"))
    return dataclasses.replace(base, sessions=frame, capacity_use=use)
