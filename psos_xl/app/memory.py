"""``psos new scope --like ENG`` / ``--closest``: a new scope started from delivered work.

    made = new_scope_from_memory(Path("firm"), "BRV-02", nearest=True, skus="MIGR:3,DISC")
    made.matches        # the ranking, best first (with --closest)
    made.scope.prices   # the written scope priced on the catalog's and on calibrated hours

The new scope is a Draft copied from a Completed engagement
(:func:`psos_xl.learning.memory.like_scope`) and made ready to price, quote and sync:

- **dates**: ``start`` and ``end`` as given; without them StartDate is the next Monday
  after today and EndDate keeps the source's duration (one of them given: the other
  keeps the duration too);
- **client and title**: as given, never the source's; without them the placeholders
  ``<client>`` and ``<title>``, which validation reports (PLACEHOLDER_NOT_REPLACED, a
  warning) until someone types the new ones;
- **work**: ``skus`` (``SKU:QTY,SKU``) keeps the source's deliverables of those SKUs
  with the quantities asked, adds one for a SKU the source lacks and leaves the rest
  out (:func:`psos_xl.learning.memory.with_skus`).

It is written with the workspace's catalog (dropdowns filled), then **read back** through
the loader and priced twice against that catalog, whose Actuals sync filled: on the
**Catalog** basis and on **P50** (calibrated hours). So the figures printed are those of
the workbook written, the same ``psos price`` gives. The Pricing sheet gets the usual
snapshot (the scope's own basis) plus four PricingInfo rows, PriceCatalog,
PriceCalibrated, HoursCatalog and HoursCalibrated
(:func:`psos_xl.workbook.pricing_sheet.snapshot_rows` lays them out). The issues of the
written scope are those ``psos validate`` reports for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.app.init import find_workspace
from psos_xl.errors import Issue, PsosError
from psos_xl.learning.memory import Match, like_scope, next_monday, rank_closest, with_skus
from psos_xl.models import RESERVED_ENGAGEMENTS, Catalog, EstimateBasis, Scope, Status
from psos_xl.pricing import Quote, price
from psos_xl.pricing.money import ZERO, dec_str, percent
from psos_xl.workspace import Workspace

if TYPE_CHECKING:
    from psos_xl.sync.writeback import WriteResult

_UNSAFE = set('/\\:*?"<>|')
SKUS_SYNTAX = "SKU:QTY,SKU (e.g. MIGR:3,TEST)"


class MemoryScopeError(PsosError):
    """A scope cannot be started from the workspace's memory as asked."""


# --- the scope priced both ways ----------------------------------------------------------


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


# --- what was made -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemoryScope:
    """The scope ``psos new scope --like/--closest`` wrote, as read back from its file."""

    path: Path
    source: str  # the engagement copied
    scope: Scope
    prices: BothWays
    snapshot: str  # the snapshot write's status ("written", "open", ...)
    changes: list[str] = field(default_factory=list)  # what --skus changed, in words
    issues: list[Issue] = field(default_factory=list)  # psos validate's, for this file

    def to_json(self) -> dict[str, Any]:
        info = self.scope.info
        return {
            "path": str(self.path),
            "engagement": info.engagement,
            "source": self.source,
            "client": info.client,
            "title": info.title,
            "start_date": info.start_date.isoformat() if info.start_date else None,
            "end_date": info.end_date.isoformat() if info.end_date else None,
            "basis": info.estimate_basis.value,
            "deliverables": [
                {
                    "deliverable": d.deliverable,
                    "sku": d.sku,
                    "quantity": dec_str(d.quantity),
                    "location": str(d.at("Deliverable")),
                }
                for d in self.scope.deliverables
            ],
            "changes": list(self.changes),
            "prices": self.prices.to_json(),
            "snapshot": self.snapshot,
            "issues": [i.to_dict() for i in self.issues],
        }


