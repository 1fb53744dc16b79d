"""``psos quote``: the client-facing quote workbook, and its PDF through LibreOffice.

    files = build_quote(Path("scopes/acme.xlsx"), Path("out"), pdf=True)

Three printable sheets: ``Quote`` (firm, client, engagement, dates, validity, billing
model, price and payment schedule), ``Deliverables`` (what the client gets, optionally
hours by role) and ``Assumptions`` (with what happens if one does not hold), and the
hidden ``_psos`` marker of kind ``quote``, so sync and validate pass over the file. Values
only, no formulas, so every spreadsheet shows the same. Internal figures (cost rates,
cost, margin, the catalog's hours) never appear. A scope with errors is not quoted.

The PDF is LibreOffice's own export (``soffice --headless --convert-to pdf``) run with a
throw-away user profile and a timeout; a hung soffice is killed with its own process
group (it runs in a session of its own, so the group holds only soffice and the
soffice.bin it started).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from psos_xl.app.quotes import NOT_NUMBERED, IssuedQuote, issue_quote, show_in_scope
from psos_xl.errors import Issue, PsosError, WorkbookError, has_errors
from psos_xl.models import BillingModel, Catalog, Scope
from psos_xl.pricing import Quote, price
from psos_xl.pricing.money import percent
from psos_xl.pricing.quote import month_text
from psos_xl.workbook.styles import band_header, document_layout, put_value

SOFFICE_CANDIDATES = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)
NO_SOFFICE = "LibreOffice not found: install libreoffice-calc-nogui (or set SOFFICE)"
DEFAULT_VALIDITY_DAYS = 30
PDF_TIMEOUT = 120.0
_BILLING_TEXT = {
    BillingModel.TIME_AND_MATERIALS: "Time and materials",
    BillingModel.FIXED_FEE: "Fixed fee",
    BillingModel.MILESTONE: "Fixed fee, invoiced by milestone",
    BillingModel.RETAINER: "Monthly retainer",
}


@dataclass(frozen=True)
class QuoteFiles:
    """What build_quote wrote, the quote it priced, and the number it was issued under
    (None outside a workspace: ``warnings`` says so)."""

    xlsx: Path
    pdf: Path | None
    quote: Quote
    issues: list[Issue] = field(default_factory=list)
    issued: IssuedQuote | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Firm:
    name: str
    validity_days: int


def money_format(currency: str) -> str:
    """The number format of money in the quote: ``#,##0.00 "EUR"``."""
    return f'#,##0.00 "{currency}"' if currency else "#,##0.00"


def money_text(value: Decimal, currency: str) -> str:
    """A money figure as the quote workbook displays it (en locale)."""
    return f"{value:,.2f} {currency}".strip()


def build_quote(
    scope_path: Path,
    out_dir: Path,
    catalog_path: Path | None = None,
    pdf: bool = False,
    show_hours: bool = False,
    today: date | None = None,
    store_url: str | None = None,
) -> QuoteFiles:
    """Write ``<engagement>-quote.xlsx`` (and with ``pdf`` its PDF) into ``out_dir``.

    In a workspace the quote is issued first (:func:`psos_xl.app.quotes.issue_quote`):
    its number and version are on the workbook, and an unchanged scope shows the date
    and validity it was first issued with.

    Raises WorkbookError when the scope or catalog cannot be read or the quote has
    errors (they are listed), PsosError when LibreOffice is missing or fails.
    """
    from psos_xl.app.price import dedupe, load_pair
    from psos_xl.workspace import Workspace

    scope, catalog, read_issues = load_pair(scope_path, catalog_path)
    quote = price(catalog, scope, today=today)
    issues = dedupe([*read_issues, *quote.issues, *quote.warnings])
    blocking = [i for i in issues if i.is_error]
    if has_errors(blocking):
        raise WorkbookError(
            f"{scope_path.name} has {len(blocking)} error(s); fix them before quoting",
            blocking,
        )
    firm = _firm(scope_path)
    issued = today or date.today()
    ws = Workspace.find(scope_path)
    numbered: IssuedQuote | None = None
    warnings: list[str] = []
    if ws is None:
        warnings.append(NOT_NUMBERED.format(scope=scope_path.name))
    else:
        numbered = issue_quote(
            ws, scope_path, scope, quote, issued, firm.validity_days, store_url=store_url
        )
        warnings += show_in_scope(ws, numbered.engagement, issued, store_url)
    stem = _safe(scope.info.engagement or scope_path.stem)
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx = out_dir / f"{stem}-quote.xlsx"
    dated, days = issued, firm.validity_days
    if numbered is not None:
        dated, days = numbered.issued, (numbered.valid_until - numbered.issued).days
    label = numbered.label if numbered is not None else ""
    wb = quote_workbook(scope, catalog, quote, firm.name, dated, days, show_hours, label)
    tmp = xlsx.with_name(f".{xlsx.name}.tmp")
    try:
        wb.save(tmp)
        tmp.replace(xlsx)
    finally:
        tmp.unlink(missing_ok=True)
    pdf_path = to_pdf(xlsx, out_dir) if pdf else None
    return QuoteFiles(xlsx, pdf_path, quote, issues, numbered, warnings)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name) or "quote"


