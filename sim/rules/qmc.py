"""The Qlik Management Console (QMC): what an administrator's console session costs.

An administrator opens the QMC beside (or instead of) the hub. Three rules of the project's
rules digest (licensing-rules §3, licensing-research §4.1) decide what such a session does:

* With a signed key (SLK, or an SLD offline), **opening the QMC counts as a session**
  against the user's parallel-session limit on that license, like a hub session. The
  digest states it for signed keys only, so on a LEF a QMC session holds no slot.
* An admin who holds an **Analyzer** allocation does not get full QMC access: the console
  opens with some buttons greyed out. So does one served by Analyzer Capacity.
* Qlik advises the **root admin** hold no access type: the RootAdmin role alone opens the
  QMC. But a site that keeps the legacy capacity rule ("Security rule for
  AnalyzerTimeAccessType") applies Analyzer Capacity to a root admin without a
  Professional/Analyzer allocation automatically, so QMC use burns minutes and some buttons
  are greyed out; Qlik's fix is to exclude RootAdmin from that rule.

The access order is :func:`sim.rules.access.decide_access`'s; this module only says which
rules cover a QMC session, what a root admin gets when none does, which console the
session opened (:class:`Client`), and whether it holds a parallel-session slot.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np

from sim.rules.access import ANALYZER, CAPACITY, AccessDecision
from sim.rules.parallel import PARALLEL_ACCESS
from sim.rules.reasons import DenialReason

ROOT_ADMIN = "root_admin"
"""The access of a QMC session opened under the RootAdmin role alone, with no license
access (the root admin Qlik advises: no access type allocated)."""

SIGNED_ACTIVATIONS = frozenset({"slk", "delayed_sync", "sld"})
"""Activations of a signed key (SLK, its delayed-sync mode, an SLD offline): a QMC session
counts against the parallel-session limit there (licensing-rules §3)."""

LIMITED_ACCESS = frozenset({ANALYZER, CAPACITY})
"""Access under which the QMC opens with limited rights (licensing-rules §3; the capacity
case is the legacy-rule side effect of licensing-research §4.1)."""


class Client(StrEnum):
    """The closed vocabulary of ``sessions.client``: which Qlik Sense client a session
    opened. Each member's docstring is the documentation."""

    HUB = "hub"
    """The hub (or a QlikView document): an ordinary user session."""
    QMC = "qmc"
    """The QMC with full access (Professional, or the RootAdmin role alone), or a QMC
    session that was denied."""
    QMC_LIMITED = "qmc_limited"
    """The QMC with limited access: the admin's access is Analyzer or Analyzer Capacity,
    so some QMC buttons are greyed out."""


CLIENTS: tuple[str, ...] = tuple(c.value for c in Client)


def qmc_eligible(eligible: tuple[str, ...], excluded_from_capacity: bool) -> tuple[str, ...]:
    """The access rules that cover an admin's QMC session: the group's, less the capacity
    rule when the scenario excludes the admins from it (Qlik's fix for the legacy rule)."""
    if not excluded_from_capacity:
        return eligible
    return tuple(a for a in eligible if a != CAPACITY)


def qmc_decision(decision: AccessDecision, root_admin: bool) -> AccessDecision:
    """A QMC session's access: the license access the order found, else, for a root admin
    no seat rule can serve (none covers them, or a dynamic rule's pool is empty), the
    RootAdmin role alone. A rule that covers them but cannot serve now (the backend is
    unreachable, the capacity is spent) still denies: the legacy capacity rule takes
    precedence over the role until the admins are excluded from it."""
    if decision.access is None and root_admin and decision.reason is DenialReason.NO_SEAT:
        return AccessDecision(ROOT_ADMIN)
    return decision


def qmc_client(access: str | None) -> Client:
    """Which console a QMC session got under ``access``."""
    return Client.QMC_LIMITED if access in LIMITED_ACCESS else Client.QMC


def holds_parallel_slot(access: Any, qmc: Any, signed: Any) -> bool | np.ndarray:
    """Whether a granted session takes one of the user's parallel-session slots in its pool.

    User-based access does (Professional, Analyzer, a user or login pass); Analyzer Capacity
    and the RootAdmin role alone do not. A QMC session counts only on a signed key. Works
    on scalars (the engine) and on arrays (the invariant checker).
    """
    if isinstance(access, str | None) and not isinstance(qmc, np.ndarray | list):
        # One session (the exact path, once per login): the same rule without arrays.
        return access in PARALLEL_ACCESS and (not qmc or bool(signed))
    user_based = np.isin(access, PARALLEL_ACCESS)
    out = user_based & (~np.asarray(qmc, dtype=bool) | np.asarray(signed, dtype=bool))
    return bool(out) if np.ndim(out) == 0 else out


def qmc_activity(start: float, end: float, unit: float) -> np.ndarray:
    """The activity instants of a QMC session from ``start`` to ``end``.

    An admin in the console works in it throughout (model choice): there is activity at
    the opening, every ``unit`` after it and at the end, so under Analyzer Capacity a QMC
    session open 14 minutes starts units at 0, 6 and 12 minutes: 3 units, 18 minutes.
    """
    grid = start + np.arange(0.0, max(end - start, 0.0), unit)
    return np.concatenate((grid if grid.size else [start], [end]))
