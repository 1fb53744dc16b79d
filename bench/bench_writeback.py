"""Time write-back into a scope-sized workbook against an openpyxl load + save.

    .venv/bin/python bench/bench_writeback.py [--rounds 20]

Builds a ~100 KB scope workbook (Deliverables, a Pricing sheet full of numbers and
formulas, a Delivery table of 40 rows), then times :func:`write_table` alternating
two row sets (so every round really writes) and openpyxl's load_workbook + save of
the same file. Prints the medians and their ratio. Not a test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
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
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
