"""The command a user types, measured: ``licsim run`` of the reference year end to end.

Runs ``licsim run`` (default options: tables, charts, report and workbook) as a
subprocess on the reference workload (``reference_year.yaml``) at 1k / 5k / 10k users over
365 days, and prints a Markdown table (the one in the README): the engine's seconds
(``wall_seconds``), each phase's seconds (from the run's ``metadata.json``), the whole
command's wall time and its peak RSS (``ru_maxrss`` of the child), and the ratio of the
command's time to the engine's. Not part of the test suite.

    python benchmarks/end_to_end.py [--users 10000] [--csv]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PHASES = ("simulate", "tables", "charts", "report", "workbook")


def measure(users: int, folder: Path, extra: list[str]) -> dict[str, float]:
    """One ``licsim run`` of ``users`` users over 365 days, in a fresh child process."""
    base = yaml.safe_load((HERE / "reference_year.yaml").read_text())
    for group in base["users"]:
        group["count"] = users // 2
    scenario = folder / f"reference-{users}.yaml"
    scenario.write_text(yaml.safe_dump(base))
    out = folder / f"out-{users}"
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(scenario), "--out", str(out), "-q", *extra],
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = _wait(child)
    wall = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"licsim run failed for {users} users (status {status})")
    meta = json.loads((out / "metadata.json").read_text())
    row = {"users": users, "engine": meta["wall_seconds"], "command": wall}
    row |= {p: meta["phases"].get(p, {}).get("seconds", 0.0) for p in PHASES}
    row["peak_gb"] = usage.ru_maxrss / 2**20  # kilobytes on Linux
    row["sessions"] = _sessions(out)
    return row


def _wait(child: subprocess.Popen[bytes]) -> tuple[int, int, resource.struct_rusage]:
    import os

    pid, status, usage = os.wait4(child.pid, 0)
    return pid, os.waitstatus_to_exitcode(status), usage


def csv_mismatches(out: Path) -> list[str]:
    """Every table's CSV read back against its Parquet file: the same rows and columns,
    timestamps equal to the second, numbers equal, text equal (empty as missing)."""
    import pandas as pd

    from sim.result import TABLES

    problems = []
    for table in TABLES:
        parquet = pd.read_parquet(out / f"{table}.parquet")
        csv = pd.read_csv(out / f"{table}.csv", engine="pyarrow", dtype_backend="pyarrow")
        if list(csv.columns) != list(parquet.columns) or len(csv) != len(parquet):
            problems.append(f"{table}: shape {csv.shape} against {parquet.shape}")
            continue
        for name, column in parquet.items():
            got = csv[name]
            if isinstance(column.dtype, pd.DatetimeTZDtype):
                read = pd.to_datetime(got.astype("string"), utc=True, format="ISO8601")
                written = column.dt.floor("s").dt.tz_convert("UTC")
                same = bool(((read == written) | (read.isna() & written.isna())).all())
            elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
                expected = column.astype(float).fillna(-1).to_numpy()
                same = bool((got.astype(float).fillna(-1).to_numpy() == expected).all())
            else:
                text = column.astype("string").str.lower() if column.dtype == bool else column
                same = bool(
                    (got.astype("string").fillna("") == text.astype("string").fillna("")).all()
                )
            if not same:
                problems.append(f"{table}.{name} differs")
    return problems


def _sessions(out: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(out / "sessions.parquet").metadata.num_rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="*", default=[1_000, 5_000, 10_000])
    parser.add_argument(
        "--csv",
        action="store_true",
        help="run with --csv and check that every CSV reads back equal to its Parquet table",
    )
    args = parser.parse_args()
    extra = ["--csv"] if args.csv else []
    print(
        "| users | sessions | engine s | tables s | charts s | report s | workbook s "
        "| command s | command / engine | peak RSS | bytes / session |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="licsim-e2e-") as scratch:
        for users in args.users:
            r = measure(users, Path(scratch), extra)
            if args.csv:
                wrong = csv_mismatches(Path(scratch) / f"out-{users}")
                print(f"  CSV against Parquet: {'; '.join(wrong) or 'every table equal'}")
            per_session = r["peak_gb"] * 2**30 / max(r["sessions"], 1)
            print(
                f"| {users:,} | {r['sessions']:,} | {r['engine']:.1f} | {r['tables']:.1f} "
                f"| {r['charts']:.1f} | {r['report']:.1f} | {r['workbook']:.1f} "
                f"| {r['command']:.1f} | {r['command'] / r['engine']:.1f}× "
                f"| {r['peak_gb']:.2f} GB | {per_session:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
