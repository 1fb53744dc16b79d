"""What sync reports of invoiced rows: each one that changed since it was invoiced
(DESIGN §14), kept with the store's rejects so every sync reports it until an invoice
carries the difference."""

from __future__ import annotations

from sqlalchemy import Connection

from psos_xl.billing.changes import changed_entries
from psos_xl.billing.model import Row


def flag_invoiced_changes(conn: Connection, run: int | None = None) -> None:
    """Record, as INVOICED_ENTRY_CHANGED rejects, the invoiced rows that changed."""
    from psos_xl.store import invoices as si

    invoiced = si.invoiced_rows(conn)
    rows: list[Row] = []
    if invoiced:  # a row pairs only with a row of its person and engagement
        people = {i.person for i in invoiced}
        engagements = {i.content[1] for i in invoiced if len(i.content) > 1}
        rows = si.stored_rows(conn, people=people, engagements=engagements)
    si.replace_flags(conn, changed_entries(invoiced, rows), run)
