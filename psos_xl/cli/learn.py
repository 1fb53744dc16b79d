"""Learning-loop commands: ``psos report accuracy``, and the memory half of ``psos new scope``.

``report`` is a sub-app (:data:`report_app`) so further reports (utilization, margin,
burn) register their commands on it: ``@report_app.command("burn")``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from psos_xl.cli.common import JsonOpt, PsosTyper, console, find_workspace, print_json
from psos_xl.errors import PsosError

report_app = PsosTyper(
    help="Reports over the workspace's store (run psos sync first).", no_args_is_help=True
)


def register(app: typer.Typer, new_app: typer.Typer | None = None) -> None:
    """Add ``psos report`` (with ``accuracy``) to ``app``. ``new_app`` is unused: the
    ``--like``/``--closest`` options live on ``psos new scope`` and call
    :func:`new_scope_from_memory`."""
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
    for header in ("SKU", "Role", "n"):
        table.add_column(header, justify="right" if header == "n" else "left")
    for who in ("Catalog", "Calibrated"):
        table.add_column(f"{who}\nMMRE", justify="right")
        table.add_column("\nPRED(25)", justify="right")
        table.add_column("\nBias", justify="right")
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
    out.print(table)
    curve = Table(
        title="Median |RE| by earlier deliveries of the same SKU × role",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    curve.add_column("Earlier deliveries", justify="right")
    curve.add_column("Catalog", justify="right")
    curve.add_column("Calibrated", justify="right")
    for point in result.curve:
        curve.add_row(str(point.prior), _pct(point.catalog), _pct(point.calibrated))
    out.print()
    out.print(curve)
    out.print(
        f"RE = (actual − estimate) / actual, positive when the estimate was too low; "
        f"calibrated = (k × catalog + n × P50) / (k + n), k = {report.prior.normalize()}, over the "
        "engagements that started earlier."
    )


def new_scope_from_memory(
    workspace: Path,
    engagement: str,
    like: str,
    closest: bool,
    skus: str,
    client: str,
    title: str,
    start: date | None,
    end: date | None,
    out: Path | None,
    force: bool,
) -> None:
    """The body of ``psos new scope --like ENG`` / ``--closest``: prints what it did.

    ``--closest`` without ``--engagement`` only prints the ranking."""
    from psos_xl.app.accuracy import MemoryScope, describe_matches, scope_like
    from psos_xl.app.accuracy import closest as rank
    from psos_xl.app.new import workspace_catalog

    screen = console()
    ws = find_workspace(workspace)
    if closest:
        matches = rank(ws, workspace_catalog(ws), skus, client)
        if not matches:
            raise PsosError(f"{ws.root} has no Completed engagement to start from")
        screen.print("Closest Completed engagements:")
        for line in describe_matches(matches):
            screen.print(line)
        if not engagement.strip():
            screen.print(f"Pass --engagement CODE to start a scope from {matches[0].engagement}.")
            return
        like = matches[0].engagement
        made: MemoryScope = scope_like(
            ws, like, engagement, start, end, client or None, title or None, out, force, matches
        )
    else:
        if not engagement.strip():
            raise PsosError("--like needs --engagement for the new scope's code")
        made = scope_like(
            ws, like, engagement, start, end, client or None, title or None, out, force
        )
    screen.print(f"Scope written: {made.path} (like {made.source})")
    screen.print(made.prices.sentence())
    if made.snapshot not in ("written", "unchanged"):
        screen.print(f"[yellow]Pricing snapshot not stored: {made.snapshot}[/]")
