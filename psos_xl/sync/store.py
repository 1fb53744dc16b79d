"""The canonical store: one schema for SQLite and PostgreSQL, versioned migrations.

SQLAlchemy 2 Core, no SQL written as strings (save :mod:`psos_xl.sync.quick`, which reads
a SQLite store with the standard library when a sync has nothing to do, and the engine's
savepoints). Every fact row carries its lineage:
the workbook it came from (``workbook_id`` and ``path``), the ``sheet`` and ``row_num``
of its row, and the workbook's ``sha256`` when it was read.

Money, hours and multipliers are stored as canonical decimal text (:class:`DecimalText`):
``Decimal("7.50")`` comes back as ``Decimal("7.50")`` on every backend. SQLite's NUMERIC
goes through a float and would not round-trip exactly; arithmetic happens in Python.

PostgreSQL (``postgresql://…``, driven by psycopg 3) gets the same tables and the same
migrations. Text columns have no length limit there, as on SQLite (which ignores the
declared lengths), so a workbook SQLite accepts is never refused by PostgreSQL. The
migrations take a transaction-level advisory lock, so two machines opening a new store
at once do not both create it.

Workbook status (``workbooks.status``):

- ``ok``: read, its valid rows are stored;
- ``invalid``: readable but unusable as a whole (a required table or column missing, a
  bad marker): its last good rows are kept, its issues are in ``rejects``;
- ``unreadable``: calamine could not open it (corrupt, half-written): last good rows
  kept, stat not recorded, so the next sync tries again;
- ``conflict``: a second workbook for the same person and week (or the same catalog or
  engagement): none of its rows are stored;
- ``ignored``: an Excel file without a ``_psos`` marker;
- ``retired``: removed from the folder; its rows were deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlalchemy.types import TypeDecorator, TypeEngine

from psos_xl import models as m
from psos_xl.errors import PsosError
from psos_xl.settings import CATALOG_SETTINGS
from psos_xl.sync.lock import advisory_key as advisory_key
from psos_xl.sync.quick import STORE_FILE as STORE_FILE
from psos_xl.sync.quick import default_url as default_url


class StoreError(PsosError):
    """The store cannot be opened or is newer than this psos_xl."""


def text_of(length: int) -> TypeEngine[str]:
    """A string column: VARCHAR(length) on SQLite (which ignores the length), unbounded
    TEXT on PostgreSQL, so both accept the same values."""
    return String(length).with_variant(Text(), "postgresql")


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal kept as its exact text, so it round-trips on every backend."""

    impl = String(48)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats never reach the store; pass a Decimal")
        return str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", text_of(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

workbooks = Table(
    "workbooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", text_of(1024), nullable=False, unique=True),
    Column("kind", text_of(16)),
    Column("ident", text_of(300), index=True),  # a copy of what: timesheet:ALM:2026-01-05
    Column("person", text_of(64)),
    Column("week", Date),
    Column("engagement", text_of(64)),
    Column("size", BigInteger),
    Column("mtime_ns", BigInteger),
    Column("sha256", text_of(64)),
    Column("last_read_at", DateTime),
    Column("last_read_run", Integer),
    Column("status", text_of(16), nullable=False),
    Column("dirty", Boolean, nullable=False, default=False),  # re-read on the next pass
    Column("retired_at", DateTime),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", text_of(16), nullable=False),  # running | ok | issues | failed
    Column("counts", Text),  # JSON
    Column("pid", Integer, nullable=False),
    Column("host", text_of(200)),
)


def _lineage() -> list[Column[Any]]:
    return [
        Column("workbook_id", Integer, ForeignKey("workbooks.id"), nullable=False, index=True),
        Column("path", text_of(1024), nullable=False),
        Column("sheet", text_of(64), nullable=False),
        Column("row_num", Integer, nullable=False),
        Column("sha256", text_of(64), nullable=False),
    ]


def _fact(name: str, *columns: Column[Any]) -> Table:
    return Table(name, metadata, Column("id", Integer, primary_key=True), *columns, *_lineage())


