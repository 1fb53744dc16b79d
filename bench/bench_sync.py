"""psos sync against the analyst's pandas script, cold and no-change, with peak memory.

    .venv/bin/python bench/bench_sync.py [--n 1000] [--quick] [--workers 2]

Builds a seeded corpus (:mod:`corpus`: N timesheets of ~40 rows, a catalog, scopes),
then times, side by side:

(a) the analyst's script: ``pandas.read_excel(path, sheet_name="Time", header=2)`` per
    file (the header sits in row 3), ``concat``, ``to_sql`` into a fresh SQLite;
(b) ``psos sync`` cold (a fresh store), with one worker (the default): in process and
    as the CLI in a subprocess (start-up included); then in process with ``--workers``
    (a process pool, 2 by default) when that is more than 1. The rows psos stores in
    ``time_entries`` are checked against the analyst's row count: both read the same
    Time tables;
(c) a no-change re-sync: the CLI and in process;
(d) the peak RSS of a cold in-process sync at N/4 and N, to show how memory grows
    with the number of files.

Prints times and the ratios cold-vs-analyst and cold-vs-resync. Not a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import build_corpus

PY = sys.executable


def analyst(root: Path, db: Path) -> int:
    import pandas as pd

    frames = [
        pd.read_excel(p, sheet_name="Time", header=2, engine="openpyxl")
        for p in sorted((root / "timesheets").rglob("*.xlsx"))
    ]
    data = pd.concat(frames, ignore_index=True)
    with sqlite3.connect(db) as conn:
        data.to_sql("time_entries", conn, if_exists="replace", index=False)
    return len(data)


def fresh(root: Path) -> None:
    shutil.rmtree(root / ".psos", ignore_errors=True)


def in_process(root: Path, workers: int) -> tuple[float, dict[str, object]]:
    from psos_xl.sync import sync_workspace

    start = time.perf_counter()
    result = sync_workspace(root, workers=workers)
    return time.perf_counter() - start, result.to_json()


def time_entries(root: Path) -> int:
    with sqlite3.connect(root / ".psos" / "store.sqlite") as conn:
        return int(conn.execute("SELECT count(*) FROM time_entries").fetchone()[0])


def cli(root: Path, workers: int) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    run = subprocess.run(
        [PY, "-m", "psos_xl", "sync", str(root), "--json", "--workers", str(workers)],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - start
    if run.returncode not in (0, 1):
        raise SystemExit(run.stderr)
    return took, json.loads(run.stdout)


_PEAK = """
import resource, sys
from pathlib import Path
from psos_xl.sync import sync_workspace
sync_workspace(Path(sys.argv[1]), workers=int(sys.argv[2]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_mib(root: Path, workers: int) -> float | None:
    """Peak RSS of a cold sync in a fresh interpreter (POSIX; None elsewhere)."""
    if sys.platform == "win32":
        return None
    fresh(root)
    run = subprocess.run([PY, "-c", _PEAK, str(root), str(workers)], capture_output=True, text=True)
    kib = int(run.stdout.strip().splitlines()[-1])
    return kib / (1024 * 1024) if sys.platform == "darwin" else kib / 1024


def bench(n: int, workers: int, work: Path) -> None:
    root = work / f"corpus-{n}"
    t = time.perf_counter()
    build_corpus(root, n)
    print(f"\nN = {n} timesheets (corpus built in {time.perf_counter() - t:.1f} s)")

    t = time.perf_counter()
    rows = analyst(root, work / f"analyst-{n}.sqlite")
    t_analyst = time.perf_counter() - t
    print(f"  (a) analyst pandas read_excel + to_sql: {t_analyst:7.2f} s  ({rows} rows)")

    fresh(root)
    t_cold, cold = in_process(root, 1)
    entries = time_entries(root)
    print(
        f"  (b) psos sync cold, in process:         {t_cold:7.2f} s  "
        f"({cold['rows']} rows, {entries} time entries, "
        f"{len(cold['issues'])} issues)"  # type: ignore[arg-type]
    )
    if entries != rows:
        print(f"      !! psos stored {entries} time entries, the analyst {rows} rows")
    if workers > 1:
        fresh(root)
        t_pool, _ = in_process(root, workers)
        print(f"      psos sync cold, in process, {workers} workers: {t_pool:5.2f} s")
    fresh(root)
    t_cold_cli, _ = cli(root, 1)
    print(f"      psos sync cold, CLI subprocess:     {t_cold_cli:7.2f} s")
    t_re_cli, re = cli(root, 1)
    print(f"  (c) no-change re-sync, CLI subprocess:  {t_re_cli:7.2f} s  (read {re['read']})")
    t_re, _ = in_process(root, 1)
    print(f"      no-change re-sync, in process:      {t_re:7.2f} s")
    print(
        f"  cold vs analyst:  {t_analyst / t_cold:5.1f}x in process, "
        f"{t_analyst / t_cold_cli:5.1f}x CLI"
    )
    print(
        f"  cold vs re-sync:  {t_cold / t_re:5.1f}x in process, {t_cold_cli / t_re_cli:5.1f}x CLI"
    )


def memory(n: int, workers: int, work: Path) -> None:
    small = max(1, n // 4)
    sizes = {}
    for size in (small, n):
        root = work / f"corpus-{size}"
        if not root.exists():
            build_corpus(root, size)
        sizes[size] = peak_mib(root, 1)  # a pool cannot spawn from a `python -c` script
    if None in sizes.values():
        print("  (d) peak memory: not measured on this platform")
        return
    print(
        f"  (d) peak RSS of a cold sync: {small} files {sizes[small]:.0f} MiB, "
        f"{n} files {sizes[n]:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="only N=100")
    parser.add_argument(
        "--workers", type=int, default=2, help="the pool size of the extra cold run (1: none)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="psos-bench-") as tmp:
        work = Path(tmp)
        sizes = [100] if args.quick else [100, args.n]
        for n in sizes:
            bench(n, args.workers, work)
        memory(sizes[-1], args.workers, work)


if __name__ == "__main__":
    main()
