"""The bulk insert's conversions match the store's types; the write-back's skip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Date
from sqlalchemy.dialects import sqlite

from psos_xl import store as st
from psos_xl.store import fast as sql


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
