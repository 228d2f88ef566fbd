"""``python -m sim.importers.generate --out DIR --seed N``: write a generated Qlik Sense site.

A thin command line over :func:`sim.importers.synthetic.generate_site`. It writes
``DIR/logs/`` (live and archived logs of every node), ``DIR/qrs/`` (QRS JSON exports) and
``DIR/expected.json`` (the totals an import must find). It does not need the ``licsim``
command and does not import licsim's model.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from sim.importers.synthetic import generate_site, truth_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.importers.generate", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the site into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 5))
    parser.add_argument("--days", type=int, default=91)
    parser.add_argument("--timezone", default="Europe/Berlin")
    parser.add_argument("--no-malformed", action="store_true", help="write no damaged lines")
    args = parser.parse_args(argv)
    truth = generate_site(
        args.out,
        seed=args.seed,
        users=args.users,
        start=args.start,
        days=args.days,
        timezone=args.timezone,
        malformed=not args.no_malformed,
    )
    (args.out / "expected.json").write_text(truth_json(truth))
    print(
        f"wrote {truth.sessions:,} sessions of {truth.users} users in {truth.engine_files} engine "
        f"log files → {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
