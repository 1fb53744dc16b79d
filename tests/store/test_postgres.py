"""PostgreSQL for shared deployments: the same store, the same sync, one writer per store.

These tests start a real PostgreSQL server (see pgserver.py). Without the server
binaries they are skipped, naming the Debian package to install; with
``PSOS_POSTGRES=require`` in the environment they fail instead.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, make_workbook

from psos_xl import store as st
from psos_xl.store import StoreError, open_store
from psos_xl.sync import SyncBusyError, run_sync
from psos_xl.sync.engine import SyncResult
from psos_xl.sync.lock import STORE_LOCK_KEY, SyncLock

REQUIRED = os.environ.get("PSOS_POSTGRES") == "require"


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(f"PSOS_POSTGRES=require: {why}", pytrace=False)
    pytest.skip(why)


try:
    import pgserver
except ImportError as err:  # psycopg missing: the driver of the postgres extra
    pgserver = None  # type: ignore[assignment]
    _IMPORT_ERROR = f"the PostgreSQL driver is not installed ({err}): pip install 'psycopg[binary]'"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    if pgserver is None:
        _unavailable(_IMPORT_ERROR)
    server = pgserver.start_server()
    if server is None:
        _unavailable(pgserver.missing_message())
        raise AssertionError("unreachable")
    try:
        yield server
    finally:
        server.stop()


_numbers = itertools.count(1)


@pytest.fixture
def pg_url(pg_server: pgserver.PgServer) -> str:
    """A new, empty database on the test server."""
    return pg_server.create_database(f"store_{os.getpid()}_{next(_numbers)}")


def sqlite_url(tmp_path: Path, name: str = "store.sqlite") -> str:
    return f"sqlite:///{(tmp_path / name).as_posix()}"


# --- the store ---------------------------------------------------------------------------


def test_migrations_are_applied_once_on_postgres(pg_url: str) -> None:
    store = open_store(pg_url)
    assert store.engine.dialect.name == "postgresql"
    assert store.engine.dialect.driver == "psycopg"  # postgresql:// means psycopg 3
    with store.connect() as conn:
        rows = conn.execute(select(st.schema_migrations)).all()
        names = set(conn.dialect.get_table_names(conn))
    assert [(r.version, r.description) for r in rows] == [
        (m.version, m.description) for m in st.MIGRATIONS
    ]
    assert [r.version for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert names == {t.name for t in st.metadata.sorted_tables}
    store.close()
    again = open_store(pg_url)
    assert st.apply_migrations(again) == []
    assert again.version() == st.MIGRATIONS[-1].version
    with again.connect() as conn:
        count = select(func.count()).select_from(st.schema_migrations)
        assert conn.execute(count).scalar() == len(st.MIGRATIONS)
    again.close()


def test_stores_opened_at_once_are_migrated_once(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            open_store(pg_url).close()
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=open_and_close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    store = open_store(pg_url)
    with store.connect() as conn:
        count = select(func.count()).select_from(st.schema_migrations)
        assert conn.execute(count).scalar() == len(st.MIGRATIONS)
    store.close()


def test_a_password_never_shows_in_an_error() -> None:
    url = "postgresql://firm:s3cret@127.0.0.1:1/psos?connect_timeout=2"
    with pytest.raises(st.StoreError) as caught:
        open_store(url)
    assert "s3cret" not in str(caught.value)
    assert "firm:***@" in str(caught.value)


TRICKY = [
    "7.5",
    "7.50",
    "0.1",
    "0.007",
    "123456789.123456789",
    "1E+2",
    "-0.00",
    "40",
    "0E-10",
    "1E-30",
    "-12345678901234567890.00000000010",
    "0.1000000000000000000000000001",
    "9.999999999999999999999999999999E+40",
    "3." + "1415926535" * 6,  # 62 characters: more than the declared 48
]


def _one_of_each(url: str, values: list[str]) -> list[tuple[Any, ...]]:
    """Store the values as hours and a time entry (a date, a boolean); read them back."""
    lineage = {"path": "x.xlsx", "sheet": "Time", "sha256": "0" * 64}
    store = open_store(url)
    try:
        with store.begin() as conn:
            new = conn.execute(insert(st.workbooks).values(path="x.xlsx", status="ok"))
            wid = new.inserted_primary_key[0]
            for n, value in enumerate(values, start=2):
                conn.execute(
                    insert(st.time_entries).values(
                        date=date(2026, 2, 2) + timedelta(days=n),
                        engagement="ACME-01",
                        deliverable="D1",
                        role="SA",
                        hours=Decimal(value),
                        billable=n % 2 == 0,
                        person="ALM",
                        week=date(2026, 2, 2),
                        workbook_id=wid,
                        row_num=n,
                        **lineage,
                    )
                )
        t = st.time_entries
        with store.connect() as conn:
            query = select(t.c.hours, t.c.date, t.c.billable, t.c.week).order_by(t.c.id)
            return [tuple(r) for r in conn.execute(query)]
    finally:
        store.close()


def test_decimals_dates_and_booleans_round_trip_as_on_sqlite(pg_url: str, tmp_path: Path) -> None:
    on_pg = _one_of_each(pg_url, TRICKY)
    on_sqlite = _one_of_each(sqlite_url(tmp_path), TRICKY)
    assert [str(r[0]) for r in on_pg] == [str(Decimal(v)) for v in TRICKY]  # digits, exponent
    assert all(isinstance(r[0], Decimal) for r in on_pg)
    assert all(type(r[1]) is date and type(r[2]) is bool for r in on_pg)
    assert [(str(r[0]), *r[1:]) for r in on_pg] == [(str(r[0]), *r[1:]) for r in on_sqlite]


def test_long_text_is_kept_as_on_sqlite(pg_url: str, tmp_path: Path) -> None:
    long = {"path": "folder/" * 300 + "t.xlsx", "person": "P" * 300, "ident": "x" * 500}
    for url in (pg_url, sqlite_url(tmp_path)):
        store = open_store(url)
        with store.begin() as conn:
            conn.execute(insert(st.workbooks).values(status="ok", **long))
        with store.connect() as conn:
            row = conn.execute(select(st.workbooks)).one()
        assert (row.path, row.person, row.ident) == (long["path"], long["person"], long["ident"])
        store.close()


# --- the store lock ----------------------------------------------------------------------


def test_the_store_lock_spans_workspaces(pg_url: str, tmp_path: Path) -> None:
    with SyncLock(tmp_path / "a", store_url=pg_url) as first:
        assert first.held
        started = time.monotonic()
        with pytest.raises(SyncBusyError, match=f"on the store .*pid {os.getpid()}"):
            SyncLock(tmp_path / "b", timeout=0.3, store_url=pg_url).acquire()
        assert time.monotonic() - started >= 0.3
        # a SQLite store (or another PostgreSQL database) is not held by it
        with SyncLock(tmp_path / "c", timeout=0.3, store_url=sqlite_url(tmp_path)):
            pass
    with SyncLock(tmp_path / "b", timeout=0.3, store_url=pg_url) as second:
        assert second.held
    assert not second.held


def test_a_store_lock_left_by_a_killed_process_is_taken_over(pg_url: str, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from psos_xl.sync.lock import SyncLock
        SyncLock(Path({str(tmp_path / "machine-a")!r}), store_url={pg_url!r}).acquire()
        print("locked", flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(SyncBusyError, match=f"pid {child.pid}"):
            SyncLock(tmp_path / "machine-b", timeout=0.3, store_url=pg_url).acquire()
        child.kill()  # SIGKILL: no clean-up in the child; the server ends its session
        child.wait(10)
        started = time.monotonic()
        with SyncLock(tmp_path / "machine-b", timeout=10, store_url=pg_url) as lock:
            assert lock.held
        assert time.monotonic() - started < 5
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)


# --- the sync engine on PostgreSQL -------------------------------------------------------

WEEK = date(2026, 2, 2)  # a Monday after ACME-01's StartDate (2026-02-01)


def _day(n: int) -> date:
    return WEEK + timedelta(days=n)


TIMESHEETS: dict[str, list[list[Any]]] = {
    "ALM": [
        [_day(0), "ACME-01", "D1", "SA", 7.5, "Y", "kick-off"],
        [_day(1), "ACME-01", "D2", "DEV", 6.25, "Y", ""],
    ],
    "BOB": [
        [_day(0), "ACME-01", "D2", "DEV", 8, "Y", ""],
        [_day(1), "ACME-01", "D2", "DEV", "lots", "Y", "a bad row"],
        [_day(2), "ACME-01", "D1", "PM", 1.5, "N", "=not a formula"],
    ],
    "CAR": [[_day(3), "ACME-01", "D1", "SA", 0.1, "Y", ""]],
}
GOOD_HOURS = Decimal("7.5") + Decimal("6.25") + 8 + Decimal("1.5") + Decimal("0.1")


def firm(root: Path) -> Path:
    """A catalog, a scope and three timesheets, one with a row whose hours are text."""
    (root / "scopes").mkdir(parents=True)
    (root / "timesheets").mkdir()
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    make_workbook(root / "scopes" / "acme.xlsx", "scope", SCOPE_TABLES)
    for person, rows in TIMESHEETS.items():
        make_workbook(
            root / "timesheets" / f"{person.lower()}.xlsx",
            "timesheet",
            {"Time": [TIME_HEADER, *rows]},
            marker={"person": person, "week": WEEK.isoformat()},
        )
    return root


def as_data(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The store's rows with wall times blanked: what two syncs can have in common."""
    store = open_store(url)
    try:
        rows = st.dump(store)
    finally:
        store.close()
    return {
        name: [tuple("<time>" if isinstance(v, datetime) else v for v in r) for r in table]
        for name, table in rows.items()
    }


