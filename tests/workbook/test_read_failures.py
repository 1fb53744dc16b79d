"""A panic inside the parser (pyo3 raises it as PanicException, a BaseException) makes
the file unreadable, like any other parser failure; an interrupt is never swallowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wb import TIME_HEADER, make_workbook

from psos_xl.errors import Code
from psos_xl.sync import scan
from psos_xl.workbook import reader, readers


class PanicException(BaseException):
    """What pyo3 raises when the Rust code under python-calamine panics."""


def timesheet(path: Path) -> Path:
    return make_workbook(
        path, "timesheet", {"Time": [TIME_HEADER]}, marker={"person": "ALM", "week": "2026-02-02"}
    )


def raising(err: BaseException) -> Any:
    def parse(*_args: Any, **_kwargs: Any) -> Any:
        raise err

    return parse


def test_a_panic_while_parsing_is_an_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = timesheet(tmp_path / "t.xlsx")
    monkeypatch.setattr(readers, "parse", raising(PanicException("invalid range bounds")))
    monkeypatch.setattr(scan, "parse", raising(PanicException("invalid range bounds")))
    loaded = readers.read(path, "t.xlsx")
    assert loaded.state == "unreadable"
    assert [
        (i.code, "PanicException: invalid range bounds" in i.message) for i in loaded.issues
    ] == [(Code.FILE_UNREADABLE, True)]
    outcome = scan.read_workbook(str(path), "t.xlsx")
    assert outcome.state == "unreadable" and outcome.issues[0].code is Code.FILE_UNREADABLE


def test_a_panic_while_reading_the_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = timesheet(tmp_path / "t.xlsx")
    monkeypatch.setattr(reader, "read_marker", raising(PanicException("boom")))
    book, issues = reader.open_book(path)
    assert book.workbook is None and [i.code for i in issues] == [Code.FILE_UNREADABLE]


def test_an_interrupt_is_never_taken_for_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = timesheet(tmp_path / "t.xlsx")
    monkeypatch.setattr(readers, "parse", raising(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        readers.read(path, "t.xlsx")
