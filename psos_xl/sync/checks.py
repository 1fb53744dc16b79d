"""What sync checks a workbook against: its store, as it stands.

The checks themselves are the loader's (:func:`psos_xl.loader.check`): the rules of
the workbook's kind against a :class:`~psos_xl.rules.RuleContext`. Sync's context is
the store: nothing for a catalog, the stored catalog for a scope, the catalog and the
stored engagements for a timesheet (:func:`load_context`), the same context
``psos validate`` builds from the workbooks themselves (:class:`psos_xl.loader.Folder`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from psos_xl import store as st
from psos_xl.loader import NO_CATALOG
from psos_xl.models import Kind
from psos_xl.rules import BOOKABLE as BOOKABLE
from psos_xl.rules import RuleContext
from psos_xl.store.queries import load_baselines


def load_context(conn: Connection, kind: str) -> RuleContext:
    """What a workbook of ``kind`` is checked against: the store as it stands."""
    if kind == Kind.CATALOG.value:
        return RuleContext()
    catalog = st.load_catalog(conn)
    note = "" if catalog is not None else NO_CATALOG
    if kind == Kind.SCOPE.value:
        sold = {e: b.terms for e, b in load_baselines(conn).items()}
        return RuleContext(catalog=catalog, catalog_note=note, sold=sold)
    return RuleContext(catalog=catalog, catalog_note=note, engagements=st.load_engagements(conn))
