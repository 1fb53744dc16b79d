"""The workbooks of ``psos report utilization|margin|burn|forecast --xlsx OUT``.

Printable sheets, each one Excel Table under a title and a line that says what the
figures are. Utilization: ``Utilization`` (a row per person × period), ``Org`` (the
org's line) and ``Bench``. Margin: ``Margin`` (a row per engagement, with its scope
workbook) and ``Totals``. Burn: ``Burn`` (per engagement its line, then its
deliverables), the Alert column coloured as the Delivery table's (red ≥ 100 % or EAC
over budget, orange ≥ 90 %, amber ≥ 80 %). Forecast: ``Forecast`` (a row per role ×
week), ``Demand`` (the engagements and Drafts each row's hours come from) and
``Overdue``. Values only, hours, money and percentages in
psos' number formats, and the hidden ``_psos`` marker of kind ``report``, so sync and
validate pass over the file. It is saved next to its path, then moved into place; a
file there that is not a psos report is never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError
from psos_xl.workbook.spec import SCHEMA_VERSION, Column, OutputKind, TableSpec, Type

if TYPE_CHECKING:
    from datetime import date

    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from psos_xl.economics.burn import BurnReport
    from psos_xl.economics.completeness import Gap
    from psos_xl.economics.forecast import ForecastReport
    from psos_xl.economics.margin import MarginLine, MarginReport
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
    from psos_xl.workbook import styles as st

    wb = _book(path)
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
    return _save(wb, path, "utilization")


COMPLETENESS = TableSpec(
    "Completeness",
    (
        Column("Person", "person", Type.CODE, width=10),
        Column("Week", "week", Type.DATE, width=12),
        Column("Code", "code", Type.CODE, width=20),
        Column("Booked", "booked", Type.DECIMAL, width=10),
        Column("Capacity", "capacity", Type.DECIMAL, width=10),
    ),
    help="MISSING_TIMESHEET: no timesheet for the week; SHORT_WEEK: fewer hours booked than "
    "the person's capacity (LEAVE and INTERNAL count).",
)


def write_completeness(path: Path, gaps: Sequence[Gap], last_week: date, as_of: date) -> Path:
    """Write the missing and short weeks at ``path`` (refused when a file there is not a
    psos report)."""
    from psos_xl.workbook import styles as st

    wb = _book(path)
    ws = wb.create_sheet(COMPLETENESS.sheet)
    through = f"weeks through {last_week.isoformat()}, as of {as_of.isoformat()}"
    st.title(ws, f"Missing and short weeks, {through}", COMPLETENESS.help)
    rows = [[g.person, g.week, g.code.value, g.booked, g.capacity] for g in gaps]
    st.write_table(ws, COMPLETENESS, rows)
    return _save(wb, path, "completeness")


def _book(path: Path) -> Workbook:
    """A new workbook for ``path`` (refused when a file there is not a psos report)."""
    import openpyxl

    if path.exists() and not _is_report(path):
        raise ReportPathError(f"{path} exists and is not a psos report: not overwritten")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    return wb


def _save(wb: Workbook, path: Path, report: str) -> Path:
    """Mark ``wb`` as the psos report ``report``, make it printable and move it into place
    at ``path`` (:func:`~psos_xl.workbook.writers.save_workbook`)."""
    from psos_xl.workbook import styles as st
    from psos_xl.workbook.writers import save_workbook

    st.write_marker(
        wb, [("kind", OutputKind.REPORT.value), ("schema", SCHEMA_VERSION), ("report", report)]
    )
    wb.active = 0
    return save_workbook(wb, path)


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


# --- margin and burn --------------------------------------------------------------------

MARGIN_COLUMNS = (
    Column("Engagement", "engagement", Type.CODE, width=12),
    Column("BillingModel", "billing_model", Type.CODE, width=16),
    Column("Revenue", "revenue", Type.DECIMAL, width=13),
    Column("TimeCost", "time_cost", Type.DECIMAL, width=13),
    Column("Expenses", "expenses", Type.DECIMAL, width=12),
    Column("Cost", "cost", Type.DECIMAL, width=13),
    Column("Margin", "margin", Type.DECIMAL, width=9),
    Column("EACHours", "eac_hours", Type.DECIMAL, width=11),
    Column("EACCost", "eac_cost", Type.DECIMAL, width=13),
    Column("ForecastPrice", "forecast_price", Type.DECIMAL, width=14),
    Column("ForecastMargin", "forecast_margin", Type.DECIMAL, width=10),
    Column("BaselinePrice", "baseline_price", Type.DECIMAL, width=14),
    Column("Price", "price", Type.DECIMAL, width=13),
    Column("Invoiced", "invoiced", Type.DECIMAL, width=13),
    Column("NotInvoiced", "uninvoiced", Type.DECIMAL, width=13),
    Column("Workbook", "workbook", Type.TEXT, width=24),
)
MARGIN = TableSpec(
    "Margin",
    MARGIN_COLUMNS,
    help="Revenue recognised per billing model; Cost = time at the cost rate of its date + "
    "expenses; Margin = (Revenue − Cost) ÷ Revenue; EAC = estimate at completion; "
    "ForecastMargin = (ForecastPrice − EACCost) ÷ ForecastPrice; NotInvoiced = Revenue − "
    "Invoiced (credit notes included).",
)
MARGIN_TOTALS = TableSpec(
    "Totals", MARGIN_COLUMNS, help="Every engagement added up; the margins of the sums."
)
BURN = TableSpec(
    "Burn",
    (
        Column("Engagement", "engagement", Type.CODE, width=12),
        Column("Deliverable", "deliverable", Type.CODE, width=12),
        Column("BaselineHours", "baseline_hours", Type.DECIMAL, width=14),
        Column("ActualHours", "actual_hours", Type.DECIMAL, width=12),
        Column("HoursPct", "hours_pct", Type.DECIMAL, width=10),
        Column("BaselineCost", "baseline_cost", Type.DECIMAL, width=13),
        Column("CostToDate", "cost_to_date", Type.DECIMAL, width=13),
        Column("CostPct", "cost_pct", Type.DECIMAL, width=10),
        Column("EACCost", "eac_cost", Type.DECIMAL, width=13),
        Column("Alert", "alert", Type.TEXT, width=16),
        Column("Workbook", "workbook", Type.TEXT, width=24),
    ),
    help="Against what was sold: HoursPct = actual ÷ baseline hours, CostPct = cost to date "
    "÷ baseline cost; Alert at 80 / 90 / 100 % of the higher, EAC over budget when the "
    "estimate at completion costs more than the baseline. An engagement's line has no "
    "deliverable.",
)


def _values(spec: TableSpec, lines: Sequence[Any]) -> list[list[Any]]:
    return [[getattr(line, c.field) for c in spec.columns] for line in lines]


def write_margin(path: Path, report: MarginReport) -> Path:
    """Write the margin ``report`` at ``path`` (refused when a file there is not a psos
    report)."""
    from psos_xl.workbook import styles as st

    wb = _book(path)
    day = report.as_of.isoformat()
    totals: MarginLine = replace(report.totals, engagement="All")
    for spec, heading, lines in (
        (MARGIN, f"Margin by engagement, as of {day}", report.lines),
        (MARGIN_TOTALS, f"All engagements, as of {day}", [totals]),
    ):
        ws = wb.create_sheet(spec.sheet)
        st.title(ws, heading, spec.help)
        st.write_table(ws, spec, _values(spec, lines))
    return _save(wb, path, "margin")


def write_burn(path: Path, report: BurnReport) -> Path:
    """Write the burn ``report`` at ``path`` (refused when a file there is not a psos
    report), its Alert column coloured."""
    from psos_xl.workbook import styles as st

    wb = _book(path)
    ws = wb.create_sheet(BURN.sheet)
    st.title(ws, f"Burn against the baseline, as of {report.as_of.isoformat()}", BURN.help)
    ref = st.write_table(ws, BURN, _values(BURN, report.lines))
    _colour_alerts(ws, ref, BURN.headers.index("Alert"))
    return _save(wb, path, "burn")


def _colour_alerts(ws: Worksheet, ref: str, index: int) -> None:
    """The Alert column of the table at ``ref`` (its ``index``-th) coloured as the
    Delivery table's: red, orange, amber."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    from psos_xl.economics.burn import EAC_OVER_BUDGET, THRESHOLDS
    from psos_xl.workbook.owned import AMBER, ORANGE, RED, search_formula

    c1, r1, _c2, r2 = range_boundaries(ref)
    letter = get_column_letter(int(c1 or 1) + index)
    top = f"{letter}{int(r1 or 1) + 1}"
    area = f"{top}:{letter}{r2}"
    for texts, fill in (
        ((THRESHOLDS[0][1], EAC_OVER_BUDGET), RED),
        ((THRESHOLDS[1][1],), ORANGE),
        ((THRESHOLDS[2][1],), AMBER),
    ):
        look = PatternFill(bgColor=fill.background, fill_type="solid")
        rule = FormulaRule(
            formula=[search_formula(texts, top)], fill=look, font=Font(color=fill.text)
        )
        rule.stopIfTrue = True
        ws.conditional_formatting.add(area, rule)


