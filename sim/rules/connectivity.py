"""A server's license state over time on a Signed License Key: contact, grace, expiry.

An SLK site talks to the Qlik License Service backend on a fixed schedule: the user
assignment sync every 10 minutes and the license definition refresh every 24 hours
(licensing-rules §1). A contact succeeds when both the backend and the server's link to it
are up at that instant. When a contact fails the site enters its **grace** period, counted
from the last successful contact (72 h by default, §2); existing allocations keep working.
When grace runs out the site is **unlicensed** and denies everyone, until the first
successful contact after the outage.

The backend host's IP address is not fixed (licensing-rules §1): a server whose firewall
allow-lists the backend by IP instead of by name loses its link at every address change
until someone fixes the rule (:func:`address_change_outages`); those are link outages like
any other, so they run through grace and expiry the same way.

None of this depends on users, so the whole timeline is computed ahead from the outages and
the schedule. The site is assumed to have made a successful contact at the start of the run
(its last one before the simulated period).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum
from typing import overload

import numpy as np

from sim.rules.intervals import Intervals
from sim.rules.reasons import DenialReason


class LicenseState(StrEnum):
    """What a server may do at a given moment."""

    LICENSED = "licensed"
    """Last contact succeeded (or a LEF site): everything works."""
    GRACE = "grace"
    """Contact lost, grace running: allocated users keep access, nothing new is granted."""
    UNLICENSED = "unlicensed"
    """No access pass for anyone."""
    DELAYED_SYNC = "delayed_sync"
    """Activated with delayed sync and not synced yet: works locally without the backend."""
    OFFLINE_SLD = "offline_sld"
    """Offline approval: a Signed License Definition valid until its end date."""


USABLE = frozenset({LicenseState.LICENSED, LicenseState.DELAYED_SYNC, LicenseState.OFFLINE_SLD})


@dataclass(frozen=True)
class Capabilities:
    """What a server may do besides honouring existing allocations, by state.

    ``backend_bound`` servers (SLK and delayed-sync activations) need the backend right now
    for a new allocation once they are ordinary online sites; during the delayed-sync window
    they allocate locally. LEF and SLD sites never talk to the backend: allocations are
    local.

    An Analyzer Capacity unit is metered by the backend (licensing-rules §2, §4: "Internet
    access is required to use Capacity licensing model", Feb 2019), so by default a unit
    starts only on a licensed online site that reaches the backend at that instant: never
    during a delayed-sync window before the first successful contact, nor on an offline SLD.
    Qlik's sources disagree: an Apr 2023 support article says capacity "works with both SLK
    and SLD". ``capacity_on_sld`` takes that reading for SLD sites, and
    ``capacity_on_delayed_sync`` lets a delayed-sync site count units locally before its
    first contact (an inference; no source covers it).
    """

    backend_bound: bool
    capacity_on_sld: bool = False
    capacity_on_delayed_sync: bool = False

    def allocation_allowed(self, state: LicenseState, reachable: bool) -> bool:
        if state is LicenseState.LICENSED:
            return reachable or not self.backend_bound
        return state in (LicenseState.DELAYED_SYNC, LicenseState.OFFLINE_SLD)

    def pass_allowed(self, state: LicenseState, reachable: bool) -> bool:
        """Whether a login access pass may be taken now (licensing-rules §1, §5).

        A pass used is recorded by the license service, as an assignment is: on an online
        signed key it needs the backend right now, while LEF and SLD sites and a
        delayed-sync window count passes locally. So it follows the allocation rule.
        """
        return self.allocation_allowed(state, reachable)

    def unit_allowed(self, state: LicenseState, reachable: bool) -> bool:
        """Whether a capacity unit may start in ``state`` (``reachable``: the backend and
        the server's link are up at that instant)."""
        if state is LicenseState.LICENSED:
            return reachable and self.backend_bound
        if state is LicenseState.OFFLINE_SLD:
            return self.capacity_on_sld
        if state is LicenseState.DELAYED_SYNC:
            return self.capacity_on_delayed_sync
        return False


@dataclass(frozen=True)
class StateSpan:
    """One interval ``[start, end)`` of a server's license state."""

    state: LicenseState
    start: float
    end: float
    reason: DenialReason | None = None
    last_contact: float | None = None


@dataclass(frozen=True)
class ContactSchedule:
    """The instants at which a site contacts the backend: two grids from the run's start."""

    sync_interval: float
    refresh_interval: float

    def next_at_or_after(self, t: float) -> float:
        return min(
            math.ceil(t / self.sync_interval) * self.sync_interval,
            math.ceil(t / self.refresh_interval) * self.refresh_interval,
        )

    def last_before(self, t: float) -> float:
        """The last contact strictly before ``t`` (never before the run's start)."""
        a = (math.ceil(t / self.sync_interval) - 1) * self.sync_interval
        b = (math.ceil(t / self.refresh_interval) - 1) * self.refresh_interval
        return max(0.0, a, b)


def address_change_outages(
    changes: list[float], allow_by: str, fix_after: float
) -> list[tuple[float, float]]:
    """The link outages a server suffers from backend address changes at ``changes``.

    A firewall that allow-lists the backend by name (``allow_by == "name"``) follows the
    host to its new address and is never affected; one that allow-lists it by ``ip`` is
    cut off from each change until its rule is fixed ``fix_after`` later.
    """
    if allow_by != "ip":
        return []
    return [(t, t + fix_after) for t in sorted(changes)]


@dataclass(frozen=True)
class StateTimeline:
    """A piecewise-constant license state, looked up by time in O(log n)."""

    spans: tuple[StateSpan, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(s.start for s in self.spans))

    def at(self, t: float) -> StateSpan:
        i = bisect_right(self._starts, t) - 1  # type: ignore[attr-defined]
        return self.spans[max(i, 0)]

    def unlicensed_from(self, t: float) -> StateSpan | None:
        """The first unlicensed span that starts after ``t``, if any."""
        i = bisect_right(self._starts, t)  # type: ignore[attr-defined]
        for span in self.spans[i:]:
            if span.state is LicenseState.UNLICENSED:
                return span
        return None


def next_success(
    unreachable: Intervals, schedule: ContactSchedule, t: float, horizon: float
) -> float:
    """The first successful contact at or after ``t`` (``inf`` if none before the horizon)."""
    c = schedule.next_at_or_after(t)
    while c < horizon and unreachable.contains(c):
        c = schedule.next_at_or_after(unreachable.next_change(c))
    return c if c < horizon else math.inf


def license_timeline(
    unreachable: Intervals,
    horizon: float,
    schedule: ContactSchedule,
    grace: float,
    origin: float = 0.0,
) -> StateTimeline:
    """The license state of an online SLK site over ``[origin, horizon)``.

    ``unreachable`` is the union of backend and link outages for this site; the site made a
    successful contact at ``origin``.
    """
    spans: list[StateSpan] = []
    pieces = list(unreachable.clipped(origin, horizon))
    t = origin
    i = 0
    while i < len(pieces):
        a, b = pieces[i]
        first_fail = schedule.next_at_or_after(a)
        if first_fail >= b:
            i += 1  # no contact was attempted while it was down
            continue
        last_ok = origin if first_fail == origin else max(origin, schedule.last_before(first_fail))
        recover = schedule.next_at_or_after(b)
        i += 1
        # A recovery instant that falls in the next outage is just another failed contact.
        while i < len(pieces) and pieces[i][0] <= recover:
            if recover < pieces[i][1]:
                recover = schedule.next_at_or_after(pieces[i][1])
            i += 1
        recover = min(recover, horizon)
        if first_fail >= horizon:
            break
        if first_fail > t:
            spans.append(StateSpan(LicenseState.LICENSED, t, first_fail))
        expiry = max(first_fail, last_ok + grace)
        if expiry > first_fail:
            spans.append(
                StateSpan(LicenseState.GRACE, first_fail, min(expiry, recover), None, last_ok)
            )
        if expiry < recover:
            spans.append(
                StateSpan(
                    LicenseState.UNLICENSED, expiry, recover, DenialReason.GRACE_EXPIRED, last_ok
                )
            )
        t = recover
    if t < horizon or not spans:
        spans.append(StateSpan(LicenseState.LICENSED, t, horizon))
    return StateTimeline(tuple(spans))


def delayed_sync_timeline(
    unreachable: Intervals,
    horizon: float,
    schedule: ContactSchedule,
    grace: float,
    activated: float,
    window: float,
) -> StateTimeline:
    """A delayed-sync activation: licensed locally from ``activated`` for ``window``.

    The first successful contact within the window makes it an ordinary online SLK site; a
    window that ends without one leaves it unlicensed until a contact succeeds. The window
    is not re-armed (licensing-rules §1).
    """
    spans: list[StateSpan] = []
    if activated > 0.0:
        spans.append(
            StateSpan(
                LicenseState.UNLICENSED,
                0.0,
                min(activated, horizon),
                DenialReason.LICENSE_NOT_VALID,
            )
        )
    if activated >= horizon:
        return StateTimeline(tuple(spans))
    start = max(activated, 0.0)
    deadline = activated + window
    first = next_success(unreachable, schedule, start, horizon)
    if first < deadline:
        if first > start:
            spans.append(StateSpan(LicenseState.DELAYED_SYNC, start, first))
        if first < horizon:
            spans += license_timeline(unreachable, horizon, schedule, grace, first).spans
        return StateTimeline(tuple(spans))
    spans.append(StateSpan(LicenseState.DELAYED_SYNC, start, min(deadline, horizon)))
    if deadline < horizon:
        late = next_success(unreachable, schedule, deadline, horizon)
        spans.append(
            StateSpan(
                LicenseState.UNLICENSED,
                deadline,
                min(late, horizon),
                DenialReason.DELAYED_SYNC_EXPIRED,
            )
        )
        if late < horizon:
            spans += license_timeline(unreachable, horizon, schedule, grace, late).spans
    return StateTimeline(tuple(spans))


def sld_timeline(
    horizon: float,
    start: float,
    until: float,
    renewals: list[tuple[float, float]],
) -> StateTimeline:
    """An offline site on a Signed License Definition, with the admin's re-applications.

    The SLD never updates by itself (licensing-rules §1): it is valid from ``start`` until
    ``until``; each renewal ``(at, new_until)`` is applied by hand at ``at`` and sets the end
    date from then on. A renewal applied after the end date leaves an unlicensed gap.
    """
    spans: list[StateSpan] = []
    if start > 0.0:
        spans.append(
            StateSpan(
                LicenseState.UNLICENSED, 0.0, min(start, horizon), DenialReason.LICENSE_NOT_VALID
            )
        )
    cur, end = max(start, 0.0), until
    for at, new_until in sorted(renewals):
        if at > end:
            spans.append(StateSpan(LicenseState.OFFLINE_SLD, cur, end))
            spans.append(StateSpan(LicenseState.UNLICENSED, end, at, DenialReason.SLD_EXPIRED))
            cur = at
        end = new_until
    spans.append(StateSpan(LicenseState.OFFLINE_SLD, cur, end))
    spans.append(StateSpan(LicenseState.UNLICENSED, end, math.inf, DenialReason.SLD_EXPIRED))
    clipped = [
        StateSpan(s.state, max(s.start, 0.0), min(s.end, horizon), s.reason)
        for s in spans
        if min(s.end, horizon) > max(s.start, 0.0)
    ]
    return StateTimeline(tuple(_merge(clipped)))


def lef_timeline(horizon: float) -> StateTimeline:
    """A LEF site needs no license service: licensed throughout (within its dates)."""
    return StateTimeline((StateSpan(LicenseState.LICENSED, 0.0, horizon),))


def nprinting_timeline(unreachable: Intervals, horizon: float, resume: float) -> StateTimeline:
    """NPrinting stops as if expired while its license service does not answer, and resumes
    ``resume`` after it answers again (licensing-rules §1)."""
    down = Intervals.of((a, b + resume) for a, b in unreachable).clipped(0.0, horizon)
    spans: list[StateSpan] = []
    t = 0.0
    for a, b in down:
        if a > t:
            spans.append(StateSpan(LicenseState.LICENSED, t, a))
        spans.append(StateSpan(LicenseState.UNLICENSED, a, b, DenialReason.BACKEND_UNREACHABLE))
        t = b
    if t < horizon or not spans:
        spans.append(StateSpan(LicenseState.LICENSED, t, horizon))
    return StateTimeline(tuple(spans))


def restrict_validity(
    timeline: StateTimeline, valid_from: float | None, valid_until: float | None
) -> StateTimeline:
    """Overlay a license's validity dates: outside them the server is unlicensed."""
    lo = -math.inf if valid_from is None else valid_from
    hi = math.inf if valid_until is None else valid_until
    spans: list[StateSpan] = []
    for s in timeline.spans:
        for a, b, inside in (
            (s.start, min(s.end, lo), False),
            (max(s.start, lo), min(s.end, hi), True),
            (max(s.start, hi), s.end, False),
        ):
            if b <= a:
                continue
            if inside:
                spans.append(StateSpan(s.state, a, b, s.reason, s.last_contact))
            else:
                spans.append(
                    StateSpan(LicenseState.UNLICENSED, a, b, DenialReason.LICENSE_NOT_VALID)
                )
    return StateTimeline(tuple(_merge(spans)))


def _merge(spans: list[StateSpan]) -> list[StateSpan]:
    out: list[StateSpan] = []
    for s in spans:
        if (
            out
            and out[-1].state is s.state
            and out[-1].reason is s.reason
            and out[-1].end == s.start
        ):
            p = out[-1]
            out[-1] = StateSpan(p.state, p.start, s.end, p.reason, p.last_contact)
        else:
            out.append(s)
    return out


@overload
def expiry_cut(close: float, cut: float) -> tuple[float, bool]: ...
@overload
def expiry_cut(close: np.ndarray, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
def expiry_cut(
    close: float | np.ndarray, cut: float | np.ndarray
) -> tuple[float | np.ndarray, bool | np.ndarray]:
    """When a granted session ends, and whether it is cut short: at its close, or at
    ``cut``, the start of its server's next unlicensed span
    (:meth:`StateTimeline.unlicensed_from`, ``inf`` if none), if that comes first. Works on
    one session (floats) or on arrays alike."""
    was_cut = np.less(cut, close)
    end = np.minimum(close, cut)
    if np.ndim(end) == 0:
        return float(end), bool(was_cut)
    return end, was_cut
