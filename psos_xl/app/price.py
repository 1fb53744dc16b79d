"""``psos price``: find the catalog, price a scope file, store the snapshot.

    priced = price_scope(Path("scopes/acme.xlsx"), write=True)
    priced.quote, priced.issues, priced.to_json()

The arithmetic is the engine's (:func:`psos_xl.pricing.price`); this module only reads
files, merges issues, and writes the Pricing sheet's two snapshot tables
through the safe write-back (:func:`psos_xl.sync.writeback.write_table`), which touches
nothing else in the workbook and refuses a workbook that is open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Code, Issue, WorkbookError, dedupe_issues, has_errors
from psos_xl.models import Catalog, EstimateBasis, Scope
from psos_xl.pricing import Quote, price
from psos_xl.workbook import spec

if TYPE_CHECKING:
    from psos_xl.sync.writeback import WriteResult


def find_catalog(scope_path: Path) -> Path:
    """The catalog of the workspace ``scope_path`` lives in: the nearest ancestor folder
    with psos.toml or a workbook whose marker says catalog."""
    from psos_xl.workspace import Workspace

    ws = Workspace.find(scope_path)
    if ws is None or not ws.catalog_path.is_file():
        where = f"{ws.catalog_path}" if ws is not None else f"any folder above {scope_path}"
        issue = Issue.make(
            Code.CATALOG_NOT_FOUND,
            scope_path.name,
            f"no catalog workbook in {where}; pass --catalog PATH",
        )
        raise WorkbookError(f"no catalog found for {scope_path}", [issue])
    return ws.catalog_path


def _display(path: Path) -> str:
    from psos_xl.workspace import Workspace

    ws = Workspace.find(path)
    return ws.display(path) if ws is not None else path.name


dedupe = dedupe_issues  # one rule for every surface: see errors.dedupe_issues


def load_pair(
    scope_path: Path, catalog_path: Path | None = None
) -> tuple[Scope, Catalog, list[Issue]]:
    """The scope and its catalog, as it counts (its rows with an error left out, as
    sync stores it and validate checks against it), and the readers' issues (scope's
    first). Raises WorkbookError when either workbook cannot be read at all."""
    from psos_xl.loader import counted_catalog, load
    from psos_xl.models import Kind

    catalog_path = catalog_path or find_catalog(scope_path)
    scope, scope_issues = load(scope_path, _display(scope_path), Kind.SCOPE)
    if not isinstance(scope, Scope):
        raise WorkbookError(f"{scope_path} cannot be read as a scope", scope_issues)
    catalog, catalog_issues = load(catalog_path, _display(catalog_path), Kind.CATALOG)
    if not isinstance(catalog, Catalog):
        raise WorkbookError(f"{catalog_path} cannot be read as a catalog", catalog_issues)
    return scope, counted_catalog(catalog, catalog_issues), [*scope_issues, *catalog_issues]


def price_file(
    scope_path: Path,
    catalog_path: Path | None = None,
    basis: EstimateBasis | None = None,
    today: date | None = None,
) -> tuple[Quote, list[Issue]]:
    """Price the scope workbook at ``scope_path`` against its catalog.

    Returns the quote and every issue: the readers' (scope, then catalog) and the
    quote's (errors, then warnings), one per (code, location). Raises WorkbookError when
    either workbook cannot be read at all.
    """
    scope, catalog, issues = load_pair(scope_path, catalog_path)
    quote = price(catalog, scope, basis, today)
    return quote, dedupe([*issues, *quote.issues, *quote.warnings])


def quote_json(quote: Quote, issues: Sequence[Issue]) -> dict[str, Any]:
    """``psos price --json``: the engine's Quote.to_json() with every issue merged in."""
    data = quote.to_json()
    data["issues"] = [i.to_dict() for i in issues]
    return data


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the snapshot ---------------------------------------------------------------------


def write_snapshot(
    scope_path: Path,
    quote: Quote,
    catalog_sha256: str,
    priced_at: datetime | None = None,
    both_ways: tuple[Quote, Quote] | None = None,
) -> WriteResult:
    """Store the priced snapshot in the scope's Pricing sheet (PricedLines, then
    PricingInfo, whose PricedAt dates the pair), touching nothing else; its rows are
    :func:`psos_xl.workbook.pricing_sheet.snapshot_rows` (``both_ways``: the scope
    priced on the Catalog and P50 bases, shown beside it).

    Returns the first result that is not ``written``/``unchanged``, else PricingInfo's.
    The lines go first: if PricingInfo then fails, its older PricedAt still says the
    snapshot is not the one just priced.
    """
    from psos_xl.sync.writeback import write_table
    from psos_xl.workbook.pricing_sheet import snapshot_rows

    info, lines = snapshot_rows(quote, catalog_sha256, priced_at, both_ways)
    first = write_table(scope_path, spec.PRICED_LINES.name, spec.PRICED_LINES.headers, lines)
    if not first.ok:
        return first
    return write_table(
        scope_path,
        spec.PRICING_INFO.name,
        spec.PRICING_INFO.headers,
        info,
        expected_sha256=first.sha256,
    )


# --- the command ------------------------------------------------------------------------


class NotPricedError(WorkbookError):
    """The scope has a price, but not one psos may show: a Currency other than the
    catalog's (the figure would be the catalog's under another label). Its issues
    say why; the command reported them, so it exits 1, not 2."""

    exit_code = 1


def refuse_unpriceable(scope: Path, issues: Sequence[Issue]) -> None:
    """NotPricedError when ``issues`` say the scope's price must not be shown."""
    mismatch = [i for i in issues if i.code is Code.CURRENCY_MISMATCH and i.is_error]
    if mismatch:
        raise NotPricedError(
            f"{_display(scope)} is not priced: {mismatch[0].message}", list(issues)
        )


@dataclass(frozen=True)
class Priced:
    """What ``psos price`` found: the quote, every issue, and with ``--write`` how the
    snapshot went (its status when stored; when not, the reason is among the issues)."""

    scope: Path
    quote: Quote
    issues: list[Issue]
    snapshot: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if has_errors(self.issues) else 0

    def to_json(self) -> dict[str, Any]:
        return quote_json(self.quote, self.issues)


def price_scope(scope: Path, catalog: Path | None = None, write: bool = False) -> Priced:
    """``psos price SCOPE [--catalog PATH] [--write]``: the scope priced against its
    catalog and, with ``write``, the snapshot stored in its Pricing sheet. Raises
    NotPricedError (nothing printed as a price, nothing stored) for a scope in another
    currency than the catalog's, PsosError when the command cannot run."""
    catalog_path = catalog or find_catalog(scope)
    quote, issues = price_file(scope, catalog_path)
    refuse_unpriceable(scope, issues)
    if not write:
        return Priced(scope, quote, issues)
    result = write_snapshot(scope, quote, sha256_file(catalog_path))
    issue = result.issue(_display(scope))
    if issue is not None:
        return Priced(scope, quote, [*issues, issue])
    return Priced(scope, quote, issues, result.status)
