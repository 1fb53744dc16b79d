"""The store's schema: one set of tables for SQLite and PostgreSQL.

SQLAlchemy 2 Core. Every fact row carries its lineage: the workbook it came from
(``workbook_id`` and ``path``), the ``sheet`` and ``row_num`` of its row, and the
workbook's ``sha256`` when it was read.

Money, hours and multipliers are stored as canonical decimal text (:class:`DecimalText`):
``Decimal("7.50")`` comes back as ``Decimal("7.50")`` on every backend. SQLite's NUMERIC
goes through a float and would not round-trip exactly; arithmetic happens in Python.
Text columns have no length limit on PostgreSQL, as on SQLite (which ignores the
declared lengths), so a workbook SQLite accepts is never refused by PostgreSQL.

Workbook status (``workbooks.status``, see :mod:`psos_xl.store.base`):

- ``ok``: read, its valid rows are stored;
- ``invalid``: readable but unusable as a whole (a required table or column missing, a
  bad marker): its last good rows are kept, its issues are in ``rejects``;
- ``unreadable``: calamine could not open it (corrupt, half-written): last good rows
  kept, stat not recorded, so the next sync tries again;
- ``conflict``: a second workbook for the same person and week (or the same catalog or
  engagement): none of its rows are stored;
- ``ignored``: an Excel file without a ``_psos`` marker (or psos' own output);
- ``retired``: removed from the folder; its rows were deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from psos_xl import models as m


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
    Column("probability", DecimalText),  # a Draft's chance of being sold, 0–1
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
    Column("change_order", text_of(64)),
    Column("percent_complete", DecimalText),
    Column("completed_on", Date),
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

# trust (DESIGN §12): who approved which timesheet as it was, and up to when time is closed
approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person", text_of(64), nullable=False),
    Column("week", Date, nullable=False),
    Column("path", text_of(1024), nullable=False),  # the timesheet approved
    Column("content_sha256", text_of(64), nullable=False),  # of its stored rows
    Column("approved_by", text_of(200), nullable=False),
    Column("approved_at", DateTime, nullable=False),
    Index("ix_approvals_person_week", "person", "week"),
)
# what each engagement was sold as, and each change since (DESIGN §12 "Baseline")
baselines = Table(
    "baselines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("engagement", text_of(64), nullable=False, unique=True),
    Column("captured_at", DateTime, nullable=False),
    Column("terms_sha256", text_of(64), nullable=False),
    Column("hours", DecimalText, nullable=False),
    Column("cost", DecimalText, nullable=False),
    Column("price", DecimalText, nullable=False),
    Column("terms", Text, nullable=False),  # JSON: deliverable → its terms
    Column("lines", Text, nullable=False),  # JSON: [deliverable, role, hours, cost, price]
    # what it was taken from: None, the first sync that saw the scope sold; or the quote
    # accepted (``Q-2026-0001 v2``)
    Column("source", text_of(64)),
)
revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("engagement", text_of(64), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("detected_at", DateTime, nullable=False),
    Column("terms_sha256", text_of(64), nullable=False),
    Column("deliverable", text_of(64), nullable=False),
    Column("change", Text, nullable=False),
    Column("hours_delta", DecimalText, nullable=False),
    Column("price_delta", DecimalText, nullable=False),
    Column("change_order", text_of(64)),
)
period_locks = Table(
    "period_locks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("until", Date, nullable=False),  # rows dated on or before it never change
    Column("locked_by", text_of(200), nullable=False),
    Column("locked_at", DateTime, nullable=False),
)

# every quote issued (DESIGN §12 "Quotes as first-class objects"): one row per version,
# with what it priced (the scope's terms and priced lines, as a baseline keeps them)
quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", text_of(32), nullable=False, index=True),  # Q-2026-0001
    Column("version", Integer, nullable=False),
    Column("engagement", text_of(64), nullable=False, index=True),
    Column("scope_path", text_of(1024), nullable=False),  # relative to the workspace
    Column("issued_at", DateTime, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("terms_sha256", text_of(64), nullable=False),
    Column("currency", text_of(8)),
    Column("hours", DecimalText, nullable=False),
    Column("cost", DecimalText, nullable=False),
    Column("price", DecimalText, nullable=False),
    Column("terms", Text, nullable=False),  # JSON: deliverable → its terms
    Column("lines", Text, nullable=False),  # JSON: [deliverable, role, hours, cost, price]
    Column("status", text_of(16), nullable=False),  # Issued Accepted Declined Superseded
    Column("answered_by", text_of(200)),
    Column("answered_at", DateTime),
    UniqueConstraint("number", "version", name="uq_quotes_number_version"),
)

# invoices and credit notes (DESIGN §14): one row each, numbered INV-YYYY-NNNN
invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", text_of(32), nullable=False, unique=True),
    Column("engagement", text_of(64), nullable=False, index=True),
    Column("client", text_of(200)),
    Column("currency", text_of(8)),
    Column("issued_on", Date, nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("through", Date, nullable=False),  # what is due up to and with this day
    Column("due_on", Date, nullable=False),
    Column("net", DecimalText, nullable=False),
    Column("tax_rate", DecimalText, nullable=False),
    Column("tax", DecimalText, nullable=False),
    Column("gross", DecimalText, nullable=False),
    Column("status", text_of(16), nullable=False),  # Issued | Credited | Credit note
    Column("credits", text_of(32)),  # a credit note: the invoice it reverses
    Column("credited_by", text_of(32)),  # a credited invoice: its credit note
    Column("issued_by", text_of(200)),
    Column("path", text_of(1024)),  # its workbook, relative to the workspace
)
invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", text_of(32), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("kind", text_of(16), nullable=False),  # time expense fixed milestone retainer credit
    Column("description", Text, nullable=False),
    Column("quantity", DecimalText, nullable=False),
    Column("rate", DecimalText, nullable=False),
    Column("amount", DecimalText, nullable=False),
    Column("key", text_of(200)),  # fixed, milestone:m1, month:2026-11, correction
    Column("entries", Text, nullable=False),  # JSON: ["workbook!sheet!row", …]
    UniqueConstraint("number", "line_no", name="uq_invoice_lines_number_line"),
)
# every time or expense row an invoice line billed, as it said then: a row is billed
# once; one that changes afterwards is credited by the next invoice
invoiced_entries = Table(
    "invoiced_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", text_of(32), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("engagement", text_of(64), nullable=False, index=True),
    Column("tbl", text_of(32), nullable=False),  # time_entries | expenses
    Column("person", text_of(64), nullable=False),
    Column("path", text_of(1024), nullable=False),
    Column("sheet", text_of(64), nullable=False),
    Column("row_num", Integer, nullable=False),
    Column("content", Text, nullable=False),  # JSON: what the row said when billed
    Column("amount", DecimalText, nullable=False),
    # billed (counts) | corrected (a later line replaced it) | credited (a credit note)
    Column("state", text_of(16), nullable=False),
    Column("corrected_by", text_of(32)),  # the invoice whose line corrected it
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


# the fact tables each kind's rows go to (psos_xl.store.rows.facts_of)
KIND_TABLES: dict[str, tuple[Table, ...]] = {
    m.Kind.CATALOG.value: (roles, services, complexity, risks, settings, people),
    m.Kind.SCOPE.value: (scopes, deliverables, assumptions, overrides),
    m.Kind.TIMESHEET.value: (time_entries, expenses),
}


def now() -> datetime:
    """UTC wall time without tzinfo: DateTime columns stay portable between backends."""
    return datetime.now(UTC).replace(tzinfo=None)
