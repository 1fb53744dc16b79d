"""``psos report completeness``: the weeks nobody accounted for (DESIGN §12).

Read from the workspace's store, so sync must have run
(:func:`psos_xl.sync.completeness.store_gaps`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from psos_xl.economics import Gap, last_complete_week
from psos_xl.errors import Code


@dataclass(frozen=True)
class CompletenessResult:
    workspace: Path
    as_of: date
    last_week: date
    people: int
    gaps: list[Gap]
    xlsx: Path | None = None

    def count(self, code: Code) -> int:
        return Counter(g.code for g in self.gaps)[code]

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "rows": [g.to_json() for g in self.gaps]}


def workspace_completeness(
    root: Path,
    as_of: date | None = None,
    store_url_override: str | None = None,
    xlsx: Path | None = None,
) -> CompletenessResult:
    """Missing and short weeks of the workspace at ``root`` up to the last complete week
    before ``as_of`` (default today); written as a workbook at ``xlsx`` too when given
    (:func:`psos_xl.workbook.report_book.write_completeness`)."""
    from psos_xl.app.accuracy import StoreMissingError, open_existing_store
    from psos_xl.sync.completeness import NoCatalogError, store_gaps
    from psos_xl.workspace import Workspace, workspace_root

    ws = Workspace.load(workspace_root(root))
    day = as_of or date.today()
    store = open_existing_store(ws, store_url_override)
    try:
        people, gaps = store_gaps(store, day, ws.track_from)
    except NoCatalogError as err:
        raise StoreMissingError(str(err)) from err
    finally:
        store.close()
    last = last_complete_week(day)
    if xlsx is not None:
        from psos_xl.workbook.report_book import write_completeness

        write_completeness(xlsx, gaps, last, day)
    return CompletenessResult(ws.root, day, last, people, gaps, xlsx)
