"""The engine's statements run on the driver's cursor (SQLite) give what SQLAlchemy gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from psos_xl.sync import open_store, sql
from psos_xl.sync import store as st


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
