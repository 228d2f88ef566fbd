"""Anonymous users: access with no identity behind it.

Analyzer Capacity serves any member of its rule's group, "including anonymous" users
(licensing-rules §4, licensing-research §5); login access passes may go to an anonymous
group (§5); a QlikView Session CAL is concurrent and needs no named user (§6). Everything
else is allocated to an identified user: a Professional or Analyzer seat, a user access
pass, a Named, Document or Usage CAL. An anonymous group relying on one of those is
refused when the scenario is validated.

An anonymous user is nobody in particular, so nothing carries from one anonymous session to
the next: each session is its own user and device. It starts its own capacity unit (a unit
running from an earlier session does not cover it) and takes its own login pass (an
earlier pass's hour does not cover it), and it never holds a seat, so it never appears in
the allocations or in any seat's last use.
"""

from __future__ import annotations

import numpy as np

ANONYMOUS_ACCESS = ("capacity", "login_pass", "session_cal")
"""Access types that need no identity (licensing-rules §4, §5, §6)."""


def needs_identity(access: tuple[str, ...]) -> tuple[str, ...]:
    """The access types of ``access`` that an anonymous user can never hold."""
    return tuple(a for a in access if a not in ANONYMOUS_ACCESS)


def carried(until: float | np.ndarray, anonymous: bool | np.ndarray) -> float | np.ndarray:
    """What an earlier session of the same user and device lends a new one: the end of a
    running capacity unit or login pass, ``until``; nothing (``-inf``) for an anonymous
    session. Works on scalars and arrays."""
    out = np.where(anonymous, -np.inf, until)
    return float(out) if np.ndim(out) == 0 else out
