"""The weeks nobody accounted for, read from the store (DESIGN §12 "Completeness"):
People from the stored catalog, which timesheets exist and what they book
(:mod:`psos_xl.store.queries`); the gaps themselves are
:func:`psos_xl.economics.completeness`. ``psos report completeness`` lists them, and
each sync counts them in its summary (:func:`count_gaps`)."""

from __future__ import annotations

from datetime import date

from psos_xl.economics import Gap, completeness
from psos_xl.errors import Code, PsosError
from psos_xl.store import Store
from psos_xl.store import queries as q


class NoCatalogError(PsosError):
    """The store holds no catalog yet."""


def store_gaps(store: Store, as_of: date, track_from: date | None) -> tuple[int, list[Gap]]:
    """How many people the stored catalog lists, and their gaps as of ``as_of``."""
    with store.connect() as conn:
        catalog = q.load_catalog(conn)
        if catalog is None:
            raise NoCatalogError("the store holds no catalog: run psos sync first")
        have = q.timesheet_weeks(conn)
        booked = q.hours_by_week(conn)
    return len(catalog.people), completeness(catalog.people, have, booked, as_of, track_from)


def count_gaps(store: Store, as_of: date, track_from: date | None) -> tuple[int, int]:
    """(missing timesheets, short weeks) as of ``as_of``; none without a catalog."""
    try:
        _, gaps = store_gaps(store, as_of, track_from)
    except NoCatalogError:
        return 0, 0
    missing = sum(1 for g in gaps if g.code is Code.MISSING_TIMESHEET)
    return missing, len(gaps) - missing
