"""Reports of the learning loop: estimation accuracy, and a new scope priced both ways.

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

**Memory** (``psos new scope --like ENG`` / ``--closest``, :func:`scope_like`,
:func:`scope_closest`): a new Draft scope copied from a Completed engagement
(:func:`psos_xl.learning.memory.like_scope`), written with the workspace's catalog (dropdowns
filled), then priced twice against that catalog, whose Actuals sync filled: on the
**Catalog** basis and on **P50** (calibrated hours). The scope's Pricing sheet gets the
usual snapshot (the scope's own basis) plus four PricingInfo rows, PriceCatalog,
PriceCalibrated, HoursCatalog and HoursCalibrated
(:func:`psos_xl.workbook.pricing_sheet.snapshot_rows` lays them out), so both figures
show without the add-in; its live cells show both bases side by side where the add-in
runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
from psos_xl.learning.memory import Match, like_scope, rank_closest
from psos_xl.models import RESERVED_ENGAGEMENTS, Catalog, EstimateBasis, Scope, Status
from psos_xl.pricing import Quote, price
from psos_xl.pricing.money import ZERO, dec_str, percent
from psos_xl.workspace import Workspace

if TYPE_CHECKING:
    from psos_xl.store import Store
    from psos_xl.sync.writeback import WriteResult

_UNSAFE = set('/\\:*?"<>|')


class StoreMissingError(PsosError):
    """The workspace has no store yet (or no catalog in it): sync has not run."""


class MemoryScopeError(PsosError):
    """A scope cannot be started from the workspace's memory as asked."""


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

    def to_json(self) -> dict[str, Any]:
        data = self.report.to_json()
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


def workspace_accuracy(root: Path, store_url_override: str | None = None) -> AccuracyResult:
    """Accuracy of the catalog's and the calibrated estimates over the workspace's
    Completed engagements (see the module docstring for the data used)."""
    from psos_xl.workspace import workspace_root

    ws = Workspace.load(workspace_root(root))
    store = open_existing_store(ws, store_url_override)
    try:
        catalog, deliveries = store_deliveries(store)
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
    )


# --- a new scope from memory, priced both ways ------------------------------------------


@dataclass(frozen=True)
class BothWays:
    """A scope priced on the catalog's hours and on the calibrated (P50) hours."""

    currency: str
    catalog_price: Decimal
    calibrated_price: Decimal
    catalog_hours: Decimal
    calibrated_hours: Decimal

    @property
    def change(self) -> Decimal | None:
        """(calibrated − catalog) / catalog, None when the catalog price is 0."""
        if self.catalog_price == ZERO:
            return None
        return (self.calibrated_price - self.catalog_price) / self.catalog_price

    def sentence(self) -> str:
        """'catalog says 42,351.00; history says 48,900.00 (+15.5 %)'."""
        change = self.change
        delta = ""
        if change is not None:
            delta = f" ({'+' if change >= ZERO else ''}{percent(change)})"
        unit = f" {self.currency}" if self.currency else ""
        return (
            f"catalog says {self.catalog_price:,.2f}{unit}; "
            f"history says {self.calibrated_price:,.2f}{unit}{delta}"
        )

    def to_json(self) -> dict[str, Any]:
        change = self.change
        return {
            "currency": self.currency,
            "price_catalog": dec_str(self.catalog_price),
            "price_calibrated": dec_str(self.calibrated_price),
            "hours_catalog": dec_str(self.catalog_hours),
            "hours_calibrated": dec_str(self.calibrated_hours),
            "change": None if change is None else dec_str(change.quantize(Decimal("0.0001"))),
        }


@dataclass(frozen=True)
class MemoryScope:
    """What ``psos new scope --like/--closest`` did."""

    path: Path
    source: str  # the engagement copied
    prices: BothWays
    snapshot: str  # the snapshot write's status ("written", "open", ...)
    matches: list[Match] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": self.source,
            "matches": [m.to_json() for m in self.matches],
            "prices": self.prices.to_json(),
            "snapshot": self.snapshot,
        }


def both_ways(catalog: Catalog, scope: Scope) -> tuple[BothWays, Quote, Quote]:
    """Both prices of ``scope``, and the two quotes (Catalog basis, P50 basis)."""
    on_catalog = price(catalog, scope, EstimateBasis.CATALOG)
    on_p50 = price(catalog, scope, EstimateBasis.P50)
    prices = BothWays(
        currency=on_p50.currency,
        catalog_price=on_catalog.price,
        calibrated_price=on_p50.price,
        catalog_hours=on_catalog.hours,
        calibrated_hours=on_p50.hours,
    )
    return prices, on_catalog, on_p50


def write_both_ways(
    path: Path, catalog: Catalog, scope: Scope, catalog_sha256: str
) -> tuple[BothWays, WriteResult]:
    """Price ``scope`` both ways and store the snapshot (its own basis) with the four
    comparison rows in the Pricing sheet of the scope workbook at ``path``."""
    from psos_xl.app.price import write_snapshot

    prices, on_catalog, on_p50 = both_ways(catalog, scope)
    own = on_catalog if scope.info.estimate_basis is EstimateBasis.CATALOG else on_p50
    if scope.info.estimate_basis is EstimateBasis.P80:
        own = price(catalog, scope)
    result = write_snapshot(path, own, catalog_sha256, both_ways=(on_catalog, on_p50))
    return prices, result


def completed_scopes(ws: Workspace) -> list[Scope]:
    from psos_xl.app.new import workspace_scopes

    return [s for _p, s in workspace_scopes(ws) if s.info.status is Status.COMPLETED]