roles = _fact(
    "roles",
    Column("role", text_of(64), nullable=False),
    Column("name", text_of(200)),
    Column("cost_rate", DecimalText, nullable=False),
    Column("bill_rate", DecimalText, nullable=False),
    Column("currency", text_of(8)),
    Column("effective_from", Date, nullable=False),
)
services = _fact(
    "services",
    Column("sku", text_of(64), nullable=False),
    Column("name", text_of(200)),
    Column("role", text_of(64), nullable=False),
    Column("hours", DecimalText, nullable=False),
)
complexity = _fact(
    "complexity",
    Column("level", text_of(64), nullable=False),
    Column("multiplier", DecimalText, nullable=False),
)
risks = _fact(
    "risks",
    Column("code", text_of(64), nullable=False),
    Column("description", Text),
    Column("uplift", DecimalText, nullable=False),
)
settings = _fact(
    "settings",
    Column("key", text_of(64), nullable=False),
    Column("value", Text),
)
people = _fact(
    "people",
    Column("person", text_of(64), nullable=False),
    Column("name", text_of(200)),
    Column("role", text_of(64), nullable=False),
    Column("capacity_hours_per_week", DecimalText),
    Column("utilization_target", DecimalText),
    Column("start_date", Date),
    Column("end_date", Date),
)
scopes = _fact(
    "scopes",
    Column("engagement", text_of(64), nullable=False, index=True),
    Column("client", text_of(200)),
    Column("title", Text),
    Column("status", text_of(16)),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("billing_model", text_of(32)),
    Column("discount", DecimalText),
    Column("estimate_basis", text_of(16)),
    Column("risks", Text),  # comma-separated codes
    Column("currency", text_of(8)),
)
deliverables = _fact(
    "deliverables",
    Column("engagement", text_of(64), nullable=False, index=True),
    Column("deliverable", text_of(64), nullable=False),
    Column("sku", text_of(64), nullable=False),
    Column("description", Text),
    Column("quantity", DecimalText, nullable=False),
    Column("complexity", text_of(64), nullable=False),
    Column("risks", Text),
    Column("milestone", text_of(200)),
)
assumptions = _fact(
    "assumptions",
    Column("engagement", text_of(64), nullable=False),
    Column("assumption_id", text_of(64), nullable=False),
    Column("assumption", Text, nullable=False),
    Column("owner", text_of(200)),
    Column("impact_if_false", Text),
)
overrides = _fact(
    "overrides",
    Column("engagement", text_of(64), nullable=False),
    Column("deliverable", text_of(64), nullable=False),
    Column("role", text_of(64), nullable=False),
    Column("hours", DecimalText, nullable=False),
)
time_entries = _fact(
    "time_entries",
    Column("date", Date, nullable=False),
    Column("engagement", text_of(64), nullable=False),
    Column("deliverable", text_of(64), nullable=False),
    Column("role", text_of(64), nullable=False),
    Column("hours", DecimalText, nullable=False),
    Column("billable", Boolean, nullable=False),
    Column("note", Text),
    Column("person", text_of(64), nullable=False),
    Column("week", Date, nullable=False),
)
expenses = _fact(
    "expenses",
    Column("date", Date, nullable=False),
    Column("engagement", text_of(64), nullable=False),
    Column("category", text_of(64), nullable=False),
    Column("amount", DecimalText, nullable=False),
    Column("currency", text_of(8)),
    Column("billable", Boolean, nullable=False),
    Column("note", Text),
    Column("person", text_of(64), nullable=False),
    Column("week", Date, nullable=False),
)

rejects = Table(
    "rejects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workbook_id", Integer, ForeignKey("workbooks.id"), nullable=False, index=True),
    Column("path", text_of(1024), nullable=False),
    Column("location", text_of(1200), nullable=False),  # workbook!sheet!cell
    Column("code", text_of(64), nullable=False),
    Column("severity", text_of(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("first_seen_run", Integer),
    Column("last_seen_run", Integer),  # the last run that read the workbook and saw it
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ident", text_of(300), nullable=False),
    Column("person", text_of(64)),
    Column("week", Date),
    Column("kept_path", text_of(1024), nullable=False),
    Column("conflicting_path", text_of(1024), nullable=False, unique=True),
    Column("run", Integer),  # the run that found it
)

# every table holding rows read from workbooks: deleted and re-inserted per workbook
FACT_TABLES: tuple[Table, ...] = (
    roles,
    services,
    complexity,
    risks,
    settings,
    people,
    scopes,
    deliverables,
    assumptions,
    overrides,
    time_entries,
    expenses,
)


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


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _v1),
    Migration(2, "workbooks indexed by identity; time entries not by engagement", _v2),
)


