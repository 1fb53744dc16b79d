"""The store: migrations recorded, exact Decimals, SQLite pragmas, one-writer lock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from psos_xl import store as st
from psos_xl.store import StoreError, open_store
from psos_xl.sync import SyncBusyError, run_sync
from psos_xl.sync.lock import SyncLock, holder_pid


def url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'store.sqlite').as_posix()}"


def test_migrations_are_recorded_and_applied_once(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with store.connect() as conn:
        rows = conn.execute(select(st.schema_migrations)).all()
    assert [(r.version, r.description) for r in rows] == [
        (m.version, m.description) for m in st.MIGRATIONS
    ]
    assert [r.version for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[0].applied_at is not None
    store.close()
    again = open_store(url(tmp_path))
    assert st.apply_migrations(again) == []
    assert again.version() == st.MIGRATIONS[-1].version
    with again.connect() as conn:
        assert len(conn.execute(select(st.schema_migrations)).all()) == len(st.MIGRATIONS)
        names = set(conn.dialect.get_table_names(conn))
    assert {"workbooks", "time_entries", "rejects", "conflicts", "sync_runs"} <= names
    again.close()


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with store.begin() as conn:
        conn.execute(
            insert(st.schema_migrations).values(
                version=99, description="from the future", applied_at=st.now()
            )
        )
    store.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(url(tmp_path))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with store.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


DECIMALS = ["7.5", "7.50", "0.1", "0.007", "123456789.123456789", "1E+2", "-0.00", "40"]


@pytest.mark.parametrize("value", DECIMALS)
def test_decimals_round_trip_exactly(tmp_path: Path, value: str) -> None:
    store = open_store(url(tmp_path))
    with store.begin() as conn:
        wid = conn.execute(insert(st.workbooks).values(path="x.xlsx", status="ok")).lastrowid
        conn.execute(
            insert(st.services).values(
                sku="S",
                role="R",
                hours=Decimal(value),
                workbook_id=wid,
                path="x.xlsx",
                sheet="Services",
                row_num=2,
                sha256="0" * 64,
            )
        )
    with store.connect() as conn:
        back = conn.execute(select(st.services.c.hours)).scalar_one()
    assert isinstance(back, Decimal)
    assert str(back) == str(Decimal(value))  # same digits, same exponent
    store.close()


def test_floats_never_reach_the_store(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with pytest.raises(Exception, match="float"), store.begin() as conn:
        wid = conn.execute(insert(st.workbooks).values(path="x.xlsx", status="ok")).lastrowid
        conn.execute(
            insert(st.complexity).values(
                level="Low",
                multiplier=0.75,
                workbook_id=wid,
                path="x.xlsx",
                sheet="Complexity",
                row_num=2,
                sha256="0" * 64,
            )
        )
    store.close()


def test_facts_need_their_workbook(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with pytest.raises(Exception, match="FOREIGN KEY"), store.begin() as conn:
        conn.execute(
            insert(st.settings).values(
                key="Currency",
                value="EUR",
                workbook_id=42,
                path="x.xlsx",
                sheet="Settings",
                row_num=2,
                sha256="0" * 64,
            )
        )
    store.close()


def test_a_second_sync_waits_then_stops_cleanly(tmp_path: Path) -> None:
    root = tmp_path / "firm"
    root.mkdir()
    with SyncLock(root / ".psos"):
        started = time.monotonic()
        with pytest.raises(SyncBusyError, match="another sync is running") as caught:
            run_sync(root, lock_timeout=0.5)
        assert time.monotonic() - started >= 0.5
    assert caught.value.exit_code == 2
    assert run_sync(root, lock_timeout=0.5).scanned == 0  # released: runs


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    folder = tmp_path / ".psos"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from psos_xl.sync.lock import SyncLock
        SyncLock(Path({str(folder)!r})).acquire()
        print("locked", flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        assert holder_pid(folder / "sync.lock") == child.pid
        with pytest.raises(SyncBusyError, match=f"pid {child.pid}"):
            SyncLock(folder, timeout=0.2).acquire()
        child.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        child.wait(10)
        started = time.monotonic()
        with SyncLock(folder, timeout=5) as lock:
            assert lock.held
            assert holder_pid(folder / "sync.lock") == os.getpid()
        assert time.monotonic() - started < 2
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)


def test_a_migration_stopped_half_way_leaves_nothing_behind(tmp_path: Path) -> None:
    store = open_store(url(tmp_path), migrate=False)
    with pytest.raises(RuntimeError), store.begin() as conn:
        st.workbooks.create(conn)
        st.rejects.create(conn)
        raise RuntimeError("killed half-way")
    with store.connect() as conn:
        assert conn.dialect.get_table_names(conn) == []
    store.close()
    reopened = open_store(url(tmp_path))  # and the next open migrates from scratch
    assert reopened.version() == st.MIGRATIONS[-1].version
    reopened.close()


def test_a_store_of_the_first_schema_gets_the_second_indexes(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with store.begin() as conn:  # as a store made by the first schema left it
        conn.execute(text("CREATE INDEX ix_time_entries_engagement ON time_entries (engagement)"))
        conn.execute(text("DROP INDEX ix_workbooks_ident"))
        conn.execute(st.schema_migrations.delete().where(st.schema_migrations.c.version >= 2))
    store.close()
    again = open_store(url(tmp_path))
    assert again.version() == st.MIGRATIONS[-1].version
    with again.connect() as conn:
        names = {i["name"] for i in conn.dialect.get_indexes(conn, "time_entries")}
        assert {i["name"] for i in conn.dialect.get_indexes(conn, "workbooks")} == {
            "ix_workbooks_ident"
        }
    assert names == {"ix_time_entries_workbook_id"}
    again.close()


def test_a_store_of_the_third_schema_gets_baselines_approvals_and_locks(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with store.begin() as conn:  # as a store made by the third schema left it
        for table in (
            "approvals",
            "period_locks",
            "baselines",
            "revisions",
            "quotes",
            "invoices",
            "invoice_lines",
            "invoiced_entries",
        ):
            conn.execute(text(f"DROP TABLE {table}"))
        for column in ("change_order", "percent_complete", "completed_on"):
            conn.execute(text(f"ALTER TABLE deliverables DROP COLUMN {column}"))
        conn.execute(st.schema_migrations.delete().where(st.schema_migrations.c.version >= 4))
    store.close()
    again = open_store(url(tmp_path))
    assert again.version() == st.MIGRATIONS[-1].version
    with again.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
        indexes = {i["name"] for i in conn.dialect.get_indexes(conn, "approvals")}
        columns = {c["name"] for c in conn.dialect.get_columns(conn, "deliverables")}
    again.close()
    assert {"approvals", "period_locks", "baselines", "revisions"} <= names
    assert {"change_order", "percent_complete", "completed_on"} <= columns
    assert indexes == {"ix_approvals_person_week"}


def test_a_store_of_the_fourth_schema_gets_quotes_and_baseline_sources(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with store.begin() as conn:  # as a store made by the fourth schema left it
        for table in ("quotes", "invoices", "invoice_lines", "invoiced_entries"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE baselines DROP COLUMN source"))
        conn.execute(st.schema_migrations.delete().where(st.schema_migrations.c.version >= 5))
    store.close()
    again = open_store(url(tmp_path))
    assert again.version() == st.MIGRATIONS[-1].version
    with again.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
        columns = {c["name"] for c in conn.dialect.get_columns(conn, "baselines")}
    again.close()
    assert "quotes" in names and "source" in columns


def test_a_store_of_the_fifth_schema_gets_probability_and_reads_scopes_again(
    tmp_path: Path,
) -> None:
    store = open_store(url(tmp_path))
    with store.begin() as conn:  # as a store made by the fifth schema left it
        conn.execute(text("ALTER TABLE scopes DROP COLUMN probability"))
        for kind in ("scope", "timesheet"):
            conn.execute(
                insert(st.workbooks).values(
                    path=f"{kind}.xlsx", kind=kind, status="ok", dirty=False
                )
            )
        conn.execute(st.schema_migrations.delete().where(st.schema_migrations.c.version >= 6))
    store.close()
    again = open_store(url(tmp_path))
    assert again.version() == st.MIGRATIONS[-1].version
    with again.connect() as conn:
        columns = {c["name"] for c in conn.dialect.get_columns(conn, "scopes")}
        dirty = dict(conn.execute(select(st.workbooks.c.kind, st.workbooks.c.dirty)).all())
    again.close()
    assert "probability" in columns
    assert dirty == {"scope": True, "timesheet": False}


def test_a_store_of_the_sixth_schema_gets_invoices(tmp_path: Path) -> None:
    store = open_store(url(tmp_path))
    with store.begin() as conn:  # as a store made by the sixth schema left it
        for table in ("invoices", "invoice_lines", "invoiced_entries"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(st.schema_migrations.delete().where(st.schema_migrations.c.version >= 7))
    store.close()
    again = open_store(url(tmp_path))
    assert again.version() == st.MIGRATIONS[-1].version
    with again.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
    again.close()
    assert {"invoices", "invoice_lines", "invoiced_entries"} <= names
