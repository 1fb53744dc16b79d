"""A seeded corpus for the sync benchmark: a catalog, scopes, N timesheets of ~40 rows.

    .venv/bin/python bench/corpus.py OUT --n 1000 [--rows 40] [--seed 7]

The catalog and the scopes come from psos' own writers. Timesheets are written with
openpyxl's write-only mode for speed, laid out as psos writes them (a title in row 1,
the ``Time`` table's header in row 3, a hidden ``_psos`` marker with kind, schema,
person and week), so every row is valid: a Sold or Active engagement, one of its
deliverables, a catalog role, a date in the week after the engagement's start, at most
8 hours a day. Not a test.
"""

from __future__ import annotations

import argparse
import random
import shutil
import warnings
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

from psos_xl import models as m
from psos_xl.demo.sample import sample_catalog
from psos_xl.workbook import spec
from psos_xl.workbook.writers import write_catalog, write_scope

FIRST_WEEK = date(2026, 1, 5)  # a Monday
SCOPES = 12
DELIVERABLES = 6
HEADER_ROW = 3  # as psos' writers lay a table out: title, blank, header


def _scopes(catalog: m.Catalog, rng: random.Random) -> list[m.Scope]:
    skus = sorted({s.sku for s in catalog.services})
    out: list[m.Scope] = []
    for i in range(SCOPES):
        deliverables = [
            m.Deliverable(
                deliverable=f"D{j + 1}",
                sku=rng.choice(skus),
                quantity=Decimal(rng.randint(1, 3)),
                complexity=rng.choice(["Low", "Medium", "High"]),
            )
            for j in range(DELIVERABLES)
        ]
        out.append(
            m.Scope(
                info=m.ScopeInfo(
                    engagement=f"ENG-{i + 1:02d}",
                    client=f"Client {i + 1}",
                    title="Benchmark engagement",
                    start_date=FIRST_WEEK - timedelta(days=7),
                    end_date=FIRST_WEEK + timedelta(days=400),
                    billing_model=m.BillingModel.TIME_AND_MATERIALS,
                    status=m.Status.ACTIVE if i % 3 else m.Status.SOLD,
                    currency=catalog.settings.currency,
                ),
                deliverables=deliverables,
                assumptions=[m.Assumption(id="A1", assumption="Benchmark data")],
            )
        )
    return out


def _timesheet(
    path: Path,
    person: str,
    week: date,
    rows: int,
    scopes: list[m.Scope],
    roles: list[str],
    rng: random.Random,
) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.TIME.name)
    ws.append([f"Timesheet {person} · week of {week.isoformat()}"])
    ws.append([])
    ws.append(spec.TIME.headers)
    per_day = max(1, -(-rows // 5))
    for r in range(rows):
        scope = scopes[rng.randrange(len(scopes))]
        d = scope.deliverables[rng.randrange(len(scope.deliverables))]
        hours = rng.choice((0.5, 1.0, 1.5)) if per_day > 8 else 1.0
        ws.append(
            [
                week + timedelta(days=r // per_day),
                scope.info.engagement,
                d.deliverable,
                rng.choice(roles),
                hours,
                "Y",
                f"work {r}",
            ]
        )
    last = HEADER_ROW + rows
    table = Table(displayName=spec.TIME.name, ref=f"A{HEADER_ROW}:G{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    table._initialise_columns()  # write-only mode cannot read the header cells back
    for column, header in zip(table.tableColumns, spec.TIME.headers, strict=True):
        column.name = header
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the columns are named above
        ws.add_table(table)
    marker = wb.create_sheet(spec.MARKER_SHEET)
    marker.sheet_state = "hidden"
    for key, value in (
        ("kind", "timesheet"),
        ("schema", spec.SCHEMA_VERSION),
        ("person", person),
        ("week", week.isoformat()),
    ):
        marker.append([key, value])
    wb.save(path)


def build_corpus(root: Path, n: int, rows: int = 40, seed: int = 7) -> Path:
    """Write the corpus into ``root`` (emptied first) and return it."""
    if root.exists():
        shutil.rmtree(root)
    (root / "scopes").mkdir(parents=True)
    rng = random.Random(seed)
    catalog = sample_catalog()
    write_catalog(root / "catalog.xlsx", catalog)
    scopes = _scopes(catalog, rng)
    for s in scopes:
        write_scope(root / "scopes" / f"{s.info.engagement}.xlsx", s, catalog)
    roles = sorted({s.role for s in catalog.services})
    people = max(1, n // 20)  # 20 weeks per person
    for i in range(n):
        person = f"P{i % people:03d}"
        week = FIRST_WEEK + timedelta(weeks=i // people)
        folder = root / "timesheets" / person
        folder.mkdir(parents=True, exist_ok=True)
        _timesheet(
            folder / f"{person}-{week.isoformat()}.xlsx", person, week, rows, scopes, roles, rng
        )
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    build_corpus(args.out, args.n, args.rows, args.seed)
    print(f"{args.n} timesheets written to {args.out}")


if __name__ == "__main__":
    main()