def counts(result: SyncResult) -> dict[str, Any]:
    return result.to_json()


def stored_hours(url: str) -> tuple[int, Decimal]:
    store = open_store(url)
    try:
        with store.connect() as conn:
            hours = [r.hours for r in conn.execute(select(st.time_entries.c.hours))]
    finally:
        store.close()
    return len(hours), sum(hours, Decimal(0))


def test_a_sync_into_postgres_stores_what_sqlite_stores(pg_url: str, tmp_path: Path) -> None:
    root = firm(tmp_path / "firm")
    lite = sqlite_url(tmp_path)
    on_sqlite = run_sync(root, store_url=lite)
    on_pg = run_sync(root, store_url=pg_url)
    assert counts(on_pg) == counts(on_sqlite)
    assert (on_pg.scanned, on_pg.read, on_pg.rejected_rows) == (5, 5, 1)
    assert any("lots" in i.message or "Hours" in str(i.location) for i in on_pg.issues)
    assert as_data(pg_url) == as_data(lite)
    assert stored_hours(pg_url) == (5, GOOD_HOURS)

    before = as_data(pg_url)
    again = run_sync(root, store_url=pg_url)
    assert (again.read, again.unchanged, again.rows) == (0, 5, 0)
    assert again.issues == on_pg.issues  # the bad row is reported until fixed
    after = as_data(pg_url)
    assert after.pop("sync_runs")[:1] == before.pop("sync_runs")
    assert after == before