# --- forecast -----------------------------------------------------------------------------

FORECAST = TableSpec(
    "Forecast",
    (
        Column("Role", "role", Type.CODE, width=10),
        Column("Week", "week", Type.DATE),
        Column("Supply", "supply", Type.DECIMAL, width=11),
        Column("Demand", "demand", Type.DECIMAL, width=11),
        Column("Gap", "gap", Type.DECIMAL, width=11),
        Column("Pipeline", "pipeline", Type.DECIMAL, width=11),
        Column("Overdue", "overdue", Type.BOOL, width=10),
    ),
    help="Hours. Supply = capacity (CapacityHoursPerWeek ÷ 5 a weekday while employed) − "
    "LEAVE booked; Demand = remaining hours (EAC − actual) of Sold and Active engagements "
    "spread over their working days; Gap = Supply − Demand; Pipeline = Drafts' hours × "
    "Probability, not in the gap. Overdue: work past its EndDate, all in the first week.",
)
DEMAND = TableSpec(
    "Demand",
    (
        Column("Role", "role", Type.CODE, width=10),
        Column("Week", "week", Type.DATE),
        Column("Engagement", "engagement", Type.CODE, width=14),
        Column("Kind", "kind", Type.CODE, width=10),
        Column("Hours", "hours", Type.DECIMAL, width=11),
        Column("Overdue", "overdue", Type.BOOL, width=10),
    ),
    help="Where each week's hours come from: Firm (a Sold or Active engagement's "
    "remaining hours) or Pipeline (a Draft's hours × Probability).",
)
OVERDUE = TableSpec(
    "Overdue",
    (
        Column("Engagement", "engagement", Type.CODE, width=14),
        Column("Role", "role", Type.CODE, width=10),
        Column("Hours", "hours", Type.DECIMAL, width=11),
        Column("EndDate", "end", Type.DATE),
        Column("Workbook", "workbook", Type.TEXT, width=24),
    ),
    help="Sold and Active engagements with hours left past their EndDate.",
)