def now() -> datetime:
    """UTC wall time without tzinfo: DateTime columns stay portable between backends."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Store:
    """An open store: the engine and the URL it came from."""

    engine: Engine
    url: str

    def connect(self) -> Connection:
        return self.engine.connect()

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


MIGRATION_LOCK_KEY = advisory_key("psos_xl schema migrations")


def open_store(url: str, migrate: bool = True) -> Store:
    """Open the store at ``url`` and bring its schema up to date."""
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
    store = Store(engine, url)
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


# --- models <-> rows -------------------------------------------------------------------

Model = m.Catalog | m.Scope | m.Timesheet
Fact = tuple[Table, "m.RowRef | None", dict[str, Any]]
HOLDING = ("ok", "invalid", "unreadable")  # statuses whose stored rows count


def ref_of_cell(cell: str) -> m.RowRef | None:
    """``a.xlsx!ScopeInfo!B7`` → RowRef(a.xlsx, ScopeInfo, 7)."""
    parts = cell.rsplit("!", 2)
    if len(parts) != 3:
        return None
    digits = "".join(ch for ch in parts[2] if ch.isdigit())
    return m.RowRef(parts[0], parts[1], int(digits)) if digits else None


def joined(value: Any) -> Any:
    """A list field (codes) as the store keeps it: comma-separated."""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value


def plain(row: m.Row, rename: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A row model's columns: its fields (lists joined, ``rename`` applied), no source."""
    values = {k: joined(v) for k, v in row.__dict__.items() if k != "src"}  # flat: its dump
    for old, new in (rename or {}).items():
        values[new] = values.pop(old)
    return values


def _catalog_facts(cat: m.Catalog) -> list[Fact]:
    facts: list[Fact] = []
    for table, rows in (
        (roles, cat.roles),
        (services, cat.services),
        (complexity, cat.complexity),
        (risks, cat.risks),
        (people, cat.people),
    ):
        facts.extend((table, r.src, plain(r)) for r in rows)
    by_key = {s.key.casefold(): s for s in cat.settings_rows}
    for definition in CATALOG_SETTINGS:
        row = by_key.get(definition.key.casefold())
        if row is not None:
            value = str(getattr(cat.settings, definition.field))
            facts.append((settings, row.src, {"key": definition.key, "value": value}))
    return facts


def _scope_facts(scope: m.Scope) -> list[Fact]:
    info = scope.info
    eng = {"engagement": info.engagement}
    head = info.model_dump(exclude={"cells"})
    head["risks"] = ", ".join(info.risks)
    facts: list[Fact] = [(scopes, ref_of_cell(info.at("Engagement")), head)]
    facts.extend((deliverables, d.src, {**eng, **plain(d)}) for d in scope.deliverables)
    facts.extend(
        (assumptions, a.src, {**eng, **plain(a, {"id": "assumption_id"})})
        for a in scope.assumptions
    )
    facts.extend((overrides, o.src, {**eng, **plain(o)}) for o in scope.overrides)
    return facts


def _timesheet_facts(sheet: m.Timesheet) -> list[Fact]:
    who = {"person": sheet.person, "week": sheet.week}
    facts: list[Fact] = [(time_entries, e.src, {**plain(e), **who}) for e in sheet.entries]
    facts.extend((expenses, x.src, {**plain(x), **who}) for x in sheet.expenses)
    return facts


def facts_of(model: Model) -> list[Fact]:
    """The fact rows of a model, each with the RowRef it was read from."""
    if isinstance(model, m.Catalog):
        return _catalog_facts(model)
    if isinstance(model, m.Scope):
        return _scope_facts(model)
    return _timesheet_facts(model)


def _src(row: Any) -> m.RowRef:
    return m.RowRef(row.path, row.sheet, row.row_num)


def _models(conn: Connection, table: Table, model: type[Any]) -> list[Any]:
    fields = set(model.model_fields) - {"src"}
    out = []
    for row in conn.execute(select(table).order_by(table.c.id)):
        values = {k: v for k, v in row._mapping.items() if k in fields and v is not None}
        out.append(model(src=_src(row), **values))
    return out


def load_catalog(conn: Connection) -> m.Catalog | None:
    """The catalog as stored (None when no catalog workbook has been read)."""
    held = conn.execute(
        select(workbooks.c.path)
        .where(workbooks.c.kind == m.Kind.CATALOG.value, workbooks.c.status.in_(HOLDING))
        .order_by(workbooks.c.path)
    ).first()
    if held is None:
        return None
    typed = {d.key: d for d in CATALOG_SETTINGS}
    values: dict[str, Any] = {}
    for row in conn.execute(select(settings.c.key, settings.c.value)):
        definition = typed.get(row.key)
        if definition is not None and row.value is not None:
            values[definition.field] = definition.type(row.value)
    return m.Catalog(
        workbook=held.path,
        roles=_models(conn, roles, m.RoleRate),
        services=_models(conn, services, m.ServiceLine),
        complexity=_models(conn, complexity, m.ComplexityLevel),
        risks=_models(conn, risks, m.Risk),
        settings=m.CatalogSettings(**values),
        people=_models(conn, people, m.Person),
    )