def store_lock_taken(url: str) -> bool:
    """Whether some session holds the store's sync lock (probed without keeping it)."""
    store = open_store(url, migrate=False)
    try:
        with store.connect() as conn:
            got = conn.execute(select(func.pg_try_advisory_lock(STORE_LOCK_KEY))).scalar()
            if got:
                conn.execute(select(func.pg_advisory_unlock(STORE_LOCK_KEY)))
            return not got
    finally:
        store.close()


def runs_never_overlap(url: str) -> list[tuple[datetime, datetime]]:
    store = open_store(url)
    try:
        with store.connect() as conn:
            r = st.sync_runs
            runs = conn.execute(select(r).order_by(r.c.started_at)).all()
    finally:
        store.close()
    assert all(run.status in ("ok", "issues") for run in runs), [run.status for run in runs]
    spans = [(run.started_at, run.finished_at) for run in runs]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, "two syncs wrote at the same time"
    return spans


def test_two_machines_never_write_the_store_at_once(pg_url: str, tmp_path: Path) -> None:
    machine_a = firm(tmp_path / "a")
    machine_b = tmp_path / "b"  # the same folder as another machine sees it
    shutil.copytree(machine_a, machine_b)
    inside, go = threading.Event(), threading.Event()
    results: dict[str, SyncResult] = {}
    errors: list[BaseException] = []

    def hold(result: SyncResult, store: st.Store) -> None:
        inside.set()
        assert go.wait(30)

    def sync(name: str, root: Path, **kwargs: Any) -> None:
        try:
            results[name] = run_sync(root, store_url=pg_url, **kwargs)
        except BaseException as err:
            errors.append(err)

    first = threading.Thread(target=sync, args=("a", machine_a), kwargs={"after_store": hold})
    first.start()
    try:
        assert inside.wait(30)
        assert store_lock_taken(pg_url)
        with pytest.raises(SyncBusyError, match="another sync is running on the store"):
            run_sync(machine_b, store_url=pg_url, lock_timeout=0.5)
        second = threading.Thread(target=sync, args=("b", machine_b))
        second.start()
        time.sleep(0.5)
        assert second.is_alive()  # waiting for the lock, not writing
    finally:
        go.set()
        first.join(30)
    second.join(30)
    assert errors == []
    assert results["a"].read == 5
    assert (results["b"].read, results["b"].unchanged) == (0, 5)
    assert results["b"].issues == results["a"].issues
    assert not store_lock_taken(pg_url)

    # and left to race: every sync runs, one at a time, and nothing is counted twice
    racers = [
        threading.Thread(target=sync, args=(f"race{n}", root), kwargs={"lock_timeout": 60})
        for n, root in enumerate([machine_a, machine_b] * 3)
    ]
    for t in racers:
        t.start()
    for t in racers:
        t.join(60)
    assert errors == []
    assert len(runs_never_overlap(pg_url)) == 8
    assert stored_hours(pg_url) == (5, GOOD_HOURS)


