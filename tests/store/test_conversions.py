"""The bulk insert's conversions match the store's types; a timesheet's rows converted in
a pool worker store what its model stores through SQLAlchemy."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Date, select
from sqlalchemy.dialects import sqlite

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.store import fast as sql
from psos_xl.store import open_store


@pytest.mark.parametrize(
    "value", [Decimal("7.50"), Decimal("0"), Decimal("-1.000"), Decimal("1E+3"), 3, "2.10"]
)
def test_decimal_text_is_decimal_texts_stored_form(value: object) -> None:
    dialect = sqlite.dialect()
    assert sql.decimal_text(value) == st.DecimalText().process_bind_param(value, dialect)


def test_decimal_text_refuses_floats() -> None:
    with pytest.raises(TypeError):
        sql.decimal_text(1.5)


def test_bulk_rows_convert_as_sqlalchemy_does() -> None:
    table = st.time_entries
    keys = [c.name for c in table.columns if c.name != "id"]
    bulk = sql.bulk_of(table, keys, sqlite.dialect())
    assert bulk is not None
    row = {k: None for k in keys}
    day = [c.name for c in table.columns if isinstance(c.type, Date)]
    for name in day:
        row[name] = date(2026, 3, 2)
    (values,) = bulk.rows([row])
    for name in day:
        assert values[bulk.keys.index(name)] == "2026-03-02"


def _sheet() -> m.Timesheet:
    def at(row: int) -> m.RowRef:
        return m.RowRef("t.xlsx", "Time", row, {})

    return m.Timesheet(
        person="ALM",
        week=date(2026, 3, 2),
        entries=[
            m.TimeEntry(
                src=at(4), date=date(2026, 3, 2), engagement="E1", role="PM", hours=Decimal("7.50")
            ),
            m.TimeEntry(
                src=at(5),
                date=date(2026, 3, 3),
                engagement="INTERNAL",
                role="DEV",
                hours=Decimal("0.25"),
                billable=False,
                note="=not a formula",
            ),
        ],
        expenses=[
            m.Expense(
                src=m.RowRef("t.xlsx", "Expenses", 4, {}),
                date=date(2026, 3, 4),
                engagement="E1",
                category="Travel",
                amount=Decimal("12.3"),
                currency="EUR",
            )
        ],
    )


def _stored(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
        cells = ", ".join(f'typeof("{c}"), "{c}"' for c in columns)
        return [tuple(r) for r in db.execute(f'SELECT {cells} FROM "{table}" ORDER BY id')]


@pytest.mark.parametrize("fast", [True, False])
def test_a_timesheet_stores_alike_from_its_model_or_from_a_pool(tmp_path: Path, fast: bool) -> None:
    """Rows a worker converted (:func:`prepare_timesheet`, SQLite driver) and the
    model's rows through either writer give the same cells, storage classes included."""
    sheet = _sheet()
    prepared = sql.prepare_timesheet(sheet)
    assert prepared.rows == 3
    files = {}
    for how in ("prepared", "model"):
        path = tmp_path / f"{how}-{fast}.sqlite"
        store = open_store(f"sqlite:///{path.as_posix()}", fast=fast or how == "prepared")
        with store.writer() as writer:
            writer.begin()
            with writer.savepoint():
                rec = writer.record("t.xlsx")
                rows = prepared if how == "prepared" else sheet
                assert writer.replace_facts(rec, "t.xlsx", "ab" * 32, rows) == 3
            writer.commit()
            if how == "model":
                assert writer.prepares is fast
                got = writer.conn.execute(select(st.time_entries.c.hours)).scalars().all()
                assert got == [Decimal("7.50"), Decimal("0.25")]
        store.close()
        files[how] = path
    for table in ("time_entries", "expenses"):
        assert _stored(files["prepared"], table) == _stored(files["model"], table)
        assert len(_stored(files["model"], table)) == (2 if table == "time_entries" else 1)


def test_the_plain_writer_refuses_rows_converted_for_sqlite(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{(tmp_path / 's.sqlite').as_posix()}", fast=False)
    with store.writer() as writer, pytest.raises(TypeError):
        writer.begin()
        writer.replace_facts(writer.record("t.xlsx"), "t.xlsx", "", sql.prepare_timesheet(_sheet()))
    store.close()
