"""A formula whose result is an error, as LibreOffice computes and saves it, reads as
CELL_ERROR at its cell, never as a blank or a value."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from wb import TIME_HEADER, make_workbook

from psos_xl.errors import Code
from psos_xl.models import Timesheet
from psos_xl.workbook.readers import read
from realclient.soffice import Soffice

MON = date(2026, 1, 5)


def test_a_formula_libreoffice_computes_to_an_error_is_a_cell_error(
    soffice: Soffice, tmp_path: Path
) -> None:
    rows = [
        [MON, "ACME-01", "D1", "SA", 7.5, "Y", "kept"],
        [MON, "ACME-01", "D1", "SA", "=1/0", "Y", "divided by zero"],
        [MON, "ACME-01", "D1", "SA", 2, '=IF(1,NA(),"Y")', "not available"],
    ]
    source = make_workbook(
        tmp_path / "ts.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER, *rows]},
        marker={"person": "ALM", "week": MON.isoformat()},
    )
    [saved] = soffice.convert([source], tmp_path / "lo")
    sheet = zipfile.ZipFile(saved).read("xl/worksheets/sheet1.xml")
    assert b't="e"' in sheet and b"#DIV/0!" in sheet  # LibreOffice cached the errors
    loaded = read(saved, "ts.xlsx")
    assert isinstance(loaded.model, Timesheet)
    assert [e.src.row for e in loaded.model.entries if e.src] == [2]
    found = sorted((i.code, str(i.location), i.message.split(":")[0]) for i in loaded.issues)
    assert found == [
        (Code.CELL_ERROR, "ts.xlsx!Time!E3", "Hours holds the error #DIV/0!"),
        (Code.CELL_ERROR, "ts.xlsx!Time!F4", "Billable holds the error #N/A"),
    ]
