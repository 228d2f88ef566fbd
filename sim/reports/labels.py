"""The words a person reads for licsim's codes: one display vocabulary for every chart,
``report.html`` and the workbook's report sheets.

The result tables keep their codes (``user_pass``, ``no_login_pass``, ``tokens@qs``): they
are the stable interface that ``docs/vocabulary.md`` documents and scripts read. Whatever
is drawn or laid out for a reader goes through here instead, so a license manager sees
what the QMC would show: *User access*, "no login access pass left", "tokens on qs",
``CORP\\alice``. Every access type, denial reason, launch outcome and license state has a
name here (a test fails for one without); :func:`readable` applies them all to a report
table, its column headers included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from sim.rules.connectivity import LicenseState
from sim.rules.pool import TEST_POOL_SUFFIX
from sim.rules.reasons import DenialReason, LaunchOutcome

if TYPE_CHECKING:
    from sim.scenario import Scenario

ACCESS_NAMES: dict[str, str] = {
    "professional": "Professional access",
    "analyzer": "Analyzer access",
    "capacity": "Analyzer capacity",
    "user_pass": "User access",
    "login_pass": "Login access",
    "named_cal": "Named User CAL",
    "document_cal": "Document CAL",
    "session_cal": "Session CAL",
    "usage_cal": "Usage CAL",
}
"""The QMC's name of every access type (:data:`sim.scenario.users.ACCESS_TYPES`; the seat
types of :class:`sim.rules.pool.SeatType` among them)."""

REASON_PHRASES: dict[DenialReason, str] = {
    DenialReason.NO_SEAT: "no Professional or Analyzer access to allocate",
    DenialReason.CAPACITY_EXHAUSTED: "Analyzer capacity used up for the month",
    DenialReason.BACKEND_UNREACHABLE: "license backend out of reach",
    DenialReason.GRACE_EXPIRED: "grace period over, no contact with the backend",
    DenialReason.PARALLEL_LIMIT: "too many sessions in parallel",
    DenialReason.NOT_LICENSED_FOR_PRODUCT: "access type not valid on this product",
    DenialReason.LICENSE_NOT_VALID: "license not valid on this date",
    DenialReason.DELAYED_SYNC_EXPIRED: "delayed sync ended without a sync",
    DenialReason.SLD_EXPIRED: "Signed License Definition expired",
    DenialReason.NO_LOGIN_PASS: "no login access pass left",
    DenialReason.NO_CAL: "no QlikView CAL left",
    DenialReason.DESKTOP_LOCKED: "Qlik Sense Desktop locked",
    DenialReason.PERSONAL_EDITION: "QlikView Desktop without a lease (Personal Edition)",
    DenialReason.QUARANTINED: "own access in quarantine",
    DenialReason.LEASE_NOT_ALLOWED: "server does not lease licenses",
    DenialReason.LEASE_PROHIBITED: "Named CAL barred from leasing",
}
"""Why a session was refused or cut, in a short phrase (each from its member's docstring)."""

OUTCOME_PHRASES: dict[LaunchOutcome, str] = {
    LaunchOutcome.RENEWED: "renewed with its server",
    LaunchOutcome.UNLOCKED: "unlocked from an earlier renewal",
    LaunchOutcome.LOCKED: "locked",
    LaunchOutcome.LEASED: "license leased",
    LaunchOutcome.LEASE_VALID: "earlier lease still valid",
    LaunchOutcome.PERSONAL_EDITION: "Personal Edition",
    LaunchOutcome.LOCAL_LICENSE: "local license key",
}
"""What a desktop launch came to, in a short phrase."""

STATE_NAMES: dict[LicenseState, str] = {
    LicenseState.LICENSED: "licensed",
    LicenseState.GRACE: "grace (still licensed)",
    LicenseState.UNLICENSED: "unlicensed",
    LicenseState.DELAYED_SYNC: "delayed-sync window",
    LicenseState.OFFLINE_SLD: "offline (Signed License Definition)",
}
"""A server's license state as the report names it."""

CHART_NAMES: dict[str, str] = {
    "allocations": "allocated seats per pool",
    "seat_stack": "allocated seats stacked",
    "capacity": "Analyzer Capacity per month",
    "capacity_burn_down": "Analyzer Capacity burn-down",
    "server_timeline": "server license states",
    "denials": "denied sessions by reason",
    "weekday_hour": "sessions by weekday and hour",
    "duration_curve": "duration curve",
    "login_passes": "login access passes in use",
    "session_cals": "Session CALs in use",
    "usage_cals": "Usage CAL pool",
    "desktops": "desktop launches",
}
"""Each chart of a run (:data:`sim.charts.CHARTS` and the legacy charts) as the report
names it where it says why a chart is not drawn."""


def access_name(code: object) -> str:
    """An access or seat type as the QMC names it (``user_pass`` → *User access*)."""
    return ACCESS_NAMES.get(str(code), str(code))


def reason_phrase(code: object) -> str:
    """A denial reason as a phrase (``no_login_pass`` → "no login access pass left")."""
    try:
        return REASON_PHRASES[DenialReason(str(code))]
    except ValueError:
        return str(code).replace("_", " ")


def outcome_phrase(code: object) -> str:
    """A desktop launch's outcome as a phrase (``lease_valid`` → "earlier lease still
    valid")."""
    try:
        return OUTCOME_PHRASES[LaunchOutcome(str(code))]
    except ValueError:
        return str(code).replace("_", " ")


def state_name(code: object) -> str:
    """A server's license state (``offline_sld`` → "offline (Signed License Definition)")."""
    try:
        return STATE_NAMES[LicenseState(str(code))]
    except ValueError:
        return str(code).replace("_", " ")


def pool_name(pool: object) -> str:
    """A pool as an admin reads it: a signed key's shared pool by its id (``corp``), its
    Test & Development pool ``corp (Test & Development)``, a LEF or SLD site's own pool
    ``tokens on qs``."""
    name = str(pool).replace("@", " on ", 1)
    if name.endswith(TEST_POOL_SUFFIX):
        name = name.removesuffix(TEST_POOL_SUFFIX) + " (Test & Development)"
    return name


def pool_title(pool: object, seat: object) -> str:
    """A pool and an access type: ``tokens on qs: User access``."""
    return f"{pool_name(pool)}: {access_name(seat)}"


def user_name(user: object, directory: object = None) -> str:
    """A user as the QMC lists them: ``DIRECTORY\\userid`` when the user's directory is
    known, the plain id otherwise."""
    if directory is None or pd.isna(directory) or not str(directory):
        return str(user)
    return f"{directory}\\{user}"


def directories(scenario: Scenario) -> dict[str, str]:
    """Each user that has a user directory, by name: the group's ``directory``, or for a
    replayed group each user's recorded one."""
    found: dict[str, str] = {}
    for group in scenario.users:
        if group.directory is None and group.replay is None:
            continue
        for name, directory in zip(group.user_names(), group.user_directories(), strict=True):
            if directory:
                found[name] = directory
    return found


def metric_label(metric: object) -> str:
    """A run-summary metric in words: ``denied_no_login_pass`` → "denied: no login access
    pass left", ``sessions_user_pass`` → "sessions: User access",
    ``peak_allocated_analyzer[corp]`` → "peak allocated: Analyzer access [corp]", others
    with spaces for underscores."""
    text = str(metric)
    name, bracket, member = text.partition("[")
    where = f" [{member}" if bracket else ""
    for prefix, words, names in _METRIC_PREFIXES:
        code = name.removeprefix(prefix)
        if code != name and code in names:
            return f"{words}: {names[code]}{where}"
    return name.replace("_", " ") + where


_REASONS = {str(k): v for k, v in REASON_PHRASES.items()}
_METRIC_PREFIXES = (
    ("denied_", "denied", _REASONS),
    ("launches_", "launches", _REASONS),
    ("sessions_", "sessions", ACCESS_NAMES),
    ("peak_allocated_", "peak allocated", ACCESS_NAMES),
    ("peak_excess_", "peak excess", ACCESS_NAMES),
)
"""The run summary's breakdowns (:func:`sim.result.summary_table`): a prefix, its words and
the names of the codes that follow it."""


def parameter_names(paths: list[str]) -> dict[str, str]:
    """Each swept dotted path as a reader names it: the setting, then the item it belongs
    to (``licenses.corp.analyzer`` → ``analyzer (corp)``, ``rules.grace`` → ``grace``,
    ``servers.prod.link_outages.0.duration`` → ``duration (prod link outages #1)``); the
    whole path where two would read alike."""
    names = {}
    for path in paths:
        parts = path.split(".")
        name = parts[-1].replace("_", " ")
        # A list item counts from 1 for a reader: servers.prod.link_outages.0 is "#1".
        where = " ".join(
            f"#{int(p) + 1}" if p.isdigit() else p.replace("_", " ") for p in parts[1:-1]
        )
        names[path] = f"{name} ({where})" if where else name
    if len(set(names.values())) < len(names):
        return {p: p for p in paths}
    return names


def header(column: object) -> str:
    """A column name as a table header: words for underscores, ``%`` for ``pct``
    (``pct_of_attempts`` → "% of attempts", ``utilisation_pct`` → "utilisation %")."""
    words = ["%" if w == "pct" else w for w in str(column).split("_")]
    return " ".join(words)


_VALUES = {
    "type": access_name,
    "access": access_name,
    "reason": reason_phrase,
    "denied_reason": reason_phrase,
    "main_denial_reason": reason_phrase,
    "interrupted": reason_phrase,
    "outcome": outcome_phrase,
    "state": state_name,
    "pool": pool_name,
    "metric": metric_label,
}
"""Which report columns hold codes, and the name each code is shown by."""


def readable(df: pd.DataFrame, users: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A report table as a person reads it: codes in the columns of :data:`_VALUES` shown by
    their names, users as ``DIRECTORY\\userid`` (from the table's own ``directory`` column
    where it has one, else from ``users``: each user's directory, :func:`directories`),
    headers in words. The numbers and their types stay as they are."""
    named = isinstance(df.index, pd.MultiIndex) or df.index.name is not None
    out = df.reset_index() if named else df.copy()
    for column in out.columns:
        name = str(column)
        if name in _VALUES and not pd.api.types.is_numeric_dtype(out[column]):
            show = _VALUES[name]
            out[column] = [v if pd.isna(v) else show(v) for v in out[column]]
    if "user" in out and "directory" in out:
        # The table says each row's directory: it goes into the name, not beside it.
        out["user"] = [
            u if pd.isna(u) else user_name(u, d)
            for u, d in zip(out["user"], out["directory"], strict=True)
        ]
        out = out.drop(columns="directory")
    elif "user" in out and users:
        out["user"] = [u if pd.isna(u) else user_name(u, users.get(str(u))) for u in out["user"]]
    out.columns = pd.Index([header(c) if isinstance(c, str) else c for c in out.columns])
    return out
