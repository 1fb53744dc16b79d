"""``psos report margin`` and ``psos report burn`` (DESIGN §13): the workspace's
engagement ledger (:func:`psos_xl.app.ledger.workspace_ledger`) as of a day, through
:func:`psos_xl.economics.margin.margin` and :func:`psos_xl.economics.burn.burn`; each
written as a workbook too when asked (:mod:`psos_xl.workbook.report_book`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psos_xl.economics.burn import BurnReport
    from psos_xl.economics.margin import MarginReport


@dataclass(frozen=True)
class MarginResult:
    workspace: Path
    as_of: date
    report: MarginReport
    xlsx: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13: ``{"as_of", "rows"}``, a row per engagement; the totals apart."""
        return {
            "as_of": self.as_of.isoformat(),
            "rows": [line.to_json() for line in self.report.lines],
            "totals": self.report.totals.to_json(),
        }


@dataclass(frozen=True)
class BurnResult:
    workspace: Path
    as_of: date
    report: BurnReport
    xlsx: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13: ``{"as_of", "rows"}``, per engagement its line (deliverable
        empty), then one per deliverable; every line, with an alert or not."""
        return {
            "as_of": self.as_of.isoformat(),
            "rows": [line.to_json() for line in self.report.lines],
        }


def workspace_margin(
    root: Path,
    as_of: date | None = None,
    store_url_override: str | None = None,
    xlsx: Path | None = None,
) -> MarginResult:
    """Margin per Sold, Active and Completed engagement of the workspace at ``root`` as of
    ``as_of`` (default today); written as a workbook at ``xlsx`` too when given."""
    from psos_xl.app.ledger import workspace_ledger
    from psos_xl.economics.margin import margin

    read = workspace_ledger(root, as_of, store_url_override)
    d = read.data
    report = margin(
        d.catalog,
        d.scopes,
        d.baselines,
        d.lines,
        d.bookings,
        read.expenses,
        read.as_of,
        read.invoiced,
    )
    if xlsx is not None:
        from psos_xl.workbook.report_book import write_margin

        write_margin(xlsx, report)
    return MarginResult(read.root, read.as_of, report, xlsx)


def workspace_burn(
    root: Path,
    as_of: date | None = None,
    store_url_override: str | None = None,
    xlsx: Path | None = None,
) -> BurnResult:
    """Burn against the baseline per engagement and deliverable of the workspace at
    ``root`` as of ``as_of`` (default today); written as a workbook at ``xlsx`` too."""
    from psos_xl.app.ledger import workspace_ledger
    from psos_xl.economics.burn import burn

    read = workspace_ledger(root, as_of, store_url_override)
    paths = {eng: scope.workbook for eng, scope in read.data.scopes.items()}
    report = burn(read.data.lines, paths, read.as_of)
    if xlsx is not None:
        from psos_xl.workbook.report_book import write_burn

        write_burn(xlsx, report)
    return BurnResult(read.root, read.as_of, report, xlsx)
