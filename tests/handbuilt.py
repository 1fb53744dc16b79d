"""A workspace made by hand, as a new user makes one: a catalog with Roles, Services,
Complexity, Risks, Settings and People but no Actuals, a Completed scope without
Delivery or Pricing sheets, and one week of time. Built by :mod:`wb`, independent of
psos' writers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, make_workbook

WEEK = date(2026, 2, 2)  # a Monday
PEOPLE = [
    ["Person", "Name", "Role", "CapacityHoursPerWeek", "UtilizationTarget", "StartDate"],
    ["ALM", "Alma", "SA", 40, 0.8, date(2025, 1, 1)],
    ["BOB", "Bob", "DEV", 40, 0.8, date(2025, 1, 1)],
]
# D1 DISC Medium with the scope's REMOTE (+5 %): SA 16 × 1.05 = 16.8 h estimated, 18.354
# booked: BurnPct 1.0925; PM overridden to 6 h, 5.5 booked: 0.9167.
# D2 BUILD ×2 High, NEWTECH + REMOTE (+20 %): DEV 80 × 2 × 1.5 × 1.2 = 288, 73.8 booked
TIME = [
    (0, "D1", "SA", 9.84),
    (1, "D1", "SA", 8.514),
    (1, "D1", "PM", 5.5),
    *((day, "D2", "DEV", 10) for day in range(6)),
    (6, "D2", "DEV", 13.8),
]


def build(root: Path, status: str = "Completed") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    make_workbook(root / "catalog.xlsx", "catalog", {**CATALOG_TABLES, "People": PEOPLE})
    scope = {k: [list(r) for r in v] for k, v in SCOPE_TABLES.items()}
    for row in scope["ScopeInfo"]:
        if row[0] == "Status":
            row[1] = status
    (root / "scopes").mkdir(exist_ok=True)
    make_workbook(root / "scopes" / "acme.xlsx", "scope", scope)
    (root / "timesheets").mkdir(exist_ok=True)
    for person, roles in (("ALM", {"SA", "PM"}), ("BOB", {"DEV"})):
        rows: list[list[object]] = [TIME_HEADER]
        for day, dlv, role, hours in TIME:
            if role in roles:
                rows.append([WEEK + timedelta(days=day), "ACME-01", dlv, role, hours, "Y", ""])
        make_workbook(
            root / "timesheets" / f"{person.lower()}.xlsx",
            "timesheet",
            {"Time": rows},
            marker={"person": person, "week": WEEK.isoformat()},
        )
    return root
