"""``calibrated.yaml``: the imported site with behaviour fitted to its trace, not replayed.

The license and the servers are those of the site as found (``scenario.yaml``, written by
:mod:`sim.importers.site_scenario`); each of its replaying groups (one per access type)
becomes up to three behaviour groups, ``<group>_light``, ``_regular`` and ``_heavy``,
holding the group's users of that usage tier (:mod:`.usage`) with the tier's fitted
behaviour (:mod:`.fit`). Tiers are fitted across the whole site, so that a tier has data
enough even where an access type has few users; groups of seat holders without sessions
stay as they are. Every fitted figure comes with its statistics as a YAML comment. A
replaying group is read as the importer writes it: it names its users
(``replay: {users: [...]}``), and keeps its ``directory``, ``access`` and ``servers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import yaml

from sim.calibration.fit import GroupFit, fit_group, holidays
from sim.calibration.usage import DEFAULT_THRESHOLDS, TIERS, Thresholds, usage_groups, user_key
from sim.importers.site_scenario import _q

__all__ = ["Calibration", "calibrate"]


@dataclass
class Calibration:
    """A calibrated scenario and what it was fitted from."""

    text: str
    fits: dict[str, GroupFit]
    usage: pd.DataFrame
    thresholds: Thresholds
    closed: list[pd.Timestamp]
    """The holidays of the fitted period: found in the trace or given."""
    trace: pd.DataFrame
    """The sessions the fit used."""
    period: tuple[pd.Timestamp, pd.Timestamp]
    """The fitted period, local midnights."""


def _flow(value: object) -> str:
    """``value`` as one line of YAML (a scalar without the document-end marker)."""
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=1000)
    return text.removesuffix("\n...\n").strip()


def _period(trace: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    local = trace["start"].dt.tz_localize(None)
    end = trace["end"].dt.tz_localize(None)
    return local.min().normalize(), end.max().normalize() + pd.Timedelta(days=1)


def calibrate(
    trace: pd.DataFrame,
    site_text: str,
    *,
    fit_period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    sim_period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    known_holidays: Sequence[date] = (),
) -> Calibration:
    """Fit ``trace`` (sessions starting in ``fit_period``, naive local midnights, default
    the trace's span) and write a scenario of ``site_text``'s license and servers that
    simulates ``sim_period`` (default: the fitted period).

    ``known_holidays`` is the site's calendar of public holidays, as its planner knows it:
    those in the fitted period are left out of the fit like the holidays the trace shows,
    and those in the simulated period are the simulated users' holidays too (a trace
    cannot show a holiday that lies after it).
    """
    if fit_period is None:
        fit_period = _period(trace)
    start, end = fit_period
    sim_start, sim_end = sim_period or fit_period
    local = trace["start"].dt.tz_localize(None)
    used = trace[(local >= start) & (local < end)]
    given = sorted({pd.Timestamp(d) for d in known_holidays})
    closed = sorted(set(holidays(used, start, end)) | {d for d in given if start <= d < end})
    known = [d for d in given if sim_start <= d < sim_end]
    off = sorted(set(closed) | set(known))
    usage = usage_groups(used, thresholds, weeks=max((end - start).days / 7.0, 1.0))
    everyone = fit_group("site", list(usage.index), used, start, end, closed)
    fits = {
        tier: fit_group(
            tier, list(usage.index[usage["tier"] == tier]), used, start, end, closed, everyone
        )
        for tier in TIERS
        if (usage["tier"] == tier).any()
    }
    site = yaml.safe_load(site_text)
    head: list[str] = []
    for line in site_text.splitlines():
        if line.startswith("users:"):
            break
        if line.startswith(("start:", "end:", "name:", "# period:", "# The site", "# trace")):
            continue
        head.append(line)
    lines = [
        "# The site imported by `licsim import`, its users simulated by licsim's behaviour model",
        "# with each usage group fitted to trace.parquet (sim.calibration; fit.html shows the",
        "# fits). Usage tiers: " + thresholds.describe() + ".",
        f"# fitted on sessions from {start:%Y-%m-%d} to {end - pd.Timedelta(days=1):%Y-%m-%d}",
        "name: " + _q(str(site.get("name", "site")) + " (calibrated)"),
        f'start: "{sim_start:%Y-%m-%dT%H:%M}"',
        f'end: "{sim_end:%Y-%m-%dT%H:%M}"',
        *[ln for ln in head if not ln.startswith("seed:")],
        "seed: 0",
    ]
    if closed:
        lines.append(
            "# holidays (weekdays with under a fifth of the usual sessions, or given): "
            + ", ".join(f"{d:%Y-%m-%d}" for d in closed)
        )
    if known:
        lines.append(
            "# holidays of the site's calendar in the simulated period: "
            + ", ".join(f"{d:%Y-%m-%d}" for d in known)
        )
    lines.append("users:")
    seen = set(user_key(used))
    tiers = usage["tier"].to_dict()
    for g in site.get("users") or []:
        replay = g.get("replay")
        if not replay:
            lines.append(f"  - {_flow(g)}")
            continue
        members = [u for u in replay.get("users", []) if u in seen]
        idle = len(replay.get("users", [])) - len(members)
        for tier, fit in fits.items():
            mine = [u for u in members if tiers[u] == tier]
            if not mine:
                continue
            behaviour = dict(fit.behaviour)
            if off:
                behaviour["holidays"] = [d.date() for d in off]
            lines += [f"  # {c}" for c in fit.comments()]
            lines += [f"  - group: {g['group']}_{tier}", f"    count: {len(mine)}"]
            lines += [
                f"    {k}: {_flow(g[k])}" for k in ("directory", "access", "servers") if k in g
            ]
            lines.append(f"    behaviour: {_flow(behaviour)}")
        if idle:
            lines += [
                f"  # {idle} users of {g['group']} have no session in the fitted period",
                f"  - group: {g['group']}_unseen",
                f"    count: {idle}",
            ]
            lines += [
                f"    {k}: {_flow(g[k])}" for k in ("directory", "access", "servers") if k in g
            ]
            lines.append("    behaviour: {sessions_per_day: 0}")
    if lines[-1] == "users:":
        lines[-1] = "users: []"
    return Calibration("\n".join(lines) + "\n", fits, usage, thresholds, closed, used, (start, end))
