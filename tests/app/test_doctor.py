"""psos doctor finds each problem planted in a synced workspace, says where it is and how to
fix it, and finds nothing in a clean one.

The workspace is test_engine's (a catalog, two Active scopes) with psos.toml and one
valid timesheet, synced. Each planted problem is one a user meets: a row rejected, a
conflicted copy, a workbook that cannot be read or used, a sync killed half-way, psos'
temp file left by it, Excel's and LibreOffice's lock files left behind, a damaged store,
a store made by a newer psos_xl.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from store.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures)
from sync.test_engine import WEEK, entry, make_workspace, timesheet
from wb import make_workbook

from psos_xl import store as st
from psos_xl.app.doctor import CHECKS, Checkup, doctor
from psos_xl.app.doctor_findings import Context, Finding, FindingCode
from psos_xl.errors import Code, Issue, Severity, WorkspaceError
from psos_xl.store import StoreError, open_store
from psos_xl.store.base import SCHEMA_VERSION
from psos_xl.sync import run_sync
from psos_xl.sync.lock import SyncLock
from psos_xl.workspace import Workspace, write_config

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
STORE = ".psos/store.sqlite"
DAY = 24 * 60 * 60
NOW = time.time()


def synced_firm(root: Path, store_url: str | None = None) -> Path:
    make_workspace(root)
    write_config(root, "Firm")
    timesheet(root / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7.5)])
    result = run_sync(root, store_url)
    assert not [i for i in result.issues if i.is_error], result.issues
    return root


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synced_firm(tmp_path_factory.mktemp("doctor") / "firm")


@pytest.fixture
def clean(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "firm"))


def found(checkup: Checkup) -> dict[FindingCode, list[Finding]]:
    out: dict[FindingCode, list[Finding]] = {}
    for f in checkup.findings:
        out.setdefault(f.code, []).append(f)
    return out


def one(checkup: Checkup, code: FindingCode, location: str) -> Finding:
    """The finding of ``code`` at ``location``; it says how to fix it."""
    (f,) = [f for f in checkup.findings if f.code is code and f.location == location]
    assert f.message and f.fix, f
    return f


def run_row(root: Path, status: str, pid: int = 999_999, host: str | None = None) -> None:
    """A sync run recorded as ``status`` (started an hour ago) in the workspace's store."""
    store = open_store(st.default_url(root), migrate=False)
    try:
        with store.begin() as conn:
            conn.execute(
                insert(st.sync_runs).values(
                    started_at=datetime(2026, 3, 2, 9, 0),
                    status=status,
                    pid=pid,
                    host=host or socket.gethostname(),
                )
            )
    finally:
        store.close()


def aged(path: Path, days: float) -> Path:
    then = NOW - days * DAY
    os.utime(path, (then, then))
    return path


# --- a clean workspace --------------------------------------------------------------------


def test_a_clean_workspace_has_nothing_to_do(clean: Path) -> None:
    checkup = doctor(clean)
    assert checkup.findings == []
    assert checkup.exit_code == 0
    assert checkup.to_json() == {"workspace": str(clean), "store": STORE, "findings": []}


def test_doctor_changes_nothing(clean: Path) -> None:
    before = {p: p.read_bytes() for p in sorted(clean.rglob("*")) if p.is_file()}
    doctor(clean)
    after = {p: p.read_bytes() for p in sorted(clean.rglob("*")) if p.is_file()}
    assert set(after) - set(before) <= {clean / ".psos" / "sync.lock"}
    assert {p: b for p, b in after.items() if p in before} == before


def test_a_workspace_never_synced_has_no_store_yet_and_doctor_makes_none(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "firm")
    checkup = doctor(root)
    f = one(checkup, FindingCode.STORE_MISSING, STORE)
    assert f.severity is Severity.INFO and "psos sync" in f.fix
    assert [x.code for x in checkup.findings] == [FindingCode.STORE_MISSING]
    assert checkup.exit_code == 0
    assert not (root / STORE).exists()


