"""The whole loop on the demo firm: build it, price every scope, sync, quote.

This is what ``make demo`` runs: a fresh workspace goes through every surface of the
product once, and :class:`DemoRun` keeps what each step produced so the command line
can show it. Nothing here computes anything of its own: each step calls the library
function a user would reach through its own command.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.demo.build import DemoSummary, build_demo
from psos_xl.errors import Issue, PsosError
from psos_xl.models import ActualRow, DeliveryRow, Status

if TYPE_CHECKING:
    from psos_xl.demo.simulate import Progress as SimProgress
    from psos_xl.demo.simulate import SimResult

Step = Callable[[str], None]
QUOTES_DIR = "quotes"


@dataclass(frozen=True)
class PricedScope:
    path: Path
    engagement: str
    status: str
    billing_model: str
    currency: str
    hours: Decimal
    price: Decimal
    margin: Decimal | None
    snapshot: str  # the write-back status of the Pricing snapshot


@dataclass
class DemoRun:
    summary: DemoSummary
    priced: list[PricedScope] = field(default_factory=list)
    sync: Any = None  # SyncResult of the first sync
    resync: Any = None  # SyncResult of a second sync with nothing changed
    quote_files: list[Path] = field(default_factory=list)
    quote_note: str = ""
    dashboard: Path | None = None  # the dashboard the sync refreshed
    actuals: list[ActualRow] = field(default_factory=list)
    burn_engagement: str = ""
    burn: list[DeliveryRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "demo": self.summary.to_json(),
            "priced": [
                {
                    "engagement": p.engagement,
                    "status": p.status,
                    "billing_model": p.billing_model,
                    "currency": p.currency,
                    "hours": str(p.hours),
                    "price": str(p.price),
                    "margin": None if p.margin is None else str(round(p.margin, 4)),
                    "snapshot": p.snapshot,
                }
                for p in self.priced
            ],
            "sync": self.sync.to_json() if self.sync is not None else None,
            "resync": self.resync.to_json() if self.resync is not None else None,
            "quote": [str(p) for p in self.quote_files],
            "quote_note": self.quote_note,
            "dashboard": None if self.dashboard is None else str(self.dashboard),
        }


def run_demo(
    root: Path, force: bool = False, step: Step | None = None, today: date | None = None
) -> DemoRun:
    """Build the demo firm in ``root`` and run the loop on it. With ``today``, the firm
    is moved by whole weeks so its last week of time is the last complete week before
    ``today`` (:func:`~psos_xl.demo.shift.weeks_until`): the reports, as of today by
    default, then show it at work. Without, the firm as built, whatever today is."""
    from psos_xl.demo.shift import weeks_until

    say = step or (lambda _text: None)
    say("Building the demo firm")
    weeks = weeks_until(today) if today is not None else 0
    run = DemoRun(build_demo(root, force=force, weeks_later=weeks))
    say("Pricing every scope")
    run.priced = _price_scopes(root, run.summary.scopes)
    say("Syncing the folder into the store")
    run.sync = _sync(root)
    run.dashboard = _dashboard(root, run.sync, weeks)
    say("Syncing again: nothing should change")
    run.resync = _sync(root)
    say("Writing a client quote")
    _quote(run, root)
    _read_back(run, root)
    return run


def _sync(root: Path) -> Any:
    from psos_xl.sync.outputs import sync_workspace

    return sync_workspace(root)


def _dashboard(root: Path, synced: Any, weeks: int) -> Path | None:
    """The dashboard the sync refreshes, as of the demo firm's last working day (its
    history ends there), moved as the firm was."""
    from psos_xl.app.dashboard import refresh_after_sync
    from psos_xl.demo.staffing import AS_OF

    return refresh_after_sync(root, synced, today=AS_OF + timedelta(weeks=weeks))


def _price_scopes(root: Path, scopes: list[str]) -> list[PricedScope]:
    from psos_xl.app.price import price_file, write_snapshot
    from psos_xl.sync.writeback import sha256_of

    out: list[PricedScope] = []
    for rel in scopes:
        path = root / rel
        quote, _issues = price_file(path)
        catalog_hash = sha256_of((root / "catalog.xlsx").read_bytes())
        result = write_snapshot(path, quote, catalog_hash)
        out.append(
            PricedScope(
                path=path,
                engagement=quote.engagement,
                status=_status_of(path),
                billing_model=str(quote.billing_model),
                currency=quote.currency,
                hours=quote.hours,
                price=quote.price,
                margin=quote.margin,
                snapshot=result.status,
            )
        )
    return out


def _status_of(path: Path) -> str:
    from psos_xl.workbook.readers import read_scope

    scope, _issues = read_scope(path)
    return str(scope.info.status) if scope and scope.info.status else ""


def _quote(run: DemoRun, root: Path) -> None:
    """A quote for the first Active engagement; with a PDF when LibreOffice is there."""
    from psos_xl.app.quote import build_quote

    active = [p for p in run.priced if p.status == Status.ACTIVE.value]
    if not active:
        run.quote_note = "no Active engagement to quote"
        return
    scope = active[0].path
    pdf = shutil.which("soffice") is not None or shutil.which("libreoffice") is not None
    try:
        files = build_quote(scope, root / QUOTES_DIR, pdf=pdf)
    except PsosError as err:
        run.quote_note = f"quote not written: {err}"
        return
    run.quote_files = [p for p in (files.xlsx, files.pdf) if p is not None]
    if not pdf:
        run.quote_note = (
            "PDF skipped: LibreOffice not found (apt-get install libreoffice-calc-nogui)"
        )


def _read_back(run: DemoRun, root: Path) -> None:
    """What sync wrote back: the catalog's Actuals and one Active scope's Delivery burn."""
    from psos_xl.workbook.readers import read_catalog, read_scope

    catalog, _issues = read_catalog(root / "catalog.xlsx")
    if catalog is not None:
        learned = [a for a in catalog.actuals if a.deliveries > 0 and a.bias_pct is not None]
        run.actuals = sorted(learned, key=lambda a: -abs(a.bias_pct or Decimal(0)))
    active = [p for p in run.priced if p.status == Status.ACTIVE.value]
    if active:
        run.burn_engagement = active[0].engagement
        scope, _issues = read_scope(active[0].path)
        if scope is not None:
            run.burn = list(scope.delivery)


def simulate_firm(
    root: Path, force: bool = False, progress: SimProgress | None = None
) -> SimResult:
    """``psos demo --simulate``: two years of a simulated firm through the whole loop, in
    ``root`` (:func:`psos_xl.demo.simulate.run_simulation`)."""
    from psos_xl.demo.simulate import run_simulation

    return run_simulation(root, force=force, progress=progress)
