"""The quotes the store keeps (DESIGN §12): read them, number a new one, record an
answer, and make an accepted one the engagement's baseline.

Each function takes an open connection; the caller holds the transaction (and the
workspace's sync lock while it numbers, so two quote runs never take the same number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from psos_xl.pricing.quoting import QuoteStatus, number_text, parse_number
from psos_xl.store.schema import baselines, quotes


@dataclass(frozen=True)
class StoredQuote:
    """One version of a quote, as the store keeps it (its stored status: never Expired)."""

    number: str
    version: int
    engagement: str
    scope_path: str
    issued_at: datetime
    valid_until: date
    terms_sha256: str
    currency: str
    hours: Decimal
    cost: Decimal
    price: Decimal
    terms: str
    lines: str
    status: str
    answered_by: str | None = None
    answered_at: datetime | None = None

    @property
    def label(self) -> str:
        """``Q-2026-0001 v2``."""
        return f"{self.number} v{self.version}"


def load_quotes(
    conn: Connection, engagement: str | None = None, number: str | None = None
) -> list[StoredQuote]:
    """Every stored version (of one engagement, or one number), by number and version."""
    t = quotes
    query = select(t).order_by(t.c.number, t.c.version)
    if engagement is not None:
        query = query.where(t.c.engagement == engagement)
    if number is not None:
        query = query.where(t.c.number == number)
    return [
        StoredQuote(
            r.number,
            r.version,
            r.engagement,
            r.scope_path,
            r.issued_at,
            r.valid_until,
            r.terms_sha256,
            r.currency or "",
            r.hours,
            r.cost,
            r.price,
            r.terms,
            r.lines,
            r.status,
            r.answered_by,
            r.answered_at,
        )
        for r in conn.execute(query)
    ]


def next_number(conn: Connection, year: int) -> str:
    """The next number of ``year``: one past the highest ever issued (none is reused)."""
    prefix = f"Q-{year:04d}-"
    taken = conn.execute(select(quotes.c.number).where(quotes.c.number.startswith(prefix)))
    highest = max((parse_number(n) or (year, 0) for (n,) in taken), default=(year, 0))
    return number_text(year, highest[1] + 1)


def insert_quote(conn: Connection, q: StoredQuote) -> None:
    values: dict[str, Any] = {
        "number": q.number,
        "version": q.version,
        "engagement": q.engagement,
        "scope_path": q.scope_path,
        "issued_at": q.issued_at,
        "valid_until": q.valid_until,
        "terms_sha256": q.terms_sha256,
        "currency": q.currency,
        "hours": q.hours,
        "cost": q.cost,
        "price": q.price,
        "terms": q.terms,
        "lines": q.lines,
        "status": q.status,
    }
    conn.execute(quotes.insert().values(**values))


def set_status(
    conn: Connection,
    number: str,
    version: int,
    status: QuoteStatus,
    by: str | None = None,
    at: datetime | None = None,
) -> None:
    t = quotes
    conn.execute(
        update(t)
        .where(t.c.number == number, t.c.version == version)
        .values(status=status.value, answered_by=by, answered_at=at)
    )


def adopt_as_baseline(conn: Connection, q: StoredQuote, at: datetime) -> bool:
    """Make the accepted version ``q`` its engagement's baseline when the engagement has
    none, or has one a sync took; an earlier accepted quote's baseline stays. True when
    the baseline is now ``q``'s."""
    b = baselines
    row = conn.execute(select(b.c.source).where(b.c.engagement == q.engagement)).first()
    values: dict[str, Any] = {
        "captured_at": at,
        "terms_sha256": q.terms_sha256,
        "hours": q.hours,
        "cost": q.cost,
        "price": q.price,
        "terms": q.terms,
        "lines": q.lines,
        "source": q.label,
    }
    if row is None:
        conn.execute(b.insert().values(engagement=q.engagement, **values))
        return True
    if row.source:
        return False
    conn.execute(update(b).where(b.c.engagement == q.engagement).values(**values))
    return True
