"""Quotes as first-class objects (DESIGN §12): issue, answer and list them.

**Issue** (:func:`issue_quote`, run by ``psos quote SCOPE``): in a workspace, the scope's
quote is recorded in the store (created and migrated as sync creates it) with its terms
hash (:func:`psos_xl.pricing.baseline.terms_sha256`), its priced lines, price and
validity (``quote_validity_days``). The engagement's first quote takes the workspace's
next number of the year; a scope whose terms or price changed since its latest version
(or whose latest version expired or was declined) gets the next version of that number,
and an earlier version still Issued becomes Superseded; an unchanged scope gets its
latest version again. The numbering runs under the workspace's sync lock, in one
transaction, so two quote runs never take one number.

**Answer** (:func:`answer_quote`, ``psos quote --accept|--decline Q-… --by NAME``):
records the client's answer to a number's latest version. Accepting moves the scope's
Status to Sold when it is Draft (one cell, :mod:`psos_xl.workbook.fieldcell`; refused
while the workbook is open) and makes the version the engagement's baseline when it has
none or a sync took it (:func:`psos_xl.store.quotes.adopt_as_baseline`).

**List** (:func:`list_quotes`, ``psos quote list``): every version with the status it
shows today (Expired computed, never stored), and per engagement the quoted hours and
price beside the hours delivered (booked) and their price at the quote's rates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError
from psos_xl.pricing.money import round2
from psos_xl.pricing.quoting import QuoteStatus, parse_number, status_on, version_text
from psos_xl.workspace import Workspace, workspace_root

if TYPE_CHECKING:
    from psos_xl.models import Scope
    from psos_xl.pricing import Quote
    from psos_xl.store import Store
    from psos_xl.store.quotes import StoredQuote

SCOPE_INFO = "ScopeInfo"
NOT_NUMBERED = "{scope} is not in a workspace: the quote is written without a number"


class QuoteError(PsosError):
    """A quote that cannot be issued or answered as asked."""

    exit_code = 2


@dataclass(frozen=True)
class IssuedQuote:
    """The number and version a scope's quote was issued under."""

    number: str
    version: int
    issued: date
    valid_until: date
    status: QuoteStatus
    reused: bool  # the scope was unchanged: its latest version again
    engagement: str = ""

    @property
    def label(self) -> str:
        return f"{self.number} {version_text(self.version)}"


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _open(ws: Workspace, store_url: str | None, create: bool) -> tuple[Store, str]:
    """The workspace's store (created and migrated when ``create``), and its URL."""
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.store import open_store
    from psos_xl.sync.quick import store_url_of

    url = store_url_of(ws.root, store_url)
    if not create:
        return open_existing_store(ws, store_url), url
    ws.state_dir.mkdir(exist_ok=True)
    return open_store(url), url


def issue_quote(
    ws: Workspace,
    scope_path: Path,
    scope: Scope,
    quote: Quote,
    issued: date,
    validity_days: int,
    store_url: str | None = None,
    now: datetime | None = None,
) -> IssuedQuote:
    """Record the quote of ``scope`` (see the module): its number and version."""
    from psos_xl.pricing.baseline import lines_json, priced, terms_json, terms_of, terms_sha256
    from psos_xl.store import quotes as sq
    from psos_xl.sync.lock import SyncLock
    from psos_xl.workspace import name_of

    engagement = scope.info.engagement
    if not engagement:
        raise QuoteError(f"{scope_path.name} has no Engagement: it cannot be numbered")
    sha = terms_sha256(scope)
    try:
        rel = name_of(ws.root, scope_path.resolve())
    except ValueError:
        rel = scope_path.name
    store, url = _open(ws, store_url, create=True)
    try:
        with SyncLock(ws.state_dir, store_url=url), store.begin() as conn:
            versions = sq.load_quotes(conn, engagement=engagement)
            latest = versions[-1] if versions else None
            if latest is not None:
                shown = status_on(latest.status, latest.valid_until, issued)
                fresh = shown in (QuoteStatus.ISSUED, QuoteStatus.ACCEPTED)
                if fresh and latest.terms_sha256 == sha and latest.price == quote.price:
                    return IssuedQuote(
                        latest.number,
                        latest.version,
                        latest.issued_at.date(),
                        latest.valid_until,
                        shown,
                        True,
                        engagement,
                    )
                for earlier in versions:
                    if earlier.status == QuoteStatus.ISSUED.value:
                        sq.set_status(conn, earlier.number, earlier.version, QuoteStatus.SUPERSEDED)
            number = latest.number if latest else sq.next_number(conn, issued.year)
            version = latest.version + 1 if latest else 1
            at = now or datetime.combine(issued, _utc_now().time())
            valid_until = issued + timedelta(days=validity_days)
            sq.insert_quote(
                conn,
                sq.StoredQuote(
                    number,
                    version,
                    engagement,
                    rel,
                    at,
                    valid_until,
                    sha,
                    quote.currency,
                    quote.hours,
                    quote.cost,
                    quote.price,
                    terms_json(terms_of(scope)),
                    lines_json(priced(quote)),
                    QuoteStatus.ISSUED.value,
                ),
            )
    finally:
        store.close()
    return IssuedQuote(number, version, issued, valid_until, QuoteStatus.ISSUED, False, engagement)


