"""Sync's scan and read of what is not a plain workbook: pipes, links, names that are
not UTF-8, files over the workspace's limits. Sync never waits on a pipe, reports each
at its entry and keeps the last good rows of a workbook it can no longer read."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from psos_xl.errors import Code
from psos_xl.sync import run_sync
from psos_xl.sync.files import scan, sha256_of, stat_of
from psos_xl.sync.scan import limits_of, read_workbook, root_of
from psos_xl.workbook.guard import Limits
from sync.test_engine import entry, facts, make_workspace, rows_of, timesheet

T = TypeVar("T")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pipes and links of POSIX")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "firm")


def in_time(call: Callable[[], T], seconds: float = 20.0) -> T:
    """The result of ``call()``, failing (not hanging) if it blocks."""
    got: list[T] = []
    worker = threading.Thread(target=lambda: got.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{call} blocked"
    return got[0]


def test_the_scan_lists_every_entry_named_like_a_workbook(ws: Path) -> None:
    os.mkfifo(ws / "timesheets" / "pipe.xlsx")
    (ws / "timesheets" / "loop.xlsx").symlink_to("loop.xlsx")
    (ws / "timesheets" / "zero.xlsx").symlink_to("/dev/zero")
    found = {f.rel: f for f in scan(ws)}
    assert {"timesheets/pipe.xlsx", "timesheets/loop.xlsx", "timesheets/zero.xlsx"} <= set(found)
    loop = stat_of(ws, ws / "timesheets" / "loop.xlsx")
    assert (
        loop is not None and loop.mtime_ns == (ws / "timesheets" / "loop.xlsx").lstat().st_mtime_ns
    )


def test_the_hash_never_opens_a_pipe_or_a_device(ws: Path) -> None:
    os.mkfifo(ws / "pipe.xlsx")
    (ws / "zero.xlsx").symlink_to("/dev/zero")
    assert in_time(lambda: sha256_of(ws / "pipe.xlsx")) is None
    assert in_time(lambda: sha256_of(ws / "zero.xlsx")) is None
    assert sha256_of(ws / "catalog.xlsx") is not None


def test_reading_a_pipe_is_refused_at_once(ws: Path) -> None:
    os.mkfifo(ws / "timesheets" / "pipe.xlsx")
    out = in_time(
        lambda: read_workbook(str(ws / "timesheets" / "pipe.xlsx"), "timesheets/pipe.xlsx")
    )
    assert out.state == "unreadable"
    [issue] = out.issues
    assert issue.code is Code.FILE_NOT_REGULAR
    assert str(issue.location) == "timesheets/pipe.xlsx"
    assert issue.message.endswith(
        "its last good rows are kept and it is read again on the next sync"
    )


def test_a_pipe_in_place_of_a_synced_timesheet_keeps_its_rows(ws: Path) -> None:
    path = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7.5)])
    run_sync(ws)
    path.unlink()
    os.mkfifo(path)  # the store knows it as read: sync hashes it before it reads it
    result = in_time(lambda: run_sync(ws))
    assert len(rows_of(ws)) == 1
    codes = [(str(i.code), str(i.location)) for i in result.issues]
    assert ("FILE_NOT_REGULAR", "timesheets/alm.xlsx") in codes


def test_the_workspace_limits_apply_and_follow_psos_toml(ws: Path) -> None:
    path = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7.5)])
    assert limits_of(ws) == Limits()
    assert read_workbook(str(path), "timesheets/alm.xlsx").state == "ok"
    (ws / "psos.toml").write_text("[workspace]\nmax_parts = 5\n", encoding="utf-8")
    assert limits_of(ws).parts == 5
    out = read_workbook(str(path), "timesheets/alm.xlsx")
    assert [i.code for i in out.issues] == [Code.FILE_TOO_LARGE]
    assert root_of(path, "timesheets/alm.xlsx") == ws


def test_a_link_out_of_the_workspace_is_not_read(ws: Path, tmp_path: Path) -> None:
    timesheet(tmp_path / "eve.xlsx", [entry(0, "ACME-01", "D1", "SA", 3)], person="EVE")
    (ws / "timesheets" / "eve.xlsx").symlink_to(tmp_path / "eve.xlsx")
    result = run_sync(ws)
    assert rows_of(ws) == []
    codes = [(str(i.code), str(i.location)) for i in result.issues]
    assert ("LINK_OUTSIDE_WORKSPACE", "timesheets/eve.xlsx") in codes


def test_a_name_that_is_not_utf8_is_stored_found_again_and_retired(ws: Path) -> None:
    raw = os.fsencode(ws / "timesheets") + b"/r\xe9sum\xe9.xlsx"
    path = timesheet(Path(os.fsdecode(raw)), [entry(0, "ACME-01", "D1", "SA", 7.5)])
    first = run_sync(ws)
    [row] = rows_of(ws)
    assert row.path == "./timesheets/r\\xe9sum\\xe9.xlsx"
    assert first.read == 4
    stable = facts(ws)
    second = run_sync(ws)
    assert (second.read, facts(ws)) == (0, stable)  # found again: neither read nor retired
    path.unlink()
    third = run_sync(ws)
    assert third.retired == ["./timesheets/r\\xe9sum\\xe9.xlsx"] and rows_of(ws) == []
