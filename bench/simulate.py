"""The firm simulator: two years of engagements through the whole loop, in real workbooks.

    .venv/bin/python bench/simulate.py [OUT] [--engagements 32] [--seed 2026]
                                       [--noise 0.12] [--force] [--json]

Builds a workspace in ``OUT/firm`` (default ``sim-out``) and, for each engagement in
StartDate order, writes its scope, prices it on P50 against the catalog as the last sync
left it, books the true hours in weekly timesheets, marks it Completed and syncs. Prints
the accuracy curve (median |RE| of the catalog's and the calibrated estimates by earlier
deliveries of the SKU × role) and the summary after >= 5 deliveries, and writes
``OUT/accuracy.xlsx`` with the curve as a native Excel line chart. The same seed gives the
same numbers. Not a test: no thresholds (tests/demo/test_simulate.py runs a small firm).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from psos_xl.demo.simulate import SimConfig, run_simulation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("sim-out"))
    parser.add_argument("--engagements", type=int, default=SimConfig.engagements)
    parser.add_argument("--seed", type=int, default=SimConfig.seed)
    parser.add_argument("--noise", type=float, default=SimConfig.noise)
    parser.add_argument("--force", action="store_true", help="replace OUT/firm")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    def progress(done: int, total: int, code: str) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{done}/{total} {code:<10}")
            sys.stderr.flush()

    config = SimConfig(engagements=args.engagements, seed=args.seed, noise=args.noise)
    result = run_simulation(args.out, config, progress=progress, force=args.force)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