def parse_skus(text: str) -> tuple[list[str], dict[str, Decimal] | None]:
    """'MIGR, TEST' → SKUs; 'MIGR:3, TEST' → SKUs with quantities (1 when not given)."""
    skus: list[str] = []
    quantities: dict[str, Decimal] = {}
    for part in text.split(","):
        sku, _, qty = part.strip().partition(":")
        sku = sku.strip()
        if not sku:
            continue
        skus.append(sku)
        if qty.strip():
            try:
                quantities[sku] = Decimal(qty.strip())
            except ArithmeticError:
                raise MemoryScopeError(f"--skus: {part.strip()!r} needs SKU:QUANTITY") from None
    if not quantities:
        return skus, None
    return skus, {s: quantities.get(s, Decimal(1)) for s in skus}


def closest(
    ws: Workspace, catalog: Catalog, skus: str = "", client: str = "", top: int = 3
) -> list[Match]:
    """The workspace's Completed engagements most like the SKUs and client asked."""
    listed, quantities = parse_skus(skus)
    if not listed and not client.strip():
        raise MemoryScopeError("--closest needs something to compare: --skus and/or --client")
    candidates = completed_scopes(ws)
    if not candidates:
        raise MemoryScopeError(f"{ws.root} has no Completed engagement to start from")
    return rank_closest(
        candidates,
        skus=listed,
        quantities=quantities,
        client=client or None,
        catalog=catalog,
        top=top,
    )


def _target(ws: Workspace, code: str, out: Path | None, overwrite: bool) -> Path:
    from psos_xl.app.new import WorkbookExistsError, workspace_scopes

    if not code or _UNSAFE.intersection(code):
        raise MemoryScopeError(f"the engagement code {code!r} must be a plain code, e.g. ACME-02")
    if code.upper() in RESERVED_ENGAGEMENTS:
        raise MemoryScopeError(f"{code} is a reserved engagement and needs no scope")
    target = out or ws.scopes_dir / f"{code}.xlsx"
    if target.exists() and not overwrite:
        raise WorkbookExistsError(
            f"{target} already exists: refusing to overwrite it (pass --force to replace it)"
        )
    for path, existing in workspace_scopes(ws):
        if existing.info.engagement.casefold() == code.casefold() and (
            path.resolve() != target.resolve()
        ):
            raise MemoryScopeError(f"engagement {code} already has a scope: {ws.display(path)}")
    return target


def scope_like(
    ws: Workspace,
    like: str,
    engagement: str,
    start: date | None = None,
    end: date | None = None,
    client: str | None = None,
    title: str | None = None,
    out: Path | None = None,
    overwrite: bool = False,
    matches: Sequence[Match] = (),
) -> MemoryScope:
    """A new Draft scope ``engagement`` copied from the workspace's engagement ``like``,
    written, priced both ways and its snapshot stored (see the module docstring)."""
    from psos_xl.app.new import workspace_catalog, workspace_scopes
    from psos_xl.app.price import sha256_file
    from psos_xl.workbook.writers import write_scope

    code = engagement.strip()
    target = _target(ws, code, out, overwrite)
    catalog = workspace_catalog(ws)
    scopes = [s for _p, s in workspace_scopes(ws)]
    source = next((s for s in scopes if s.info.engagement.casefold() == like.casefold()), None)
    if source is None:
        done = sorted(s.info.engagement for s in scopes if s.info.status is Status.COMPLETED)
        hint = f"Completed ones: {', '.join(done)}" if done else "none is Completed yet"
        raise MemoryScopeError(f"no scope of engagement {like} in {ws.root} ({hint})")
    if start and end and end < start:
        raise MemoryScopeError(f"the end date {end} falls before the start date {start}")
    scope = like_scope(source, code, start, end, client or None)
    if title:
        scope = scope.model_copy(update={"info": scope.info.model_copy(update={"title": title})})
    if not scope.info.currency:
        info = scope.info.model_copy(update={"currency": catalog.settings.currency})
        scope = scope.model_copy(update={"info": info})
    path = write_scope(target, scope, catalog)
    prices, result = write_both_ways(path, catalog, scope, sha256_file(ws.catalog_path))
    return MemoryScope(
        path=path,
        source=source.info.engagement,
        prices=prices,
        snapshot=result.status,
        matches=list(matches),
    )


def scope_closest(
    ws: Workspace,
    engagement: str,
    skus: str = "",
    client: str = "",
    start: date | None = None,
    end: date | None = None,
    title: str | None = None,
    out: Path | None = None,
    overwrite: bool = False,
) -> MemoryScope:
    """:func:`closest`, then :func:`scope_like` from the best match."""
    from psos_xl.app.new import workspace_catalog

    matches = closest(ws, workspace_catalog(ws), skus, client)
    if not matches:
        raise MemoryScopeError(f"{ws.root} has no Completed engagement to start from")
    return scope_like(
        ws,
        matches[0].engagement,
        engagement,
        start=start,
        end=end,
        client=client or None,
        title=title,
        out=out,
        overwrite=overwrite,
        matches=matches,
    )


def describe_matches(matches: Sequence[Match]) -> list[str]:
    """One line per match: rank, engagement, client, score, then its reasons."""
    lines: list[str] = []
    for rank, match in enumerate(matches, start=1):
        client = f" ({match.scope.info.client})" if match.scope.info.client else ""
        lines.append(f"{rank}. {match.engagement}{client}  score {dec_str(match.score)}")
        lines.extend(f"     {reason}" for reason in match.reasons or ["nothing in common"])
    return lines