# --- every problem planted at once ------------------------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = synced_firm(tmp_path_factory.mktemp("planted") / "firm")
    sheets = root / "timesheets"
    timesheet(
        sheets / "bob.xlsx",
        [entry(0, "NOPE-01", "D1", "SA", 4), entry(1, "ACME-01", "D1", "SA", 30)],
        person="BOB",
    )
    shutil.copyfile(sheets / "alm.xlsx", sheets / "alm_copy.xlsx")
    (sheets / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    make_workbook(
        sheets / "carol.xlsx",
        "timesheet",
        {"Hours": [["Date", "Hours"], [WEEK, 8]]},
        marker={"person": "CAROL", "week": WEEK.isoformat()},
    )
    run_sync(root)
    run_row(root, "failed")  # the last sync to end failed
    run_row(root, "running")  # and the one after was killed
    (sheets / ".~psos-alm.xlsx.1a2b3c4d.tmp").write_bytes(b"half a workbook")
    (root / "scopes" / "~$acme.xlsx").write_bytes(b"owner")  # Excel, two days ago
    aged(root / "scopes" / "~$acme.xlsx", 2)
    (root / "scopes" / ".~lock.beta.xlsx#").write_text("someone,now")  # open now: fine
    (root / ".~lock.gone.xlsx#").write_text("someone,long ago")  # its workbook is gone
    return root


@pytest.fixture(scope="module")
def diagnosed(planted: Path) -> Checkup:
    return doctor(planted, now=NOW)


def test_each_planted_problem_is_found_once_with_its_fix(diagnosed: Checkup) -> None:
    assert {code: [f.location for f in fs] for code, fs in found(diagnosed).items()} == {
        FindingCode.SYNC_INTERRUPTED: [STORE],
        FindingCode.SYNC_FAILED: [STORE],
        FindingCode.TEMP_FILE_LEFT: ["timesheets/.~psos-alm.xlsx.1a2b3c4d.tmp"],
        FindingCode.LOCK_FILE_ORPHANED: [".~lock.gone.xlsx#"],
        FindingCode.LOCK_FILE_STALE: ["scopes/~$acme.xlsx"],
        FindingCode.WORKBOOK_REJECTS: ["timesheets/bob.xlsx"],
        FindingCode.WORKBOOK_UNREADABLE: ["timesheets/broken.xlsx"],
        FindingCode.WORKBOOK_INVALID: ["timesheets/carol.xlsx"],
        FindingCode.WORKBOOK_CONFLICT: ["timesheets/alm_copy.xlsx"],
    }
    assert all(f.message and f.fix for f in diagnosed.findings)
    assert diagnosed.exit_code == 1


def test_rejected_rows_are_counted_per_workbook_with_the_first_locations(
    diagnosed: Checkup,
) -> None:
    f = one(diagnosed, FindingCode.WORKBOOK_REJECTS, "timesheets/bob.xlsx")
    assert f.severity is Severity.WARNING
    assert (
        f.message == "2 rows of this workbook are left out of the store, not counted until fixed."
    )
    assert f.details == (
        "timesheets/bob.xlsx!Time!B2: UNKNOWN_ENGAGEMENT engagement 'NOPE-01' is not in any scope",
        "timesheets/bob.xlsx!Time!E3: HOURS_OUT_OF_RANGE Hours must be above 0 and at most 24, "
        "got 30",
    )
    assert "correct each cell listed" in f.fix


def test_many_rejected_rows_list_the_first_few_in_row_order(clean: Path) -> None:
    rows = [entry(day % 5, "NOPE-01", "D1", "SA", 1) for day in range(11)]
    timesheet(clean / "timesheets" / "dan.xlsx", rows, person="DAN")
    run_sync(clean)
    f = one(doctor(clean), FindingCode.WORKBOOK_REJECTS, "timesheets/dan.xlsx")
    assert f.message == (
        "11 rows of this workbook are left out of the store, not counted until fixed "
        "(the first 5 listed)."
    )
    assert [d.split(":")[0] for d in f.details] == [
        f"timesheets/dan.xlsx!Time!B{row}" for row in range(2, 7)
    ]


def test_a_conflicted_copy_names_both_paths(diagnosed: Checkup) -> None:
    f = one(diagnosed, FindingCode.WORKBOOK_CONFLICT, "timesheets/alm_copy.xlsx")
    assert "ALM's week of 2026-02-02" in f.message
    assert f.details == ("counted: timesheets/alm.xlsx", "not counted: timesheets/alm_copy.xlsx")
    assert "delete this copy" in f.fix


def test_unreadable_and_unusable_workbooks(diagnosed: Checkup) -> None:
    broken = one(diagnosed, FindingCode.WORKBOOK_UNREADABLE, "timesheets/broken.xlsx")
    assert "could not read" in broken.message and "restore it from a backup" in broken.fix
    carol = one(diagnosed, FindingCode.WORKBOOK_INVALID, "timesheets/carol.xlsx")
    assert "no Excel Table named 'Time'" in carol.message
    assert carol.details == (
        "timesheets/carol.xlsx!Time: TABLE_MISSING the workbook has no Excel Table named 'Time'",
    )
    assert "psos validate timesheets/carol.xlsx" in carol.fix


def test_a_killed_sync_and_a_failed_one(diagnosed: Checkup) -> None:
    killed = one(diagnosed, FindingCode.SYNC_INTERRUPTED, STORE)
    assert "process 999999" in killed.message and "never finished" in killed.message
    assert "Run psos sync" in killed.fix and "nothing is counted twice" in killed.fix
    failed = one(diagnosed, FindingCode.SYNC_FAILED, STORE)
    assert "failed" in failed.message and "Run psos sync again" in failed.fix


def test_leftover_temp_and_lock_files(diagnosed: Checkup) -> None:
    temp = one(diagnosed, FindingCode.TEMP_FILE_LEFT, "timesheets/.~psos-alm.xlsx.1a2b3c4d.tmp")
    assert "Delete this file" in temp.fix
    stale = one(diagnosed, FindingCode.LOCK_FILE_STALE, "scopes/~$acme.xlsx")
    assert "open for 2 day(s)" in stale.message and "crashed Excel session" in stale.message
    assert "sync does not write into acme.xlsx" in stale.message
    assert "If nobody has acme.xlsx open" in stale.fix
    orphan = one(diagnosed, FindingCode.LOCK_FILE_ORPHANED, ".~lock.gone.xlsx#")
    assert "LibreOffice" in orphan.message and "gone.xlsx" in orphan.message
    assert "Delete this file" in orphan.fix


def test_while_a_sync_runs_its_run_and_temp_files_are_not_problems(planted: Path) -> None:
    with SyncLock(planted / ".psos", timeout=5):
        checkup = doctor(planted, now=NOW)
    codes = found(checkup)
    running = one(checkup, FindingCode.SYNC_RUNNING, STORE)
    assert running.severity is Severity.INFO and "running now" in running.message
    assert FindingCode.SYNC_INTERRUPTED not in codes
    assert FindingCode.TEMP_FILE_LEFT not in codes
    assert FindingCode.SYNC_FAILED in codes  # the last one that ended did fail


def test_a_lock_file_younger_than_a_day_on_a_workbook_that_is_there_is_fine(clean: Path) -> None:
    lock = clean / "scopes" / "~$acme.xlsx"
    lock.write_bytes(b"owner")
    assert doctor(clean, now=NOW).findings == []
    aged(lock, 1.5)
    assert [f.code for f in doctor(clean, now=NOW).findings] == [FindingCode.LOCK_FILE_STALE]


def test_excel_lock_of_a_long_name_belongs_to_its_workbook(clean: Path) -> None:
    """Excel drops the first two characters of a long name: ~$ta.xlsx locks beta.xlsx."""
    lock = clean / "scopes" / "~$ta.xlsx"
    lock.write_bytes(b"owner")
    assert doctor(clean, now=NOW).findings == []
    aged(lock, 3)
    f = one(doctor(clean, now=NOW), FindingCode.LOCK_FILE_STALE, "scopes/~$ta.xlsx")
    assert "Excel has marked beta.xlsx as open for 3 day(s)" in f.message


# --- the store -------------------------------------------------------------------------------


def damaged_copy(root: Path, target: Path) -> Path:
    """A copy of the workspace's store with the pages of two tables overwritten (the
    schema and schema_migrations intact, so it opens and says its version)."""
    source = root / STORE
    assert not source.with_name(source.name + "-wal").exists()
    with closing(sqlite3.connect(source)) as conn:
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        pages = [
            n
            for (n,) in conn.execute(
                "SELECT rootpage FROM sqlite_master WHERE name IN ('workbooks', 'rejects')"
            )
        ]
    data = bytearray(source.read_bytes())
    for n in pages:  # page n (from 1) is the n-th block of page_size bytes
        data[(n - 1) * size : n * size] = b"\xa5" * size
    target.write_bytes(bytes(data))
    return target


def test_a_damaged_store_is_found_by_its_integrity_check(clean: Path, tmp_path: Path) -> None:
    copy = damaged_copy(clean, tmp_path / "damaged.sqlite")
    checkup = doctor(clean, f"sqlite:///{copy.as_posix()}")
    f = one(checkup, FindingCode.STORE_CORRUPT, str(copy))
    assert f.severity is Severity.ERROR and f.details
    assert "Move" in f.fix and "psos sync" in f.fix and "rebuilds the store" in f.fix
    # what is read from a damaged store cannot be trusted: nothing else is looked up in it
    assert [x.code for x in checkup.findings] == [FindingCode.STORE_CORRUPT]
    assert checkup.exit_code == 1
    assert doctor(clean).findings == []  # the workspace's own store is sound


def test_an_index_out_of_step_with_its_table(clean: Path) -> None:
    """What only PRAGMA integrity_check sees: every query still answers."""
    with closing(sqlite3.connect(clean / STORE)) as conn:
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_time_entries_workbook_id "
            "ON time_entries (sheet)' WHERE name = 'ix_time_entries_workbook_id'"
        )
        conn.commit()
    checkup = doctor(clean)
    f = one(checkup, FindingCode.STORE_CORRUPT, STORE)
    assert f.details == ("row 1 missing from index ix_time_entries_workbook_id",)
    assert [x.code for x in checkup.findings] == [FindingCode.STORE_CORRUPT]


