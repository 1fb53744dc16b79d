"""The invoices the store keeps (DESIGN §14): read them, number a new one, record it with
the rows it bills, credit one, and read the rows an engagement could bill.

Each function takes an open connection; the caller holds the transaction (and the
workspace's sync lock while it numbers, so two invoice runs never take one number; the
number is unique in the table besides).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, select, update

from psos_xl.billing.compute import FIXED_KEY, Billing
from psos_xl.billing.model import (
    EXPENSES,
    TIME,
    Invoiced,
    InvoiceStatus,
    Line,
    Row,
    number_text,
    parse_number,
)
from psos_xl.errors import Code, Issue
from psos_xl.store.schema import (
    expenses,
    invoice_lines,
    invoiced_entries,
    invoices,
    rejects,
    time_entries,
    workbooks,
)

BILLED, CORRECTED, CREDITED = "billed", "corrected", "credited"


@dataclass(frozen=True)
class StoredInvoice:
    """An invoice or credit note as the store keeps it."""

    number: str
    engagement: str
    client: str
    currency: str
    issued_on: date
    issued_at: datetime
    through: date
    due_on: date
    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    gross: Decimal
    status: str
    credits: str | None = None
    credited_by: str | None = None
    issued_by: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class StoredLine:
    number: str
    line_no: int
    kind: str
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    key: str
    entries: tuple[str, ...]


def load_invoices(
    conn: Connection,
    engagement: str | None = None,
    number: str | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
) -> list[StoredInvoice]:
    """The stored invoices and credit notes (of one engagement or number; issued in a
    window), by number."""
    t = invoices
    query = select(t).order_by(t.c.number)
    if engagement is not None:
        query = query.where(t.c.engagement == engagement)
    if number is not None:
        query = query.where(t.c.number == number)
    if issued_from is not None:
        query = query.where(t.c.issued_on >= issued_from)
    if issued_to is not None:
        query = query.where(t.c.issued_on <= issued_to)
    return [
        StoredInvoice(
            r.number,
            r.engagement,
            r.client or "",
            r.currency or "",
            r.issued_on,
            r.issued_at,
            r.through,
            r.due_on,
            r.net,
            r.tax_rate,
            r.tax,
            r.gross,
            r.status,
            r.credits,
            r.credited_by,
            r.issued_by,
            r.path,
        )
        for r in conn.execute(query)
    ]


def load_lines(conn: Connection, numbers: Collection[str]) -> dict[str, list[StoredLine]]:
    """The lines of the invoices ``numbers``, by number, in line order."""
    t = invoice_lines
    out: dict[str, list[StoredLine]] = {n: [] for n in numbers}
    if not numbers:
        return out
    query = select(t).where(t.c.number.in_(list(numbers))).order_by(t.c.number, t.c.line_no)
    for r in conn.execute(query):
        out[r.number].append(
            StoredLine(
                r.number,
                r.line_no,
                r.kind,
                r.description,
                r.quantity,
                r.rate,
                r.amount,
                r.key or "",
                tuple(json.loads(r.entries)),
            )
        )
    return out


def next_number(conn: Connection, year: int) -> str:
    """The next number of ``year``: one past the highest ever issued (none is reused)."""
    prefix = f"INV-{year:04d}-"
    taken = conn.execute(select(invoices.c.number).where(invoices.c.number.startswith(prefix)))
    highest = max((parse_number(n) or (year, 0) for (n,) in taken), default=(year, 0))
    return number_text(year, highest[1] + 1)


def insert_invoice(conn: Connection, inv: StoredInvoice, lines: Sequence[Line]) -> None:
    """Record ``inv`` with its ``lines``, the rows they bill (billed) and the invoiced
    rows they correct (corrected, by ``inv``)."""
    values = {k: v for k, v in inv.__dict__.items()}
    conn.execute(invoices.insert().values(**values))
    for no, line in enumerate(lines, start=1):
        conn.execute(
            invoice_lines.insert().values(
                number=inv.number,
                line_no=no,
                kind=line.kind.value,
                description=line.description,
                quantity=line.quantity,
                rate=line.rate,
                amount=line.amount,
                key=line.key,
                entries=json.dumps(line.entries, ensure_ascii=False),
            )
        )
        for b in line.billed:
            r = b.row
            conn.execute(
                invoiced_entries.insert().values(
                    number=inv.number,
                    line_no=no,
                    engagement=inv.engagement,
                    tbl=r.table,
                    person=r.person,
                    path=r.path,
                    sheet=r.sheet,
                    row_num=r.row,
                    content=json.dumps(list(r.content), ensure_ascii=False),
                    amount=b.amount,
                    state=BILLED,
                )
            )
        ids = [c.id for c in line.corrects]
        if ids:
            e = invoiced_entries
            conn.execute(
                update(e).where(e.c.id.in_(ids)).values(state=CORRECTED, corrected_by=inv.number)
            )


def credit(conn: Connection, number: str, credit_number: str) -> None:
    """Invoice ``number`` is reversed by the credit note ``credit_number``: it is
    Credited, the rows it billed no longer count as invoiced, and the rows it corrected
    count as their earlier invoice billed them."""
    e = invoiced_entries
    conn.execute(
        update(invoices)
        .where(invoices.c.number == number)
        .values(status=InvoiceStatus.CREDITED.value, credited_by=credit_number)
    )
    conn.execute(update(e).where(e.c.number == number, e.c.state == BILLED).values(state=CREDITED))
    conn.execute(
        update(e)
        .where(e.c.corrected_by == number, e.c.state == CORRECTED)
        .values(state=BILLED, corrected_by=None)
    )


def corrected_later(conn: Connection, number: str) -> list[str]:
    """The invoices still standing whose lines corrected rows invoice ``number`` billed."""
    e = invoiced_entries
    query = (
        select(e.c.corrected_by)
        .where(e.c.number == number, e.c.state == CORRECTED)
        .distinct()
        .order_by(e.c.corrected_by)
    )
    return [n for (n,) in conn.execute(query) if n]


def _invoiced(r: Any) -> Invoiced:
    return Invoiced(
        r.number,
        r.line_no,
        r.tbl,
        r.person,
        r.path,
        r.sheet,
        r.row_num,
        tuple(json.loads(r.content)),
        r.amount,
        r.id,
    )


def invoiced_rows(conn: Connection, engagement: str | None = None) -> list[Invoiced]:
    """The rows standing invoices bill (of one engagement), in the order billed."""
    e = invoiced_entries
    query = select(e).where(e.c.state == BILLED).order_by(e.c.id)
    if engagement is not None:
        query = query.where(e.c.engagement == engagement)
    return [_invoiced(r) for r in conn.execute(query)]


def billing_of(conn: Connection, engagement: str) -> Billing:
    """What the standing invoices of ``engagement`` bill: rows, line keys, fixed fee."""
    i, t = invoices, invoice_lines
    query = (
        select(t.c.key, t.c.amount)
        .select_from(t.join(i, i.c.number == t.c.number))
        .where(i.c.engagement == engagement, i.c.status == InvoiceStatus.ISSUED.value)
    )
    keys: set[str] = set()
    fixed = Decimal(0)
    for key, amount in conn.execute(query):
        if key == FIXED_KEY:
            fixed += amount
        elif key:
            keys.add(key)
    return Billing(tuple(invoiced_rows(conn, engagement)), frozenset(keys), fixed)


def invoiced_amounts(conn: Connection, through: date | None = None) -> dict[str, Decimal]:
    """The net invoiced per engagement, credit notes included (negative), by engagement;
    with ``through``, only the invoices of work up to that day (their Through on or
    before it)."""
    out: dict[str, Decimal] = {}
    query = select(invoices.c.engagement, invoices.c.net).order_by(invoices.c.engagement)
    if through is not None:
        query = query.where(invoices.c.through <= through)
    for engagement, net in conn.execute(query):
        out[engagement] = out.get(engagement, Decimal(0)) + net
    return out


# --- the rows an engagement could bill -----------------------------------------------------


def stored_rows(
    conn: Connection,
    engagement: str | None = None,
    people: Collection[str] | None = None,
    engagements: Collection[str] | None = None,
) -> list[Row]:
    """The stored time and expense rows (of one engagement, or some; of some people),
    time first, each by workbook and row."""
    out: list[Row] = []
    t, x = time_entries, expenses
    tq = select(t).order_by(t.c.path, t.c.row_num, t.c.id)
    xq = select(x).order_by(x.c.path, x.c.row_num, x.c.id)
    if engagement is not None:
        tq, xq = tq.where(t.c.engagement == engagement), xq.where(x.c.engagement == engagement)
    if people is not None:
        tq, xq = tq.where(t.c.person.in_(list(people))), xq.where(x.c.person.in_(list(people)))
    if engagements is not None:
        wanted = list(engagements)
        tq, xq = tq.where(t.c.engagement.in_(wanted)), xq.where(x.c.engagement.in_(wanted))
    for r in conn.execute(tq):
        out.append(
            Row(
                TIME,
                r.person,
                r.path,
                r.sheet,
                r.row_num,
                r.date,
                r.week,
                r.engagement,
                bool(r.billable),
                role=r.role,
                deliverable=r.deliverable,
                hours=r.hours,
            )
        )
    for r in conn.execute(xq):
        out.append(
            Row(
                EXPENSES,
                r.person,
                r.path,
                r.sheet,
                r.row_num,
                r.date,
                r.week,
                r.engagement,
                bool(r.billable),
                category=r.category,
                amount=r.amount,
                currency=r.currency or "",
            )
        )
    return out


def timesheet_rows(conn: Connection, path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every stored row of the timesheet at ``path``: (table, its columns)."""
    return [
        (table.name, dict(r._mapping))
        for table in (time_entries, expenses)
        for r in conn.execute(select(table).where(table.c.path == path))
    ]


