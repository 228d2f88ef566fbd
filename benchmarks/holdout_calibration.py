"""Hold-out validation of the calibration (issue #12 item 6), printed as tables.

For each site: import it (as ``licsim import`` does), fit licsim's behaviour model to the
first two thirds of the trace (whole weeks), simulate the remaining weeks for
``--replications`` seeded replications, and print per week the observed sessions, distinct
users and peak concurrent sessions against the replications' 95 % band
(:mod:`sim.calibration.holdout`). Sites: the shipped example (13 weeks) and two generated
with :mod:`sim.importers.synthetic` (other seed, 26 weeks: one ending on a month end,
one ending mid-week a few days into a month).

    python benchmarks/holdout_calibration.py [--replications 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sim.calibration.holdout import holdout
from sim.importers.site_import import import_site, site_scenario_text
from sim.importers.synthetic import generate_site

ROOT = Path(__file__).resolve().parent.parent


def run(name: str, site: Path, replications: int) -> None:
    began = time.perf_counter()
    result = import_site([site / "logs", site / "qrs"], tz="Europe/Berlin")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        text = site_scenario_text(result, out, tz="Europe/Berlin", name=name, sources=[name])
        h = holdout(result.trace, text, replications=replications, base=str(out))
    wide = h.table.pivot(index="week", columns="metric")
    print(f"\n## {name}: {len(result.trace):,} sessions, {replications} replications")
    print(f"{'week':<11}" + "".join(f"{m:>30}" for m in ("sessions", "users", "peak_concurrent")))
    for week in wide.index:
        cells = []
        for m in ("sessions", "users", "peak_concurrent"):
            obs, low, high = (wide.loc[week, (c, m)] for c in ("observed", "low", "high"))
            mark = " " if wide.loc[week, ("inside", m)] else "*"
            cells.append(f"{obs:>8.0f} in [{low:>7.1f}, {high:>7.1f}]{mark}")
        print(f"{week!s:<11}" + "".join(f"{c:>30}" for c in cells))
    cov = h.coverage()
    print("inside the band: " + ", ".join(f"{m} {v:.0%}" for m, v in cov.items()))
    print(f"({time.perf_counter() - began:.1f} s; * outside the band)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=40)
    args = parser.parse_args()
    run("examples/site", ROOT / "examples" / "site", args.replications)
    with tempfile.TemporaryDirectory() as tmp:
        month_end = Path(tmp) / "a"
        generate_site(month_end, seed=3, start=date(2026, 1, 5), days=177)  # to Jun 30
        run("generated, seed 3, Jan 5 – Jun 30", month_end, args.replications)
        mid = Path(tmp) / "b"
        generate_site(mid, seed=3, start=date(2026, 1, 5), days=182)  # to Jul 5
        run("generated, seed 3, Jan 5 – Jul 5", mid, args.replications)


if __name__ == "__main__":
    main()