def _demand_rows(report: ForecastReport) -> list[list[Any]]:
    rows = []
    for line in report.lines:
        for kind, shares in (("Firm", line.engagements), ("Pipeline", line.drafts)):
            rows += [[line.role, line.week, s.engagement, kind, s.hours, s.overdue] for s in shares]
    return rows


def write_forecast(path: Path, report: ForecastReport) -> Path:
    """Write the forecast ``report`` at ``path`` (refused when a file there is not a psos
    report)."""
    from psos_xl.workbook import styles as st

    wb = _book(path)
    weeks = f"weeks {report.weeks[0].isoformat()} to {report.weeks[-1].isoformat()}"
    span = f"{report.days} days from {report.as_of.isoformat()} ({weeks})"
    for spec, heading, rows in (
        (FORECAST, f"Forecast by role and week, {span}", _values(FORECAST, report.lines)),
        (DEMAND, f"Demand by engagement, {span}", _demand_rows(report)),
        (
            OVERDUE,
            f"Overdue work as of {report.as_of.isoformat()}",
            _values(OVERDUE, report.overdue),
        ),
    ):
        ws = wb.create_sheet(spec.sheet)
        st.title(ws, heading, spec.help)
        st.write_table(ws, spec, rows)
    return _save(wb, path, "forecast")
