"""Every workbook psos writes is set up to print: one page wide, header rows repeated,
helper sheets hidden, rows tall enough for their wrapped text, and every table's cells
formatted by column down the rows a user types into."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from psos_xl import models as m
from psos_xl.workbook import spec
from psos_xl.workbook import styles as st
from psos_xl.workbook.pricing_sheet import PERCENT_FIELDS, VALUE_WIDTH
from psos_xl.workbook.templates import template_catalog, template_scope
from psos_xl.workbook.writers import (
    EXPENSE_ROWS,
    TIME_ROWS,
    Lists,
    write_catalog,
    write_scope,
    write_timesheet,
)

HELPERS = {"_psos", "_lists", "xlwings.conf"}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("printable")
    catalog = template_catalog()
    return {
        "catalog": write_catalog(tmp / "catalog.xlsx", catalog),
        "scope": write_scope(tmp / "scope.xlsx", template_scope(), catalog),
        "timesheet": write_timesheet(
            tmp / "ts.xlsx",
            m.Timesheet(person="SA1", week=date(2026, 1, 5)),
            Lists.from_catalog(catalog),
        ),
    }


def header_row(ref: str) -> int:
    return int(ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@pytest.mark.parametrize("kind", ["catalog", "scope", "timesheet"])
def test_every_sheet_prints_one_page_wide_with_its_header_row_repeated(
    written: dict[str, Path], kind: str
) -> None:
    wb = openpyxl.load_workbook(written[kind])
    hidden = {ws.title for ws in wb.worksheets if ws.sheet_state == "hidden"}
    assert hidden == (HELPERS if kind == "scope" else HELPERS - {"xlwings.conf"})
    for ws in wb.worksheets:
        if ws.title in hidden:
            continue
        setup = ws.page_setup
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        header = min(header_row(t.ref) for t in ws.tables.values())
        assert ws.print_title_rows == f"${header}:${header}"
        assert ws.print_area.endswith("$1048576")  # rows added later print too
        assert ws.oddHeader.right.text == "&A" and ws.oddFooter.center.text == "Page &P of &N"


def test_wide_sheets_print_landscape_and_narrow_ones_portrait(written: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(written["scope"])
    assert wb["Pricing"].page_setup.orientation == "landscape"
    assert wb["Overrides"].page_setup.orientation == "portrait"
    assert openpyxl.load_workbook(written["timesheet"])["Time"].page_setup.orientation == (
        "landscape"
    )


def test_the_title_and_instruction_span_the_printed_columns(written: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(written["catalog"])["Roles"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A2:F2"} <= merged
    assert ws["A2"].alignment.wrap_text
    assert ws.print_area == "'Roles'!$A$1:$F$1048576"


def test_text_lines_wraps_whole_words() -> None:
    assert st.text_lines("short", 20) == 1
    assert st.text_lines("word " * 20, 12) > st.text_lines("word " * 20, 40) > 1
    assert st.text_lines("one\ntwo", 40) == 2
    assert st.text_lines("x" * 100, 10) == 9  # a word longer than a line is broken
    assert st.text_lines("word " * 10, 20, size=14) > st.text_lines("word " * 10, 20)
    assert st.text_lines("word " * 10, 20, bold=True) >= st.text_lines("word " * 10, 20)


def test_rows_of_wrapped_text_get_the_height_it_needs(tmp_path: Path) -> None:
    catalog, scope = template_catalog(), template_scope()
    long = "The client names one decision maker, available every week, who signs off " * 3
    scope = scope.model_copy(
        update={"assumptions": [scope.assumptions[0].model_copy(update={"assumption": long})]}
    )
    ws = openpyxl.load_workbook(write_scope(tmp_path / "s.xlsx", scope, catalog))["Assumptions"]
    cell = ws.cell(row=st.FIRST_DATA_ROW, column=2)
    assert cell.alignment.wrap_text
    lines = st.text_lines(long, ws.column_dimensions["B"].width)
    assert lines >= 3
    assert ws.row_dimensions[st.FIRST_DATA_ROW].height >= lines * st.LINE_POINTS
    # the short ID beside it sits at the top of the tall row
    assert ws.cell(row=st.FIRST_DATA_ROW, column=1).alignment.vertical == "top"


def formats(ws: Any, row: int, table: spec.TableSpec) -> list[str]:
    return [ws.cell(row=row, column=j).number_format for j in range(1, len(table.columns) + 1)]


def test_a_new_timesheet_is_formatted_down_the_rows_a_week_is_typed_into(
    written: dict[str, Path],
) -> None:
    wb = openpyxl.load_workbook(written["timesheet"])
    time, expenses = wb["Time"], wb["Expenses"]
    assert time.tables["Time"].ref == "A3:G4"  # one blank row: the table itself stays empty
    expected = [st.number_format(c) or "General" for c in spec.TIME.columns]
    assert expected[0] == st.DATE_FORMAT and expected[4] == st.HOURS_FORMAT
    for row in (st.FIRST_DATA_ROW, st.FIRST_DATA_ROW + TIME_ROWS - 1):
        assert formats(time, row, spec.TIME) == expected
    assert formats(time, st.FIRST_DATA_ROW + TIME_ROWS, spec.TIME)[0] == "General"
    last = st.FIRST_DATA_ROW + EXPENSE_ROWS - 1
    assert formats(expenses, last, spec.EXPENSES)[:4] == [
        st.DATE_FORMAT,
        "General",
        "General",
        st.MONEY_FORMAT,
    ]


def test_blank_rows_of_every_table_carry_its_formats(written: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(written["scope"])
    delivery = wb["Delivery"]
    burn = spec.DELIVERY.headers.index("BurnPct") + 1
    assert delivery.cell(row=st.FIRST_DATA_ROW, column=burn).number_format == st.PERCENT_FORMAT
    info = {
        wb["ScopeInfo"].cell(row=r, column=1).value: wb["ScopeInfo"].cell(row=r, column=2)
        for r in range(st.FIRST_DATA_ROW, st.FIRST_DATA_ROW + len(spec.SCOPE_FIELDS))
    }
    assert info["Discount"].number_format == st.PERCENT_FORMAT
    assert info["StartDate"].number_format == st.DATE_FORMAT


def test_integer_settings_show_as_integers(written: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(written["catalog"])["Settings"]
    cells = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(4, 11)}
    assert cells["CalibrationMinDeliveries"].number_format == st.INT_FORMAT
    assert cells["AccuracyMinHistory"].number_format == st.INT_FORMAT
    assert cells["TargetMargin"].number_format == st.PERCENT_FORMAT


def test_the_snapshot_shows_fractions_as_percentages_and_keeps_to_its_column(
    written: dict[str, Path],
) -> None:
    ws = openpyxl.load_workbook(written["scope"])["Pricing"]
    assert ws.column_dimensions["F"].width == VALUE_WIDTH
    assert ws["F5"].alignment.shrink_to_fit  # the row psos price --write copies
    [rule_range] = [str(r.sqref) for r in ws.conditional_formatting]
    assert rule_range == f"F5:F{st.VALIDATION_LAST_ROW}"
    [rule] = next(iter(ws.conditional_formatting)).rules
    assert rule.formula == ["OR(" + ",".join(f'$E5="{f}"' for f in PERCENT_FIELDS) + ")"]
    assert rule.dxf.numFmt.formatCode == st.PERCENT_FORMAT