def _firm(scope_path: Path) -> _Firm:
    from psos_xl.workspace import Workspace

    ws = Workspace.find(scope_path)
    if ws is None:
        return _Firm("", DEFAULT_VALIDITY_DAYS)
    text = ws.config.get("quote_validity_days", "")
    days = int(text) if text.strip().isdigit() else DEFAULT_VALIDITY_DAYS
    return _Firm(ws.config.get("name", "") or ws.name, days)


# --- the workbook ---------------------------------------------------------------------


def quote_workbook(
    scope: Scope,
    catalog: Catalog,
    quote: Quote,
    firm: str,
    issued: date,
    validity_days: int,
    show_hours: bool,
    number: str = "",
) -> Any:
    """The openpyxl Workbook of the client quote; ``number`` is its number and version
    (``Q-2026-0001 v2``), empty for a quote that was not issued."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    fmt = money_format(quote.currency)
    valid_until = issued + timedelta(days=validity_days)
    _cover_sheet(wb, quote, firm, issued, valid_until, fmt, number)
    _deliverables_sheet(wb, scope, catalog, quote, firm, show_hours)
    _assumptions_sheet(wb, scope, firm)
    _marker(wb, quote, number)
    wb.active = 0
    return wb


def _marker(wb: Any, quote: Quote, number: str) -> None:
    """The hidden ``_psos`` sheet that says this is psos' own quote: sync and validate
    pass over it."""
    from psos_xl.workbook.spec import SCHEMA_VERSION, OutputKind
    from psos_xl.workbook.styles import write_marker

    items: list[tuple[str, Any]] = [
        ("kind", OutputKind.QUOTE.value),
        ("schema", SCHEMA_VERSION),
        ("engagement", quote.engagement),
    ]
    write_marker(wb, [*items, ("quote", number)] if number else items)


_TITLE = 18
_WRAP_TOP = {"wrap_text": True, "vertical": "top"}


def _cover_sheet(
    wb: Any, quote: Quote, firm: str, issued: date, valid_until: date, fmt: str, number: str
) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet("Quote")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 56
    put_value(ws, 1, 1, firm or "Quote").font = Font(bold=True, size=_TITLE)
    put_value(ws, 2, 1, f"Quote {number or quote.engagement}".strip()).font = Font(
        bold=True, size=13
    )
    start = quote.rates_on
    numbered: list[tuple[str, Any]] = []
    if number:
        code, version = number.rsplit(" ", 1)
        numbered = [("Quote number", code), ("Version", version)]
    rows: list[tuple[str, Any]] = [
        *numbered,
        ("Client", quote.client),
        ("Engagement", quote.title),
        ("Reference", quote.engagement),
        ("Quote date", issued),
        ("Valid until", valid_until),
        ("Start", start),
        ("Billing", billing_text(quote.billing_model)),
        ("Currency", quote.currency),
    ]
    r = 4
    for label, value in rows:
        put_value(ws, r, 1, label).font = Font(bold=True)
        cell = put_value(ws, r, 2, value)
        if isinstance(value, date):
            cell.number_format = "d mmmm yyyy"
            cell.alignment = Alignment(horizontal="left")
        r += 1
    r += 1
    estimated = quote.billing_model in (None, BillingModel.TIME_AND_MATERIALS)
    put_value(ws, r, 1, "Estimated fees" if estimated else "Price").font = Font(bold=True, size=13)
    cell = put_value(ws, r, 2, float(quote.price))
    cell.number_format = fmt
    cell.font = Font(bold=True, size=13)
    cell.alignment = Alignment(horizontal="left")
    note = discount_note(quote)
    if note:
        r += 1
        put_value(ws, r, 2, note).font = Font(italic=True)
    r += 2
    band_header(ws, r, ["Payment schedule", "Amount"])
    for label, amount in _schedule(quote):
        r += 1
        put_value(ws, r, 1, label).alignment = Alignment(**_WRAP_TOP)
        cell = put_value(ws, r, 2, float(amount))
        cell.number_format = fmt
        cell.alignment = Alignment(horizontal="left")
    r += 2
    terms = (
        "Fees are estimated from the scope and invoiced monthly for the time spent."
        if estimated
        else "The price covers the deliverables and assumptions listed in this quote."
    )
    put_value(ws, r, 1, terms).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    document_layout(ws, firm, None)


def _schedule(quote: Quote) -> list[tuple[str, Decimal]]:
    if quote.milestones:
        return [(f"Milestone {m.milestone}", m.price) for m in quote.milestones]
    if quote.months:
        return [(month_text(m.month), m.amount) for m in quote.months]
    if quote.billing_model in (None, BillingModel.TIME_AND_MATERIALS):
        return [("Monthly, for time spent (estimate)", quote.price)]
    return [("Fixed fee", quote.price)]


def _deliverables_sheet(
    wb: Any, scope: Scope, catalog: Catalog, quote: Quote, firm: str, show_hours: bool
) -> None:
    from openpyxl.styles import Alignment

    from psos_xl.workbook.styles import HOURS_FORMAT

    ws = wb.create_sheet("Deliverables")
    names = {s.sku: s.name for s in catalog.services if s.name}
    with_milestones = any(d.milestone for d in scope.deliverables)
    roles: list[str] = []
    hours: dict[tuple[str, str], Decimal] = {}
    for line in quote.lines:
        if line.role not in roles:
            roles.append(line.role)
        key = (line.deliverable, line.role)
        hours[key] = hours.get(key, Decimal(0)) + line.hours
    headers = ["Deliverable", "Description", "Quantity"]
    headers += ["Milestone"] if with_milestones else []
    role_cols = [catalog.role_name(r) for r in roles] if show_hours else []
    band_header(ws, 1, headers + role_cols)
    widths = [14, 60, 10] + ([16] if with_milestones else []) + [14] * len(role_cols)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[chr(64 + i) if i <= 26 else "Z"].width = width
    priced = {line.deliverable for line in quote.lines}
    r = 1
    for d in scope.deliverables:
        if d.deliverable not in priced:
            continue
        r += 1
        values: list[Any] = [
            d.deliverable,
            d.description or names.get(d.sku, d.sku),
            float(d.quantity),
        ]
        values += [d.milestone] if with_milestones else []
        values += (
            [float(hours.get((d.deliverable, role), 0)) for role in roles] if show_hours else []
        )
        for col, value in enumerate(values, start=1):
            cell = put_value(ws, r, col, value)
            cell.alignment = Alignment(**_WRAP_TOP)
            if col > len(headers):
                cell.number_format = HOURS_FORMAT
            elif col == 3:
                cell.number_format = "General"
    if show_hours and roles:
        r += 1
        put_value(ws, r, 1, "Total hours")
        for j, role in enumerate(roles):
            total = sum((h for (_d, rr), h in hours.items() if rr == role), Decimal(0))
            cell = put_value(ws, r, len(headers) + 1 + j, float(total))
            cell.number_format = HOURS_FORMAT
    ws.freeze_panes = "A2"
    document_layout(ws, firm, 1)


def _assumptions_sheet(wb: Any, scope: Scope, firm: str) -> None:
    from openpyxl.styles import Alignment

    ws = wb.create_sheet("Assumptions")
    band_header(ws, 1, ["ID", "Assumption", "Owner", "If it does not hold"])
    for letter, width in zip("ABCD", (8, 56, 14, 40), strict=True):
        ws.column_dimensions[letter].width = width
    for r, a in enumerate(scope.assumptions, start=2):
        for col, value in enumerate((a.id, a.assumption, a.owner, a.impact_if_false), 1):
            put_value(ws, r, col, value).alignment = Alignment(**_WRAP_TOP)
    if not scope.assumptions:
        put_value(ws, 2, 2, "This quote makes no further assumptions.")
    ws.freeze_panes = "A2"
    document_layout(ws, firm, 1)


def billing_text(model: BillingModel | None) -> str:
    return _BILLING_TEXT.get(model, "Time and materials") if model else "Time and materials"


def discount_note(quote: Quote) -> str:
    return f"includes a {percent(quote.discount)} discount" if quote.discount else ""


# --- the PDF ------------------------------------------------------------------------------


def find_soffice() -> str | None:
    """$SOFFICE, then soffice/libreoffice on the PATH, then the usual install folders."""
    configured = os.environ.get("SOFFICE")
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((c for c in SOFFICE_CANDIDATES if Path(c).is_file()), None)


def to_pdf(xlsx: Path, out_dir: Path, timeout: float = PDF_TIMEOUT) -> Path:
    """Export ``xlsx`` to ``out_dir/<stem>.pdf`` with headless LibreOffice."""
    binary = find_soffice()
    if binary is None:
        raise PsosError(NO_SOFFICE)
    target = out_dir / f"{xlsx.stem}.pdf"
    target.unlink(missing_ok=True)  # a stale PDF must not pass for a new one
    with tempfile.TemporaryDirectory(prefix="psos-lo-") as profile:
        cmd = [
            binary,
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(xlsx),
        ]
        said = _run(cmd, timeout)
    if not target.is_file():
        raise PsosError(f"LibreOffice wrote no PDF for {xlsx.name}: {said.strip()}")
    return target


def _run(cmd: list[str], timeout: float) -> str:
    posix = os.name == "posix"
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"} if posix else None,
        start_new_session=posix,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:  # its own session: the group is soffice and the soffice.bin it started
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.communicate()
        raise PsosError(
            f"LibreOffice did not finish within {timeout:g} s and was stopped"
        ) from None
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise PsosError(f"LibreOffice failed (exit {proc.returncode}): {text.strip()}")
    return text
