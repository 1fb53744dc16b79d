"""Build small psos workbooks from literals, for tests.

    make_workbook(tmp_path / "t.xlsx", "timesheet",
                  {"Time": [["Date", "Hours"], [date(2026, 1, 5), 7.5]]},
                  marker={"person": "ALM", "week": "2026-01-05"})

Each table goes on a sheet of its name with its header in row 1 (or ``header_row``),
as a real Excel Table. Independent of psos' own writers, so reader tests do not
lean on the code they test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

Tables = dict[str, list[list[Any]]]


def make_workbook(
    path: Path,
    kind: str | None,
    tables: Tables,
    marker: dict[str, Any] | None = None,
    header_row: int = 1,
    first_col: int = 1,
    as_tables: bool = True,
) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = ws.cell(row=header_row + r, column=first_col + c, value=value)
                if hasattr(value, "isoformat") and not isinstance(value, str):
                    cell.number_format = "yyyy-mm-dd"
        if as_tables and rows:
            width = max(len(r) for r in rows)
            height = max(len(rows), 2)  # an Excel Table needs one data row at least
            ref = (
                f"{get_column_letter(first_col)}{header_row}:"
                f"{get_column_letter(first_col + width - 1)}{header_row + height - 1}"
            )
            table = Table(displayName=name, ref=ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            ws.add_table(table)
    if kind is not None:
        ws = wb.create_sheet("_psos")
        ws.sheet_state = "hidden"
        rows = {"kind": kind, "schema": 1, **(marker or {})}
        for r, (key, value) in enumerate(rows.items(), start=1):
            ws.cell(row=r, column=1, value=key)
            ws.cell(row=r, column=2, value=value)
    wb.save(path)
    return path


CATALOG_TABLES: Tables = {
    "Roles": [
        ["Role", "Name", "CostRate", "BillRate", "Currency", "EffectiveFrom"],
        ["SA", "Solution Architect", 95, 190, "EUR", "2025-01-01"],
        ["SA", "Solution Architect", 100, 200, "EUR", "2026-01-01"],
        ["DEV", "Developer", 60, 120, "EUR", "2025-01-01"],
        ["PM", "Project Manager", 70, 150, "EUR", "2025-01-01"],
    ],
    "Services": [
        ["SKU", "Name", "Role", "Hours"],
        ["DISC", "Discovery workshop", "SA", 16],
        ["DISC", "Discovery workshop", "PM", 4],
        ["BUILD", "Build sprint", "DEV", 80],
        ["BUILD", "Build sprint", "SA", 8],
    ],
    "Complexity": [["Level", "Multiplier"], ["Low", 0.75], ["Medium", 1], ["High", 1.5]],
    "Risks": [
        ["Code", "Description", "Uplift"],
        ["NEWTECH", "New technology", 0.15],
        ["REMOTE", "Remote client", 0.05],
    ],
    "Settings": [
        ["Key", "Value"],
        ["Currency", "EUR"],
        ["FixedFeeContingency", 0.1],
        ["TargetMargin", 0.35],
        ["CalibrationPrior", 3],
        ["CalibrationMinDeliveries", 3],
    ],
}

SCOPE_TABLES: Tables = {
    "ScopeInfo": [
        ["Field", "Value"],
        ["Engagement", "ACME-01"],
        ["Client", "Acme"],
        ["Title", "Portal"],
        ["StartDate", "2026-02-01"],
        ["EndDate", "2026-04-30"],
        ["BillingModel", "FixedFee"],
        ["Discount", 0.05],
        ["Status", "Active"],
        ["EstimateBasis", "Catalog"],
        ["Risks", "REMOTE"],
        ["Currency", "EUR"],
    ],
    "Deliverables": [
        ["Deliverable", "SKU", "Description", "Quantity", "Complexity", "Risks", "Milestone"],
        ["D1", "DISC", "Kick-off", 1, "Medium", "", "M1"],
        ["D2", "BUILD", "Two sprints", 2, "High", "NEWTECH, REMOTE", "M2"],
    ],
    "Assumptions": [
        ["ID", "Assumption", "Owner", "ImpactIfFalse"],
        ["A1", "Client provides test data", "Client", "+2 days"],
    ],
    "Overrides": [["Deliverable", "Role", "Hours"], ["D1", "PM", 6]],
}

TIME_HEADER = ["Date", "Engagement", "Deliverable", "Role", "Hours", "Billable", "Note"]
