"""The report sheets of the dashboard workbook, one per report, each its report's rows
as an Excel Table from A3 (the header frozen), its alerts coloured, and a native chart
that reads the sheet's cells:

============  ===========================================  ===============================
sheet         beside the report's table                    chart
============  ===========================================  ===============================
Utilization   UtilizationByPerson: each person's window    utilization by person (bars),
                                                           the target a line on the same
                                                           axes
Margin        (the table itself)                           margin and forecast margin by
                                                           engagement (bars)
Burn          BurnByEngagement: the engagement lines       hours % and cost % of the
                                                           baseline by engagement (bars)
Forecast      ForecastByRole: each role's weeks added up   supply, firm demand and
                                                           pipeline by role (bars)
Completeness  (none)                                       (none)
============  ===========================================  ===============================

The side table sits right of the report's table, one column apart, and the chart under
it, so nothing overlaps however many rows either has. A report with no rows gets no
chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from psos_xl.workbook import dashtable as dt
from psos_xl.workbook import styles as st
from psos_xl.workbook.dashtable import HOURS, MONEY, PERCENT, Alert, Col, Placed, Row
from psos_xl.workbook.spec import Type

if TYPE_CHECKING:
    from openpyxl.chart import BarChart
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

CHART_WIDTH = 17.0  # cm
CHART_HEIGHT = 9.0  # cm
CHART_ROWS = 19  # rows of 15 points the chart covers, and a little room
SIDE_WIDTH = 13  # the side table's column width: five of them hold the chart's width
# series colours: Office's blue, orange and green; the target's dark red
BLUE, ORANGE, GREEN, DARK_RED = "4472C4", "ED7D31", "70AD47", "C00000"


def _h(key: str, header: str, width: int = 12) -> Col:
    return Col(key, header, Type.DECIMAL, HOURS, width)


def _m(key: str, header: str, width: int = 13) -> Col:
    return Col(key, header, Type.DECIMAL, MONEY, width)


def _p(key: str, header: str, width: int = 12) -> Col:
    return Col(key, header, Type.DECIMAL, PERCENT, width)


UTILIZATION = (
    Col("person", "Person", Type.CODE, width=10),
    Col("period", "Period", Type.DATE),
    _h("capacity", "Capacity"),
    _h("leave", "Leave", 10),
    _h("available", "Available"),
    _h("billable", "Billable"),
    _h("non_billable", "NonBillable"),
    _p("utilization", "Utilization"),
    _p("target", "Target", 10),
)
PEOPLE = (
    Col("person", "Person", Type.CODE, width=SIDE_WIDTH),
    _h("available", "Available", SIDE_WIDTH),
    _h("billable", "Billable", SIDE_WIDTH),
    _p("utilization", "Utilization", SIDE_WIDTH),
    _p("target", "Target", SIDE_WIDTH),
)
MARGIN = (
    Col("engagement", "Engagement", Type.CODE, width=12),
    Col("billing_model", "BillingModel", Type.TEXT, width=17),
    _m("revenue", "Revenue"),
    _m("cost", "Cost"),
    _p("margin", "Margin", 10),
    _h("eac_hours", "EACHours"),
    _m("eac_cost", "EACCost"),
    _p("forecast_margin", "ForecastMargin", 14),
    _m("baseline_price", "BaselinePrice", 14),
    _m("price", "Price"),
)
BURN = (
    Col("engagement", "Engagement", Type.CODE, width=12),
    Col("deliverable", "Deliverable", Type.CODE, width=12),
    _p("hours_pct", "HoursPct", 11),
    _p("cost_pct", "CostPct", 11),
    Col("alert", "Alert", Type.TEXT, width=16),
)
BURN_ENGAGEMENTS = (
    Col("engagement", "Engagement", Type.CODE, width=SIDE_WIDTH),
    _p("hours_pct", "HoursPct", SIDE_WIDTH),
    _p("cost_pct", "CostPct", SIDE_WIDTH),
    Col("alert", "Alert", Type.TEXT, width=16),
)
FORECAST = (
    Col("role", "Role", Type.CODE, width=10),
    Col("week", "Week", Type.DATE),
    _h("supply", "Supply"),
    _h("demand", "Demand"),
    _h("pipeline", "Pipeline"),
    _h("gap", "Gap", 10),
    Col("overdue", "Overdue", Type.ANY, HOURS, width=10),
)
ROLES = (
    Col("role", "Role", Type.CODE, width=SIDE_WIDTH),
    _h("supply", "Supply", SIDE_WIDTH),
    _h("demand", "Demand", SIDE_WIDTH),
    _h("pipeline", "Pipeline", SIDE_WIDTH),
    _h("gap", "Gap", SIDE_WIDTH),
)
COMPLETENESS = (
    Col("person", "Person", Type.CODE, width=12),
    Col("week", "Week", Type.DATE),
    Col("code", "Code", Type.CODE, width=22),
    _h("booked", "Booked"),
    _h("capacity", "Capacity"),
)

UNDER_TARGET = Alert("Utilization", dt.below("{Utilization}", "{Target}"), dt.AMBER)
NEGATIVE_GAP = Alert("Gap", dt.below("{Gap}", "0"), dt.RED)
# a burn's Alert text, coloured as the Delivery sheet's: ≥100% or over budget red, ≥90%
# orange, ≥80% and hours on what was not sold (no baseline) amber
BURN_ALERTS = (
    Alert(
        "Alert", f"OR({dt.contains('{Alert}', '100')},{dt.contains('{Alert}', 'budget')})", dt.RED
    ),
    Alert("Alert", dt.contains("{Alert}", "90"), dt.ORANGE),
    Alert("Alert", dt.contains("{Alert}", "80"), dt.AMBER),
    Alert("Alert", dt.contains("{Alert}", "no baseline"), dt.AMBER),
)


def _burn_pct(header: str) -> tuple[Alert, ...]:
    cell = "{" + header + "}"
    return (
        Alert(header, dt.at_least(cell, "1"), dt.RED),
        Alert(header, dt.at_least(cell, "0.9"), dt.ORANGE),
        Alert(header, dt.at_least(cell, "0.8"), dt.AMBER),
    )


@dataclass(frozen=True)
class Section:
    """One report for the dashboard: its rows as its ``--json`` prints them (or with
    Decimals and dates), and what they cover (shown under the sheet's title)."""

    report: str
    rows: Sequence[Row]
    note: str = ""
    # utilization only: each person over the window, and the org's line
    people: Sequence[Row] = ()
    org: Row | None = None
    totals: Row | None = None  # a report's own totals line (margin's), when it has one


@dataclass(frozen=True)
class SheetDef:
    report: str
    sheet: str
    title: str
    help: str
    cols: tuple[Col, ...]
    alerts: tuple[Alert, ...] = ()
    side: Callable[[Worksheet, Placed, Section], int] | None = None


def write_sheet(wb: Workbook, sheet: SheetDef, section: Section) -> Worksheet:
    """The report's sheet: title, what it covers, its table, its side table and chart."""
    ws = wb.create_sheet(sheet.sheet)
    title = sheet.title + (f", {section.note}" if section.note else "")
    st.title(ws, title, sheet.help)
    placed = dt.write(ws, sheet.report.capitalize(), sheet.cols, section.rows, alerts=sheet.alerts)
    ws.freeze_panes = f"A{st.FIRST_DATA_ROW}"
    last_col = placed.last_col
    if sheet.side is not None:
        last_col = sheet.side(ws, placed, section)
    st.printable(ws, title_row=st.HEADER_ROW, last_col=last_col)
    return ws


def _bar(title: str, axis: str, fmt: str) -> BarChart:
    from openpyxl.chart import BarChart

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = _title(title)
    chart.y_axis.title = axis
    chart.y_axis.number_format = fmt
    chart.x_axis.tickLblPos = "low"  # names under the plot, clear of bars below zero
    chart.x_axis.delete = False  # openpyxl leaves them unset, and some viewers hide them
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.width, chart.height = CHART_WIDTH, CHART_HEIGHT
    return chart


def _title(text: str) -> Any:
    """A chart title in 12-point bold, on one line at the chart's width."""
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import (
        CharacterProperties,
        Paragraph,
        ParagraphProperties,
        RegularTextRun,
    )

    font = CharacterProperties(sz=1200, b=True)
    line = Paragraph(pPr=ParagraphProperties(defRPr=font), r=[RegularTextRun(rPr=font, t=text)])
    return Title(tx=Text(rich=RichText(p=[line])), overlay=False)


def _fill(chart: Any, colours: Sequence[str]) -> None:
    for series, colour in zip(chart.series, colours, strict=False):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour


def _place(ws: Worksheet, chart: Any, col: int, row: int) -> int:
    """Anchor ``chart`` at (``row``, ``col``); the last column it covers."""
    ws.add_chart(chart, f"{st.get_column_letter(col)}{row}")
    covered, width = col, 0.0
    while width < CHART_WIDTH:
        width += (st.column_width(ws, covered) * 7 + 5) * 2.54 / 96
        covered += 1
    return covered - 1


def _side_table(
    ws: Worksheet, main: Placed, name: str, cols: tuple[Col, ...], rows: Sequence[Row]
) -> Placed:
    return dt.write(ws, name, cols, rows, row=main.row, col=main.last_col + 2)


def _chart_under(ws: Worksheet, side: Placed, chart: Any) -> int:
    return max(side.last_col, _place(ws, chart, side.col, side.last_row + 3))


def _utilization_side(ws: Worksheet, main: Placed, section: Section) -> int:
    people = _side_table(ws, main, "UtilizationByPerson", PEOPLE, section.people)
    dt.highlight(people, UNDER_TARGET)
    if not section.people:
        return people.last_col
    from openpyxl.chart import LineChart

    chart = _bar("Utilization by person against target", "billable ÷ available", "0%")
    chart.add_data(people.ref("Utilization"), titles_from_data=True)
    chart.set_categories(people.ref("Person", with_header=False))
    chart.y_axis.scaling.min = 0
    _fill(chart, [BLUE])
    target = LineChart()
    target.add_data(people.ref("Target"), titles_from_data=True)
    target.set_categories(people.ref("Person", with_header=False))
    line = target.series[0]
    line.smooth = False
    line.marker.symbol = "dash"
    line.marker.size = 12
    line.graphicalProperties.line.solidFill = DARK_RED
    line.graphicalProperties.line.width = 28575  # 2.25 pt
    line.marker.graphicalProperties = None
    chart += target
    return _chart_under(ws, people, chart)


def _margin_side(ws: Worksheet, main: Placed, section: Section) -> int:
    if not section.rows:
        return main.last_col
    chart = _bar("Margin by engagement", "margin", "0%")
    chart.add_data(main.ref("Margin"), titles_from_data=True)
    chart.add_data(main.ref("ForecastMargin"), titles_from_data=True)
    chart.set_categories(main.ref("Engagement", with_header=False))
    _fill(chart, [BLUE, ORANGE])
    return _place(ws, chart, main.last_col + 2, main.row)


def _burn_side(ws: Worksheet, main: Placed, section: Section) -> int:
    lines = [r for r in section.rows if not r.get("deliverable")]
    side = _side_table(ws, main, "BurnByEngagement", BURN_ENGAGEMENTS, lines)
    for alert in (*_burn_pct("HoursPct"), *_burn_pct("CostPct"), *BURN_ALERTS):
        dt.highlight(side, alert)
    if not lines:
        return side.last_col
    chart = _bar("Burn by engagement: share of the baseline used", "of baseline", "0%")
    chart.add_data(side.ref("HoursPct"), titles_from_data=True)
    chart.add_data(side.ref("CostPct"), titles_from_data=True)
    chart.set_categories(side.ref("Engagement", with_header=False))
    chart.y_axis.scaling.min = 0
    _fill(chart, [BLUE, ORANGE])
    return _chart_under(ws, side, chart)


def role_totals(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Each role's weeks added up (supply, demand, pipeline, gap), roles in first-seen
    order."""
    totals: dict[str, dict[str, Decimal]] = {}
    keys = ("supply", "demand", "pipeline", "gap")
    for row in rows:
        sums = totals.setdefault(str(row.get("role") or ""), dict.fromkeys(keys, Decimal(0)))
        for key in keys:
            sums[key] += dt.number(row.get(key)) or Decimal(0)
    return [{"role": role, **sums} for role, sums in totals.items()]


def _forecast_side(ws: Worksheet, main: Placed, section: Section) -> int:
    roles = role_totals(section.rows)
    side = _side_table(ws, main, "ForecastByRole", ROLES, roles)
    dt.highlight(side, NEGATIVE_GAP)
    if not roles:
        return side.last_col
    chart = _bar("Supply against demand by role", "hours", "#,##0")
    for header in ("Supply", "Demand", "Pipeline"):
        chart.add_data(side.ref(header), titles_from_data=True)
    chart.set_categories(side.ref("Role", with_header=False))
    chart.y_axis.scaling.min = 0
    _fill(chart, [BLUE, ORANGE, GREEN])
    return _chart_under(ws, side, chart)


SHEETS: tuple[SheetDef, ...] = (
    SheetDef(
        "utilization",
        "Utilization",
        "Utilization by person and period",
        "Hours. Available = capacity − LEAVE; Utilization = Billable ÷ Available, "
        "amber under the person's target. Beside it, each person over the whole window.",
        UTILIZATION,
        (UNDER_TARGET,),
        _utilization_side,
    ),
    SheetDef(
        "margin",
        "Margin",
        "Margin by engagement",
        "Revenue recognised and cost to date; Margin = (Revenue − Cost) ÷ Revenue; "
        "EAC = estimate at completion; ForecastMargin = (Price − EACCost) ÷ Price. "
        "Red below zero.",
        MARGIN,
        (
            Alert("Margin", dt.below("{Margin}", "0"), dt.RED),
            Alert("ForecastMargin", dt.below("{ForecastMargin}", "0"), dt.RED),
        ),
        _margin_side,
    ),
    SheetDef(
        "burn",
        "Burn",
        "Burn against the baseline",
        "Hours and cost used, as a share of the baseline, per engagement (Deliverable "
        "empty) and deliverable; amber from 80 %, orange from 90 %, red from 100 % or EAC "
        "over budget.",
        BURN,
        (*_burn_pct("HoursPct"), *_burn_pct("CostPct"), *BURN_ALERTS),
        _burn_side,
    ),
    SheetDef(
        "forecast",
        "Forecast",
        "Forecast by role and week",
        "Hours. Supply = the role's capacity − LEAVE booked; Demand = remaining hours of "
        "Sold and Active engagements; Pipeline = Draft hours × Probability; Gap = Supply "
        "− Demand, red below zero.",
        FORECAST,
        (NEGATIVE_GAP,),
        _forecast_side,
    ),
    SheetDef(
        "completeness",
        "Completeness",
        "Missing and short weeks",
        "Hours booked against capacity, per person and week; MISSING_TIMESHEET red, "
        "SHORT_WEEK amber.",
        COMPLETENESS,
        (
            Alert("Code", dt.contains("{Code}", "MISSING"), dt.RED),
            Alert("Code", dt.contains("{Code}", "SHORT"), dt.AMBER),
        ),
    ),
)
SHEETS_BY_REPORT = {s.report: s for s in SHEETS}
