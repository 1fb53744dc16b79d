"""``psos report completeness``: the weeks nobody accounted for (DESIGN §12).

Read from the workspace's store, so sync must have run: People from the stored catalog,
which timesheets exist (:func:`psos_xl.store.queries.timesheet_weeks`) and the hours
they book (:func:`psos_xl.store.queries.hours_by_week`); the gaps themselves are
:func:`psos_xl.economics.completeness`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.economics import Gap, completeness, last_complete_week
from psos_xl.errors import Code

if TYPE_CHECKING:
    from psos_xl.store import Store


@dataclass(frozen=True)
class CompletenessResult:
    workspace: Path
    as_of: date
    last_week: date
    people: int
    gaps: list[Gap]

    def count(self, code: Code) -> int:
        return Counter(g.code for g in self.gaps)[code]

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "rows": [g.to_json() for g in self.gaps]}


def store_gaps(store: Store, as_of: date, track_from: date | None) -> tuple[int, list[Gap]]:
    """How many people the stored catalog lists, and their gaps as of ``as_of``."""
    from psos_xl.app.accuracy import StoreMissingError
    from psos_xl.store import queries as q

    with store.connect() as conn:
        catalog = q.load_catalog(conn)
        if catalog is None:
            raise StoreMissingError("the store holds no catalog: run psos sync first")
        have = q.timesheet_weeks(conn)
        booked = q.hours_by_week(conn)
    return len(catalog.people), completeness(catalog.people, have, booked, as_of, track_from)


def workspace_completeness(
    root: Path, as_of: date | None = None, store_url_override: str | None = None
) -> CompletenessResult:
    """Missing and short weeks of the workspace at ``root`` up to the last complete week
    before ``as_of`` (default today)."""
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.errors import WorkspaceError
    from psos_xl.workspace import Workspace

    if not root.is_dir():
        raise WorkspaceError(f"{root}: no such folder")
    ws = Workspace.find(root)
    if ws is None:
        raise WorkspaceError(f"{root} is not inside a psos workspace (run 'psos init' first)")
    day = as_of or date.today()
    store = open_existing_store(ws, store_url_override)
    try:
        people, gaps = store_gaps(store, day, ws.track_from)
    finally:
        store.close()
    return CompletenessResult(ws.root, day, last_complete_week(day), people, gaps)
