"""A table patched inside the package opens in LibreOffice, and a workbook LibreOffice
saved can be patched too (its sheet XML differs: shared strings, no spans, every row
attribute spelled out)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook
from workbook.test_patch import PSOS, ROWS, build_scope

from psos_xl.workbook.patch import replace_table_rows
from realclient.soffice import Soffice, error_cells


def delivery(path: Path) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(path), load_tables=True)
    return [list(r) for r in book.get_table_by_name("Delivery").to_python()]


def expected_rows() -> list[list[Any]]:
    return [
        ["D1", "SA", 16, 12.5, 0.78, "", date(2026, 1, 9), ""],
        ["D2", "DEV", 160, 150, 0.94, "90%", date(2026, 1, 8), ""],
        ["D2", "SA", 12.345, 3, 0.25, "=SUM(A1)", "", ""],
        ["D3", "PM", 8, 9.5, 1.1875, "100%", datetime(2026, 1, 7, 12, 30), ""],
        ["D4", "PM", 0, 0, "", " -2 ", date(2026, 1, 6), ""],
    ]


def check(path: Path, ref: str = "B3:I8") -> None:
    assert delivery(path) == expected_rows()
    wb = openpyxl.load_workbook(path)
    ws = wb["Delivery"]
    assert ws.tables["Delivery"].ref == ref
    assert ws["A4"].value == "left of the table"
    assert ws["K4"].value == "right of the table"
    assert ws["K5"].value == 42
    assert wb["Other"]["A1"].value == "keep me"


def test_patched_workbooks_open_in_libreoffice(soffice: Soffice, tmp_path: Path) -> None:
    # round 1: LibreOffice saves the openpyxl-made workbook, so both writers' XML is input
    plain = build_scope(tmp_path / "src" / "scope.xlsx")
    macro = build_scope(tmp_path / "src" / "macro.xlsm")
    [lo_saved] = soffice.convert([plain], tmp_path / "lo")
    inputs = {"plain": plain, "macro": macro, "lo": lo_saved}

    patched: list[Path] = []
    for stem, path in inputs.items():
        out = tmp_path / "patched" / f"{stem}{path.suffix}"
        out.parent.mkdir(exist_ok=True)
        out.write_bytes(replace_table_rows(path.read_bytes(), "Delivery", PSOS, ROWS))
        check(out)
        patched.append(out)
    with zipfile.ZipFile(patched[1]) as z:
        assert "xl/vbaProject.bin" in z.namelist()

    # round 2: LibreOffice opens every patched workbook and saves it again
    resaved = soffice.convert(patched, tmp_path / "resaved")
    for original, out in zip(patched, resaved, strict=True):
        check(out)
        assert error_cells(out, original=original) == []


def test_a_libreoffice_saved_table_shrinks_and_grows(soffice: Soffice, tmp_path: Path) -> None:
    src = build_scope(tmp_path / "src" / "scope.xlsx", data_rows=4)
    [lo_saved] = soffice.convert([src], tmp_path / "lo")
    shrunk = replace_table_rows(lo_saved.read_bytes(), "Delivery", PSOS, ROWS[:1])
    grown = replace_table_rows(shrunk, "Delivery", PSOS, ROWS)
    out = tmp_path / "out.xlsx"
    out.write_bytes(grown)
    check(out)
    [again] = soffice.convert([out], tmp_path / "again")
    check(again)
