"""How fast pricing is, in-process, and what an Excel function call adds to it.

    .venv/bin/python bench/bench_pricing.py [--deliverables 500] [--runs 15]

Prints, each the median of warm runs:

- engine: ``price(catalog, scope)`` on models already in memory;
- PSOS_PRICE (ranges): the wrapper fed 2-D lists as xlwings passes them (floats,
  datetimes, None for blanks), scope and catalog tables alike;
- PSOS_PRICE (workspace): scope ranges, catalog read from a workbook file once and then
  served from the mtime-keyed cache;

and the ratio of each wrapper to the engine, i.e. the cost of converting ranges into the
models (the same conversion the file readers use). Not a test: no thresholds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from psos_xl.pricing import price
from psos_xl.udfs import functions as f
from psos_xl.udfs.core import CatalogRanges, catalog_from_ranges, scope_from_ranges

SKUS = {
    "DISC": [("SA", 16.0), ("PM", 4.0)],
    "BUILD": [("DEV", 80.0), ("SA", 8.0), ("QA", 12.0)],
    "MIGR": [("DEV", 40.0), ("DBA", 24.0)],
    "TRAIN": [("PM", 6.0), ("SA", 10.0)],
}


def catalog_ranges() -> dict[str, list[list[Any]]]:
    day = datetime(2025, 1, 1)
    roles: list[list[Any]] = [["Role", "Name", "CostRate", "BillRate", "Currency", "EffectiveFrom"]]
    for role, cost, bill in (
        ("SA", 100.0, 200.0),
        ("DEV", 60.0, 120.0),
        ("PM", 70.0, 150.0),
        ("QA", 50.0, 100.0),
        ("DBA", 80.0, 160.0),
    ):
        roles.append([role, role, cost, bill, "EUR", day])
    services: list[list[Any]] = [["SKU", "Name", "Role", "Hours"]]
    for sku, lines in SKUS.items():
        services += [[sku, sku.title(), role, hours] for role, hours in lines]
    return {
        "roles": roles,
        "services": services,
        "complexity": [["Level", "Multiplier"], ["Low", 0.75], ["Medium", 1.0], ["High", 1.5]],
        "risks": [["Code", "Description", "Uplift"], ["NEWTECH", "", 0.15], ["REMOTE", "", 0.05]],
        "settings": [
            ["Key", "Value"],
            ["Currency", "EUR"],
            ["FixedFeeContingency", 0.1],
            ["TargetMargin", 0.35],
            ["CalibrationPrior", 3.0],
            ["CalibrationMinDeliveries", 3.0],
        ],
    }


def scope_ranges(count: int) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    info: list[list[Any]] = [
        ["Field", "Value"],
        ["Engagement", "BENCH-01"],
        ["Client", "Bench"],
        ["Title", "Benchmark"],
        ["StartDate", datetime(2026, 2, 1)],
        ["EndDate", datetime(2027, 1, 31)],
        ["BillingModel", "Milestone"],
        ["Discount", 0.05],
        ["Status", "Draft"],
        ["EstimateBasis", "Catalog"],
        ["Risks", "REMOTE"],
        ["Currency", "EUR"],
    ]
    skus = list(SKUS)
    levels = ("Low", "Medium", "High")
    deliverables: list[list[Any]] = [
        ["Deliverable", "SKU", "Description", "Quantity", "Complexity", "Risks", "Milestone"]
    ]
    for i in range(count):
        deliverables.append(
            [
                f"D{i + 1:04d}",
                skus[i % len(skus)],
                f"Deliverable {i + 1}",
                float(1 + i % 3),
                levels[i % 3],
                "NEWTECH" if i % 5 == 0 else None,
                f"M{1 + i % 6}",
            ]
        )
    overrides: list[list[Any]] = [["Deliverable", "Role", "Hours"]]
    overrides += [[f"D{i + 1:04d}", "PM", 3.0] for i in range(0, count, 10)]
    return info, deliverables, overrides


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm: imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def write_catalog_file(folder: Path, ranges: dict[str, list[list[Any]]]) -> Path:
    from psos_xl.workbook.writers import write_catalog

    catalog, issues = catalog_from_ranges(CatalogRanges(**ranges))
    assert not [i for i in issues if i.is_error], issues
    return write_catalog(folder / "catalog.xlsx", catalog)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliverables", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)

    cat = catalog_ranges()
    info, deliverables, overrides = scope_ranges(args.deliverables)
    scope, scope_issues = scope_from_ranges(info, deliverables, overrides)
    catalog, _ = catalog_from_ranges(CatalogRanges(**cat))
    assert not scope_issues, scope_issues[:3]
    quote = price(catalog, scope)
    assert quote.ok, quote.issues[:3]

    engine = median_ms(lambda: price(catalog, scope), args.runs)
    ranges = median_ms(lambda: f.PSOS_PRICE(info, deliverables, overrides, **cat), args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_catalog_file(Path(tmp), cat)
        via_file = f.PSOS_PRICE(info, deliverables, overrides, workspace=str(path))
        assert via_file == float(quote.price), via_file
        cached = median_ms(
            lambda: f.PSOS_PRICE(info, deliverables, overrides, workspace=str(path)), args.runs
        )
    assert f.PSOS_PRICE(info, deliverables, overrides, **cat) == float(quote.price)

    lines = len(quote.lines)
    print(f"scope: {args.deliverables} deliverables, {lines} priced lines; median of {args.runs}")
    print(f"price {quote.price} {quote.currency}, {len(quote.milestones)} milestones")
    print(f"engine (models in memory)          {engine:8.2f} ms")
    print(f"PSOS_PRICE, all tables as ranges   {ranges:8.2f} ms   x{ranges / engine:5.1f}")
    print(f"PSOS_PRICE, cached workspace file  {cached:8.2f} ms   x{cached / engine:5.1f}")
    print(f"range conversion overhead          {ranges - engine:8.2f} ms per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
