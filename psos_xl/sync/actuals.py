"""Actuals over the store: hours and cost per engagement × deliverable × role.

Cost is the hours at the cost rate in force on each entry's date (the catalog's Roles
row with the latest EffectiveFrom on or before it), each entry's cost rounded half-up to
cents, then summed: the same rule as pricing's lines, so reports add up to the cent.
Hours with no rate in force are kept apart as ``unpriced_hours`` rather than costed at 0.

:func:`delivered` hands the later calibration step (P50/P80 per SKU × role) what it
needs from Completed engagements, and nothing more: no statistics here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, select

from psos_xl import store as st
from psos_xl.models import Catalog, Status

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ActualLine:
    """Time booked on one engagement × deliverable × role (LEAVE / INTERNAL included,
    with an empty deliverable)."""

    engagement: str
    deliverable: str
    role: str
    hours: Decimal = ZERO
    billable_hours: Decimal = ZERO
    non_billable_hours: Decimal = ZERO
    cost: Decimal = ZERO
    unpriced_hours: Decimal = ZERO  # no cost rate in force on the entry's date
    entries: int = 0


@dataclass(frozen=True)
class Delivered:
    """One role's actual hours on one deliverable of a Completed engagement, with what
    calibration normalises by: the SKU, quantity, complexity and risk codes (the
    deliverable's ∪ the scope's, each once)."""

    engagement: str
    deliverable: str
    sku: str
    quantity: Decimal
    complexity: str
    risks: tuple[str, ...]
    role: str
    actual_hours: Decimal


def _codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _lines(conn: Connection, engagement: str | None) -> list[ActualLine]:
    catalog: Catalog | None = st.load_catalog(conn)
    t = st.time_entries
    query = select(t.c.engagement, t.c.deliverable, t.c.role, t.c.date, t.c.hours, t.c.billable)
    if engagement is not None:
        query = query.where(t.c.engagement == engagement)
    lines: dict[tuple[str, str, str], ActualLine] = {}
    for row in conn.execute(query):
        key = (row.engagement, row.deliverable, row.role)
        line = lines.get(key) or lines.setdefault(key, ActualLine(*key))
        hours: Decimal = row.hours
        line.hours += hours
        line.entries += 1
        if row.billable:
            line.billable_hours += hours
        else:
            line.non_billable_hours += hours
        rate = catalog.rate_for(row.role, row.date) if catalog is not None else None
        if rate is None:
            line.unpriced_hours += hours
        else:
            line.cost += cents(hours * rate.cost_rate)
    return [lines[k] for k in sorted(lines)]


def engagement_actuals(store: st.Store) -> list[ActualLine]:
    """Every engagement × deliverable × role with time booked, sorted."""
    with store.connect() as conn:
        return _lines(conn, None)


def deliverable_actuals(store: st.Store, engagement: str) -> list[ActualLine]:
    """One engagement's lines, per deliverable × role."""
    with store.connect() as conn:
        return _lines(conn, engagement)


def delivered(
    store: st.Store, statuses: tuple[str, ...] = (Status.COMPLETED.value,)
) -> list[Delivered]:
    """Per deliverable × role of the engagements in ``statuses`` (Completed by default):
    the actual hours and the deliverable's SKU, quantity, complexity and risks."""
    s, d = st.scopes, st.deliverables
    with store.connect() as conn:
        heads = {
            row.engagement: row
            for row in conn.execute(select(s).where(s.c.status.in_(statuses)).order_by(s.c.id))
        }
        if not heads:
            return []
        hours: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
        for line in _lines(conn, None):
            if line.engagement in heads:
                per_role = hours[(line.engagement, line.deliverable)]
                per_role[line.role] = per_role.get(line.role, ZERO) + line.hours
        out: list[Delivered] = []
        query = select(d).where(d.c.engagement.in_(list(heads))).order_by(d.c.engagement, d.c.id)
        for row in conn.execute(query):
            risks = tuple(dict.fromkeys([*_codes(row.risks), *_codes(heads[row.engagement].risks)]))
            for role, actual in sorted(hours.get((row.engagement, row.deliverable), {}).items()):
                out.append(
                    Delivered(
                        row.engagement,
                        row.deliverable,
                        row.sku,
                        row.quantity,
                        row.complexity,
                        risks,
                        role,
                        actual,
                    )
                )
    return out
