"""The canonical store (DESIGN §7): one seam between the engine and the database.

- :mod:`.base`: what code without SQLAlchemy shares (the default URL, schema version,
  statuses, lock keys);
- :mod:`.schema`: the tables; :mod:`.db`: opening a store, migrations, dump;
- :mod:`.rows`: models ↔ rows; :mod:`.queries`: the read side every report, check
  and write-back uses;
- :mod:`.writer`: the one writer interface a sync stores through, with the SQLite
  fast path (:mod:`.fast`) behind it and what it marks to be read again
  (:mod:`.dependents`);
- :mod:`.quick`: the no-change answer, with the standard library's sqlite3.

Importing this package costs nothing: a name is looked up in its module when first used
(``from psos_xl import store as st; st.workbooks``), so the no-change answer and the
lock never import SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psos_xl.store.base import HOLDING as HOLDING
    from psos_xl.store.base import SCHEMA_VERSION as SCHEMA_VERSION
    from psos_xl.store.base import STABLE as STABLE
    from psos_xl.store.base import STATE_DIR as STATE_DIR
    from psos_xl.store.base import STORE_FILE as STORE_FILE
    from psos_xl.store.base import advisory_key as advisory_key
    from psos_xl.store.base import default_url as default_url
    from psos_xl.store.base import sqlite_file as sqlite_file
    from psos_xl.store.db import MIGRATIONS as MIGRATIONS
    from psos_xl.store.db import Migration as Migration
    from psos_xl.store.db import Store as Store
    from psos_xl.store.db import StoreError as StoreError
    from psos_xl.store.db import apply_migrations as apply_migrations
    from psos_xl.store.db import dump as dump
    from psos_xl.store.db import engine_url as engine_url
    from psos_xl.store.db import open_store as open_store
    from psos_xl.store.db import shown as shown
    from psos_xl.store.queries import Hours as Hours
    from psos_xl.store.queries import Target as Target
    from psos_xl.store.queries import booked_hours as booked_hours
    from psos_xl.store.queries import bookings as bookings
    from psos_xl.store.queries import expense_items as expense_items
    from psos_xl.store.queries import load_catalog as load_catalog
    from psos_xl.store.queries import load_engagements as load_engagements
    from psos_xl.store.queries import load_scopes as load_scopes
    from psos_xl.store.queries import writeback_targets as writeback_targets
    from psos_xl.store.rows import Fact as Fact
    from psos_xl.store.rows import Model as Model
    from psos_xl.store.rows import facts_of as facts_of
    from psos_xl.store.rows import joined as joined
    from psos_xl.store.rows import model_of as model_of
    from psos_xl.store.rows import plain as plain
    from psos_xl.store.rows import ref_of_cell as ref_of_cell
    from psos_xl.store.rows import split as split
    from psos_xl.store.schema import FACT_TABLES as FACT_TABLES
    from psos_xl.store.schema import KIND_TABLES as KIND_TABLES
    from psos_xl.store.schema import DecimalText as DecimalText
    from psos_xl.store.schema import assumptions as assumptions
    from psos_xl.store.schema import complexity as complexity
    from psos_xl.store.schema import conflicts as conflicts
    from psos_xl.store.schema import deliverables as deliverables
    from psos_xl.store.schema import expenses as expenses
    from psos_xl.store.schema import metadata as metadata
    from psos_xl.store.schema import now as now
    from psos_xl.store.schema import overrides as overrides
    from psos_xl.store.schema import people as people
    from psos_xl.store.schema import rejects as rejects
    from psos_xl.store.schema import risks as risks
    from psos_xl.store.schema import roles as roles
    from psos_xl.store.schema import schema_migrations as schema_migrations
    from psos_xl.store.schema import scopes as scopes
    from psos_xl.store.schema import services as services
    from psos_xl.store.schema import settings as settings
    from psos_xl.store.schema import sync_runs as sync_runs
    from psos_xl.store.schema import text_of as text_of
    from psos_xl.store.schema import time_entries as time_entries
    from psos_xl.store.schema import workbooks as workbooks
    from psos_xl.store.writer import Writer as Writer
    from psos_xl.store.writer import open_writer as open_writer
    from psos_xl.store.writer import without_rejected as without_rejected

_WHERE = {
    "STATE_DIR": "base",
    "STORE_FILE": "base",
    "SCHEMA_VERSION": "base",
    "STABLE": "base",
    "HOLDING": "base",
    "default_url": "base",
    "sqlite_file": "base",
    "advisory_key": "base",
    "metadata": "schema",
    "DecimalText": "schema",
    "text_of": "schema",
    "schema_migrations": "schema",
    "workbooks": "schema",
    "sync_runs": "schema",
    "roles": "schema",
    "services": "schema",
    "complexity": "schema",
    "risks": "schema",
    "settings": "schema",
    "people": "schema",
    "scopes": "schema",
    "deliverables": "schema",
    "assumptions": "schema",
    "overrides": "schema",
    "time_entries": "schema",
    "expenses": "schema",
    "rejects": "schema",
    "conflicts": "schema",
    "FACT_TABLES": "schema",
    "KIND_TABLES": "schema",
    "now": "schema",
    "Store": "db",
    "StoreError": "db",
    "Migration": "db",
    "MIGRATIONS": "db",
    "open_store": "db",
    "apply_migrations": "db",
    "engine_url": "db",
    "shown": "db",
    "dump": "db",
    "Writer": "writer",
    "open_writer": "writer",
    "without_rejected": "writer",
    "Model": "rows",
    "Fact": "rows",
    "facts_of": "rows",
    "plain": "rows",
    "joined": "rows",
    "ref_of_cell": "rows",
    "model_of": "rows",
    "split": "rows",
    "Hours": "queries",
    "Target": "queries",
    "load_catalog": "queries",
    "load_scopes": "queries",
    "load_engagements": "queries",
    "booked_hours": "queries",
    "bookings": "queries",
    "expense_items": "queries",
    "writeback_targets": "queries",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value
