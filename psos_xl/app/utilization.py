"""``psos report utilization``: per person and period, capacity, leave, available,
billable and non-billable hours and utilization against target; the org line; the bench
(DESIGN §13, :mod:`psos_xl.economics.utilization`).

Read from the workspace's store, so sync must have run: People from the stored catalog,
the window's time rows as one frame (:func:`psos_xl.store.queries.time_frame`), and the
engagements whose Status says whether they are demand ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError

if TYPE_CHECKING:
    from psos_xl.economics.utilization import Period, UtilizationReport


class WindowError(PsosError):
    """The days asked for make no window (``--from`` after ``--to``)."""


@dataclass(frozen=True)
class UtilizationResult:
    workspace: Path
    as_of: date
    report: UtilizationReport
    xlsx: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13: ``{"as_of", "rows"}``, a row per person × period."""
        return {
            "as_of": self.as_of.isoformat(),
            "rows": [line.to_json() for line in self.report.lines],
        }


def workspace_utilization(
    root: Path,
    as_of: date | None = None,
    start: date | None = None,
    end: date | None = None,
    by: Period | None = None,
    store_url_override: str | None = None,
    xlsx: Path | None = None,
) -> UtilizationResult:
    """Utilization of the workspace at ``root`` as of ``as_of`` (default today), from
    ``start`` to ``end`` (defaults: :func:`~psos_xl.economics.utilization.window`), per
    week or month (``by``, default week); written as a workbook at ``xlsx`` too when
    given (:func:`psos_xl.workbook.report_book.write_utilization`)."""
    from psos_xl.app.accuracy import StoreMissingError, open_existing_store
    from psos_xl.economics.utilization import Period, engagements_ahead, utilization, window
    from psos_xl.store import queries as q
    from psos_xl.workspace import Workspace, workspace_root

    ws = Workspace.load(workspace_root(root))
    day = as_of or date.today()
    period = by or Period.WEEK
    first, last = window(day, period, start, end)
    if first > last:
        raise WindowError(
            f"--from {first.isoformat()} is after --to {last.isoformat()}: no day to report"
        )
    store = open_existing_store(ws, store_url_override)
    try:
        with store.connect() as conn:
            catalog = q.load_catalog(conn)
            time = q.time_frame(conn, first, last)
            engagements = q.load_engagements(conn)
    finally:
        store.close()
    if catalog is None:
        raise StoreMissingError("the store holds no catalog: run psos sync first")
    ahead = engagements_ahead(engagements.values(), day)
    report = utilization(catalog.people, time, first, last, period, day, ahead)
    if xlsx is not None:
        from psos_xl.workbook.report_book import write_utilization

        write_utilization(xlsx, report, day)
    return UtilizationResult(ws.root, day, report, xlsx)
