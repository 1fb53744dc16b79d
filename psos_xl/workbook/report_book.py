"""The workbook of ``psos report utilization --xlsx OUT``.

Three printable sheets, each one Excel Table under a title and a line that says what the
figures are: ``Utilization`` (a row per person × period), ``Org`` (the org's line) and
``Bench``. Values only, hours and percentages in psos' number formats, and the hidden
``_psos`` marker of kind ``report``, so sync and validate pass over the file. It is
saved next to its path, then moved into place; a file there that is not a psos report
is never overwritten.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError
from psos_xl.workbook.spec import SCHEMA_VERSION, Column, OutputKind, TableSpec, Type

if TYPE_CHECKING:
    from datetime import date

    from psos_xl.economics.utilization import Line, UtilizationReport


class ReportPathError(PsosError):
    """The path asked for holds a file that is not a psos report."""


def _columns(first: str) -> tuple[Column, ...]:
    return (
        Column(first, "person", Type.CODE, width=12),
        Column("Period", "period", Type.DATE),
        Column("Capacity", "capacity", Type.DECIMAL, width=11),
        Column("Leave", "leave", Type.DECIMAL, width=11),
        Column("Available", "available", Type.DECIMAL, width=11),
        Column("Billable", "billable", Type.DECIMAL, width=11),
        Column("NonBillable", "non_billable", Type.DECIMAL, width=12),
        Column("Utilization", "utilization", Type.DECIMAL, width=12),
        Column("UtilizationTarget", "target", Type.DECIMAL, width=12),
    )


DEFINITIONS = (
    "Hours. Available = capacity (CapacityHoursPerWeek ÷ 5 a weekday while employed) − "
    "LEAVE; Billable = Billable Y on client engagements; NonBillable = INTERNAL and "
    "Billable N; Utilization = Billable ÷ Available."
)
UTILIZATION = TableSpec("Utilization", _columns("Person"), help=DEFINITIONS)
ORG = TableSpec(
    "Org",
    _columns("Person"),
    help="Everyone's hours added up; the target is the people's, weighted by available hours.",
)
BENCH = TableSpec(
    "Bench",
    _columns("Person"),
    help="Under target over the whole window, with no time on a Sold or Active engagement "
    "whose EndDate is not past.",
)


def _rows(lines: list[Line]) -> list[list[Any]]:
    return [[getattr(line, c.field) for c in UTILIZATION.columns] for line in lines]


def write_utilization(path: Path, report: UtilizationReport, as_of: date) -> Path:
    """Write ``report`` at ``path`` (refused when a file there is not a psos report)."""
    import openpyxl

    from psos_xl.workbook import styles as st

    if path.exists() and not _is_report(path):
        raise ReportPathError(f"{path} exists and is not a psos report: not overwritten")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    span = f"{report.start.isoformat()} to {report.end.isoformat()}, as of {as_of.isoformat()}"
    org = replace(report.org, person="All")
    for spec, heading, lines in (
        (UTILIZATION, f"Utilization by {report.by.value}, {span}", report.lines),
        (ORG, f"The org, {span}", [org]),
        (BENCH, f"The bench, {span}", report.bench),
    ):
        ws = wb.create_sheet(spec.sheet)
        st.title(ws, heading, spec.help)
        st.write_table(ws, spec, _rows(lines))
    st.write_marker(
        wb,
        [("kind", OutputKind.REPORT.value), ("schema", SCHEMA_VERSION), ("report", "utilization")],
    )
    wb.active = 0
    st.make_printable(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        wb.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _is_report(path: Path) -> bool:
    """Whether ``path`` is a workbook whose ``_psos`` marker says kind ``report``."""
    import openpyxl

    from psos_xl.workbook.spec import MARKER_SHEET

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # not a workbook at all: not ours
        return False
    try:
        if MARKER_SHEET not in wb.sheetnames:
            return False
        marker = {row[0]: row[1] for row in wb[MARKER_SHEET].iter_rows(max_col=2, values_only=True)}
        return marker.get("kind") == OutputKind.REPORT.value
    finally:
        wb.close()
