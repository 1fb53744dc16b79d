"""A workbook is read whole or not at all: a part of an intact package that cannot be
read (a damaged deflate stream, an undefined entity, an entity bomb) makes the whole
workbook unreadable, with one issue at the workbook naming the part, and no model."""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, make_workbook

from psos_xl.errors import Code
from psos_xl.loader import load
from psos_xl.sync.scan import read_workbook
from psos_xl.workbook.reader import open_book
from psos_xl.workbook.readers import UNREADABLE, read
from psos_xl.workbook.sheetscan import Package

MARKER = {"person": "ALM", "week": "2026-01-05"}
ROW = [date(2026, 1, 5), "ACME-01", "D1", "SA", 7.5, "Y", "workshop"]
DTD = b'<!DOCTYPE worksheet [<!ENTITY name "expanded">]>'


def bomb(levels: int = 9) -> bytes:
    """The billion laughs: ten to the ``levels`` copies of 'lol' once expanded."""
    defs = [b'<!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        defs.append(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10))
    return b"<!DOCTYPE worksheet [" + b"".join(defs) + b"]>"


def undefined_entity(data: bytes) -> bytes:
    return data.replace(b"<t>workshop</t>", b"<t>&undefined;</t>")


def defined_entity(data: bytes) -> bytes:
    return DTD + data.replace(b"<t>workshop</t>", b"<t>&name;</t>")


def entity_bomb(data: bytes) -> bytes:
    return bomb() + data.replace(b"<t>workshop</t>", b"<t>&lol9;</t>")


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated-xml": truncated,
    "undefined-entity": undefined_entity,
    "defined-entity": defined_entity,
    "entity-bomb": entity_bomb,
}


def damage(path: Path, part: str, edit: Callable[[bytes], bytes] | None) -> Path:
    """``path`` with ``part`` edited, or (``edit`` None) its deflate stream damaged."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, edit(data) if edit and info.filename == part else data)
    if edit is None:
        raw = bytearray(path.read_bytes())
        info = zipfile.ZipFile(path).getinfo(part)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        raw[start + 8 : start + 40] = bytes(32)
        path.write_bytes(bytes(raw))
    return path


def part_of(path: Path, sheet: str) -> str:
    part = Package(path).sheet_part(sheet)
    assert part is not None
    return part


def timesheet(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "ts.xlsx", "timesheet", {"Time": [TIME_HEADER, ROW]}, MARKER)


@pytest.mark.parametrize("how", [None, *DAMAGE], ids=["deflate", *DAMAGE])
def test_a_damaged_time_sheet_makes_the_timesheet_unreadable(
    tmp_path: Path, how: str | None
) -> None:
    path = timesheet(tmp_path)
    damage(path, part_of(path, "Time"), DAMAGE[how] if how else None)
    started = time.perf_counter()
    loaded = read(path)
    assert time.perf_counter() - started < 5  # an entity is never expanded
    assert loaded.state == UNREADABLE and loaded.model is None
    (issue,) = loaded.issues
    assert (issue.code, str(issue.location)) == (Code.FILE_UNREADABLE, "ts.xlsx")
    assert "'Time'" in issue.message
    # sync's read says the same, and that the last good rows are kept
    outcome = read_workbook(str(path), "timesheets/ts.xlsx")
    assert outcome.state == UNREADABLE and outcome.model is None
    (issue,) = outcome.issues
    assert "'Time'" in issue.message and "last good rows are kept" in issue.message


@pytest.mark.parametrize("how", [None, "undefined-entity"], ids=["deflate", "entity"])
def test_a_damaged_marker_makes_the_workbook_unreadable(tmp_path: Path, how: str | None) -> None:
    path = timesheet(tmp_path)
    edit = (lambda d: d.replace(b"<t>ALM</t>", b"<t>&x;</t>")) if how else None
    damage(path, part_of(path, "_psos"), edit)
    loaded = read(path)
    assert loaded.state == UNREADABLE
    (issue,) = loaded.issues
    assert issue.code is Code.FILE_UNREADABLE and "'_psos'" in issue.message
    book, issues = open_book(path)
    assert book.workbook is None and [i.code for i in issues] == [Code.FILE_UNREADABLE]


@pytest.mark.parametrize(
    ("kind", "tables", "sheet"),
    [("scope", SCOPE_TABLES, "Deliverables"), ("catalog", CATALOG_TABLES, "Roles")],
)
def test_a_damaged_table_of_a_scope_or_catalog_leaves_it_unread(
    tmp_path: Path, kind: str, tables: dict[str, list[list[object]]], sheet: str
) -> None:
    path = make_workbook(tmp_path / f"{kind}.xlsx", kind, tables)
    damage(path, part_of(path, sheet), None)
    model, issues = load(path)
    assert model is None
    (issue,) = issues
    assert issue.code is Code.FILE_UNREADABLE and f"'{sheet}'" in issue.message


def test_calamine_refuses_every_entity_it_is_not_built_to_know(tmp_path: Path) -> None:
    """calamine (quick-xml) resolves only the five predefined XML entities and character
    references: a DTD's own entities are an error, never expanded, so neither an
    undefined entity nor an entity bomb costs more than reading the part."""
    path = timesheet(tmp_path)
    damage(path, part_of(path, "Time"), lambda d: d.replace(b"workshop", b"&amp;&#x41;&lt;"))
    loaded = read(path)
    assert loaded.state != UNREADABLE
    assert re.search("&A<", repr(loaded.model))
