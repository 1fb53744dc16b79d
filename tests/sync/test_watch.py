"""psos watch: a real observer on a temp folder, debounced, no loop on its own writes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.store import open_store
from psos_xl.sync.engine import SyncResult
from psos_xl.sync.watch import Watcher
from psos_xl.workbook.writers import Lists, write_timesheet
from sync.test_write_back import WEEK, build_firm, catalog, entry

DEBOUNCE = 0.3
LIMIT = 10.0  # seconds any wait may take before the test fails


def count(root: Path, table: str) -> int:
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            t = st.metadata.tables[table]
            return int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
    finally:
        store.close()


def wait_for(check: Callable[[], bool], timeout: float = LIMIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    root = build_firm(tmp_path / "firm")
    (root / "timesheets" / "broken.xlsx").unlink()
    (root / "timesheets" / "bob_copy.xlsx").unlink()
    (root / "scopes" / "~$gamma.xlsx").unlink()
    return root


@pytest.fixture
def watcher(firm: Path) -> Iterator[Watcher]:
    results: list[SyncResult] = []
    errors: list[BaseException] = []
    w = Watcher(firm, debounce=DEBOUNCE, on_result=results.append, on_error=errors.append)
    w.start()
    try:
        assert wait_for(lambda: w.runs == 1), "the first sync did not run"
        assert w.wait_idle(LIMIT)
        yield w
    finally:
        w.stop()
    assert not errors


def test_a_new_timesheet_is_synced_once_and_write_back_does_not_loop(
    firm: Path, watcher: Watcher
) -> None:
    first = watcher.last
    assert first is not None and "scopes/acme.xlsx" in first.written_back
    rows = count(firm, "time_entries")
    runs = count(firm, "sync_runs")
    assert runs == 1

    lists = Lists.from_catalog(catalog())
    sheet = m.Timesheet(person="CAR", week=WEEK, entries=[entry(0, "ACME-01", "D2", "DEV", "6")])
    write_timesheet(firm / "timesheets" / "car.xlsx", sheet, lists)
    assert wait_for(lambda: count(firm, "time_entries") == rows + 1)
    assert watcher.wait_idle(LIMIT)
    assert watcher.runs == 2
    assert watcher.last is not None and "scopes/acme.xlsx" in watcher.last.written_back
    # the write-back of ACME's Delivery table fired events; none started a run
    time.sleep(DEBOUNCE * 3)
    assert watcher.wait_idle(LIMIT)
    assert (watcher.runs, count(firm, "sync_runs")) == (2, 2)


def test_lock_and_temp_files_start_no_sync(firm: Path, watcher: Watcher) -> None:
    (firm / "scopes" / "~$acme.xlsx").write_bytes(b"owner")
    (firm / "scopes" / ".~lock.beta.xlsx#").write_bytes(b"lock")
    (firm / "timesheets" / ".~psos-x.xlsx.1234.tmp").write_bytes(b"temp")
    (firm / "notes.txt").write_text("not a workbook")
    time.sleep(DEBOUNCE * 4)
    assert watcher.wait_idle(LIMIT)
    assert (watcher.runs, count(firm, "sync_runs")) == (1, 1)


def test_an_open_scope_is_written_when_its_lock_file_goes(firm: Path) -> None:
    lock = firm / "scopes" / "~$gamma.xlsx"
    lock.write_bytes(b"owner")
    w = Watcher(firm, debounce=DEBOUNCE)
    w.start()
    try:
        assert wait_for(lambda: w.runs == 1) and w.wait_idle(LIMIT)
        assert w.last is not None and w.last.skipped_open == ["scopes/gamma.xlsx"]
        lock.unlink()  # Excel closed without saving
        assert wait_for(lambda: w.runs == 2)
        assert w.wait_idle(LIMIT)
        assert w.last is not None and w.last.written_back == ["scopes/gamma.xlsx"]
    finally:
        w.stop()
