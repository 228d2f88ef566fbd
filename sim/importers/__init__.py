"""Readers that turn what a Qlik site recorded into licsim's own tables.

One small module per source, each citing the Qlik documentation it follows:

* :mod:`~sim.importers.engine_session` — the Engine session log (one row per ended session);
* :mod:`~sim.importers.proxy_audit` — proxy start/stop session records (virtual proxy, node);
* :mod:`~sim.importers.repository_denials` — ``UsageDenied`` records of the repository
  security log, kept as observed denials;
* :mod:`~sim.importers.qrs` — QRS API license exports (seat totals, allocations, quarantine);
* :mod:`~sim.importers.plain_csv` — a plain session CSV for any other source (QlikView too).

:func:`~sim.importers.site_import.import_site` runs them over files and folders and
:func:`~sim.importers.site_import.write_outputs` writes ``trace.parquet`` and the rest;
:mod:`~sim.importers.synthetic` writes realistic Qlik log files for tests and examples
without using licsim's behaviour model.
"""

from sim.importers.errors import Rejects, SourceError

__all__ = ["Rejects", "SourceError"]
