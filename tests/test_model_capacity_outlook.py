"""The capacity ledger's outlook for a day: when order between users cannot matter.

Built on the example with capacity that runs out (75,000 minutes a month, 6-minute units)
and a day of hand-made sessions around the January/February boundary.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim import load_scenario
from sim.model.capacity import CapacityLedger
from sim.model.world import build_world
from sim.recorder import Recorder

ROOT = Path(__file__).resolve().parent.parent
HOUR = 3600.0


def ledger_and_day(jan_left_units: float) -> tuple[CapacityLedger, object, float]:
    world = build_world(load_scenario(ROOT / "scenarios/capacity-runs-out.yaml"), 0, None)
    ledger = CapacityLedger(world, Recorder(), 1)
    meter = world.licenses[0].meter
    meter.months[0].consumed = meter.months[0].limit - jan_left_units * meter.unit
    feb = (pd.Timestamp("2026-02-01T00:00Z") - pd.Timestamp("2026-01-01T00:00Z")).total_seconds()
    # Three sessions on 31 January, the last running past midnight into February.
    start = feb - np.array([6 * HOUR, 3 * HOUR, 1 * HOUR])
    day = SimpleNamespace(start=start, end=start + np.array([HOUR, HOUR, 2 * HOUR]))
    return ledger, day, feb


def outlook(ledger: CapacityLedger, day: object, **extra: float) -> tuple[bool, float, float]:
    rows = np.arange(3)
    return ledger.outlook(ledger.world.licenses[0], day, rows, **extra)  # type: ignore[arg-type]


def test_a_spent_month_then_an_ample_one_refuses_exactly_the_units_before_the_reset() -> None:
    ledger, day, feb = ledger_and_day(jan_left_units=0)
    assert outlook(ledger, day) == (False, -math.inf, feb)


def test_a_month_with_a_few_units_left_makes_the_order_matter() -> None:
    # 3 sessions can start up to 10 + 10 + 20 + 3 units; 5 left in January is not enough.
    ledger, day, _ = ledger_and_day(jan_left_units=5)
    assert outlook(ledger, day) == (True, math.inf, math.inf)


def test_room_for_every_possible_unit_and_one_more_needs_no_order() -> None:
    ledger, day, _ = ledger_and_day(jan_left_units=44)  # 40 + 3 possible, and one more
    assert outlook(ledger, day) == (False, math.inf, math.inf)
    ledger, day, _ = ledger_and_day(jan_left_units=43)
    assert outlook(ledger, day)[0]


def test_units_of_sessions_under_way_on_the_exact_path_count_towards_the_risk() -> None:
    ledger, day, _ = ledger_and_day(jan_left_units=44)
    assert outlook(ledger, day, extra=1.0, extra_end=0.0)[0]


def test_a_month_spent_for_the_whole_day_refuses_every_unit() -> None:
    ledger, day, _ = ledger_and_day(jan_left_units=0)
    day.end = day.start + 600.0  # type: ignore[attr-defined]
    assert outlook(ledger, day) == (False, -math.inf, math.inf)
