"""Reports of the learning loop: estimation accuracy, read from the store.

**Accuracy** (``psos report accuracy``, :func:`workspace_accuracy`) is read from the
workspace's **store**, so sync must have run; nothing is read from the workbooks:

- deliveries: :func:`psos_xl.learning.delivered` over the stored Completed scopes
  (:func:`psos_xl.store.queries.load_scopes`) and the hours booked on them
  (:func:`psos_xl.store.queries.booked_hours`): the same rows sync calibrates from;
- the catalog as stored (:func:`psos_xl.store.queries.load_catalog`): its Services hours
  are the static estimate; its settings say how pricing uses history (CalibrationPrior,
  CalibrationMinDeliveries) and the N of the summary after N earlier deliveries
  (AccuracyMinHistory);
- each engagement's StartDate from its stored scope: the order of the time-ordered
  backtest (:func:`psos_xl.learning.accuracy`), whose calibrated estimate is what pricing
  on P50 would have used for each delivery when its engagement was scoped.

The store is what sync validated, so a row sync rejected is not counted, and the figures
are the ones the catalog's Actuals table was calibrated from.

The memory half of the learning loop (``psos new scope --like``/``--closest``) is
:mod:`psos_xl.app.memory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError
from psos_xl.learning import (
    AccuracyReport,
    CurvePoint,
    Delivery,
    accuracy,
    accuracy_curve,
    backtest,
    delivered,
)
from psos_xl.learning.accuracy import Sold, SoldAccuracy, sold_accuracy
from psos_xl.models import Catalog, Status
from psos_xl.pricing.money import dec_str
from psos_xl.workspace import Workspace

if TYPE_CHECKING:
    from psos_xl.store import Store


class StoreMissingError(PsosError):
    """The workspace has no store yet (or no catalog in it): sync has not run."""


# --- accuracy -------------------------------------------------------------------------


@dataclass(frozen=True)
class AccuracyResult:
    """``psos report accuracy``: the report, its curve, and what it was computed over."""

    workspace: Path
    engagements: int  # Completed engagements with deliveries
    deliveries: int
    report: AccuracyReport
    curve: list[CurvePoint]
    min_deliveries: int = 3  # CalibrationMinDeliveries: when pricing starts using history
    sold: SoldAccuracy | None = None  # the hours sold (baselines) against those delivered

    def to_json(self) -> dict[str, Any]:
        data = self.report.to_json()
        data["against_sold"] = self.sold.to_json() if self.sold is not None else None
        data["calibration_min_deliveries"] = self.min_deliveries
        data["engagements"] = self.engagements
        data["deliveries"] = self.deliveries
        data["curve"] = [
            {"prior": p.prior, "catalog": dec_str(p.catalog), "calibrated": dec_str(p.calibrated)}
            for p in self.curve
        ]
        return data


def store_url(ws: Workspace, override: str | None = None) -> str:
    """The store's URL: ``override``, else psos.toml's ``store``, else SQLite in .psos/."""
    from psos_xl.sync.outputs import store_url_of

    return store_url_of(ws.root, override)


def open_existing_store(ws: Workspace, override: str | None = None) -> Store:
    """The workspace's store, or StoreMissingError when sync has not created it."""
    from psos_xl.store import open_store

    url = store_url(ws, override)
    prefix = "sqlite:///"
    if url.startswith(prefix) and not Path(url[len(prefix) :]).is_file():
        raise StoreMissingError(f"{ws.root} has no store yet: run psos sync first")
    return open_store(url)


def store_deliveries(store: Store) -> tuple[Catalog, list[Delivery]]:
    """The stored catalog and the deliveries of Completed engagements, in StartDate order
    (then engagement, deliverable, and role in the catalog's Services order).
    StoreMissingError without a stored catalog."""
    from psos_xl.store import queries as q

    with store.connect() as conn:
        catalog = q.load_catalog(conn)
        scopes = q.load_scopes(conn, (Status.COMPLETED.value,))
        hours = q.booked_hours(conn, list(scopes))
    if catalog is None:
        raise StoreMissingError("the store holds no catalog: run psos sync first")
    deliveries = delivered(catalog, scopes.values(), hours)
    deliveries.sort(key=lambda d: (d.start_date or date.max, d.engagement))
    return catalog, deliveries


def store_sold(store: Store) -> list[Sold]:
    """Each baselined Completed engagement's lines: the hours sold and those booked."""
    from psos_xl.store import queries as q

    with store.connect() as conn:
        scopes = q.load_scopes(conn, (Status.COMPLETED.value,))
        baselines = q.load_baselines(conn)
        hours = q.booked_hours(conn, list(scopes))
    out = []
    for engagement in scopes:
        base = baselines.get(engagement)
        if base is None:
            continue
        for (deliverable, role), figures in base.lines.items():
            terms = base.terms.get(deliverable)
            actual = hours.get((engagement, deliverable, role), Decimal(0))
            if terms is not None:
                out.append(Sold(engagement, terms.sku, figures.hours, actual))
    return out


def workspace_accuracy(root: Path, store_url_override: str | None = None) -> AccuracyResult:
    """Accuracy of the catalog's and the calibrated estimates over the workspace's
    Completed engagements (see the module docstring for the data used)."""
    from psos_xl.workspace import workspace_root

    ws = Workspace.load(workspace_root(root))
    store = open_existing_store(ws, store_url_override)
    try:
        catalog, deliveries = store_deliveries(store)
        sold = sold_accuracy(store_sold(store))
    finally:
        store.close()
    judged = backtest(catalog, deliveries)
    return AccuracyResult(
        workspace=ws.root,
        engagements=len({d.engagement for d in deliveries}),
        deliveries=len(deliveries),
        report=accuracy(catalog, deliveries, judged),
        curve=accuracy_curve(deliveries, catalog, judged),
        min_deliveries=catalog.settings.calibration_min_deliveries,
        sold=sold,
    )
