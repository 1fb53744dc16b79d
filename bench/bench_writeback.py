"""Time write-back into a scope-sized workbook against an openpyxl load + save.

    .venv/bin/python bench/bench_writeback.py [--rounds 20] [--huge-mb 1100]

Builds a ~100 KB scope workbook (Deliverables, a Pricing sheet full of numbers and
formulas, a Delivery table of 40 rows), then times :func:`write_table` alternating
two row sets (so every round really writes) and openpyxl's load_workbook + save of
the same file. Prints the medians and their ratio. Then the same write-back into a
copy of the workbook carrying an unreferenced part of ``--huge-mb`` MB of zeros
(about 1 MB compressed; 0 skips it), with the peak memory it added. Not a test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.worksheet.table import Table, TableStyleInfo

from psos_xl.sync.writeback import write_table
from psos_xl.workbook.patch import CellValue
from psos_xl.workbook.spec import DELIVERY

ROLES = ("SA", "DEV", "PM", "QA")


def build(path: Path, deliverables: int = 40, pricing_rows: int = 3000) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Deliverables"
    ws.append(["Deliverable", "SKU", "Description", "Quantity", "Complexity", "Risks"])
    for i in range(deliverables):
        ws.append([f"D{i}", "BUILD", f"Sprint {i} of the portal", 1 + i % 3, "Medium", ""])
    ws.add_table(Table(displayName="Deliverables", ref=f"A1:F{deliverables + 1}"))
    pricing = wb.create_sheet("Pricing")
    for r in range(1, pricing_rows + 1):
        pricing.append([f"D{r % deliverables}", ROLES[r % 4], r * 1.25, 95, f"=C{r}*D{r}"])
    delivery = wb.create_sheet("Delivery")
    delivery.append(DELIVERY.headers)
    for row in rows(deliverables, 0):
        delivery.append(row)
    delivery.add_table(
        Table(
            displayName="Delivery",
            ref=f"A1:F{deliverables + 1}",
            tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True),
        )
    )
    wb.save(path)
    return path


def rows(n: int, shift: int) -> list[list[CellValue]]:
    out: list[list[CellValue]] = []
    for i in range(n):
        est = Decimal(40 + i)
        act = Decimal(20 + i + shift) / 2
        burn = (act / est).quantize(Decimal("0.0001"))
        out.append([f"D{i}", ROLES[i % 4], est, act, burn, "90%" if burn >= 0.9 else ""])
    return out


def with_huge_part(src: Path, dst: Path, megabytes: int) -> Path:
    """``src`` with an unreferenced part of zeros after its first members, streamed in."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for i, info in enumerate(zin.infolist()):
            zout.writestr(info, zin.read(info))
            if i == 3:
                with zout.open("xl/embeddings/filler.bin", "w", force_zip64=True) as fh:
                    block = bytes(1 << 20)
                    for _ in range(megabytes):
                        fh.write(block)
    return dst


def timed(fn: Callable[[int], None], rounds: int) -> float:
    samples = []
    for i in range(rounds):
        t = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--huge-mb", type=int, default=1100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="psos-bench-"))
    try:
        path = build(folder / "scope.xlsx")
        size = path.stat().st_size
        sets = [rows(40, 1), rows(40, 2)]

        def patch(i: int) -> None:
            result = write_table(path, "Delivery", DELIVERY.headers, sets[i % 2])
            assert result.status == "written", result.message

        def resave(_: int) -> None:
            openpyxl.load_workbook(path).save(path)

        def same(_: int) -> None:
            result = write_table(path, "Delivery", DELIVERY.headers, sets[1])
            assert result.status == "unchanged", result.message

        ours = timed(patch, args.rounds)
        write_table(path, "Delivery", DELIVERY.headers, sets[1])  # whatever the parity
        noop = timed(same, args.rounds)
        theirs = timed(resave, max(3, args.rounds // 4))
        print(f"workbook: {size / 1024:.0f} KB")
        print(f"write_table (patch in package): {ours * 1000:7.1f} ms")
        print(f"write_table, rows unchanged:    {noop * 1000:7.1f} ms (nothing written)")
        print(f"openpyxl load + save:           {theirs * 1000:7.1f} ms")
        print(f"ratio: {theirs / ours:.1f}x faster")
        if args.huge_mb:
            huge = with_huge_part(path, folder / "huge.xlsx", args.huge_mb)
            start = time.perf_counter()
            result = write_table(huge, "Delivery", DELIVERY.headers, sets[0])
            took = time.perf_counter() - start
            assert result.status == "written", result.message
            tracemalloc.start()  # a second write, traced: tracing slows it down
            result = write_table(huge, "Delivery", DELIVERY.headers, sets[1])
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            assert result.status == "written", result.message
            size = huge.stat().st_size / 2**20
            print(
                f"write_table, {size:.1f} MB file with a {args.huge_mb} MB part: "
                f"{took * 1000:7.1f} ms, peak Python memory {peak:.1f} MB"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
