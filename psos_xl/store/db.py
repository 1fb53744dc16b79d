"""Opening the store: the engine for a URL, the schema brought up to date by recorded
migrations, the writer a sync stores through, and a dump of every table.

SQLite by default (``<workspace>/.psos/store.sqlite``); PostgreSQL (``postgresql://…``,
driven by psycopg 3) gets the same tables and the same migrations. The migrations take a
transaction-level advisory lock, so two machines opening a new store at once do not both
create it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Index,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.schema import CreateIndex, DropIndex

from psos_xl.errors import PsosError
from psos_xl.store.base import MIGRATION_LOCK_KEY, SCHEMA_VERSION
from psos_xl.store.schema import (
    approvals,
    baselines,
    deliverables,
    invoice_lines,
    invoiced_entries,
    invoices,
    metadata,
    now,
    period_locks,
    quotes,
    revisions,
    schema_migrations,
    scopes,
    workbooks,
)
from psos_xl.store.writer import Writer, open_writer


class StoreError(PsosError):
    """The store cannot be opened or is newer than this psos_xl."""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    for table in metadata.sorted_tables:
        if table is not schema_migrations:
            table.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    # maintaining it doubled the cost of storing a timesheet's rows; what filters time
    # entries by engagement (the write-back, the dependents of a changed scope) reads
    # them all anyway or scans them in milliseconds
    conn.execute(DropIndex(Index("ix_time_entries_engagement"), if_exists=True))
    # every workbook stored looks up who else holds its identity (a conflicted copy)
    by_ident = next(i for i in workbooks.indexes if i.name == "ix_workbooks_ident")
    conn.execute(CreateIndex(by_ident, if_not_exists=True))


def _v3(conn: Connection) -> None:
    # timesheets and scopes are checked for more than before (who may book: a closed
    # engagement, a person not on the staff; a scope's currency): what an older psos_xl
    # stored of them is read and checked again by the next sync
    conn.execute(
        update(workbooks)
        .where(workbooks.c.kind.in_(["timesheet", "scope"]), workbooks.c.status == "ok")
        .values(dirty=True)
    )


def _v4(conn: Connection) -> None:
    for table in (approvals, period_locks, baselines, revisions):
        table.create(conn, checkfirst=True)
    # a deliverable's change order and progress (DESIGN §12)
    have = {c["name"] for c in inspect(conn).get_columns("deliverables")}
    for name in ("change_order", "percent_complete", "completed_on"):
        if name not in have:
            column = deliverables.c[name]
            kind = column.type.compile(conn.dialect)
            conn.execute(text(f"ALTER TABLE deliverables ADD COLUMN {name} {kind}"))


def _v5(conn: Connection) -> None:
    quotes.create(conn, checkfirst=True)
    # a baseline taken from an accepted quote says so; one from a sync leaves it empty
    if "source" not in {c["name"] for c in inspect(conn).get_columns("baselines")}:
        kind = baselines.c.source.type.compile(conn.dialect)
        conn.execute(text(f"ALTER TABLE baselines ADD COLUMN source {kind}"))


def _v6(conn: Connection) -> None:
    # a Draft's ScopeInfo Probability (the forecast's pipeline, DESIGN §13)
    if "probability" not in {c["name"] for c in inspect(conn).get_columns("scopes")}:
        kind = scopes.c.probability.type.compile(conn.dialect)
        conn.execute(text(f"ALTER TABLE scopes ADD COLUMN probability {kind}"))
    # what an older psos_xl stored of a scope lacks it: the next sync reads them again
    conn.execute(
        update(workbooks)
        .where(workbooks.c.kind == "scope", workbooks.c.status == "ok")
        .values(dirty=True)
    )


def _v7(conn: Connection) -> None:
    for table in (invoices, invoice_lines, invoiced_entries):
        table.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _v1),
    Migration(2, "workbooks indexed by identity; time entries not by engagement", _v2),
    Migration(3, "timesheets and scopes checked again for who may book and currency", _v3),
    Migration(
        4, "baselines and revisions, timesheet approvals, period locks, deliverables' progress", _v4
    ),
    Migration(5, "numbered, versioned quotes; where a baseline came from", _v5),
    Migration(6, "a Draft scope's Probability; scopes read again to store it", _v6),
    Migration(7, "invoices, their lines and the time and expense rows they bill", _v7),
)


assert MIGRATIONS[-1].version == SCHEMA_VERSION, "psos_xl.store.base.SCHEMA_VERSION is stale"


@dataclass
class Store:
    """An open store: the engine and the URL it came from. ``fast``: its writer takes
    the SQLite fast path where it applies (:mod:`psos_xl.store.writer`)."""

    engine: Engine
    url: str
    fast: bool = True

    def connect(self) -> Connection:
        return self.engine.connect()

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """A connection of its own and the writer on it, closed at the end."""
        with self.connect() as conn:
            yield open_writer(conn, self.fast)

    def begin(self) -> Any:
        """A transaction: ``with store.begin() as conn:`` commits or rolls back."""
        return self.engine.begin()

    def version(self) -> int:
        with self.connect() as conn:
            return _current_version(conn)

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # the driver's own transaction handling commits DDL at once; psos begins
    # transactions itself (below), so a migration killed half-way rolls back whole
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def engine_url(url: str) -> URL:
    """The SQLAlchemy URL of a store URL: ``postgresql://`` and ``postgres://`` mean
    psycopg 3, the driver of the ``postgres`` extra (SQLAlchemy alone would pick
    psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: str) -> str:
    """A store URL fit for a message: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing in it to hide
        return url


def open_store(url: str, migrate: bool = True, *, fast: bool = True) -> Store:
    """Open the store at ``url`` and bring its schema up to date. ``fast=False``: its
    writer runs through SQLAlchemy Core even on SQLite (the plain path)."""
    try:
        target = engine_url(url)
        if target.get_backend_name() == "postgresql":
            engine = create_engine(target, pool_pre_ping=True)
        else:
            engine = create_engine(target)
    except ImportError as err:
        raise StoreError(
            f"cannot open the store {shown(url)!r}: its database driver is not installed "
            f"({err}); for PostgreSQL: pip install 'psos_xl[postgres]'"
        ) from err
    except Exception as err:  # bad URL
        raise StoreError(f"cannot open the store {shown(url)!r}: {err}") from err
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    store = Store(engine, url, fast)
    if migrate:
        try:
            apply_migrations(store)
        except PsosError:
            engine.dispose()
            raise
        except Exception as err:
            engine.dispose()
            raise StoreError(f"cannot open the store {shown(url)!r}: {err}") from err
    return store


def _current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, schema_migrations.name):
        return 0
    return int(conn.execute(select(func.max(schema_migrations.c.version))).scalar() or 0)


def _one_migrator(conn: Connection) -> None:
    """On PostgreSQL, wait for any other migrating process until this transaction ends
    (SQLite's write lock does the same there)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))


def apply_migrations(store: Store) -> list[int]:
    """Apply the migrations the store lacks, in order, each in its own transaction."""
    applied: list[int] = []
    with store.begin() as conn:
        _one_migrator(conn)
        schema_migrations.create(conn, checkfirst=True)
    latest = MIGRATIONS[-1].version
    for migration in MIGRATIONS:
        with store.begin() as conn:
            _one_migrator(conn)
            current = _current_version(conn)
            if current > latest:
                raise StoreError(
                    f"the store is at schema {current}, newer than this psos_xl knows "
                    f"({latest}): upgrade psos_xl"
                )
            if migration.version <= current:
                continue
            migration.apply(conn)
            conn.execute(
                insert(schema_migrations).values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=now(),
                )
            )
            applied.append(migration.version)
    return applied


def dump(store: Store, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order (for tests and ``psos doctor``)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(query)]
    return out
