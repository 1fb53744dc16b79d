"""How `psos demo` shows what the loop did: a few short tables a partner can read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from psos_xl.app.demo import DemoRun, Step
from psos_xl.cli.common import console, interactive
from psos_xl.errors import Severity


@contextmanager
def progress() -> Iterator[Step]:
    """A spinner naming the current step on a terminal; silence in a pipe."""
    if not interactive():
        yield lambda _text: None
        return
    with console(stderr=True).status("Starting") as status:
        yield lambda text: status.update(f"{text}…")


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


def render(run: DemoRun) -> None:
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    out = console()
    for line in run.summary.lines()[:-1]:
        out.print(line)

    priced = Table(title="Every scope priced (snapshot stored in its Pricing sheet)")
    for head in ("Engagement", "Status", "Billing model"):
        text(priced, head)
    for head in ("Hours", "Price", "Margin"):
        figure(priced, head)
    for p in run.priced:
        priced.add_row(
            p.engagement,
            p.status,
            p.billing_model,
            _money(p.hours),
            f"{_money(p.price)} {p.currency}",
            _pct(p.margin),
        )
    out.print(fit(priced))
    _sync_lines(out, run)
    _learned(out, run)
    _burn(out, run)
    for path in run.quote_files:
        out.print(f"Client quote: {path}")
    if run.dashboard is not None:
        out.print(f"Dashboard: {run.dashboard}", soft_wrap=True, markup=False)
    for issue in _dashboard_issues(run):
        out.print(f"Dashboard not written: {issue}", soft_wrap=True, markup=False)
    if run.quote_note:
        out.print(run.quote_note)
    out.print(
        f"Next: open {run.summary.root / 'catalog.xlsx'} (sheet Actuals) and a scope's Delivery "
        f"sheet; then try  psos validate {run.summary.root}  and  psos sync {run.summary.root}"
    )


def _dashboard_issues(run: DemoRun) -> list[Any]:
    """What kept the sync from writing the dashboard, when it did not."""
    from psos_xl.demo.build import DASHBOARD

    if run.dashboard is not None or run.sync is None:
        return []
    return [i for i in run.sync.issues if i.location.workbook == DASHBOARD]


def _sync_lines(out: Any, run: DemoRun) -> None:
    if run.sync is None:
        return
    data = run.sync.to_json()
    out.print(
        f"Sync: {data['scanned']} workbooks scanned, {data['read']} read, "
        f"{data['skipped']} skipped, {data['rows']} rows "
        f"stored, {data['rejected_rows']} row(s) rejected, {len(data['written_back'])} "
        "workbook(s) written back"
    )
    for issue in run.sync.issues if hasattr(run.sync, "issues") else []:
        if issue.severity is Severity.ERROR:
            out.print(f"  rejected: {issue}")
    if run.resync is not None:
        again = run.resync.to_json()
        out.print(
            f"Sync again: {again['read']} read, {len(again['written_back'])} written: "
            "nothing changed, nothing counted twice"
        )


def _learned(out: Any, run: DemoRun) -> None:
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    if not run.actuals:
        return
    table = Table(title="What delivery taught the catalog (Actuals, most biased first)")
    for head in (
        "SKU",
        "Role",
        "Catalog h",
        "Deliveries",
        "P50 h",
        "P80 h",
        "Bias",
        "Calibrated h",
    ):
        (text if head in ("SKU", "Role") else figure)(table, head)
    for a in run.actuals[:8]:
        table.add_row(
            a.sku,
            a.role,
            _money(a.catalog_hours),
            str(a.deliveries),
            _money(a.p50_hours),
            _money(a.p80_hours),
            _pct(a.bias_pct),
            _money(a.calibrated_hours),
        )
    out.print(fit(table))


def _burn(out: Any, run: DemoRun) -> None:
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    if not run.burn:
        return
    table = Table(title=f"Burn of {run.burn_engagement} (its Delivery sheet)")
    for head in ("Deliverable", "Role", "Estimated h", "Actual h", "Burn", "Alert"):
        if head in ("Deliverable", "Role"):
            text(table, head)
        else:
            figure(table, head, justify="left" if head == "Alert" else "right")
    for d in run.burn:
        table.add_row(
            d.deliverable,
            d.role,
            _money(d.estimated_hours),
            _money(d.actual_hours),
            _pct(d.burn_pct),
            d.alert,
        )
    out.print(fit(table))