def show_in_scope(
    ws: Workspace, engagement: str, today: date, store_url: str | None = None
) -> list[str]:
    """Write every version of ``engagement``'s quote, with the status it shows
    ``today``, into its scope's owned ``Quotes`` table (added when missing); what could
    not be written, as warnings (the workbook is open, it changed meanwhile)."""
    from psos_xl.store import quotes as sq
    from psos_xl.sync.trust_tables import quote_rows, quotes_owned
    from psos_xl.sync.writeback import write_table
    from psos_xl.workbook import spec
    from psos_xl.workspace import path_at

    store, _url = _open(ws, store_url, create=False)
    try:
        with store.connect() as conn:
            versions = sq.load_quotes(conn, engagement=engagement)
    finally:
        store.close()
    if not versions:
        return []
    path = path_at(ws.root, versions[-1].scope_path)
    if not path.is_file():
        return [f"{versions[-1].scope_path} is gone: its Quotes table was not written"]
    rows = quote_rows(versions, today)
    owned = quotes_owned(engagement)
    headers = [c.header for c in spec.QUOTES.columns]
    result = write_table(path, spec.QUOTES.name, headers, rows, owned=owned)
    if result.ok:
        return []
    return [f"{versions[-1].scope_path}: its Quotes table was not written: {result.message}"]


# --- answers -----------------------------------------------------------------------------


@dataclass
class Answer:
    """What ``--accept``/``--decline`` recorded."""

    number: str
    version: int
    status: QuoteStatus
    by: str
    engagement: str
    scope_status: str = ""  # the scope's Status now ("Sold" when this answer moved it)
    baseline: bool = False  # the accepted version is now the engagement's baseline
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "version": version_text(self.version),
            "status": self.status.value,
            "by": self.by,
            "engagement": self.engagement,
            "scope_status": self.scope_status,
            "baseline": self.baseline,
            "warnings": self.warnings,
        }


def answer_quote(
    root: Path,
    number: str,
    accept: bool,
    by: str,
    today: date | None = None,
    store_url: str | None = None,
) -> Answer:
    """Record the client's answer to the latest version of quote ``number``."""
    from psos_xl.store import quotes as sq
    from psos_xl.sync.lock import SyncLock

    if parse_number(number) is None:
        raise QuoteError(f"{number!r} is not a quote number (Q-YYYY-NNNN)")
    if not by.strip():
        raise QuoteError("--by must name who recorded the client's answer")
    number = number.strip().upper()
    ws = Workspace.load(workspace_root(root))
    day = today or date.today()
    store, url = _open(ws, store_url, create=False)
    try:
        with SyncLock(ws.state_dir, store_url=url), store.begin() as conn:
            versions = sq.load_quotes(conn, number=number)
            if not versions:
                raise QuoteError(f"no quote {number} in {ws.root}")
            q = versions[-1]
            shown = status_on(q.status, q.valid_until, day)
            if shown is not QuoteStatus.ISSUED and not (
                shown is QuoteStatus.EXPIRED and not accept
            ):
                raise QuoteError(f"{q.label} is {shown.value}: it cannot be {_verb(accept)}")
            status = QuoteStatus.ACCEPTED if accept else QuoteStatus.DECLINED
            at = _utc_now()
            sq.set_status(conn, q.number, q.version, status, by.strip(), at)
            answer = Answer(q.number, q.version, status, by.strip(), q.engagement)
            if accept:
                answer.baseline = sq.adopt_as_baseline(conn, q, at)
                _mark_sold(ws, q, answer)  # last: a refusal rolls the answer back
    finally:
        store.close()
    answer.warnings += show_in_scope(ws, answer.engagement, day, store_url)
    return answer


def _verb(accept: bool) -> str:
    return "accepted" if accept else "declined"


