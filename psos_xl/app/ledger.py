"""The engagement ledger read from the store (DESIGN §13,
:mod:`psos_xl.economics.ledger`): what the margin, burn and forecast reports compute
with.

:func:`read_ledger_data` reads, in the caller's connection, the Sold, Active and
Completed scopes, their baselines and the time booked on them up to the as-of day; the
estimates are priced against the stored catalog with the Actuals the write-back computes
from the same time (:func:`learned_catalog`), so a P50/P80 scope's EstimatedHours are the
Delivery table's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection

from psos_xl import models as m
from psos_xl.economics.ledger import LEDGER_STATUSES, LedgerLine, ledger
from psos_xl.pricing.baseline import Baseline
from psos_xl.pricing.booked import Booking, ExpenseItem
from psos_xl.store import queries as q
from psos_xl.store.ledger_queries import bookings_through


@dataclass(frozen=True)
class LedgerData:
    """What the ledger was computed from, and its lines."""

    catalog: m.Catalog  # with the learned Actuals the estimates used
    scopes: dict[str, m.Scope]  # by engagement; ``Scope.workbook`` is its path
    baselines: dict[str, Baseline]
    bookings: list[Booking]  # dated on or before the as-of day
    lines: list[LedgerLine]


def learned_catalog(
    catalog: m.Catalog, scopes: Iterable[m.Scope], bookings: Iterable[Booking]
) -> m.Catalog:
    """``catalog`` with the Actuals calibrated from the Completed ``scopes``' time, as
    the write-back computes them (:func:`psos_xl.learning.calibrate`)."""
    from psos_xl.learning import calibrate, delivered

    hours: dict[tuple[str, str, str], Decimal] = {}
    for b in bookings:
        key = (b.engagement, b.deliverable, b.role)
        hours[key] = hours.get(key, Decimal(0)) + b.total
    rows = calibrate(catalog, delivered(catalog, scopes, hours), "")
    return catalog.model_copy(update={"actuals": rows})


@contextmanager
def one_read() -> Iterator[None]:
    """Within it, the ledger of one store as of one day is read once however many
    reports ask for it (the dashboard's margin, burn and forecast)."""
    token = _READ.set({})
    try:
        yield
    finally:
        _READ.reset(token)


# the ledgers read inside :func:`one_read`, by store URL and as-of day
_READ: ContextVar[dict[tuple[str, date], LedgerData] | None] = ContextVar(
    "ledger_read", default=None
)


def read_ledger_data(conn: Connection, catalog: m.Catalog, as_of: date) -> LedgerData:
    """The ledger as of ``as_of`` and what it was computed from (read once per store and
    day inside :func:`one_read`)."""
    read = _READ.get()
    key = (str(conn.engine.url), as_of)
    if read is not None and key in read:
        return read[key]
    scopes = q.load_scopes(conn, LEDGER_STATUSES)
    baselines: Mapping[str, Baseline] = q.load_baselines(conn)
    booked = bookings_through(conn, list(scopes), as_of)
    priced = learned_catalog(catalog, scopes.values(), booked)
    lines = ledger(priced, scopes.values(), baselines, booked, as_of)
    data = LedgerData(priced, scopes, dict(baselines), booked, lines)
    if read is not None:
        read[key] = data
    return data


def read_ledger(conn: Connection, catalog: m.Catalog, as_of: date) -> list[LedgerLine]:
    """Every ledger line of the Sold, Active and Completed engagements as of ``as_of``
    (time dated after it is not counted), by engagement then line."""
    return read_ledger_data(conn, catalog, as_of).lines


@dataclass(frozen=True)
class WorkspaceLedger:
    """A workspace's ledger as of a day, with the expenses counted to it and the net
    invoiced per engagement for work up to it."""

    root: Path
    as_of: date
    data: LedgerData
    expenses: list[ExpenseItem]
    invoiced: dict[str, Decimal]


def workspace_ledger(
    root: Path, as_of: date | None = None, store_url_override: str | None = None
) -> WorkspaceLedger:
    """Read the ledger of the workspace at ``root`` as of ``as_of`` (default today) from
    its store, in one connection (sync must have run)."""
    from psos_xl.app.accuracy import StoreMissingError, open_existing_store
    from psos_xl.store.invoices import invoiced_amounts
    from psos_xl.store.ledger_queries import expenses_through
    from psos_xl.workspace import Workspace, workspace_root

    ws = Workspace.load(workspace_root(root))
    day = as_of or date.today()
    store = open_existing_store(ws, store_url_override)
    try:
        with store.connect() as conn:
            catalog = q.load_catalog(conn)
            if catalog is None:
                raise StoreMissingError("the store holds no catalog: run psos sync first")
            data = read_ledger_data(conn, catalog, day)
            spent = expenses_through(conn, list(data.scopes), day)
            invoiced = invoiced_amounts(conn, day)
    finally:
        store.close()
    return WorkspaceLedger(ws.root, day, data, spent, invoiced)