# --- what sync reports ---------------------------------------------------------------------


def replace_flags(conn: Connection, issues: Iterable[Issue], run: int | None = None) -> None:
    """The store's INVOICED_ENTRY_CHANGED rejects are now ``issues`` (each kept with the
    workbook it names), so every sync reports them, the no-change answer too."""
    code = Code.INVOICED_ENTRY_CHANGED.value
    found = list(issues)
    held = select(rejects.c.location, rejects.c.message).where(rejects.c.code == code)
    if sorted(tuple(r) for r in conn.execute(held)) == sorted(
        (str(i.location), i.message) for i in found
    ):
        return  # unchanged: a second sync changes nothing
    conn.execute(delete(rejects).where(rejects.c.code == code))
    paths = {i.location.workbook for i in found}
    query = select(workbooks.c.path, workbooks.c.id).where(workbooks.c.path.in_(paths))
    ids = {path: wid for path, wid in conn.execute(query)}
    for issue in found:
        wid = ids.get(issue.location.workbook)
        if wid is None:
            continue
        conn.execute(
            rejects.insert().values(
                workbook_id=wid,
                path=issue.location.workbook,
                location=str(issue.location),
                code=code,
                severity=issue.severity.value,
                message=issue.message,
                first_seen_run=run,
                last_seen_run=run,
            )
        )
