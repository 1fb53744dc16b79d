"""Write-back is safe: open or changed workbooks are left alone, no-op syncs write
nothing, and a temp file never stays behind."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from psos_xl.errors import Code
from psos_xl.sync.writeback import TEMP_PREFIX, lock_files, sha256_of, write_table
from psos_xl.workbook.patch import edit_table_rows
from psos_xl.workspace import is_workbook_name
from workbook.test_patch import PSOS, ROWS, build_scope

PAST = 1_600_000_000_000_000_000  # an mtime well before the test ran, in ns


@pytest.fixture
def scope(tmp_path: Path) -> Path:
    path = build_scope(tmp_path / "acme-portal.xlsx")
    os.utime(path, ns=(PAST, PAST))
    return path


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def delivery(path: Path) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(path), load_tables=True)
    return [list(r) for r in book.get_table_by_name("Delivery").to_python()]


def test_writes_the_rows_and_reports_the_new_hash(scope: Path) -> None:
    result = write_table(scope, "Delivery", PSOS, ROWS)
    assert result.status == "written", result.message
    assert result.sha256 == sha256_of(scope.read_bytes())
    assert [r[0] for r in delivery(scope)] == ["D1", "D2", "D2", "D3", "D4"]
    assert result.issue() is None and result.ok
    assert leftovers(scope.parent) == []


def test_a_second_sync_with_the_same_rows_touches_nothing(scope: Path) -> None:
    first = write_table(scope, "Delivery", PSOS, ROWS)
    assert first.status == "written"
    os.utime(scope, ns=(PAST, PAST))
    before = snapshot(scope)
    second = write_table(scope, "Delivery", PSOS, ROWS, expected_sha256=first.sha256)
    assert second.status == "unchanged"
    assert second.sha256 == first.sha256
    assert snapshot(scope) == before


@pytest.mark.parametrize(
    "lock",
    [
        "~$acme-portal.xlsx",  # Excel's owner file
        "~$me-portal.xlsx",  # Excel's owner file for a longer name: first two chars go
        ".~lock.acme-portal.xlsx#",  # LibreOffice
        "~$ACME-PORTAL.XLSX",  # a case-insensitive share
    ],
)
def test_an_open_workbook_is_not_written(scope: Path, lock: str) -> None:
    (scope.parent / lock).write_bytes(b"owner")
    before = snapshot(scope)
    result = write_table(scope, "Delivery", PSOS, ROWS)
    assert result.status == "open"
    assert lock in result.message
    assert snapshot(scope) == before
    issue = result.issue("scopes/acme-portal.xlsx")
    assert issue is not None and issue.code is Code.WORKBOOK_OPEN
    assert str(issue.location) == "scopes/acme-portal.xlsx!Delivery"
    assert leftovers(scope.parent) == []


def test_lock_files_of_other_workbooks_do_not_count(scope: Path) -> None:
    (scope.parent / "~$other.xlsx").write_bytes(b"owner")
    (scope.parent / ".~lock.other.xlsx#").write_bytes(b"owner")
    assert lock_files(scope) == []


def test_a_workbook_saved_since_it_was_read_is_refused(scope: Path) -> None:
    before = snapshot(scope)
    result = write_table(scope, "Delivery", PSOS, ROWS, expected_sha256="0" * 64)
    assert result.status == "changed"
    assert result.sha256 == sha256_of(before[0])
    assert snapshot(scope) == before
    issue = result.issue()
    assert issue is not None and issue.code is Code.WORKBOOK_CHANGED


def test_a_save_during_the_write_is_not_overwritten(
    scope: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = edit_table_rows
    users_save = b"the user saved this meanwhile"

    def slow(src: Any, *args: Any) -> Any:
        out = real(src, *args)
        scope.write_bytes(users_save)
        return out

    monkeypatch.setattr("psos_xl.sync.writeback.edit_table_rows", slow)
    result = write_table(scope, "Delivery", PSOS, ROWS)
    assert result.status == "changed"
    assert scope.read_bytes() == users_save
    assert leftovers(scope.parent) == []


def test_a_workbook_opened_during_the_write_is_not_replaced(
    scope: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = edit_table_rows

    def opened(src: Any, *args: Any) -> Any:
        (scope.parent / "~$acme-portal.xlsx").write_bytes(b"owner")
        return real(src, *args)

    monkeypatch.setattr("psos_xl.sync.writeback.edit_table_rows", opened)
    before = snapshot(scope)
    assert write_table(scope, "Delivery", PSOS, ROWS).status == "open"
    assert snapshot(scope) == before
    assert leftovers(scope.parent) == []


def test_a_failed_replace_leaves_the_file_and_no_temp(
    scope: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    before = snapshot(scope)
    result = write_table(scope, "Delivery", PSOS, ROWS)
    assert result.status == "error"
    assert "No space left" in result.message
    assert snapshot(scope) == before
    assert leftovers(scope.parent) == []


def test_a_file_held_open_on_windows_counts_as_open(
    scope: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(self: Path, target: Path) -> Path:
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(Path, "replace", denied)
    assert write_table(scope, "Delivery", PSOS, ROWS).status == "open"
    assert leftovers(scope.parent) == []


def test_a_table_problem_is_an_error_result(scope: Path) -> None:
    before = snapshot(scope)
    result = write_table(scope, "Delivery", [*PSOS, "Forecast"], [[*ROWS[0], 1]])
    assert result.status == "error"
    assert "Forecast" in result.message
    assert snapshot(scope) == before
    issue = result.issue()
    assert issue is not None and issue.code is Code.WRITE_BACK_FAILED
    missing = write_table(scope.parent / "gone.xlsx", "Delivery", PSOS, ROWS)
    assert missing.status == "error" and missing.sha256 == ""


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_the_file_keeps_its_permissions(scope: Path) -> None:
    scope.chmod(0o640)
    assert write_table(scope, "Delivery", PSOS, ROWS).status == "written"
    assert scope.stat().st_mode & 0o777 == 0o640


def test_the_temp_name_is_not_taken_for_a_workbook(
    scope: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = Path.replace

    def spy(self: Path, target: Path) -> Path:
        seen.append(self.name)
        return real(self, target)

    monkeypatch.setattr(Path, "replace", spy)
    assert write_table(scope, "Delivery", PSOS, ROWS).status == "written"
    [name] = seen
    assert name.startswith(TEMP_PREFIX)
    assert not is_workbook_name(name)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists the open files")
def test_the_workbook_is_closed_when_it_is_replaced(
    scope: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file that a process, this one too, holds open."""
    held: list[bool] = []
    real = Path.replace

    def spy(self: Path, target: Path) -> Path:
        opened = {os.path.realpath(fd) for fd in Path("/proc/self/fd").iterdir()}
        held.append(str(Path(target).resolve()) in opened)
        return real(self, target)

    monkeypatch.setattr(Path, "replace", spy)
    assert write_table(scope, "Delivery", PSOS, ROWS).status == "written"
    assert held == [False]
