"""``psos doctor`` asks the reading guard which workbook files sync will not read."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest
from sync.test_engine import entry, make_workspace, timesheet

from psos_xl.app.doctor import FindingCode, doctor


@pytest.mark.skipif(sys.platform == "win32", reason="pipes of POSIX")
def test_doctor_finds_what_the_guard_refuses(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "firm")
    far = timesheet(ws / "timesheets" / "far.xlsx", [entry(0, "ACME-01", "D1", "SA", 7.5)])
    with zipfile.ZipFile(far) as zin:
        parts = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(far, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts:
            if name == "xl/worksheets/sheet1.xml":
                far_cell = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                data = data.replace(b"</sheetData>", far_cell + b"</sheetData>")
            zout.writestr(name, data)
    os.mkfifo(ws / "timesheets" / "pipe.xlsx")
    (ws / "timesheets" / "broken.xlsx").write_bytes(b"not a workbook")  # unreadable only
    findings = [
        (f.location, f.details[0].split(": ")[1].split(" ")[0])
        for f in doctor(ws).findings
        if f.code is FindingCode.FILE_OVER_LIMITS
    ]
    assert findings == [
        ("timesheets/far.xlsx", "FILE_SUSPICIOUS"),
        ("timesheets/pipe.xlsx", "FILE_NOT_REGULAR"),
    ]
