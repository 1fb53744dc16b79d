"""The store's writer stores the same through its SQLite fast path (statements and bulk
inserts on the driver's cursor) as through SQLAlchemy Core."""

from __future__ import annotations

import functools
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, DateTime, Table, delete, insert, select
from sync.test_engine import entry, scope_tables, timesheet
from sync.test_read_order import _busy_workspace, content
from wb import make_workbook

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.store import db as store_db
from psos_xl.store import fast as sql
from psos_xl.store import open_store
from psos_xl.store import writer as wr
from psos_xl.sync import run_sync


def _store(tmp_path: Path) -> st.Store:
    return open_store(f"sqlite:///{(tmp_path / 'store.sqlite').as_posix()}")


def _read_values(path: str, **extra: object) -> dict[str, object]:
    values: dict[str, object] = {
        "size": 123,
        "mtime_ns": 1_700_000_000_123_456_789,
        "sha256": "ab" * 32,
        "last_read_at": datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        "last_read_run": 1,
        "dirty": False,
        "retired_at": None,
        "person": "ana",
        "week": date(2026, 3, 2),
        "engagement": None,
        "kind": "timesheet",
        "ident": f"timesheet:{path}",
        "status": "ok",
    }
    values.update(extra)
    return values


def test_driver_rows_equal_sqlalchemy_rows(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with store.writer() as writer, writer.conn.begin():
        conn, db = writer.conn, writer.driver
        assert isinstance(db, sql.SqliteDriver)  # chosen when the store was connected
        for path in ("a.xlsx", "b.xlsx"):
            db.execute(wr.NEW_RECORD, {"p_path": path})
            rec = writer.record(path)
            db.execute(wr.SET_READ, wr.read_params(rec.id, _read_values(path)))
        a = writer.record("a.xlsx")
        # the same statement through SQLAlchemy: same values, same types
        expected = conn.execute(wr.RECORD, {"p_path": "a.xlsx"}).one()
        assert tuple(a) == tuple(expected)
        assert [type(v) for v in a] == [type(v) for v in expected]
        assert a.week == date(2026, 3, 2) and a.dirty is False
        holder = writer.holder("timesheet:a.xlsx", -1)
        assert holder is not None and holder.path == "a.xlsx"
        assert writer.holder("timesheet:a.xlsx", a.id) is None
        assert db.all(wr.RECORD, {"p_path": "missing.xlsx"}) == []
    store.close()


@pytest.mark.parametrize("fast", [True, False])
def test_savepoint_rolls_back_only_its_own_work(tmp_path: Path, fast: bool) -> None:
    store = open_store(f"sqlite:///{(tmp_path / 'store.sqlite').as_posix()}", fast=fast)
    with store.writer() as writer:
        assert writer.prepares is fast
        assert writer.begin()
        with writer.savepoint():
            writer.record("kept.xlsx")
        with pytest.raises(RuntimeError), writer.savepoint():
            writer.record("lost.xlsx")
            raise RuntimeError("a workbook failing half-way")
        with writer.savepoint():
            writer.record("after.xlsx")
        writer.commit()
        conn = writer.conn
        paths = conn.execute(select(st.workbooks.c.path).order_by(st.workbooks.c.path))
        assert list(paths.scalars()) == ["after.xlsx", "kept.xlsx"]
    store.close()


def _rows_of(conn: Connection, table: Table) -> list[tuple[object, ...]]:
    query = select(*(c for c in table.c if c.name != "id")).order_by(table.c.id)
    return [tuple(r) for r in conn.execute(query)]


def test_model_rows_insert_as_their_dicts_would(tmp_path: Path) -> None:
    """The per-class plan (SQLite) stores what the dict of each row stores: lists
    joined, renamed fields, dates, Decimals, booleans and the shared lineage."""
    ref = m.RowRef("s.xlsx", "Time", 4, {})
    entries = [
        m.TimeEntry(
            src=ref, date=date(2026, 3, 2), engagement="E1", role="PM", hours=Decimal("7.50")
        ),
        m.TimeEntry(
            src=m.RowRef("s.xlsx", "Time", 5, {}),
            date=date(2026, 3, 3),
            engagement="E1",
            deliverable="D1",
            role="DEV",
            hours=Decimal("0.25"),
            billable=False,
            note="=not a formula",
        ),
    ]
    deliverables = [m.Deliverable(src=ref, deliverable="D1", sku="MIGR", risks=["R1", "R2"])]
    assumptions = [m.Assumption(src=ref, id="A1", assumption="Data is clean")]
    store = _store(tmp_path)
    with store.connect() as conn, conn.begin():
        conn.execute(insert(st.workbooks).values(id=1, path="s.xlsx", status="ok", dirty=False))
        lineage = {"workbook_id": 1, "path": "s.xlsx", "sha256": "cd" * 32}
        who = {"person": "ana", "week": date(2026, 3, 2), **lineage}
        cases: list[tuple[Table, Sequence[m.Row], dict[str, object], dict[str, str]]] = [
            (st.time_entries, entries, who, {}),
            (st.deliverables, deliverables, {"engagement": "E1", **lineage}, {}),
            (st.assumptions, assumptions, {"engagement": "E1", **lineage}, {"id": "assumption_id"}),
        ]
        for table, rows, shared, rename in cases:
            planned = sql.SqliteDriver(conn)
            assert planned.insert_models(table, rows, shared, rename) == len(rows)
            assert sql.plan_of(table, type(rows[0]), list(shared), conn.dialect, rename)
            by_plan = _rows_of(conn, table)
            conn.execute(delete(table))
            dicts = []
            for row in rows:
                values = {
                    rename.get(k, k): ", ".join(v) if isinstance(v, list) else v
                    for k, v in row.__dict__.items()
                    if k != "src"
                }
                assert row.src is not None
                dicts.append({**values, "sheet": row.src.sheet, "row_num": row.src.row, **shared})
            conn.execute(insert(table), dicts)
            assert by_plan == _rows_of(conn, table)
            assert len(by_plan) == len(rows)
    store.close()


# --- the writer both ways: the same workbooks, the same store ----------------------------


@pytest.fixture
def drivers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The drivers the syncs' writers ran on, in order."""
    used: list[str] = []
    made = store_db.open_writer

    def recording(conn: Connection, fast: bool = True) -> wr.Writer:
        writer = made(conn, fast)
        used.append(type(writer.driver).__name__)
        return writer

    monkeypatch.setattr(store_db, "open_writer", recording)
    yield used


def sync_plainly(root: Path, monkeypatch: pytest.MonkeyPatch, workers: int = 1) -> None:
    """A sync whose store is opened with the plain writer (SQLAlchemy Core) on SQLite."""
    with monkeypatch.context() as patch:
        patch.setattr(st, "open_store", functools.partial(store_db.open_store, fast=False))
        run_sync(root, workers=workers)


def timeless(root: Path) -> dict[str, list[tuple[object, ...]]]:
    """``st.dump`` of the workspace's store, the time columns (when it ran) left out."""
    store = open_store(st.default_url(root))
    try:
        dumped = st.dump(store)
    finally:
        store.close()
    out = {}
    for name, rows in dumped.items():
        keep = [not isinstance(c.type, DateTime) for c in st.metadata.tables[name].c]
        out[name] = [tuple(v for v, k in zip(r, keep, strict=True) if k) for r in rows]
    return out


def stored(root: Path) -> dict[str, list[tuple[object, ...]]]:
    """What SQLite holds, value and storage class (``typeof``) of each cell, the time
    columns left out: what the two paths must write alike, byte for byte."""
    out = {}
    with sqlite3.connect(root / ".psos" / "store.sqlite") as db:
        for table in st.metadata.sorted_tables:
            names = [c.name for c in table.c if not isinstance(c.type, DateTime)]
            cells = ", ".join(f'typeof("{n}"), "{n}"' for n in names)
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
            query = f'SELECT {cells} FROM "{table.name}" ORDER BY {order}'
            out[table.name] = [tuple(r) for r in db.execute(query)]
    return out


def _mixed_workspace(root: Path) -> Path:
    """Every kind of outcome: rejects, conflicted copies (one read first but sorting
    after: it gives way), a scope read among the timesheets, an invalid workbook, an
    unreadable one and an Excel file without a marker."""
    ws = _busy_workspace(root)
    shutil.copy(ws / "scopes" / "acme.xlsx", ws / "a-acme.xlsx")
    marker = {"person": "BAD", "week": "2026-02-02"}
    make_workbook(ws / "timesheets" / "bad.xlsx", "timesheet", {"Notes": [["x"], [1]]}, marker)
    (ws / "timesheets" / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    make_workbook(ws / "notes.xlsx", None, {"Notes": [["x"]]})
    return ws


def _edit(ws: Path) -> None:
    """A second round: the counted scope loses a deliverable, a timesheet goes, the
    counted one of two copies goes (the other counts now), a timesheet changes, one
    loses its table."""
    make_workbook(
        ws / "a-acme.xlsx",
        "scope",
        scope_tables("ACME-01", "Active", ["D2"], "2026-02-01"),
    )
    (ws / "timesheets" / "p05.xlsx").unlink()
    (ws / "timesheets" / "p03 copy.xlsx").unlink()
    timesheet(ws / "timesheets" / "p07.xlsx", [entry(3, "BETA-01", "B1", "SA", 2.5)], person="P07")
    marker = {"person": "P01", "week": "2026-02-02"}
    make_workbook(ws / "timesheets" / "p01.xlsx", "timesheet", {"Notes": [["x"], [1]]}, marker)


def _mirror(src: Path, dest: Path) -> None:
    """``dest``'s workbooks made ``src``'s, stat included (the store records it)."""
    for path in [p for p in dest.rglob("*.xlsx") if ".psos" not in p.parts]:
        if not (src / path.relative_to(dest)).exists():
            path.unlink()
    for path in [p for p in src.rglob("*.xlsx") if ".psos" not in p.parts]:
        shutil.copy2(path, dest / path.relative_to(src))


def test_both_writers_store_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drivers: list[str]
) -> None:
    fast = _mixed_workspace(tmp_path / "fast")
    plain = Path(shutil.copytree(fast, tmp_path / "plain"))
    for edited in (False, True):
        if edited:
            _edit(fast)
            _mirror(fast, plain)
        run_sync(fast, workers=1)
        sync_plainly(plain, monkeypatch)
        assert timeless(plain) == timeless(fast)  # same rows, values, Python types
        assert stored(plain) == stored(fast)  # and what SQLite holds, storage classes too
    assert drivers == ["SqliteDriver", "CoreDriver"] * 2
    conflicts = [(c[4], c[5]) for c in timeless(fast)["conflicts"]]
    assert conflicts == [("a-acme.xlsx", "scopes/acme.xlsx")]  # it did all that
    assert len(timeless(fast)["rejects"]) > 10


def test_rows_a_pool_converted_store_what_the_plain_writer_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drivers: list[str]
) -> None:
    pooled = _mixed_workspace(tmp_path / "pooled")
    plain = Path(shutil.copytree(pooled, tmp_path / "plain"))
    run_sync(pooled, workers=2)
    sync_plainly(plain, monkeypatch, workers=2)  # a pool reads, the engine checks
    assert drivers == ["SqliteDriver", "CoreDriver"]
    assert content(pooled) == content(plain)
    # the storage classes too, in an order that does not depend on who read first
    assert {t: sorted(rows, key=repr) for t, rows in _by_path(pooled).items()} == {
        t: sorted(rows, key=repr) for t, rows in _by_path(plain).items()
    }


def _by_path(root: Path) -> dict[str, list[tuple[object, ...]]]:
    """:func:`stored` of the fact tables without ids and runs (they follow read order)."""
    bound = {"id", "workbook_id", "run", "first_seen_run", "last_seen_run", "last_read_run"}
    out = {}
    for table in st.FACT_TABLES:
        names = [c.name for c in table.c if c.name not in bound]
        with sqlite3.connect(root / ".psos" / "store.sqlite") as db:
            cells = ", ".join(f'typeof("{n}"), "{n}"' for n in names)
            out[table.name] = [tuple(r) for r in db.execute(f'SELECT {cells} FROM "{table.name}"')]
    return out
