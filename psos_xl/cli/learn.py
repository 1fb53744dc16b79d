"""Learning-loop commands: ``psos report accuracy``, and what the memory half of
``psos new scope`` shows.

``report`` is a sub-app (:data:`report_app`) so further reports (utilization, margin,
burn) register their commands on it: ``@report_app.command("burn")``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from psos_xl.cli.common import JsonOpt, PsosTyper, console, print_json
from psos_xl.cli.summary import ReportGroup

if TYPE_CHECKING:
    from psos_xl.app.memory import FromMemory

report_app = PsosTyper(
    cls=ReportGroup,
    help="Reports over the workspace's store (run psos sync first). Alone, or with only "
    "a folder: the one screen (org utilization, money to date, engagements at risk, the "
    "bench ahead, missing timesheets).",
)


def register(app: typer.Typer, new_app: typer.Typer | None = None) -> None:
    """Add ``psos report`` (with ``accuracy``) to ``app``. ``new_app`` is unused: the
    ``--like``/``--closest`` options live on ``psos new scope``, which shows what they did
    with :func:`show_from_memory`."""
    app.add_typer(report_app, name="report")

    @report_app.command("accuracy")
    def report_accuracy(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        store: Annotated[
            str | None, typer.Option(help="Store URL (default: the workspace's).")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Estimation accuracy per SKU and SKU × role: catalog vs calibrated (backtest)."""
        from psos_xl.app.accuracy import workspace_accuracy

        result = workspace_accuracy(directory, store)
        if as_json:
            print_json(result.to_json())
            return
        render_accuracy(result)


def _pct(value: Decimal | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    text = f"{value * 100:.1f} %"
    return f"+{text}" if signed and value > 0 else text


def render_accuracy(result: Any) -> None:
    """The accuracy report as two rich tables: per SKU × role, then the curve."""
    from rich import box
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text
    from psos_xl.learning import ALL

    out = console()
    report = result.report
    if not result.deliveries:
        out.print(
            f"No delivered work in the store of {result.workspace} yet: accuracy needs "
            "Completed engagements with time booked (mark a scope Completed, then psos sync)."
        )
        return
    table = Table(
        title=f"Estimation accuracy · {result.deliveries} deliveries of "
        f"{result.engagements} Completed engagements",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    text(table, "SKU")
    text(table, "Role")
    figure(table, "n")
    for who in ("Catalog", "Calibrated"):
        figure(table, f"{who}\nMMRE")
        figure(table, "\nPRED(25)")
        figure(table, "\nBias")
    for row in report.rows():
        is_sku = row["Role"] == ALL
        style = "bold" if is_sku else ""
        if row["SKU"] == ALL:
            table.add_section()
            style = "bold"
        table.add_row(
            "Total" if row["SKU"] == ALL else (row["SKU"] if is_sku else ""),
            "" if is_sku else row["Role"],
            str(row["Deliveries"]),
            _pct(row["CatalogMMRE"]),
            _pct(row["CatalogPRED25"]),
            _pct(row["CatalogBias"], signed=True),
            _pct(row["CalibratedMMRE"]),
            _pct(row["CalibratedPRED25"]),
            _pct(row["CalibratedBias"], signed=True),
            style=style,
        )
    out.print(fit(table))
    out.print()
    render_after(result)
    curve = Table(
        title="Median |RE| by earlier deliveries of the same SKU × role",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for header in ("Earlier deliveries", "Catalog", "Calibrated"):
        figure(curve, header)
    for point in result.curve:
        curve.add_row(str(point.prior), _pct(point.catalog), _pct(point.calibrated))
    out.print()
    out.print(fit(curve))
    if report.prior is None:
        k = "k learned from the firm's history (the Actuals table's CatalogWeight)"
    else:
        k = f"k = CalibrationPrior = {report.prior.normalize()}"
    out.print(
        "RE = (actual − estimate) / actual, positive when the estimate was too low. "
        "Calibrated = what pricing on P50 would have used when the engagement was scoped: "
        f"CalibratedHours = (k × catalog + n × P50) / (k + n), {k}, from the engagements "
        f"that started earlier, once a SKU × role had {result.min_deliveries} deliveries "
        "(CalibrationMinDeliveries); the catalog's hours before."
    )
    sold = result.sold
    if sold is not None and sold.total.n:
        t = sold.total
        out.print(
            f"Against what was sold ({t.n} deliverable × role lines of {sold.engagements} "
            f"Completed engagements, their baselines): MMRE {_pct(t.mmre)}, "
            f"PRED(25) {_pct(t.pred25)}, bias {_pct(t.bias, signed=True)}."
        )


def render_after(result: Any) -> None:
    """Per SKU and overall, over the deliveries with at least N earlier ones: n, median
    |RE|, bias and PRED(25) of both estimates."""
    from rich import box
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text
    from psos_xl.learning import ALL

    out = console()
    report = result.report
    least = report.min_history
    rows = [r for r in report.after if r.catalog.n]
    if not rows:
        out.print(
            f"No delivery had {least} earlier deliveries of its SKU × role yet "
            "(AccuracyMinHistory)."
        )
        return
    table = Table(
        title=f"After at least {least} earlier deliveries of the same SKU × role",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    text(table, "SKU")
    figure(table, "n")
    for who in ("Catalog", "Calibrated"):
        figure(table, f"{who}\nmedian |RE|")
        figure(table, "\nBias")
        figure(table, "\nPRED(25)")
    for row in rows:
        total = row.sku == ALL
        if total:
            table.add_section()
        table.add_row(
            "Total" if total else row.sku,
            str(row.catalog.n),
            _pct(row.catalog.median_abs),
            _pct(row.catalog.bias, signed=True),
            _pct(row.catalog.pred25),
            _pct(row.calibrated.median_abs),
            _pct(row.calibrated.bias, signed=True),
            _pct(row.calibrated.pred25),
            style="bold" if total else "",
        )
    out.print(fit(table))


def show_from_memory(made: FromMemory) -> None:
    """What ``psos new scope --like ENG`` / ``--closest`` did: the ranking, then the scope
    written (dates, what --skus changed, its two prices, what is left to do), or, with no
    engagement code, how to start one."""
    from psos_xl.app.memory import describe_matches

    screen = console()
    if made.matches:
        screen.print("Closest Completed engagements:", markup=False)
        for line in describe_matches(made.matches):
            screen.print(line, markup=False)
    if made.scope is None:
        best = made.matches[0].engagement
        screen.print(f"Pass --engagement CODE to start a scope from {best}.", markup=False)
        return
    new = made.scope
    info = new.scope.info
    screen.print(f"Scope written: {new.path} (like {new.source})", markup=False)
    start = info.start_date.isoformat() if info.start_date else "(none)"
    end = info.end_date.isoformat() if info.end_date else "(none)"
    screen.print(f"  {info.client} · {info.title} · {start} to {end}", markup=False)
    for change in new.changes:
        screen.print(f"  {change}", markup=False)
    screen.print(new.prices.sentence(), markup=False)
    if new.snapshot not in ("written", "unchanged"):
        screen.print(f"[yellow]Pricing snapshot not stored: {new.snapshot}[/]")
    for issue in new.issues:
        screen.print(str(issue), markup=False)