def test_a_store_file_that_is_not_a_database(clean: Path) -> None:
    (clean / STORE).write_bytes(b"this is not a database at all" * 200)
    checkup = doctor(clean)
    f = one(checkup, FindingCode.STORE_CORRUPT, STORE)
    assert "not a database" in f.message
    assert [x.code for x in checkup.findings] == [FindingCode.STORE_CORRUPT]


def test_rows_of_a_workbook_the_store_has_no_record_of(clean: Path) -> None:
    with closing(sqlite3.connect(clean / STORE)) as conn:  # foreign keys not enforced here
        conn.execute("DELETE FROM workbooks WHERE path = 'timesheets/alm.xlsx'")
        conn.commit()
    checkup = doctor(clean)
    f = one(checkup, FindingCode.STORE_ORPHAN_ROWS, STORE)
    assert f.details == ("1 row(s) of time_entries",)
    assert "rebuilds the store" in f.fix


def set_version(root: Path, version: int) -> None:
    store = open_store(st.default_url(root), migrate=False)
    try:
        with store.begin() as conn:
            if version > SCHEMA_VERSION:
                conn.execute(
                    insert(st.schema_migrations).values(
                        version=version, description="from the future", applied_at=datetime.now()
                    )
                )
            else:
                conn.execute(
                    st.schema_migrations.delete().where(st.schema_migrations.c.version > version)
                )
    finally:
        store.close()


