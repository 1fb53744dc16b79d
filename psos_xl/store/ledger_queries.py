"""The read side of the engagement ledger and the reports over it (DESIGN §13).

Like :mod:`psos_xl.store.queries`, each function takes an open connection and returns
the records the pure domain computes with:

=================  ==================================================================
function           what it gives
=================  ==================================================================
bookings_through   the time booked on some engagements up to a day, as
                   :class:`~psos_xl.pricing.booked.Booking` (rows of any person that
                   agree in every other column collapsed, with their count)
expenses_through   the expenses of some engagements up to a day
                   (:class:`~psos_xl.pricing.booked.ExpenseItem`)
=================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Connection, func, select

from psos_xl.pricing.booked import Booking, ExpenseItem
from psos_xl.store.schema import expenses, time_entries


def bookings_through(
    conn: Connection, engagements: Collection[str], through: date | None = None
) -> list[Booking]:
    """The time rows of ``engagements`` dated on or before ``through`` (every date when
    None). An engagement's figures do not depend on who booked a row: rows of any
    person that agree in date, engagement, deliverable, role, billable and hours are one
    :class:`Booking` (its ``person`` empty) with their count, by those columns."""
    if not engagements:
        return []
    t = time_entries
    keys = (t.c.date, t.c.engagement, t.c.deliverable, t.c.role, t.c.billable)
    query = (
        select(*keys, t.c.hours, func.count())
        .where(t.c.engagement.in_(list(engagements)))
        .group_by(*keys, t.c.hours)
        .order_by(*keys, t.c.hours)
    )
    if through is not None:
        query = query.where(t.c.date <= through)
    return [Booking("", *row) for row in conn.execute(query).all()]


def expenses_through(
    conn: Connection, engagements: Collection[str], through: date | None = None
) -> list[ExpenseItem]:
    """The expenses of ``engagements`` dated on or before ``through`` (every date when
    None), by person, date and row."""
    if not engagements:
        return []
    x = expenses
    query = (
        select(
            x.c.person,
            x.c.date,
            x.c.engagement,
            x.c.category,
            x.c.amount,
            x.c.currency,
            x.c.billable,
        )
        .where(x.c.engagement.in_(list(engagements)))
        .order_by(x.c.person, x.c.date, x.c.id)
    )
    if through is not None:
        query = query.where(x.c.date <= through)
    return [
        ExpenseItem(
            r.person, r.date, r.engagement, r.category, r.amount, r.currency or "", r.billable
        )
        for r in conn.execute(query)
    ]
