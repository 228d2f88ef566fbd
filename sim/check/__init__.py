"""The invariant checker: rules that every finished run must obey, read off its tables.

The project's design asks that certain things hold in every run whatever the scenario:
a pool never holds more than it has (unless an excess is explained and reported), nobody is
granted access on an unlicensed server, capacity is charged in whole units and never beyond
the allowance, and so on. This package checks them with pandas alone, over the tables of a
run, so that it judges the engine from the outside: it never imports SimPy or the model.

:func:`check_result` checks an in-memory :class:`~sim.result.Result`; :func:`check_run`
reads a folder written by :func:`~sim.result.write_result`, or one stored piece of a sweep
(``runs/variant=…/replication=…``, :mod:`sim.experiments.store`), and runs the same checks.
Each check returns at most one :class:`Violation` carrying a few offending rows.

One module per family of invariants: :mod:`~sim.check.pools` (seats and pools),
:mod:`~sim.check.quarantine` (quarantine and idle reclaim), :mod:`~sim.check.sessions`
(sessions and access), :mod:`~sim.check.capacity` (capacity units and allowances),
:mod:`~sim.check.backend` (capacity needs the backend), :mod:`~sim.check.states` (server
states and grace), :mod:`~sim.check.outages`, :mod:`~sim.check.sync` (local allocations
and reconciliation), :mod:`~sim.check.desktops`, :mod:`~sim.check.records` (event kinds and
the summary); :mod:`~sim.check.invariants` lists them all and :mod:`~sim.check.folder`
reads a run folder.
"""

from sim.check.folder import check_run, is_piece, rows_checked
from sim.check.invariants import CHECKS, check_result, describe
from sim.check.violation import Violation
from sim.result import RunFolderError, load_run

__all__ = [
    "CHECKS",
    "RunFolderError",
    "Violation",
    "check_result",
    "check_run",
    "describe",
    "is_piece",
    "load_run",
    "rows_checked",
]
