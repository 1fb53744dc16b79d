"""Setting one field of a Field/Value table: only that cell changes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from wb import SCOPE_TABLES, make_workbook

from psos_xl.workbook.fieldcell import set_field
from psos_xl.workbook.readers import read_scope
from psos_xl.workbook.sheetxml import PatchError


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_only_the_status_cell_changes(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "acme.xlsx", "scope", SCOPE_TABLES)
    data = path.read_bytes()
    new = set_field(data, "ScopeInfo", "status", "Sold")
    before, after = members(data), members(new)
    assert [n for n in before if before[n] != after[n]] == ["xl/worksheets/sheet1.xml"]
    old_xml, new_xml = before["xl/worksheets/sheet1.xml"], after["xl/worksheets/sheet1.xml"]
    # the sheet is the same text but for the one cell
    start = next(i for i, (a, b) in enumerate(zip(old_xml, new_xml, strict=False)) if a != b)
    assert old_xml[:start].rfind(b'<c r="B9"') > old_xml[:start].rfind(b"</c>")
    assert old_xml[-60:] == new_xml[-60:]
    (tmp_path / "sold.xlsx").write_bytes(new)
    scope, issues = read_scope(tmp_path / "sold.xlsx")
    original, _ = read_scope(path)
    assert scope is not None and original is not None and not issues
    assert scope.info.status is not None and scope.info.status.value == "Sold"
    assert {**scope.info.model_dump(), "status": original.info.status} == original.info.model_dump()
    assert set_field(new, "ScopeInfo", "Status", "Sold") is new  # already so: unchanged


def test_a_missing_field_or_table_is_an_error(tmp_path: Path) -> None:
    data = make_workbook(tmp_path / "acme.xlsx", "scope", SCOPE_TABLES).read_bytes()
    with pytest.raises(PatchError, match="no Owner row"):
        set_field(data, "ScopeInfo", "Owner", "x")
    with pytest.raises(PatchError, match="no table named"):
        set_field(data, "Nowhere", "Status", "x")
