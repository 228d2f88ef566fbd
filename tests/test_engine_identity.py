"""Before/after harness for engine refactors: every table, both paths, against golden files.

A refactor of the engine must not change a single row. This harness runs every example
scenario in ``scenarios/``, every ``tests/scenarios/`` file and 50 random scenarios from
:mod:`strategies` (drawn derandomized) on the fast and on the exact path, and compares each
result table (and the capacity units) with ``pandas.testing.assert_frame_equal``.

Golden tables are written from the code before the refactor, outside the repository::

    PYTHONPATH=$PWD python tests/test_engine_identity.py write /tmp/engine-golden

and compared after every step with ``LICSIM_GOLDEN=/tmp/engine-golden`` set. Without it the
test only checks, quickly, that both paths agree on the ``tests/scenarios/`` files (the
example scenarios and random ones are covered by ``test_model_fastpath``). The random
scenarios are stored with the golden tables, so the comparison does not depend on the
strategies staying the same.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strategies import scenarios

from sim import load_scenario, parse_scenario
from sim.model.engine import run_engine
from sim.result import build_result
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    *sorted((ROOT / "scenarios").glob("*.yaml")),
    *sorted((ROOT / "tests/scenarios").glob("*.yaml")),
]
RANDOM = 50
GOLDEN = os.environ.get("LICSIM_GOLDEN")
PATHS = {"fast": True, "exact": False}


def file_case(path: Path) -> str:
    where = "tests" if path.parent.parent.name == "tests" else "examples"
    return f"{where}-{path.stem}"


def random_scenarios(n: int = RANDOM) -> list[dict[str, Any]]:
    """``n`` different scenarios drawn from the strategies, the same ones on every call."""
    drawn: dict[str, dict[str, Any]] = {}

    @settings(
        derandomize=True,
        database=None,
        max_examples=10 * n,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(scenarios())
    def draw(data: dict[str, Any]) -> None:
        drawn.setdefault(repr(data), data)

    draw()
    return list(drawn.values())[:n]


def tables(sc: Scenario, fast: bool) -> dict[str, pd.DataFrame]:
    """Every table of one run, and the capacity units."""
    result = build_result(*run_engine(sc, fast=fast, record_units=True))
    out = dict(result.tables())
    assert result.units is not None
    out["units"] = result.units
    return out


def through_parquet(df: pd.DataFrame) -> pd.DataFrame:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    buf.seek(0)
    return pd.read_parquet(buf)


def write_golden(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, Scenario]] = [(file_case(p), load_scenario(p)) for p in FILES]
    drawn = random_scenarios()
    (folder / "random.pkl").write_bytes(pickle.dumps(drawn))
    cases += [(f"random-{k:02d}", parse_scenario(d)) for k, d in enumerate(drawn)]
    for case, sc in cases:
        for path, fast in PATHS.items():
            out = folder / case / path
            out.mkdir(parents=True, exist_ok=True)
            for name, df in tables(sc, fast).items():
                df.to_parquet(out / f"{name}.parquet", index=False)
        print(case, flush=True)


def golden_cases() -> list[str]:
    if GOLDEN is None:
        return []
    return sorted(p.name for p in Path(GOLDEN).iterdir() if p.is_dir())


def _scenario(case: str) -> Scenario:
    if case.startswith("random-"):
        assert GOLDEN is not None
        drawn = pickle.loads((Path(GOLDEN) / "random.pkl").read_bytes())
        return parse_scenario(drawn[int(case.removeprefix("random-"))])
    return load_scenario(next(p for p in FILES if file_case(p) == case))


@pytest.mark.skipif(GOLDEN is None, reason="LICSIM_GOLDEN names no folder of golden tables")
@pytest.mark.parametrize("case", golden_cases())
def test_tables_match_the_golden_ones(case: str) -> None:
    assert GOLDEN is not None
    sc = _scenario(case)
    for path, fast in PATHS.items():
        golden = Path(GOLDEN) / case / path
        for name, df in tables(sc, fast).items():
            expected = pd.read_parquet(golden / f"{name}.parquet")
            # Both sides as they read back from Parquet, the golden files' form.
            pd.testing.assert_frame_equal(
                through_parquet(df), expected, obj=f"{case} {path} {name}"
            )


TEST_FILES = sorted((ROOT / "tests/scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", TEST_FILES, ids=[p.stem for p in TEST_FILES])
def test_both_paths_agree_on_the_test_scenarios(path: Path) -> None:
    sc = load_scenario(path)
    fast, exact = tables(sc, True), tables(sc, False)
    for name, df in fast.items():
        pd.testing.assert_frame_equal(df, exact[name], obj=f"{path.stem} {name}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "write":
        sys.exit("usage: test_engine_identity.py write FOLDER")
    write_golden(Path(sys.argv[2]))
