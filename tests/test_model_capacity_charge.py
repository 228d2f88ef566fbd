"""The capacity ledger's charge of many sessions at once: the same months, to the last bit,
and the same running units as charging them round after round, as the exact path's order
does. Built on the example with capacity that runs out, with a unit of 100 s (5/3 of a
minute), whose minutes add up differently in another order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import load_scenario
from sim.model.capacity import CapacityLedger
from sim.model.world import build_world
from sim.recorder import Recorder

ROOT = Path(__file__).resolve().parent.parent
UNIT = 100.0


def ledger() -> CapacityLedger:
    sc = load_scenario(ROOT / "scenarios/capacity-runs-out.yaml").with_overrides(
        {"rules.capacity_unit": "100s"}
    )
    return CapacityLedger(build_world(sc, 0, None), Recorder(), 1)


def day(seed: int, devices: int, rounds: int) -> dict[str, np.ndarray]:
    """``rounds`` sessions on each of ``devices`` devices, one after another, each with a
    few units ``UNIT`` or more apart around the January/February boundary."""
    rng = np.random.default_rng(seed)
    feb = 31 * 86400.0
    n = devices * rounds
    count = rng.integers(0, 5, n)
    ptr = np.concatenate([[0], np.cumsum(count)])
    units = np.empty(ptr[-1])
    key = np.repeat(np.arange(devices), rounds)
    order = np.tile(np.arange(rounds), devices)
    at = feb - 3600.0 + rng.uniform(0, 600, devices)
    for i in range(n):  # in device order: each session's units after the one before
        d = key[i]
        gaps = UNIT + rng.exponential(200.0, count[i])
        units[ptr[i] : ptr[i + 1]] = at[d] + np.cumsum(gaps)
        at[d] = units[ptr[i + 1] - 1] + UNIT if count[i] else at[d] + 50.0
    charged = np.minimum(count, rng.integers(0, 5, n))
    return {"key": key, "order": order, "units": units, "ptr": ptr, "charged": charged}


def charge(led: CapacityLedger, d: dict[str, np.ndarray], rows: np.ndarray) -> None:
    counts = np.diff(d["ptr"])[rows]
    ptr = np.concatenate([[0], np.cumsum(counts)])
    units = np.concatenate([d["units"][d["ptr"][i] : d["ptr"][i + 1]] for i in rows] or [[]])
    n = rows.size
    led.charge_many(
        np.zeros(n, dtype=np.int64),
        d["key"][rows],
        d["order"][rows],
        units,
        ptr,
        d["charged"][rows],
        np.zeros(n, dtype=bool),
        units[ptr[:-1].clip(max=max(units.size - 1, 0))] if units.size else np.zeros(n),
        np.zeros(n, dtype=np.int64),
        d["key"][rows],
        np.zeros(n, dtype=np.int64),
    )


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 5))
def test_sessions_charged_at_once_are_charged_as_round_after_round(
    seed: int, devices: int, rounds: int
) -> None:
    d = day(seed, devices, rounds)
    together, one_by_one = ledger(), ledger()
    for led in (together, one_by_one):
        led.world.licenses[0].meter.months[0].consumed = 1.0  # a whole minute before the start
    charge(together, d, np.arange(devices * rounds))
    for j in range(rounds):
        charge(one_by_one, d, np.flatnonzero(d["order"] == j))
    a, b = together.world.licenses[0].meter.months, one_by_one.world.licenses[0].meter.months
    assert [m.consumed for m in a] == [m.consumed for m in b]  # exactly, not approximately
    np.testing.assert_array_equal(together.running, one_by_one.running)
    assert sum(m.consumed for m in a) == pytest.approx(1.0 + d["charged"].sum() * UNIT / 60.0)
