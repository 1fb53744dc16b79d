"""psos sync against the analyst's pandas script, cold and no-change, with peak memory.

    .venv/bin/python bench/bench_sync.py [--n 1000] [--quick] [--workers 2]

Builds a seeded corpus (:mod:`corpus`: N timesheets of ~40 rows, a catalog, scopes),
then times, side by side:

(a) the analyst's script: ``pandas.read_excel(path, sheet_name="Time", header=2)`` per
    file (the header sits in row 3), ``concat``, ``to_sql`` into a fresh SQLite;
(b) ``psos sync`` cold (a fresh store), in process and as the CLI in a subprocess
    (start-up included), each with one process and with ``--workers`` (a process pool,
    2 by default). The rows psos stores in ``time_entries`` are checked against the
    analyst's row count: both read the same Time tables;
(c) a no-change re-sync: the CLI and in process (both answered without the engine, see
    ``psos_xl.sync.quick``), and through the engine for reference;

Each measurement runs in an interpreter of its own, so none inherits another's heap;
"in process" times the sync call alone (imports excluded), "CLI" the whole command.
(d) the peak RSS of a cold in-process sync at N/4 and N, to show how memory grows
    with the number of files.

psos' timings are the best of ``--repeat`` runs (noise on a shared machine only adds
time); the analyst's script runs once, as it takes long enough to be steady. Prints
times and the ratios cold-vs-analyst and cold-vs-resync. Not a test.
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
from collections.abc import Callable
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


_ANALYST = """
import sys, time
sys.path.insert(0, sys.argv[3])
from bench_sync import analyst
from pathlib import Path
start = time.perf_counter()
rows = analyst(Path(sys.argv[1]), Path(sys.argv[2]))
print(time.perf_counter() - start, rows)
"""


def analyst_alone(root: Path, db: Path) -> tuple[float, int]:
    """The analyst's script in a fresh interpreter (pandas' import counted, as when it
    runs as a script): its time and the rows it stored."""
    here = str(Path(__file__).parent)
    run = subprocess.run(
        [PY, "-c", _ANALYST, str(root), str(db), here], capture_output=True, text=True
    )
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    took, rows = run.stdout.split()
    return float(took), int(rows)


def fresh(root: Path) -> None:
    shutil.rmtree(root / ".psos", ignore_errors=True)


_IN_PROCESS = """
import json, sys, time
from pathlib import Path
from psos_xl.sync.outputs import sync_workspace  # imported before the clock starts
root, workers, quick = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "quick"
start = time.perf_counter()
result = sync_workspace(root, workers=workers, quick=quick)
took = time.perf_counter() - start
print(json.dumps({"took": took, "result": result.to_json()}))
"""


def in_process(root: Path, workers: int, quick: bool = True) -> tuple[float, dict[str, object]]:
    """``sync_workspace`` timed inside a fresh interpreter (its imports not counted):
    nothing left over from another measurement (the analyst's heap) slows it."""
    how = "quick" if quick else "engine"
    run = subprocess.run(
        [PY, "-c", _IN_PROCESS, str(root), str(workers), how], capture_output=True, text=True
    )
    if run.returncode not in (0, 1):
        raise SystemExit(run.stderr)
    out = json.loads(run.stdout.strip().splitlines()[-1])
    return float(out["took"]), dict(out["result"])


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


def best(times: int, run: Callable[[], tuple[float, dict[str, object]]]) -> float:
    """The best of ``times`` runs: psos' runs are short, and a shared machine's noise
    only ever adds time."""
    return min(run()[0] for _ in range(times))


def bench(n: int, workers: int, work: Path, repeat: int) -> None:
    root = work / f"corpus-{n}"
    t = time.perf_counter()
    build_corpus(root, n)
    print(f"\nN = {n} timesheets (corpus built in {time.perf_counter() - t:.1f} s)")

    t_analyst, rows = analyst_alone(root, work / f"analyst-{n}.sqlite")
    print(f"  (a) analyst pandas read_excel + to_sql: {t_analyst:7.2f} s  ({rows} rows)")

    def cold(run: Callable[[Path, int], tuple[float, dict[str, object]]], w: int) -> float:
        def once() -> tuple[float, dict[str, object]]:
            fresh(root)
            return run(root, w)

        return best(repeat, once)

    fresh(root)
    _, first = in_process(root, 1)
    entries = time_entries(root)
    print(
        f"  (b) psos sync cold ({first['rows']} rows, {entries} time entries, "
        f"{len(first['issues'])} issues), best of {repeat}:"  # type: ignore[arg-type]
    )
    if entries != rows:
        print(f"      !! psos stored {entries} time entries, the analyst {rows} rows")
    cells = {}
    for w in sorted({1, workers}):
        cells[("in process", w)] = cold(in_process, w)
        cells[("CLI", w)] = cold(cli, w)
    for (where, w), took in cells.items():
        print(
            f"      {where:10s} workers={w}: {took:6.2f} s  = {t_analyst / took:5.1f}x "
            "faster than the analyst"
        )
    fresh(root)
    in_process(root, 1)
    t_re_cli = best(repeat, lambda: cli(root, 1))
    t_re = best(repeat, lambda: in_process(root, 1))
    t_engine = best(repeat, lambda: engine_only(root))
    print(f"  (c) no-change re-sync, best of {repeat}:")
    print(f"      CLI:        {t_re_cli:6.3f} s")
    print(f"      in process: {t_re:6.3f} s  (through the engine, no shortcut: {t_engine:.3f} s)")
    cold_cli = min(v for (where, _w), v in cells.items() if where == "CLI")
    cold_in = min(v for (where, _w), v in cells.items() if where == "in process")
    print(f"  cold vs re-sync: {cold_cli / t_re_cli:5.1f}x CLI, {cold_in / t_re:5.1f}x in process")


def engine_only(root: Path) -> tuple[float, dict[str, object]]:
    """A no-change sync through the engine (no shortcut), in process."""
    return in_process(root, 1, quick=False)


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
        "--workers", type=int, default=2, help="the pool size of the extra cold runs (1: none)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="psos runs per timing (best)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="psos-bench-") as tmp:
        work = Path(tmp)
        sizes = [100] if args.quick else [100, args.n]
        for n in sizes:
            bench(n, args.workers, work, args.repeat)
        memory(sizes[-1], args.workers, work)


if __name__ == "__main__":
    main()