@dataclass(frozen=True)
class FromMemory:
    """The ranking asked for (``--closest``), and the scope written (None when
    ``--closest`` was given no engagement code: the ranking alone was asked)."""

    scope: MemoryScope | None
    matches: list[Match] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "matches": [m.to_json() for m in self.matches],
            "scope": None if self.scope is None else self.scope.to_json(),
        }


# --- the query ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """``--skus`` read: the SKUs in order, and the quantities written with them."""

    skus: list[str]
    quantities: dict[str, Decimal]

    def for_ranking(self) -> dict[str, Decimal] | None:
        """Quantities to rank by: each listed SKU's (1 when not written), or None when
        no quantity was written at all (the SKU sets are compared)."""
        if not self.quantities:
            return None
        return {s: self.quantities.get(s, Decimal(1)) for s in self.skus}


def parse_skus(text: str, catalog: Catalog | None = None) -> Asked:
    """'MIGR, TEST' → SKUs; 'MIGR:3, TEST' → SKUs, MIGR with quantity 3. A quantity must
    be a number above 0; with ``catalog``, every SKU one of its Services."""
    skus: list[str] = []
    quantities: dict[str, Decimal] = {}
    for part in text.split(","):
        sku, colon, qty = part.strip().partition(":")
        sku = sku.strip()
        if not sku:
            if colon or qty.strip():
                raise MemoryScopeError(f"--skus: {part.strip()!r} has no SKU; write {SKUS_SYNTAX}")
            continue
        if sku not in skus:
            skus.append(sku)
        if qty.strip():
            quantities[sku] = _quantity(sku, qty.strip())
    if catalog is not None:
        known = catalog.sku_codes()
        unknown = [s for s in skus if s not in known]
        if unknown:
            raise MemoryScopeError(
                f"--skus: {', '.join(unknown)} not in the catalog's Services "
                f"({', '.join(sorted(known))}); write {SKUS_SYNTAX}"
            )
    return Asked(skus, quantities)


