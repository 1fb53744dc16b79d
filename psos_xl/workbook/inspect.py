"""What a workbook says, as plain data: for comparing workbooks and for tests.

:func:`workbook_content` describes sheets, cells, formats, tables, dropdowns, names
and frozen panes canonically, leaving out what changes on every save (timestamps,
zip layout, style ids), so two workbooks with the same content compare equal even
when their bytes differ. :func:`dropdown_lists` reads the values behind the
``lst_*`` names of the hidden ``_lists`` sheet.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from psos_xl.workbook.spec import LISTS_SHEET

_RANGE = re.compile(
    r"^'?(?P<sheet>[^']+?)'?!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)(?::\$?[A-Z]+\$?(?P<r2>\d+))?$"
)


def _plain(value: Any) -> Any:
    """A cell value as JSON can hold it."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _load(path: Path) -> Any:
    import openpyxl

    return openpyxl.load_workbook(path)


def workbook_content(path: Path) -> dict[str, Any]:
    """A canonical, JSON-able description of ``path``'s content."""
    wb = _load(path)
    return {
        "sheets": [_sheet(ws) for ws in wb.worksheets],
        "defined_names": {
            name: defined.attr_text for name, defined in sorted(wb.defined_names.items())
        },
    }


def _sheet(ws: Any) -> dict[str, Any]:
    cells: dict[str, dict[str, Any]] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            cells[cell.coordinate] = {
                "value": _plain(cell.value),
                "type": cell.data_type,
                "format": cell.number_format,
            }
    return {
        "name": ws.title,
        "state": ws.sheet_state,
        "freeze": ws.freeze_panes,
        "cells": cells,
        "tables": sorted(
            (
                {
                    "name": t.displayName,
                    "ref": t.ref,
                    "columns": [c.name for c in t.tableColumns],
                    "style": t.tableStyleInfo.name if t.tableStyleInfo else None,
                }
                for t in ws.tables.values()
            ),
            key=lambda t: str(t["name"]),
        ),
        "validations": sorted(
            (_validation(dv) for dv in ws.data_validations.dataValidation),
            key=lambda v: (str(v["sqref"]), str(v["formula1"])),
        ),
        "widths": {
            letter: dim.width
            for letter, dim in sorted(ws.column_dimensions.items())
            if dim.customWidth
        },
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "names": {name: d.attr_text for name, d in sorted(ws.defined_names.items())},
    }


def _validation(dv: Any) -> dict[str, Any]:
    return {
        "sqref": str(dv.sqref),
        "type": dv.type,
        "operator": dv.operator,
        "formula1": dv.formula1,
        "formula2": dv.formula2,
        "allow_blank": bool(dv.allow_blank),
        "show_error": bool(dv.showErrorMessage),
        "error_style": dv.errorStyle,
        "prompt": dv.prompt,
    }


def dropdown_lists(path: Path) -> dict[str, list[str]]:
    """The dropdown lists of a psos workbook: ``lst_Roles`` → key ``Roles`` → values,
    read through the workbook's names. Blank cells inside a list read as ""; a list
    that is one blank cell is empty."""
    wb = _load(path)
    out: dict[str, list[str]] = {}
    for name, defined in sorted(wb.defined_names.items()):
        match = _RANGE.match(defined.attr_text or "")
        if not name.startswith("lst_") or not match or match["sheet"] != LISTS_SHEET:
            continue
        ws = wb[LISTS_SHEET]
        first = int(match["r1"])
        last = int(match["r2"] or first)
        values = [
            "" if c.value is None else str(c.value)
            for (c,) in ws[f"{match['c1']}{first}:{match['c1']}{last}"]
        ]
        out[name.removeprefix("lst_")] = [] if values == [""] else values
    return out