def _mark_sold(ws: Workspace, q: StoredQuote, answer: Answer) -> None:
    """Status = Sold in the scope, when it is Draft; QuoteError while it is open."""
    from psos_xl.models import Status
    from psos_xl.sync.writeback import lock_files
    from psos_xl.workbook.fieldcell import set_field
    from psos_xl.workbook.readers import read_scope
    from psos_xl.workspace import path_at

    path = path_at(ws.root, q.scope_path)
    if not path.is_file():
        answer.warnings.append(f"{q.scope_path} is gone: its Status was not set to Sold")
        return
    locks = lock_files(path)
    if locks:
        raise QuoteError(
            f"{q.scope_path} is open ({', '.join(p.name for p in locks)}): close it, then "
            "accept again (nothing was recorded)"
        )
    data = path.read_bytes()
    scope, _issues = read_scope(path)
    current = scope.info.status.value if scope is not None and scope.info.status else ""
    answer.scope_status = current
    if scope is None or scope.info.engagement != q.engagement:
        answer.warnings.append(f"{q.scope_path} is no longer {q.engagement}'s scope")
        return
    if scope.info.status is not Status.DRAFT:
        answer.warnings.append(
            f"{q.scope_path} is {current or 'without a Status'}, not Draft: Status left as it is"
        )
        return
    new = set_field(data, SCOPE_INFO, "Status", Status.SOLD.value)
    _replace(path, data, new)
    answer.scope_status = Status.SOLD.value


def _replace(path: Path, was: bytes, data: bytes) -> None:
    """``path`` becomes ``data`` in one atomic step, if it still holds ``was``."""
    from psos_xl.sync.writeback import TEMP_PREFIX, TEMP_SUFFIX

    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.quote{TEMP_SUFFIX}")
    try:
        with temp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.read_bytes() != was:
            raise QuoteError(f"{path.name} was saved meanwhile: accept again")
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


# --- the list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteRow:
    number: str
    version: int
    engagement: str
    issued_at: datetime
    valid_until: date
    price: Decimal
    currency: str
    status: QuoteStatus

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "version": version_text(self.version),
            "engagement": self.engagement,
            "issued_at": self.issued_at.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "price": str(self.price),
            "status": self.status.value,
        }


@dataclass(frozen=True)
class QuotedDelivered:
    """An engagement's quote (the accepted version, else the latest) beside delivery:
    the hours booked on it, and those hours at the quote's price per hour of each
    deliverable × role (its average price per hour for work it did not quote)."""

    engagement: str
    quote: str  # Q-2026-0001 v2
    quoted_hours: Decimal
    quoted_price: Decimal
    delivered_hours: Decimal
    delivered_price: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "engagement": self.engagement,
            "quote": self.quote,
            "quoted_hours": str(round2(self.quoted_hours)),
            "quoted_price": str(self.quoted_price),
            "delivered_hours": str(round2(self.delivered_hours)),
            "delivered_price": str(self.delivered_price),
        }


@dataclass
class QuoteList:
    quotes: list[QuoteRow]
    engagements: list[QuotedDelivered]

    def to_json(self) -> dict[str, Any]:
        return {
            "quotes": [q.to_json() for q in self.quotes],
            "engagements": [e.to_json() for e in self.engagements],
        }


def delivered_price(q: StoredQuote, booked: dict[tuple[str, str], Decimal]) -> Decimal:
    """The hours ``booked`` per (deliverable, role) at ``q``'s price per hour."""
    from psos_xl.pricing.baseline import lines_from
    from psos_xl.pricing.money import ZERO

    lines = lines_from(q.lines)
    average = q.price / q.hours if q.hours else ZERO
    total = ZERO
    for key, hours in booked.items():
        f = lines.get(key)
        rate = f.price / f.hours if f is not None and f.hours else average
        total += hours * rate
    return round2(total)


def list_quotes(
    root: Path,
    engagement: str | None = None,
    today: date | None = None,
    store_url: str | None = None,
) -> QuoteList:
    """Every quote version of the workspace at ``root`` (of one ``engagement``)."""
    from psos_xl.store import queries as qq
    from psos_xl.store import quotes as sq

    ws = Workspace.load(workspace_root(root))
    day = today or date.today()
    store, _url = _open(ws, store_url, create=False)
    try:
        with store.connect() as conn:
            stored = sq.load_quotes(conn, engagement=engagement)
            engagements = sorted({q.engagement for q in stored})
            hours = qq.booked_hours(conn, engagements)
    finally:
        store.close()
    rows = [
        QuoteRow(
            q.number,
            q.version,
            q.engagement,
            q.issued_at,
            q.valid_until,
            q.price,
            q.currency,
            status_on(q.status, q.valid_until, day),
        )
        for q in stored
    ]
    summary: list[QuotedDelivered] = []
    for eng in engagements:
        mine = [q for q in stored if q.engagement == eng]
        accepted = [q for q in mine if q.status == QuoteStatus.ACCEPTED.value]
        q = (accepted or mine)[-1]
        booked: dict[tuple[str, str], Decimal] = {}
        for (e, dlv, role), h in hours.items():
            if e == eng:
                booked[(dlv, role)] = booked.get((dlv, role), Decimal(0)) + h
        summary.append(
            QuotedDelivered(
                eng,
                q.label,
                q.hours,
                q.price,
                sum(booked.values(), Decimal(0)),
                delivered_price(q, booked),
            )
        )
    return QuoteList(rows, summary)