def test_racing_syncs_on_a_new_store_count_everything_once(pg_url: str, tmp_path: Path) -> None:
    """Without a first sync: the racers also race to create the schema."""
    roots = [firm(tmp_path / "a")]
    roots.append(tmp_path / "b")
    shutil.copytree(roots[0], roots[1])
    errors: list[BaseException] = []

    def sync(root: Path) -> None:
        try:
            run_sync(root, store_url=pg_url, lock_timeout=60)
        except BaseException as err:
            errors.append(err)

    racers = [threading.Thread(target=sync, args=(root,)) for root in roots * 2]
    for t in racers:
        t.start()
    for t in racers:
        t.join(60)
    assert errors == []
    assert stored_hours(pg_url) == (5, GOOD_HOURS)


def test_a_pool_syncs_into_postgres_what_one_process_does(pg_url: str, tmp_path: Path) -> None:
    """On PostgreSQL the pool sends models back (no driver rows): the same store."""
    root = firm(tmp_path / "firm")
    for i in range(20):
        make_workbook(
            root / "timesheets" / f"p{i:02}.xlsx",
            "timesheet",
            {"Time": [TIME_HEADER, [_day(i % 5), "ACME-01", "D1", "SA", 1 + i % 3, "Y", ""]]},
            marker={"person": f"P{i:02}", "week": WEEK.isoformat()},
        )
    lite = sqlite_url(tmp_path)
    alone = run_sync(root, store_url=lite, workers=1)
    pooled = run_sync(root, store_url=pg_url, workers=3)
    assert pooled.issues == alone.issues and pooled.read == alone.read == 25

    def entries(url: str) -> list[tuple[Any, ...]]:
        t = st.time_entries
        store = open_store(url)
        try:
            with store.connect() as conn:
                query = select(t.c.path, t.c.row_num, t.c.person, t.c.role, t.c.hours)
                return sorted(tuple(r) for r in conn.execute(query))
        finally:
            store.close()

    assert entries(pg_url) == entries(lite)
    assert len(entries(pg_url)) == 5 + 20


def test_a_run_left_running_by_another_machine_is_closed_on_postgres(
    pg_url: str, tmp_path: Path
) -> None:
    """The store-wide lock makes any run still 'running' a dead one on PostgreSQL; a
    SQLite store (whose lock file may not span machines) closes only its own host's."""
    root = firm(tmp_path / "firm")
    lite = sqlite_url(tmp_path)
    for url in (pg_url, lite):
        store = open_store(url)
        with store.begin() as conn:
            conn.execute(
                insert(st.sync_runs).values(
                    started_at=datetime(2026, 1, 1), status="running", pid=1, host="gone-machine"
                )
            )
        store.close()
        run_sync(root, store_url=url)
        store = open_store(url)
        with store.connect() as conn:
            statuses = conn.execute(
                select(st.sync_runs.c.host, st.sync_runs.c.status).order_by(st.sync_runs.c.id)
            ).all()
        store.close()
        expected = "failed" if url == pg_url else "running"
        assert statuses[0] == ("gone-machine", expected)
        assert statuses[-1].status == "issues"  # this run, finished