def test_a_store_made_by_a_newer_psos_xl(clean: Path) -> None:
    set_version(clean, SCHEMA_VERSION + 1)
    run_row(clean, "running")  # not looked at: the tables may mean something else now
    checkup = doctor(clean)
    f = one(checkup, FindingCode.STORE_SCHEMA_NEWER, STORE)
    assert f.severity is Severity.ERROR and f"schema {SCHEMA_VERSION + 1}" in f.message
    assert "Upgrade psos_xl" in f.fix
    assert [x.code for x in checkup.findings] == [FindingCode.STORE_SCHEMA_NEWER]
    assert checkup.exit_code == 1


def test_a_store_made_by_an_older_psos_xl_is_a_note(clean: Path) -> None:
    set_version(clean, SCHEMA_VERSION - 1)
    checkup = doctor(clean)
    f = one(checkup, FindingCode.STORE_SCHEMA_OLDER, STORE)
    assert f.severity is Severity.INFO and "next psos sync" in f.fix
    assert [x.code for x in checkup.findings] == [FindingCode.STORE_SCHEMA_OLDER]
    assert checkup.exit_code == 0
    assert open_store(st.default_url(clean), migrate=False).version() == SCHEMA_VERSION - 1


def test_a_store_url_nobody_can_open_means_doctor_cannot_run(clean: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the store"):
        doctor(clean, "nosuchdb://x")


def test_a_store_file_it_may_not_open_means_doctor_cannot_run(clean: Path) -> None:
    (clean / STORE).chmod(0o000)
    try:
        if os.access(clean / STORE, os.R_OK):
            pytest.skip("running with rights that read any file")
        with pytest.raises(StoreError, match="cannot reach the store"):
            doctor(clean)
    finally:
        (clean / STORE).chmod(0o644)


# --- the workspace ----------------------------------------------------------------------------


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a psos workspace"):
        doctor(tmp_path)
    with pytest.raises(WorkspaceError, match="no such folder"):
        doctor(tmp_path / "nope")


def test_an_invalid_psos_toml_is_a_finding_and_the_rest_is_still_checked(clean: Path) -> None:
    (clean / "psos.toml").write_text("[workspace]\nname = 'Firm'\ncatalogue = 'x.xlsx'\n")
    (clean / "timesheets" / ".~psos-alm.xlsx.00000000.tmp").write_bytes(b"")
    checkup = doctor(clean, now=NOW)
    f = one(checkup, FindingCode.WORKSPACE_CONFIG_INVALID, "psos.toml")
    assert "unknown setting(s) catalogue" in f.message
    assert "text editor" in f.fix
    assert FindingCode.TEMP_FILE_LEFT in found(checkup)
    (clean / "psos.toml").write_text("name = 'Firm\n")
    f = one(doctor(clean), FindingCode.WORKSPACE_CONFIG_INVALID, "psos.toml")
    assert "not valid TOML" in f.message


def test_the_catalog_missing_or_unreadable(clean: Path) -> None:
    catalog = clean / "catalog.xlsx"
    catalog.write_bytes(b"PK\x03\x04 truncated")
    f = one(doctor(clean), FindingCode.CATALOG_UNREADABLE, "catalog.xlsx")
    assert f.details and f.details[0].startswith("catalog.xlsx: FILE_UNREADABLE")
    assert "restore it from a backup" in f.fix
    catalog.unlink()
    f = one(doctor(clean), FindingCode.CATALOG_MISSING, "catalog.xlsx")
    assert "psos new catalog" in f.fix


# --- files over the reading limits, and the checks themselves ---------------------------------


def test_files_over_the_limits_as_the_reading_guard_judges_them(clean: Path) -> None:
    """Sync could not read huge.xlsx; the guard says why: one finding, with the limit."""
    (clean / "timesheets" / "huge.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    run_sync(clean)
    assert FindingCode.WORKBOOK_UNREADABLE in found(doctor(clean))
    asked: list[str] = []

    def inspect(path: Path, ws: Workspace) -> list[Issue]:
        assert ws.root == clean
        asked.append(path.name)
        if path.name != "huge.xlsx":
            return []
        # a stand-in for the guard's own issue (FILE_TOO_LARGE)
        message = "is 51.0 MB, over max_file_mb = 50; not read"
        return [Issue.make(Code.FILE_UNREADABLE, "timesheets/huge.xlsx", message)]

    checkup = doctor(clean, inspect=inspect)
    assert [(f.code, f.location) for f in checkup.findings] == [
        (FindingCode.FILE_OVER_LIMITS, "timesheets/huge.xlsx")
    ]
    f = checkup.findings[0]
    assert f.message.startswith("This file is 51.0 MB, over max_file_mb = 50; not read")
    assert "raise the limit in psos.toml" in f.fix and "remove it" in f.fix
    assert f.details == (
        "timesheets/huge.xlsx: FILE_UNREADABLE is 51.0 MB, over max_file_mb = 50; not read",
    )
    assert sorted(asked) == ["acme.xlsx", "alm.xlsx", "beta.xlsx", "catalog.xlsx", "huge.xlsx"]


def test_a_check_that_crashes_is_a_finding_naming_it(clean: Path) -> None:
    def check_broken(ctx: Context) -> list[Finding]:
        raise ValueError("no such thing")

    (clean / ".~lock.gone.xlsx#").write_text("x")
    checkup = doctor(clean, checks=(check_broken, *CHECKS))
    f = one(checkup, FindingCode.CHECK_FAILED, "psos doctor")
    assert "check_broken" in f.message and "ValueError: no such thing" in f.message
    assert [x.code for x in checkup.findings] == [
        FindingCode.CHECK_FAILED,
        FindingCode.LOCK_FILE_ORPHANED,
    ]


def test_every_finding_code_is_documented() -> None:
    missing = [c.value for c in FindingCode if f"`{c.value}`" not in README]
    assert not missing, f"finding codes missing from README.md: {missing}"


# --- a PostgreSQL store -----------------------------------------------------------------------


@pytest.fixture
def on_postgres(tmp_path: Path, pg_url: str) -> tuple[Path, str]:  # noqa: F811
    """A firm synced into a new PostgreSQL database, and the database's URL."""
    return synced_firm(tmp_path / "firm", pg_url), pg_url


def test_a_clean_postgres_store(on_postgres: tuple[Path, str]) -> None:
    root, url = on_postgres
    checkup = doctor(root, url)
    assert checkup.findings == []
    assert "postgresql" in checkup.store


def test_a_killed_sync_on_postgres_and_one_that_holds_the_store(
    on_postgres: tuple[Path, str],
) -> None:
    from psos_xl.sync.lock import StoreLock

    root, url = on_postgres
    store = open_store(url)
    try:
        with store.begin() as conn:
            conn.execute(
                insert(st.sync_runs).values(
                    started_at=datetime(2026, 3, 2, 9), status="running", pid=4242, host="m2"
                )
            )
    finally:
        store.close()
    checkup = doctor(root, url)
    killed = one(checkup, FindingCode.SYNC_INTERRUPTED, checkup.store)
    assert "on m2" in killed.message and "process 4242" in killed.message
    other = StoreLock(url)  # another machine's sync, holding the store
    assert other.try_acquire()
    try:
        checkup = doctor(root, url)
    finally:
        other.release()
    assert [f.code for f in checkup.findings] == [FindingCode.SYNC_RUNNING]


def test_an_invalid_index_on_postgres_is_damage(on_postgres: tuple[Path, str]) -> None:
    root, url = on_postgres
    store = open_store(url)
    try:
        with store.begin() as conn:
            conn.execute(
                text(
                    "UPDATE pg_index SET indisvalid = false "
                    "WHERE indexrelid = 'ix_workbooks_ident'::regclass"
                )
            )
    finally:
        store.close()
    checkup = doctor(root, url)
    f = one(checkup, FindingCode.STORE_CORRUPT, checkup.store)
    assert "index ix_workbooks_ident is invalid" in f.message
    assert "new, empty database" in f.fix


def test_a_postgres_server_that_does_not_answer(clean: Path, tmp_path: Path) -> None:
    url = f"postgresql://nobody@/psos?host={tmp_path.as_posix()}"
    with pytest.raises(StoreError, match="cannot reach the store"):
        doctor(clean, url)
