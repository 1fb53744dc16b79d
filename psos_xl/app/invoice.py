"""``psos invoice``: invoice what is due on an engagement, or credit an invoice whole
(DESIGN §14).

**Invoice** (:func:`issue_invoice`): from the store (run ``psos sync`` first), what is due
on the engagement through the day and not yet invoiced (:func:`psos_xl.billing.due`):
T&M time and billable expenses, FixedFee progress, completed milestones, started
retainer months, and a credit line for each invoiced row that changed since. Only rows
of approved weeks count when psos.toml says ``require_approval = true``. The invoice takes
the workspace's next number (``INV-YYYY-NNNN``) under the workspace's sync lock, in one
transaction with the rows it bills, so two invoice runs never share a number nor bill
one row twice. Nothing due: nothing is numbered or written.

**Credit** (:func:`credit_invoice`): a credit note (the next number) reversing every
line of an invoice; the rows it billed count as not invoiced again.

The invoice workbook (and PDF) goes to ``invoices/`` (:mod:`psos_xl.app.invoice_book`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.billing import Draft, InvoiceStatus, Line, parse_number
from psos_xl.errors import PsosError
from psos_xl.models import RESERVED_ENGAGEMENTS, BillingModel, Status
from psos_xl.pricing.money import dec_str
from psos_xl.workspace import Workspace, workspace_root

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from psos_xl.billing import Terms
    from psos_xl.models import Catalog
    from psos_xl.store.invoices import StoredInvoice

INVOICES_DIR = "invoices"
_BILLABLE = (Status.SOLD.value, Status.ACTIVE.value, Status.COMPLETED.value)


class InvoiceError(PsosError):
    """An invoice that cannot be issued or credited as asked."""

    exit_code = 2


@dataclass
class InvoiceResult:
    """An invoice or credit note issued (``number`` None: nothing was due)."""

    engagement: str
    through: date
    number: str | None = None
    lines: list[Line] = field(default_factory=list)
    net: Decimal = Decimal("0.00")
    tax_rate: Decimal = Decimal(0)
    tax: Decimal = Decimal("0.00")
    gross: Decimal = Decimal("0.00")
    issued_on: date | None = None
    due_on: date | None = None
    currency: str = ""
    client: str = ""
    credits: str | None = None
    xlsx: Path | None = None
    pdf: Path | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "engagement": self.engagement,
            "through": self.through.isoformat(),
            "net": dec_str(self.net),
            "tax": dec_str(self.tax),
            "gross": dec_str(self.gross),
            "lines": [
                {
                    "kind": line.kind.value,
                    "description": line.description,
                    "quantity": dec_str(line.quantity),
                    "rate": dec_str(line.rate),
                    "amount": dec_str(line.amount),
                    "entries": line.entries,
                }
                for line in self.lines
            ],
            "tax_rate": dec_str(self.tax_rate),
            "currency": self.currency,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "credits": self.credits,
            "xlsx": str(self.xlsx) if self.xlsx else None,
            "pdf": str(self.pdf) if self.pdf else None,
            "notes": self.notes,
        }


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def approved_weeks(conn: Connection) -> set[tuple[str, date]]:
    """The (person, week) whose stored rows are the rows approved (``psos approve``)."""
    from psos_xl.store import invoices as si
    from psos_xl.store import queries as q
    from psos_xl.sync.freeze import Fact, content_sha256

    out: set[tuple[str, date]] = set()
    for key, approval in q.approvals_by_week(conn).items():
        facts = [Fact.of(t, r) for t, r in si.timesheet_rows(conn, approval.path)]
        if content_sha256(facts) == approval.content_sha256:
            out.add(key)
    return out


def _terms(conn: Connection, catalog: Catalog, engagement: str) -> tuple[Terms, str]:
    """What ``engagement`` is billed under, and its client."""
    from psos_xl.billing import Terms
    from psos_xl.pricing import price
    from psos_xl.store import queries as q

    if engagement.upper() in RESERVED_ENGAGEMENTS:
        raise InvoiceError(f"{engagement} is not billed: it is a reserved engagement")
    scope = q.load_scopes(conn).get(engagement)
    if scope is None:
        raise InvoiceError(f"no scope of engagement {engagement} in the store: run psos sync")
    info = scope.info
    if info.status is None or info.status.value not in _BILLABLE:
        status = info.status.value if info.status else "(none)"
        raise InvoiceError(f"{engagement} is {status}: only Sold, Active or Completed is invoiced")
    model = info.billing_model or BillingModel.TIME_AND_MATERIALS
    quote = price(catalog, scope)
    if model is not BillingModel.TIME_AND_MATERIALS and quote.issues:
        problems = "; ".join(str(i) for i in quote.issues[:3])
        raise InvoiceError(f"{engagement} cannot be priced: {problems}")
    baseline = q.load_baselines(conn).get(engagement)
    terms = Terms(
        engagement,
        model,
        info.discount,
        info.currency or catalog.settings.currency,
        # a fixed fee earns what was sold (the price now before a baseline), as the
        # revenue recognised by psos report margin does
        baseline.price if baseline is not None else quote.price,
        baseline.cost if baseline is not None else quote.cost,
        quote.milestones,
        quote.months,
        tuple(scope.deliverables),
    )
    return terms, info.client or ""


def _open(ws: Workspace, store_url: str | None) -> tuple[Any, str]:
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.app.accuracy import store_url as url_of

    return open_existing_store(ws, store_url), url_of(ws, store_url)


def _record(
    conn: Connection,
    ws: Workspace,
    draft: Draft,
    head: dict[str, Any],
    issued: date,
    at: datetime,
) -> StoredInvoice:
    """Number ``draft`` and record it (the caller holds the lock and the transaction)."""
    from psos_xl.store import invoices as si

    number = si.next_number(conn, issued.year)
    stored = si.StoredInvoice(
        number=number,
        issued_on=issued,
        issued_at=at,
        due_on=issued + timedelta(days=ws.payment_terms_days),
        net=draft.net,
        tax_rate=draft.tax_rate,
        tax=draft.tax,
        gross=draft.gross,
        path=f"{INVOICES_DIR}/{number}.xlsx",
        **head,
    )
    si.insert_invoice(conn, stored, draft.lines)
    return stored


def issue_invoice(
    root: Path,
    engagement: str,
    through: date,
    pdf: bool = False,
    by: str = "",
    today: date | None = None,
    store_url: str | None = None,
    now: datetime | None = None,
) -> InvoiceResult:
    """Invoice what is due on ``engagement`` through ``through`` (see the module)."""
    from psos_xl.billing import due
    from psos_xl.store import invoices as si
    from psos_xl.store import queries as q
    from psos_xl.sync.invoiced import flag_invoiced_changes
    from psos_xl.sync.lock import SyncLock

    ws = Workspace.load(workspace_root(root))
    issued = today or date.today()
    result = InvoiceResult(engagement, through)
    store, url = _open(ws, store_url)
    try:
        with SyncLock(ws.state_dir, store_url=url), store.begin() as conn:
            catalog = q.load_catalog(conn)
            if catalog is None:
                raise InvoiceError("the store holds no catalog: run psos sync first")
            terms, client = _terms(conn, catalog, engagement)
            approved = approved_weeks(conn) if ws.require_approval else None
            draft = due(
                terms,
                catalog,
                si.stored_rows(conn, engagement),
                si.billing_of(conn, engagement),
                through,
                approved,
            )
            result.notes = list(draft.notes)
            result.currency, result.client = terms.currency, client
            if not draft.due:
                return result
            head = {
                "engagement": engagement,
                "client": client,
                "currency": terms.currency,
                "through": through,
                "status": InvoiceStatus.ISSUED.value,
                "issued_by": by.strip() or None,
            }
            stored = _record(conn, ws, draft, head, issued, now or _stamp(issued))
            flag_invoiced_changes(conn)  # the rows it corrected are reported no more
    finally:
        store.close()
    return _written(ws, stored, list(draft.lines), result, pdf)


def _stamp(issued: date) -> datetime:
    return datetime.combine(issued, _utc_now().time())


def _written(
    ws: Workspace, stored: StoredInvoice, lines: list[Line], result: InvoiceResult, pdf: bool
) -> InvoiceResult:
    """``result`` filled from ``stored``, its workbook (and PDF) written."""
    from psos_xl.app.invoice_book import write_invoice

    result.number = stored.number
    result.lines = lines
    result.net, result.tax_rate, result.tax = stored.net, stored.tax_rate, stored.tax
    result.gross = stored.gross
    result.issued_on, result.due_on = stored.issued_on, stored.due_on
    result.currency, result.client = stored.currency, stored.client
    result.credits = stored.credits
    result.xlsx, result.pdf = write_invoice(ws, stored, lines, pdf)
    return result


def credit_invoice(
    root: Path,
    number: str,
    pdf: bool = False,
    by: str = "",
    today: date | None = None,
    store_url: str | None = None,
    now: datetime | None = None,
) -> InvoiceResult:
    """Issue a credit note reversing invoice ``number`` whole."""
    from psos_xl.billing import credit_of
    from psos_xl.store import invoices as si
    from psos_xl.sync.invoiced import flag_invoiced_changes
    from psos_xl.sync.lock import SyncLock

    if parse_number(number) is None:
        raise InvoiceError(f"{number!r} is not an invoice number (INV-YYYY-NNNN)")
    number = number.strip().upper()
    ws = Workspace.load(workspace_root(root))
    issued = today or date.today()
    store, url = _open(ws, store_url)
    try:
        with SyncLock(ws.state_dir, store_url=url), store.begin() as conn:
            found = si.load_invoices(conn, number=number)
            if not found:
                raise InvoiceError(f"no invoice {number} in {ws.root}")
            original = found[0]
            _creditable(conn, original)
            old = si.load_lines(conn, [number])[number]
            lines = credit_of(
                ((x.description, x.quantity, x.rate, x.amount, x.entries) for x in old), number
            )
            draft = Draft(tuple(lines), original.tax_rate)
            head = {
                "engagement": original.engagement,
                "client": original.client,
                "currency": original.currency,
                "through": original.through,
                "status": InvoiceStatus.CREDIT_NOTE.value,
                "credits": number,
                "issued_by": by.strip() or None,
            }
            stored = _record(conn, ws, draft, head, issued, now or _stamp(issued))
            si.credit(conn, number, stored.number)
            flag_invoiced_changes(conn)
    finally:
        store.close()
    result = InvoiceResult(original.engagement, original.through)
    return _written(ws, stored, lines, result, pdf)


def _creditable(conn: Connection, original: StoredInvoice) -> None:
    from psos_xl.store import invoices as si

    if original.status == InvoiceStatus.CREDIT_NOTE.value:
        raise InvoiceError(f"{original.number} is a credit note: it cannot be credited")
    if original.status == InvoiceStatus.CREDITED.value:
        raise InvoiceError(f"{original.number} is already credited by {original.credited_by}")
    later = si.corrected_later(conn, original.number)
    if later:
        raise InvoiceError(
            f"rows of {original.number} were corrected on {', '.join(later)}: credit "
            f"{'that' if len(later) == 1 else 'those'} first"
        )
