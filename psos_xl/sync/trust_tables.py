"""The owned tables of trust (DESIGN §11, §12) that sync writes back: a scope's
``Revisions`` (each change since it was sold) and ``Quotes`` (every version of its
quote, as of the day written: ``psos quote`` writes it too), and a timesheet's
``Approval``.

Neither is added to a workbook that has nothing to show: a scope gets its Revisions
table with its first revision, a timesheet its Approval table with its first approval
(without one, a week is simply open). Once there, each is rewritten whole by every
write-back, as the store has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from psos_xl.errors import Code
from psos_xl.pricing.quoting import status_on, version_text
from psos_xl.store import Store
from psos_xl.store import queries as q
from psos_xl.store.quotes import StoredQuote, load_quotes
from psos_xl.store.schema import rejects, workbooks
from psos_xl.workbook import spec
from psos_xl.workbook.owned import OwnedTable
from psos_xl.workbook.sheetxml import CellValue
from psos_xl.workbook.styles import table_help

APPROVED = "Approved"
CHANGED = "Changed after approval"


@dataclass(frozen=True)
class OwnedWrite:
    """One owned table to write: where, which, and its rows."""

    target: q.Target
    owned: OwnedTable
    rows: list[list[CellValue]]


def revision_writes(
    store: Store, targets: Mapping[str, q.Target], where: Mapping[str, str]
) -> list[OwnedWrite]:
    """Each revised scope's Revisions table, its lines in revision order (``targets``:
    the writable workbooks; ``where``: engagement → scope path)."""
    with store.connect() as conn:
        lines = q.load_revisions(conn)
    by: dict[str, list[list[CellValue]]] = {}
    for r in lines:
        by.setdefault(r.engagement, []).append(
            [
                r.revision,
                r.detected_at,
                r.deliverable,
                r.change,
                r.hours_delta,
                r.price_delta,
                r.change_order,
            ]
        )
    out = []
    for engagement, rows in sorted(by.items()):
        target = targets.get(where.get(engagement, ""))
        if target is not None:
            title = f"Scope {engagement} · Revisions"
            owned = OwnedTable(spec.REVISIONS, title, table_help(spec.REVISIONS))
            out.append(OwnedWrite(target, owned, rows))
    return out


def approval_writes(store: Store, targets: Mapping[str, q.Target]) -> list[OwnedWrite]:
    """Each approved timesheet's Approval table: Approved, or Changed after approval
    while it has a CHANGED_AFTER_APPROVAL reject."""
    with store.connect() as conn:
        approved = q.approvals_by_week(conn)
        if not approved:
            return []
        sheets: dict[tuple[str, date], str] = {}
        for r in conn.execute(
            workbooks.select().where(workbooks.c.kind == "timesheet", workbooks.c.status == "ok")
        ):
            if r.person is not None and r.week is not None:
                sheets[(r.person, r.week)] = r.path
        changed = {
            path
            for (path,) in conn.execute(
                rejects.select()
                .with_only_columns(rejects.c.path)
                .where(rejects.c.code == Code.CHANGED_AFTER_APPROVAL.value)
            )
        }
    out = []
    for key, approval in sorted(approved.items()):
        target = targets.get(sheets.get(key, ""))
        if target is None:
            continue
        status = CHANGED if target.rel in changed else APPROVED
        person, week = key
        title = f"{person} · week of {week.isoformat()} · Approval"
        owned = OwnedTable(spec.APPROVAL, title, table_help(spec.APPROVAL))
        rows: list[list[CellValue]] = [[status, approval.approved_by, approval.approved_at]]
        out.append(OwnedWrite(target, owned, rows))
    return out


def quotes_owned(engagement: str) -> OwnedTable:
    """A scope's owned ``Quotes`` table (DESIGN §12)."""
    return OwnedTable(spec.QUOTES, f"Scope {engagement} · Quotes", table_help(spec.QUOTES))


def quote_rows(versions: list[StoredQuote], today: date) -> list[list[CellValue]]:
    """The Quotes table's rows: every version, with the status it shows ``today``."""
    return [
        [
            v.number,
            version_text(v.version),
            v.issued_at,
            v.valid_until,
            v.price,
            status_on(v.status, v.valid_until, today).value,
        ]
        for v in versions
    ]


def quote_writes(
    store: Store, today: date, targets: Mapping[str, q.Target], where: Mapping[str, str]
) -> list[OwnedWrite]:
    """Each quoted scope's Quotes table, as of ``today`` (an Issued version past its
    ValidUntil shows Expired)."""
    with store.connect() as conn:
        versions = load_quotes(conn)
        if not versions:
            return []
    by: dict[str, list[StoredQuote]] = {}
    for v in versions:
        by.setdefault(v.engagement, []).append(v)
    out = []
    for engagement, mine in sorted(by.items()):
        target = targets.get(where.get(engagement, ""))
        if target is not None:
            rows = quote_rows(sorted(mine, key=lambda v: (v.number, v.version)), today)
            out.append(OwnedWrite(target, quotes_owned(engagement), rows))
    return out