def _quantity(sku: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except (ArithmeticError, InvalidOperation):
        value = Decimal("NaN")
    if not value.is_finite() or value <= ZERO:
        raise MemoryScopeError(
            f"--skus: {sku}:{text} needs a quantity above 0; write {SKUS_SYNTAX}"
        )
    return value


def completed_scopes(ws: Workspace) -> list[Scope]:
    from psos_xl.app.new import workspace_scopes

    return [s for _p, s in workspace_scopes(ws) if s.info.status is Status.COMPLETED]


def closest(
    ws: Workspace, catalog: Catalog, skus: str = "", client: str = "", top: int = 3
) -> list[Match]:
    """The workspace's Completed engagements most like the SKUs and client asked."""
    asked = parse_skus(skus, catalog)
    if not asked.skus and not client.strip():
        raise MemoryScopeError("--closest needs something to compare: --skus and/or --client")
    candidates = completed_scopes(ws)
    if not candidates:
        raise MemoryScopeError(f"{ws.root} has no Completed engagement to start from")
    return rank_closest(
        candidates,
        skus=asked.skus,
        quantities=asked.for_ranking(),
        client=client or None,
        catalog=catalog,
        top=top,
    )


def describe_matches(matches: Sequence[Match]) -> list[str]:
    """One line per match: rank, engagement, client, score, then its reasons."""
    lines: list[str] = []
    for rank, match in enumerate(matches, start=1):
        client = f" ({match.scope.info.client})" if match.scope.info.client else ""
        lines.append(f"{rank}. {match.engagement}{client}  score {dec_str(match.score)}")
        lines.extend(f"     {reason}" for reason in match.reasons or ["nothing in common"])
    return lines


# --- the new scope ------------------------------------------------------------------------


def _target(ws: Workspace, code: str, out: Path | None, overwrite: bool) -> Path:
    from psos_xl.app.new import WorkbookExistsError, workspace_scopes

    if not code or _UNSAFE.intersection(code):
        raise MemoryScopeError(f"the engagement code {code!r} must be a plain code, e.g. ACME-02")
    if code.upper() in RESERVED_ENGAGEMENTS:
        raise MemoryScopeError(f"{code} is a reserved engagement and needs no scope")
    target = out or ws.scopes_dir / f"{code}.xlsx"
    if target.exists() and not overwrite:
        raise WorkbookExistsError(f"{target} already exists: refusing to overwrite it (--force)")
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
    skus: str = "",
    today: date | None = None,
) -> MemoryScope:
    """A new Draft scope ``engagement`` copied from the workspace's engagement ``like``,
    written, read back, priced both ways and its snapshot stored (see the module
    docstring). ``today`` dates the default StartDate (the next Monday after it)."""
    from psos_xl.app.new import workspace_catalog, workspace_scopes
    from psos_xl.app.price import load_pair, sha256_file
    from psos_xl.workbook.writers import write_scope

    code = engagement.strip()
    target = _target(ws, code, out, overwrite)
    catalog = workspace_catalog(ws)
    asked = parse_skus(skus, catalog)
    scopes = [s for _p, s in workspace_scopes(ws)]
    source = next((s for s in scopes if s.info.engagement.casefold() == like.casefold()), None)
    if source is None:
        done = sorted(s.info.engagement for s in scopes if s.info.status is Status.COMPLETED)
        hint = f"Completed ones: {', '.join(done)}" if done else "none is Completed yet"
        raise MemoryScopeError(f"no scope of engagement {like} in {ws.root} ({hint})")
    if start and end and end < start:
        raise MemoryScopeError(f"the end date {end} falls before the start date {start}")
    if start is None and end is None:
        start = next_monday(today or date.today())
    made = like_scope(source, code, start, end, client, title)
    made, changes = with_skus(made, asked.skus, asked.quantities, catalog, source.info.engagement)
    if not made.info.currency:
        made = made.model_copy(
            update={"info": made.info.model_copy(update={"currency": catalog.settings.currency})}
        )
    path = write_scope(target, made, catalog)
    written, counted, _read = load_pair(path, ws.catalog_path)
    prices, result = write_both_ways(path, counted, written, sha256_file(ws.catalog_path))
    return MemoryScope(
        path=path,
        source=source.info.engagement,
        scope=written,
        prices=prices,
        snapshot=result.status,
        changes=changes,
        issues=_validated(path),
    )


def _validated(path: Path) -> list[Issue]:
    """What ``psos validate`` reports for the scope at ``path``."""
    from psos_xl.app.validate import validate

    return validate([path]).issues


def new_scope_from_memory(
    folder: Path,
    engagement: str,
    like: str = "",
    nearest: bool = False,
    skus: str = "",
    client: str = "",
    title: str = "",
    start: date | None = None,
    end: date | None = None,
    out: Path | None = None,
    overwrite: bool = False,
    today: date | None = None,
) -> FromMemory:
    """A Draft scope ``engagement`` copied from the Completed engagement ``like``, or with
    ``nearest`` from the one closest to ``skus`` and ``client`` (without ``engagement``:
    only the ranking). Written into the workspace of ``folder``, priced both ways."""
    from psos_xl.app.new import workspace_catalog

    ws = find_workspace(folder)
    matches: list[Match] = []
    if nearest:
        matches = closest(ws, workspace_catalog(ws), skus, client)
        if not matches:
            raise MemoryScopeError(f"{ws.root} has no Completed engagement to start from")
        if not engagement.strip():
            return FromMemory(None, matches)
        like = matches[0].engagement
    elif not engagement.strip():
        raise MemoryScopeError("--like needs --engagement for the new scope's code")
    made = scope_like(
        ws,
        like,
        engagement,
        start,
        end,
        client or None,
        title or None,
        out,
        overwrite,
        matches,
        skus=skus,
        today=today,
    )
    return FromMemory(made, matches)
