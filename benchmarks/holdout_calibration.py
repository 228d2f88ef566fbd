"""Hold-out validation of the calibration (issue #12 item 6), printed as tables.

For each site: import it (as ``licsim import`` does), fit licsim's behaviour model to the
first two thirds of the trace (whole weeks), with the site's calendar of public holidays,
simulate the remaining weeks for ``--replications`` seeded replications, and print per
week the observed sessions, distinct users and peak concurrent sessions against the
replications' 95 % band (:mod:`sim.calibration.holdout`). Sites: the shipped example (13
weeks, 4 held out), and generated with :mod:`sim.importers.synthetic` (seed 3, Germany's
public holidays): a full year (17 held out) and three years (52 held out).

``--seeds 1-10`` adds, for full-year sites of those seeds, one line each: how many held-out
weeks of each metric fall outside the band — the spread a 95 % band gives by design.

    python benchmarks/holdout_calibration.py [--replications 200] [--seeds 1-10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sim.calibration.holdout import METRICS, Holdout, holdout
from sim.importers.site_import import import_site, site_scenario_text
from sim.importers.synthetic import generate_site, german_holidays

ROOT = Path(__file__).resolve().parent.parent
START = date(2026, 1, 5)


def run(site: Path, replications: int, holidays: tuple[date, ...]) -> tuple[Holdout, int]:
    result = import_site([site / "logs", site / "qrs"], tz="Europe/Berlin")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        text = site_scenario_text(result, out, tz="Europe/Berlin", name="s", sources=["s"])
        h = holdout(
            result.trace, text, replications=replications, base=str(out), known_holidays=holidays
        )
    return h, len(result.trace)


def table(name: str, site: Path, replications: int, holidays: tuple[date, ...]) -> None:
    began = time.perf_counter()
    h, n = run(site, replications, holidays)
    wide = h.table.pivot(index="week", columns="metric")
    print(f"\n## {name}: {n:,} sessions, {replications} replications")
    print(f"{'week':<11}" + "".join(f"{m:>30}" for m in METRICS))
    for week in wide.index:
        cells = []
        for m in METRICS:
            obs, low, high = (wide.loc[week, (c, m)] for c in ("observed", "low", "high"))
            mark = " " if wide.loc[week, ("inside", m)] else "*"
            cells.append(f"{obs:>8.0f} in [{low:>7.1f}, {high:>7.1f}]{mark}")
        print(f"{week!s:<11}" + "".join(f"{c:>30}" for c in cells))
    inside = h.table.groupby("metric", sort=False)["inside"].agg(["sum", "size"])
    print(
        "inside the band: "
        + ", ".join(
            f"{m} {r['sum']} / {r['size']} ({r['sum'] / r['size']:.0%})"
            for m, r in inside.iterrows()
        )
    )
    print(f"({time.perf_counter() - began:.1f} s; * outside the band)")


def _days(end: date) -> int:
    return (end - START).days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--seeds", default="", help="e.g. 1-10: full-year sites of those seeds")
    args = parser.parse_args()
    table("examples/site", ROOT / "examples" / "site", args.replications, (date(2026, 4, 3),))
    year = german_holidays(range(2026, 2027))
    three = german_holidays(range(2026, 2029))
    with tempfile.TemporaryDirectory() as tmp:
        a = Path(tmp) / "a"
        generate_site(a, seed=3, start=START, days=_days(date(2027, 1, 1)), holidays=year)
        table("generated, seed 3, Jan 5 – Dec 31 2026", a, args.replications, year)
        b = Path(tmp) / "b"
        generate_site(b, seed=3, start=START, days=_days(date(2029, 1, 1)), holidays=three)
        table("generated, seed 3, Jan 5 2026 – Dec 31 2028", b, args.replications, three)
        if args.seeds:
            first, _, last = args.seeds.partition("-")
            print("\n## full-year sites by seed: held-out weeks outside the band (of 17)")
            for seed in range(int(first), int(last or first) + 1):
                site = Path(tmp) / f"s{seed}"
                generate_site(
                    site, seed=seed, start=START, days=_days(date(2027, 1, 1)), holidays=year
                )
                h, _ = run(site, args.replications, year)
                out = (~h.table["inside"]).groupby(h.table["metric"], sort=False).sum()
                print(f"seed {seed:>2}: " + ", ".join(f"{m} {v}" for m, v in out.items()))


if __name__ == "__main__":
    main()
