"""Invoiced rows that changed since they were billed (``INVOICED_ENTRY_CHANGED``).

Sync reports each one at its row until an invoice of its engagement carries the
difference (:func:`psos_xl.billing.compute.due`), so nothing invoiced changes unseen.
"""

from __future__ import annotations

from collections.abc import Sequence

from psos_xl.billing.compute import at_place
from psos_xl.billing.model import Invoiced, Row
from psos_xl.errors import Code, Issue, Location
from psos_xl.models import unpaired


def changed_entries(invoiced: Sequence[Invoiced], rows: Sequence[Row]) -> list[Issue]:
    """One issue per invoiced row no stored row says the same as: what it said when it
    was invoiced, and what the row at its place says now (or that it is gone)."""
    changed, fresh = unpaired(invoiced, rows)
    issues = []
    for inv in changed:
        now = at_place(inv, fresh)
        engagement = inv.content[1] if len(inv.content) > 1 else ""
        said = f"{inv.describe()} was invoiced on {inv.number}"
        what = f"is now {now.describe()}" if now is not None else "was changed or removed"
        issues.append(
            Issue.make(
                Code.INVOICED_ENTRY_CHANGED,
                Location(inv.path, inv.sheet, f"A{inv.row}"),  # the row's first cell
                f"{said} and {what}; the next invoice of {engagement} credits the difference",
            )
        )
    return issues
