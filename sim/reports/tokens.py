"""Tokens: a token license's user and login access in tokens, as the QMC shows them.

A legacy Qlik Sense token license spends its tokens on two kinds of pass
(licensing-rules §5): a **user access pass** costs one token (QRS ``userAccess.tokenCost``
1), and one token buys ten **login access passes** (``loginAccess.tokenCost`` 0.1). The
QMC's token overview, and QRS's ``accesstypeoverview``, count both in tokens; licsim's
``allocations`` table counts user access allocations and its events the login passes, so
this report converts them with the costs of :mod:`sim.scenario.entitlement`.

One row per token license and pass type, at the end of the run:

* ``token_cost``: tokens per pass;
* ``passes``: user access allocations held, or login passes in the pool (as bought, then
  after every change that moved tokens);
* ``allocated_tokens``: ``passes`` × ``token_cost`` (QRS ``allocatedTokens``);
* ``used_tokens``: for user access, the allocations whose user had a session in the run;
  for login access, the passes used and not yet back in the pool (each returns
  ``rules.login_pass_return`` after its use), at most the pool; in tokens (QRS
  ``usedTokens``);
* ``quarantined_tokens``: user access allocations removed and held back for their last
  user (QRS ``quarantinedTokens``); login passes are never quarantined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.scenario.entitlement import LOGIN_PASSES_PER_TOKEN, TOKENS_PER_USER_PASS

from .common import window
from .seats import seat_levels
from .usage import reclaim_candidates

if TYPE_CHECKING:
    from sim.result import Result

TOKEN_COST = {"user_pass": float(TOKENS_PER_USER_PASS), "login_pass": 1.0 / LOGIN_PASSES_PER_TOKEN}
"""Tokens per pass, by pass type (QRS ``tokenCost``)."""

COLUMNS = [
    "license",
    "type",
    "token_cost",
    "passes",
    "allocated_tokens",
    "used_tokens",
    "quarantined_tokens",
]


def login_pass_pool(result: Result, license_id: str) -> pd.DataFrame:
    """The size of a token license's login-pass pool over time: as bought, then after each
    change that moves tokens (read from its ``license_change`` events, recorded when the
    change takes effect; a remix sets it to 0)."""
    lic = result.scenario.license(license_id)
    assert lic.tokens is not None
    ev = result.events
    changes = ev[(ev["kind"] == "license_change") & (ev["license"] == license_id)]
    moved = changes["detail"].astype(str).str.extract(r"login_passes=(\d+)")[0].dropna()
    start = pd.Timestamp(result.scenario.start_at)
    return pd.DataFrame(
        {
            "time": [start, *changes.loc[moved.index, "time"]],
            "total": [lic.tokens.login_passes, *moved.astype(int)],
        }
    )


def _user_access(result: Result, license_id: str) -> tuple[int, int, int]:
    """A token license's user access allocations, those used in the run and those in
    quarantine, at the run's end: from its license-wide pool where it has one (an
    over-deployed LEF), else from its sites' own pools."""
    levels = {
        pool: df.iloc[-1]
        for (pool, typ), df in seat_levels(result).items()
        if typ == "user_pass" and (pool == license_id or pool.startswith(f"{license_id}@"))
    }
    rows = [levels[license_id]] if license_id in levels else list(levels.values())
    allocated = sum(int(r["allocated"]) for r in rows)
    quarantined = sum(int(r["quarantined"]) for r in rows)
    held = reclaim_candidates(result)
    mine = held[(held["license"] == license_id) & (held["type"] == "user_pass")]
    used = int(mine.drop_duplicates("user")["last_used"].notna().sum())
    return allocated, used, quarantined


def _login_access(result: Result, license_id: str) -> tuple[int, int]:
    """A token license's login passes in the pool, and those out of it (used within the
    return period before the run's end), at the run's end."""
    pool = int(login_pass_pool(result, license_id)["total"].iloc[-1])
    ev = result.events
    end = window(result)[1]
    since = end - pd.Timedelta(seconds=result.scenario.rules.login_pass_return)
    taken = ev[(ev["kind"] == "login_pass") & (ev["license"] == license_id)]["time"]
    # Passes still out when tokens moved away (a remix) are no longer the pool's.
    return pool, min(pool, int(((taken > since) & (taken <= end)).sum()))


def token_overview(result: Result) -> pd.DataFrame:
    """One row per token license and pass type: the passes and what they come to in tokens
    (the module's columns); empty for a run without a token license."""
    rows = []
    for lic in result.scenario.licenses:
        if lic.tokens is None:
            continue
        allocated, used, quarantined = _user_access(result, lic.id)
        pool, out = _login_access(result, lic.id)
        for typ, passes, in_use, held in (
            ("user_pass", allocated, used, quarantined),
            ("login_pass", pool, out, None),
        ):
            cost = TOKEN_COST[typ]
            rows.append(
                {
                    "license": lic.id,
                    "type": typ,
                    "token_cost": cost,
                    "passes": passes,
                    "allocated_tokens": passes * cost,
                    "used_tokens": in_use * cost,
                    "quarantined_tokens": np.nan if held is None else held * cost,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)