def test_a_sync_that_loses_the_store_lock_stops_before_committing(
    pg_url: str, tmp_path: Path
) -> None:
    """PostgreSQL drops an advisory lock with its connection, and another machine may
    then take it: the sync finds out before its next commit and stops, writing nothing."""
    root = firm(tmp_path / "firm")
    store = open_store(pg_url)

    def cut_the_lock(done: int, total: int, path: str) -> None:
        if done == 3:
            with store.connect() as conn:
                cut = conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name LIKE 'psos sync %' AND pid <> pg_backend_pid()"
                    )
                ).all()
            assert cut == [(True,)]

    with pytest.raises(StoreError, match="lost the lock on the store"):
        run_sync(root, store_url=pg_url, progress=cut_the_lock)
    assert stored_hours(pg_url) == (0, Decimal(0))  # the batch was rolled back
    with store.connect() as conn:
        statuses = [r.status for r in conn.execute(select(st.sync_runs.c.status))]
    assert statuses == ["failed"]
    store.close()
    again = run_sync(root, store_url=pg_url)  # and the next one does the work
    assert again.read == 5 and stored_hours(pg_url) == (5, GOOD_HOURS)


def test_locks_and_approvals_hold_rows_on_postgres(pg_url: str, tmp_path: Path) -> None:
    from sync.test_engine import WEEK, entry, make_workspace, timesheet

    from psos_xl.app.trust import approve, lock
    from psos_xl.errors import Code

    root = make_workspace(tmp_path / "firm")
    sheet = root / "timesheets" / "alm.xlsx"
    timesheet(sheet, [entry(0, "ACME-01", "D1", "SA", 8), entry(3, "ACME-01", "D1", "SA", 4)])
    run_sync(root, store_url=pg_url)
    lock(root, WEEK, "Mia", store_url=pg_url)  # Monday closed
    timesheet(sheet, [entry(0, "ACME-01", "D1", "SA", 9), entry(3, "ACME-01", "D1", "SA", 5)])
    locked = run_sync(root, store_url=pg_url)
    assert stored_hours(pg_url) == (2, Decimal(13))  # Monday kept at 8, Thursday now 5
    assert [str(i.location) for i in locked.issues if i.code is Code.PERIOD_LOCKED] == [
        "timesheets/alm.xlsx!Time!E2"
    ]
    assert approve(root, WEEK, "Mia", store_url=pg_url).approved
    timesheet(sheet, [entry(0, "ACME-01", "D1", "SA", 8), entry(3, "ACME-01", "D1", "SA", 1)])
    changed = run_sync(root, store_url=pg_url)
    assert stored_hours(pg_url) == (2, Decimal(13))  # the approved rows still count
    assert [str(i.location) for i in changed.issues if i.code is Code.CHANGED_AFTER_APPROVAL] == [
        "timesheets/alm.xlsx!Time!E3"
    ]


# --- quotes ------------------------------------------------------------------------------


def test_quote_numbers_on_postgres_are_sequential_when_two_runs_race(
    pg_url: str, tmp_path: Path
) -> None:
    import copy

    from psos_xl.app.quote import build_quote
    from psos_xl.app.quotes import answer_quote, list_quotes

    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    (root / "psos.toml").write_text(f'[workspace]\nstore = "{pg_url}"\n', encoding="utf-8")
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    for n in range(1, 4):
        tables = copy.deepcopy(SCOPE_TABLES)
        for row in tables["ScopeInfo"]:
            if row[0] == "Engagement":
                row[1] = f"ENG-0{n}"
            elif row[0] == "Status":
                row[1] = "Draft"
        make_workbook(root / "scopes" / f"s{n}.xlsx", "scope", tables)
    today = date(2026, 5, 4)
    first = build_quote(root / "scopes" / "s1.xlsx", tmp_path / "out", today=today)
    assert first.issued is not None and first.issued.label == "Q-2026-0001 v1"
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            build_quote(root / "scopes" / f"s{n}.xlsx", tmp_path / f"out{n}", today=today)
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(n,)) for n in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert answer_quote(root, "Q-2026-0002", accept=True, by="Dana", today=today).baseline
    listed = list_quotes(root, today=today)
    assert sorted(r.number for r in listed.quotes) == ["Q-2026-0001", "Q-2026-0002", "Q-2026-0003"]
    assert not (root / ".psos" / "store.sqlite").exists()  # everything went to PostgreSQL
