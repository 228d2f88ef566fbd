"""Session close: when a session ends and gives back what it holds.

A Qlik Sense session (Professional, Analyzer, Analyzer Capacity, user and login access
passes) does not end at the user's last click. It stays open until the virtual proxy's
inactivity timeout has passed since the last activity (30 minutes by default) or until the
user logs out; closing the browser tab does not end it (the project's rules digest §5 and
its research notes on the QSEoW virtual proxy). A QlikView session likewise lasts until the
server's idle timeout (1,800 s) unless the user closes it explicitly (§6).

The close is what an open session holds on to: a parallel-session slot until it closes
(§3), a login access pass that keeps counting (§5), a QlikView Session CAL (§6). Activity
alone is what Analyzer Capacity charges (§4): an idle open tab consumes no units, so the
close never changes capacity minutes. Nor is the idle tail a use of a seat: a seat's last
use stays the start of its holder's latest session (:mod:`sim.rules.pool`).
"""

from __future__ import annotations

from typing import overload

import numpy as np

QLIKVIEW = "qlikview"


@overload
def session_close(activity_end: float, logged_out: bool, timeout: float) -> float: ...
@overload
def session_close(
    activity_end: np.ndarray, logged_out: np.ndarray, timeout: np.ndarray | float
) -> np.ndarray: ...
def session_close(
    activity_end: float | np.ndarray,
    logged_out: bool | np.ndarray,
    timeout: float | np.ndarray,
) -> float | np.ndarray:
    """When a session closes: at its activity end on logout, else ``timeout`` later.

    Works on one session (floats) or on arrays of sessions alike.
    """
    if isinstance(activity_end, float) and not isinstance(logged_out, np.ndarray):
        # One session (the exact path, once per login): the same rule without arrays.
        return activity_end if logged_out else activity_end + float(timeout)
    close = np.where(logged_out, activity_end, np.add(activity_end, timeout))
    return close if close.ndim else float(close)


def idle_timeout(product: str, sense_timeout: float, qlikview_timeout: float) -> float:
    """The inactivity timeout of a session on a server of ``product``: QlikView Server's
    own idle timeout on a QlikView server, the Qlik Sense virtual proxy's elsewhere."""
    return qlikview_timeout if product == QLIKVIEW else sense_timeout
