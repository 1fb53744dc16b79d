"""The engine's statements run on the driver's cursor (SQLite) give what SQLAlchemy gives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, Table, delete, insert, select

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.store import fast as sql
from psos_xl.store import open_store


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
    with store.connect() as conn, conn.begin():
        db = sql.Runner(conn)
        assert db.raw
        for path in ("a.xlsx", "b.xlsx"):
            db.execute(sql.NEW_RECORD, {"p_path": path})
            rec = db.first(sql.RECORD, {"p_path": path})
            db.execute(sql.SET_READ, sql.read_params(rec.id, _read_values(path)))
        a = db.first(sql.RECORD, {"p_path": "a.xlsx"})
        # the same statement through SQLAlchemy: same values, same types
        expected = conn.execute(sql.RECORD, {"p_path": "a.xlsx"}).one()
        assert tuple(a) == tuple(expected)
        assert [type(v) for v in a] == [type(v) for v in expected]
        assert a.week == date(2026, 3, 2) and a.dirty is False
        holder = db.first(sql.HOLDER, {"p_ident": "timesheet:a.xlsx", "p_id": -1})
        assert holder is not None and holder.path == "a.xlsx"
        assert db.first(sql.HOLDER, {"p_ident": "timesheet:a.xlsx", "p_id": a.id}) is None
        assert db.first(sql.RECORD, {"p_path": "missing.xlsx"}) is None
    store.close()


def test_savepoint_rolls_back_only_its_own_work(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with store.connect() as conn:
        with conn.begin():
            db = sql.Runner(conn)
            with db.savepoint():
                db.execute(sql.NEW_RECORD, {"p_path": "kept.xlsx"})
            with pytest.raises(RuntimeError), db.savepoint():
                db.execute(sql.NEW_RECORD, {"p_path": "lost.xlsx"})
                raise RuntimeError("a workbook failing half-way")
            with db.savepoint():
                db.execute(sql.NEW_RECORD, {"p_path": "after.xlsx"})
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
            planned = sql.Inserter()
            assert planned.models(conn, table, rows, shared, rename) == len(rows)
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
