"""The dashboard workbook (DESIGN §13): ``psos report dashboard`` and the ``dashboard``
setting of psos.toml, which has sync refresh it.

A first sheet, **Summary**, holds the figures a leader reads first (the org's
utilization against target, revenue, cost and margin to date, the alerts counted),
each naming the sheet it comes from; then one sheet per report given
(:data:`~psos_xl.workbook.dashsheets.SHEETS`: Utilization, Margin, Burn, Forecast,
Completeness), each its report's rows as an Excel Table with its alerts coloured and a
native chart reading its cells. Values only, never a formula, so no cell shows an error
value in Excel or LibreOffice; printable as every workbook psos writes (DESIGN §11); the
hidden ``_psos`` marker says kind ``dashboard``, so sync and validate pass over it.

Saved beside its path, then moved into place; a file there that is not a psos dashboard
is never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError
from psos_xl.workbook import dashtable as dt
from psos_xl.workbook import styles as st
from psos_xl.workbook.dashsheets import SHEETS, SHEETS_BY_REPORT, Section, write_sheet
from psos_xl.workbook.dashtable import HOURS, MONEY, PERCENT, Col
from psos_xl.workbook.spec import SCHEMA_VERSION, OutputKind, Type

if TYPE_CHECKING:
    from datetime import date

    from openpyxl.workbook import Workbook

__all__ = ["SUMMARY_SHEET", "DashboardPathError", "Section", "sheet_names", "write_dashboard"]

SUMMARY_SHEET = "Summary"
COUNT = "#,##0"
FRACTION = Decimal("0.0001")
SUMMARY = (
    Col("figure", "Figure", Type.TEXT, width=36),
    Col("value", "Value", Type.ANY, width=26),
    Col("sheet", "Sheet", Type.TEXT, width=14),
)


class DashboardPathError(PsosError):
    """The path asked for holds a file that is not a psos dashboard."""


def sheet_names(sections: Sequence[Section]) -> list[str]:
    """The sheets a dashboard of ``sections`` has, in order."""
    given = {s.report for s in sections}
    return [SUMMARY_SHEET, *(s.sheet for s in SHEETS if s.report in given)]


def write_dashboard(path: Path, firm: str, as_of: date, sections: Sequence[Section]) -> Path:
    """Write the dashboard of ``sections`` (reports named as in
    :data:`~psos_xl.workbook.dashsheets.SHEETS`; others are refused) at ``path``."""
    import openpyxl

    unknown = sorted({s.report for s in sections} - set(SHEETS_BY_REPORT))
    if unknown:
        raise ValueError(f"no dashboard sheet for the report(s) {', '.join(unknown)}")
    if path.exists() and not is_dashboard(path):
        raise DashboardPathError(f"{path} exists and is not a psos dashboard: not overwritten")
    by_report = {s.report: s for s in sections}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _summary(wb, firm, as_of, by_report)
    for sheet in SHEETS:
        if sheet.report in by_report:
            write_sheet(wb, sheet, by_report[sheet.report])
    st.write_marker(
        wb,
        [
            ("kind", OutputKind.DASHBOARD.value),
            ("schema", SCHEMA_VERSION),
            ("as_of", as_of.isoformat()),
        ],
    )
    st.hide_helper_sheets(wb)
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".~psos-{path.name}.tmp")
    try:
        wb.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def is_dashboard(path: Path) -> bool:
    """Whether ``path`` is a workbook whose ``_psos`` marker says kind ``dashboard``."""
    from psos_xl.workbook.reader import open_book

    book, _issues = open_book(path)
    return book.workbook is not None and book.kind == OutputKind.DASHBOARD.value


# --- the Summary sheet ----------------------------------------------------------------


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else (part / whole).quantize(FRACTION, ROUND_HALF_UP)


def _sum(rows: Sequence[dt.Row], key: str) -> Decimal:
    return sum((dt.number(r.get(key)) or Decimal(0) for r in rows), Decimal(0))


def _count(rows: Sequence[dt.Row], test: Any) -> int:
    return sum(1 for r in rows if test(r))


def _negative(key: str) -> Any:
    return lambda r: (dt.number(r.get(key)) or Decimal(0)) < 0


def _under_target(row: dt.Row) -> bool:
    value, target = dt.number(row.get("utilization")), dt.number(row.get("target"))
    return value is not None and target is not None and value < target


def summary_rows(as_of: date, sections: dict[str, Section]) -> list[tuple[str, Any, str, str]]:
    """(figure, value, number format, sheet) of each Summary line."""
    out: list[tuple[str, Any, str, str]] = [("As of", as_of, st.DATE_FORMAT, "")]
    use = sections.get("utilization")
    if use is not None:
        org = use.org or {}
        out += [
            ("Utilization window", use.note, "", "Utilization"),
            ("Available hours (everyone)", dt.number(org.get("available")), HOURS, "Utilization"),
            ("Billable hours (everyone)", dt.number(org.get("billable")), HOURS, "Utilization"),
            ("Utilization (everyone)", dt.number(org.get("utilization")), PERCENT, "Utilization"),
            (
                "Target (weighted by available)",
                dt.number(org.get("target")),
                PERCENT,
                "Utilization",
            ),
            ("People under target", _count(use.people, _under_target), COUNT, "Utilization"),
        ]
    margin = sections.get("margin")
    if margin is not None:
        revenue, cost = _sum(margin.rows, "revenue"), _sum(margin.rows, "cost")
        rate = _ratio(revenue - cost, revenue)
        if margin.totals is not None:  # the report's own totals, where it gives them
            totals = margin.totals
            revenue, cost = _sum([totals], "revenue"), _sum([totals], "cost")
            rate = dt.number(totals.get("margin"))
        out += [
            ("Revenue recognised to date", revenue, MONEY, "Margin"),
            ("Cost to date", cost, MONEY, "Margin"),
            ("Margin to date", rate, PERCENT, "Margin"),
            (
                "Engagements under zero margin",
                _count(margin.rows, _negative("margin")),
                COUNT,
                "Margin",
            ),
        ]
    burn = sections.get("burn")
    if burn is not None:
        alerts = _count(burn.rows, lambda r: bool(r.get("alert")))
        out.append(("Burn lines with an alert", alerts, COUNT, "Burn"))
    forecast = sections.get("forecast")
    if forecast is not None:
        short = _count(forecast.rows, _negative("gap"))
        out.append(("Role-weeks with demand over supply", short, COUNT, "Forecast"))
    gaps = sections.get("completeness")
    if gaps is not None:
        for code, label in (
            ("MISSING_TIMESHEET", "Missing timesheets"),
            ("SHORT_WEEK", "Short weeks"),
        ):
            out.append(
                (
                    label,
                    _count(gaps.rows, lambda r, c=code: r.get("code") == c),
                    COUNT,
                    "Completeness",
                )
            )
    return out


def _summary(wb: Workbook, firm: str, as_of: date, sections: dict[str, Section]) -> None:
    ws = wb.create_sheet(SUMMARY_SHEET)
    st.title(
        ws,
        f"{firm} · dashboard as of {as_of.isoformat()}",
        "Each figure from the sheet named beside it, where its rows are.",
    )
    lines = summary_rows(as_of, sections)
    rows = [{"figure": f, "value": v, "sheet": s} for f, v, _fmt, s in lines]
    placed = dt.write(ws, SUMMARY_SHEET, SUMMARY, rows)
    texts = [len(v) for _f, v, _fmt, _s in lines if isinstance(v, str)]
    value = ws.column_dimensions[st.get_column_letter(placed.col + 1)]
    value.width = max(value.width, max(texts, default=0) + 4)  # a window's dates, whole
    for i, (_figure, value, fmt, _sheet) in enumerate(lines, start=placed.row + 1):
        cell = ws.cell(row=i, column=placed.col + 1)
        if fmt:
            cell.number_format = fmt
        if isinstance(value, str):
            from openpyxl.styles import Alignment

            cell.alignment = Alignment(horizontal="right")
    ws.freeze_panes = f"A{st.FIRST_DATA_ROW}"
    st.printable(ws, title_row=st.HEADER_ROW)
