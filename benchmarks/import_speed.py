"""How long ``licsim import`` takes on a million Engine session log rows, and how much memory.

Writes ``--rows`` rows (default 1,000,000) of Qlik Sense Engine session log — the same
25 columns the test-data generator writes — split over ``--files`` archived log files of
three nodes, then runs ``licsim import`` on them as a subprocess and prints the wall time
and the child's peak resident memory (``ru_maxrss``). The rows are made with numpy, not
with :mod:`sim.importers.synthetic`, so that writing them takes seconds.

    python benchmarks/import_speed.py [--rows 1000000] [--files 12] [--keep DIR]

The target (issue #12) is under a minute for a million rows on this machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.importers.synthetic import ENGINE_HEADER


def _compact(ts: pd.DatetimeIndex) -> np.ndarray:
    """Qlik's compact timestamp form with a +0100 offset (the rows are in winter time)."""
    return (
        ts.strftime("%Y%m%dT%H%M%S.") + (ts.microsecond // 1000).astype(str).str.zfill(3) + "+0100"
    ).to_numpy()


def write_rows(folder: Path, rows: int, files: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    nodes = np.array(["QSCENTRAL", "QSRIM1", "QSRIM2"])
    users = 20_000
    base = pd.Timestamp("2026-01-05 06:00")
    start = base + pd.to_timedelta(np.sort(rng.uniform(0, 90 * 86400, rows)), unit="s")
    dur = np.minimum(rng.lognormal(np.log(14 * 60), 1.0, rows), 36000)
    end = start + pd.to_timedelta(dur, unit="s")
    u = rng.integers(0, users, rows)
    sel = rng.poisson(dur / 60.0)
    h = (dur * 1000).astype(np.int64)
    hh, rem = np.divmod(h, 3_600_000)
    mm, rem = np.divmod(rem, 60_000)
    ss, ms = np.divmod(rem, 1000)
    dur_txt = (
        pd.Series(hh).astype(str).str.zfill(2)
        + ":"
        + pd.Series(mm).astype(str).str.zfill(2)
        + ":"
        + pd.Series(ss).astype(str).str.zfill(2)
        + "."
        + pd.Series(ms).astype(str).str.zfill(3)
    )
    ids = pd.Series(np.arange(rows)).map(lambda i: f"{i:08x}-0000-4000-8000-{i:012x}")
    frame = pd.DataFrame(
        {
            "Sequence#": np.arange(1, rows + 1),
            "ProductVersion": "14.113.1",
            "Timestamp": _compact(pd.DatetimeIndex(end)),
            "Severity": "INFO",
            "Hostname": nodes[rng.integers(0, 3, rows)],
            "Id": ids,
            "Description": "Session ended",
            "ProxySessionId": ids,
            "ProxyPackageId": "0",
            "RequestSequenceId": "0",
            "ActiveUserDirectory": np.where(u % 5 == 0, "PARTNER", "CORP"),
            "ActiveUserId": pd.Series(u).map(lambda i: f"u{i:05d}"),
            "ProcessId": "4812",
            "EngineTimestamp": _compact(pd.DatetimeIndex(end)),
            "Session Start": _compact(pd.DatetimeIndex(start)),
            "Session Duration": dur_txt,
            "CPU Spent (s)": "0.412",
            "Bytes Received": "91000",
            "Bytes Sent": "520000",
            "Calls": "105",
            "Selections": sel,
            "AppId": "6a1f6f2e-9c3b-4f57-8a64-0b6f0a7b1d11",
            "App Title": "Sales Overview",
            "Exit Reason": "Socket closed by client",
            "Client Machine": "PC0001",
        }
    )[ENGINE_HEADER]
    folder.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(np.array_split(np.arange(rows), files)):
        stamp = f"2026-{1 + i // 10:02d}-{1 + i % 28:02d}T00.00.{i:02d}"
        name = f"{nodes[i % 3]}_Session_Engine_{stamp}Z.log"
        frame.iloc[part].to_csv(folder / name, sep="\t", index=False)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=12)
    ap.add_argument("--keep", type=Path, default=None, help="write the logs here and keep them")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        logs = root / "logs"
        t0 = time.perf_counter()
        write_rows(logs, args.rows, args.files)
        size = sum(p.stat().st_size for p in logs.iterdir())
        print(
            f"wrote {args.rows:,} rows, {size / 1e6:,.0f} MB in {args.files} files "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "import",
            str(logs),
            "--out",
            str(root / "out"),
            "--timezone",
            "Europe/Berlin",
            "--force",
        ]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
        wall = time.perf_counter() - t0
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode:
            print(done.stdout, done.stderr, sep="\n")
            return done.returncode
        print(done.stdout.splitlines()[1] if done.stdout else "")
        print(f"licsim import: {wall:.1f} s wall, peak RSS {peak_kb / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
