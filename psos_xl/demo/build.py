"""Write the demo firm into a workspace and say what was built."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from psos_xl.app.dashboard import DEFAULT_NAME
from psos_xl.demo.firm import DemoFirm, PlantTarget, demo_firm, running, total_hours
from psos_xl.demo.sample import init_workspace
from psos_xl.errors import Code
from psos_xl.models import INTERNAL, LEAVE, Status
from psos_xl.workbook import spec
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

DASHBOARD = DEFAULT_NAME  # the demo's psos.toml has sync keep its dashboard here


@dataclass(frozen=True)
class PlantedIssue:
    """The cell the demo breaks on purpose, to show how psos reports bad input."""

    path: Path  # relative to the workspace
    sheet: str
    cell: str
    value: str
    code: Code = Code.NOT_A_NUMBER

    @property
    def location(self) -> str:
        return f"{self.path.as_posix()}!{self.sheet}!{self.cell}"


@dataclass
class DemoSummary:
    root: Path
    name: str
    engagements: dict[str, int]  # status → count
    people: int
    weeks: int
    first_week: date
    last_week: date
    timesheets: int
    time_rows: int
    total_hours: Decimal
    billable_hours: Decimal
    expenses: int
    catalog: str = "catalog.xlsx"
    catalog_counts: dict[str, int] = field(default_factory=dict)  # roles, services, ...
    scopes: list[str] = field(default_factory=list)  # relative paths
    planted_issue: PlantedIssue | None = None

    def lines(self) -> list[str]:
        """A short description of what was built and where."""
        by_status = ", ".join(f"{n} {status}" for status, n in self.engagements.items())
        out = [
            f"Demo firm '{self.name}' built in {self.root}",
            f"  catalog     {self.catalog}: "
            + ", ".join(f"{n} {what}" for what, n in self.catalog_counts.items()),
            f"  scopes      scopes/: {sum(self.engagements.values())} engagements ({by_status})",
            f"  timesheets  timesheets/PERSON/: {self.timesheets} weekly workbooks, "
            f"{self.people} people, {self.weeks} weeks "
            f"({self.first_week.isoformat()} to {self.last_week.isoformat()})",
            f"              {self.time_rows} time rows, {self.total_hours:,.2f} hours "
            f"({self.billable_hours:,.2f} billable), {self.expenses} expenses",
        ]
        if self.planted_issue is not None:
            p = self.planted_issue
            out.append(
                f"1 row is deliberately wrong, to show validation: {p.location} holds "
                f"the text '{p.value}' where Hours must be a number ({p.code})."
            )
        out.append(f"Try: psos validate {self.root}   then: psos sync {self.root}")
        return out

    def to_json(self) -> dict[str, Any]:
        p = self.planted_issue
        return {
            "root": str(self.root),
            "name": self.name,
            "catalog": self.catalog,
            "catalog_counts": self.catalog_counts,
            "scopes": self.scopes,
            "engagements": self.engagements,
            "people": self.people,
            "weeks": self.weeks,
            "first_week": self.first_week.isoformat(),
            "last_week": self.last_week.isoformat(),
            "timesheets": self.timesheets,
            "time_rows": self.time_rows,
            "total_hours": str(self.total_hours),
            "billable_hours": str(self.billable_hours),
            "expenses": self.expenses,
            "planted_issue": None
            if p is None
            else {"location": p.location, "value": p.value, "code": str(p.code)},
        }


def build_demo(root: Path, force: bool = False, seed: int = 7, weeks_later: int = 0) -> DemoSummary:
    """Create a workspace in ``root`` holding the demo firm of ``seed`` (see
    :func:`~psos_xl.demo.firm.demo_firm`), every date ``weeks_later`` weeks later
    (:func:`~psos_xl.demo.shift.shifted`), and describe what was built.

    Refuses, like ``psos init``, when ``root`` already holds a workspace, unless ``force``.
    """
    from psos_xl.demo.shift import shifted

    return write_demo(root, shifted(demo_firm(seed), weeks_later), force)


def write_demo(root: Path, firm: DemoFirm, force: bool = False) -> DemoSummary:
    """Write ``firm`` into a new workspace at ``root``: its catalog, a workbook per
    scope and per timesheet, then break the one row ``firm.plant`` names."""
    root = Path(root)
    # the firm has kept its time in psos since its first timesheet week
    weeks = [ts.week for ts in firm.timesheets.values() if ts.week is not None]
    settings = {"track_from": min(weeks).isoformat()} if weeks else {}
    settings["dashboard"] = DASHBOARD  # kept by every sync
    workspace = init_workspace(root, name=firm.name, force=force, settings=settings)
    write_catalog(workspace.catalog_path, firm.catalog)
    for rel, scope in firm.scopes.items():
        write_scope(root / rel, scope, firm.catalog)
    names = {p.person: p.name for p in firm.catalog.people}
    lists_by_week: dict[date, Lists] = {}
    for rel, ts in firm.timesheets.items():
        assert ts.week is not None
        if ts.week not in lists_by_week:
            lists_by_week[ts.week] = _week_lists(firm, ts.week)
        write_timesheet(root / rel, ts, lists_by_week[ts.week], names.get(ts.person, ""))
    planted = _plant(root, firm, firm.plant) if firm.plant else None
    scope_paths = [workspace.display(root / rel) for rel in firm.scopes]
    summary = _summary(workspace.root, firm, planted, scope_paths)
    summary.catalog = workspace.display(workspace.catalog_path)
    return summary


def _week_lists(firm: DemoFirm, monday: date) -> Lists:
    """Dropdowns as they were that week: the engagements being delivered then."""
    sunday = monday + timedelta(days=6)
    live = [
        s.model_copy(update={"info": s.info.model_copy(update={"status": Status.ACTIVE})})
        for s in firm.scopes.values()
        if running(s, monday, sunday)
    ]
    return Lists.from_catalog(firm.catalog, live)


def _plant(root: Path, firm: DemoFirm, target: PlantTarget) -> PlantedIssue:
    """Type the hours of one row as text with a decimal comma, as a user might."""
    import openpyxl

    entry = firm.timesheets[target.path].entries[target.index]
    path = root / target.path
    wb = openpyxl.load_workbook(path)
    ws = wb[spec.TIME.sheet]
    table = ws.tables[spec.TIME.name]
    (first_col, header_row), (last_col, last_row) = _bounds(table.ref)
    headers = {
        str(ws.cell(row=header_row, column=c).value).strip().casefold(): c
        for c in range(first_col, last_col + 1)
    }
    wanted = (entry.date, entry.engagement, entry.deliverable, entry.hours)
    for r in range(header_row + 1, last_row + 1):
        day, engagement, deliverable, hours = (
            ws.cell(row=r, column=headers[h]).value
            for h in ("date", "engagement", "deliverable", "hours")
        )
        if not isinstance(hours, int | float) or not hasattr(day, "date"):
            continue
        if (day.date(), engagement, deliverable or "", Decimal(str(hours))) == wanted:
            cell = ws.cell(row=r, column=headers["hours"])
            cell.value = target.text
            cell.number_format = "@"  # a text cell, as when typed into one
            wb.save(path)
            return PlantedIssue(target.path, ws.title, cell.coordinate, target.text)
    raise RuntimeError(f"{target.path}: the row to break was not found in the workbook")


def _bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return (min_col, min_row), (max_col, max_row)


def _summary(
    root: Path, firm: DemoFirm, planted: PlantedIssue | None, scope_paths: list[str]
) -> DemoSummary:
    timesheets = list(firm.timesheets.values())
    statuses = Counter(s.info.status for s in firm.scopes.values())
    weeks = sorted({ts.week for ts in timesheets if ts.week is not None})
    entries = [e for ts in timesheets for e in ts.entries]
    return DemoSummary(
        root=root,
        name=firm.name,
        engagements={st.value: statuses[st] for st in Status if statuses[st]},
        people=len({ts.person for ts in timesheets}),
        weeks=len(weeks),
        first_week=weeks[0],
        last_week=weeks[-1],
        timesheets=len(timesheets),
        time_rows=len(entries),
        total_hours=total_hours(timesheets),
        billable_hours=sum(
            (e.hours for e in entries if e.billable and e.engagement not in (LEAVE, INTERNAL)),
            Decimal(0),
        ),
        expenses=sum(len(ts.expenses) for ts in timesheets),
        scopes=scope_paths,
        catalog_counts={
            "roles": len(firm.catalog.role_codes()),
            "rate rows": len(firm.catalog.roles),
            "services": len(firm.catalog.sku_codes()),
            "risks": len(firm.catalog.risks),
            "people": len(firm.catalog.people),
        },
        planted_issue=planted,
    )
