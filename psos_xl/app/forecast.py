"""``psos report forecast``: per role and week ahead, supply, firm demand, pipeline and
the gap (DESIGN §13, :mod:`psos_xl.economics.forecast`).

Read from the workspace's store, so sync must have run: People from the stored catalog,
the LEAVE booked in the horizon (:func:`psos_xl.store.queries.time_frame`), the remaining
hours of each Sold and Active engagement from the engagement ledger
(:func:`psos_xl.app.ledger.read_ledger_data`, the computation margin and burn read), and
the Draft scopes priced against the same catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError

if TYPE_CHECKING:
    from psos_xl.economics.forecast import ForecastReport


class HorizonError(PsosError):
    """The number of days asked for is not one the forecast offers."""


@dataclass(frozen=True)
class ForecastResult:
    workspace: Path
    as_of: date
    report: ForecastReport
    xlsx: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13: ``{"as_of", "rows"}``, a row per role × week."""
        return {
            "as_of": self.as_of.isoformat(),
            "rows": [line.to_json() for line in self.report.lines],
        }


def workspace_forecast(
    root: Path,
    as_of: date | None = None,
    days: int = 30,
    store_url_override: str | None = None,
    xlsx: Path | None = None,
) -> ForecastResult:
    """The forecast of the workspace at ``root`` over ``days`` days (30 or 90) from
    ``as_of`` (default today); written as a workbook at ``xlsx`` too when given
    (:func:`psos_xl.workbook.report_book.write_forecast`)."""
    from psos_xl.app.accuracy import StoreMissingError, open_existing_store
    from psos_xl.app.ledger import read_ledger_data
    from psos_xl.economics.forecast import (
        HORIZONS,
        drafts_frame,
        firm_frame,
        forecast,
        horizon,
    )
    from psos_xl.models import Status
    from psos_xl.store import queries as q
    from psos_xl.workspace import Workspace, workspace_root

    if days not in HORIZONS:
        allowed = " or ".join(str(d) for d in HORIZONS)
        raise HorizonError(f"--days must be {allowed}, got {days}")
    ws = Workspace.load(workspace_root(root))
    day = as_of or date.today()
    last = horizon(day, days)[-1] + timedelta(days=6)
    store = open_existing_store(ws, store_url_override)
    try:
        with store.connect() as conn:
            catalog = q.load_catalog(conn)
            if catalog is None:
                raise StoreMissingError("the store holds no catalog: run psos sync first")
            time = q.time_frame(conn, day, last)
            ledger = read_ledger_data(conn, catalog, day)
            drafts = q.load_scopes(conn, (Status.DRAFT.value,))
    finally:
        store.close()
    remaining = ((x.engagement, x.role, x.remaining_hours) for x in ledger.lines)
    firm = firm_frame(remaining, ledger.scopes)
    pipeline = drafts_frame(ledger.catalog, drafts.values())
    report = forecast(catalog.people, time, firm, pipeline, day, days)
    if xlsx is not None:
        from psos_xl.workbook.report_book import write_forecast

        write_forecast(xlsx, report)
    return ForecastResult(ws.root, day, report, xlsx)
