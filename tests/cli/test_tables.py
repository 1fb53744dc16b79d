"""On a terminal of 80 columns, or in a pipe, money is never cut: tables shrink and fold
their text columns, never a figure."""

from __future__ import annotations

import copy
import io
import itertools
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from cli.run import psos, psos_json
from psos_xl.cli.tables import figure, fit, text

ELLIPSIS = "…"


def _big_scope(root: Path) -> Path:
    """A Milestone scope of six-figure lines, with deliverable names and descriptions
    long enough that the lines table cannot fit 80 columns unshrunk."""
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    tables = copy.deepcopy(SCOPE_TABLES)
    for row in tables["ScopeInfo"][1:]:
        if row[0] == "BillingModel":
            row[1] = "Milestone"
    tables["Deliverables"][1:] = [
        ["Discovery-and-blueprint", "DISC", "Kick-off", 40, "Medium", "", "M1 Blueprint"],
        ["Platform-build-sprints", "BUILD", "Sprints", 55, "High", "NEWTECH", "M2 Build"],
    ]
    tables["Overrides"][1:] = []
    (root / "scopes").mkdir(parents=True)
    return make_workbook(root / "scopes" / "big.xlsx", "scope", tables)


def _money(text: str) -> str:
    return f"{Decimal(text):,.2f}"


def test_every_figure_of_a_price_is_whole_at_80_columns_in_a_pipe(tmp_path: Path) -> None:
    scope = _big_scope(tmp_path)
    data = psos_json("price", scope)
    run = psos("price", scope, env={"COLUMNS": "80"})
    assert run.returncode == 0, run.stderr
    out = run.stdout
    figures = [data[k] for k in ("hours", "cost", "list", "price")]
    for line in data["lines"]:
        figures += [line["hours"], line["cost"], line["list"]]
    figures += [m["price"] for m in data["milestones"]]
    assert Decimal(data["list"]) > 100_000  # wide enough to have been cut before
    for value in figures:
        assert _money(value) in out, value
    for line in data["lines"]:
        assert line["rate_from"] in out
    assert ELLIPSIS not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    # a long deliverable name folds onto a further line, whole
    lines = out.splitlines()
    first, second = next((a, b) for a, b in itertools.pairwise(lines) if "DISC" in a)
    assert (first.split()[0] + second.split()[0]) == "Discovery-and-blueprint"


def _render(table: Table, width: int) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, soft_wrap=True).print(fit(table, width))
    return buffer.getvalue()


def _table() -> Table:
    table = Table(title="Burn")
    text(table, "Deliverable")
    text(table, "Description")
    figure(table, "Estimated hours")
    figure(table, "Cost")
    figure(table, "List")
    table.add_row("D1-a-long-code", "what the client gets", "1,234.50", "123,456.78", "2,469.00")
    table.add_row("D2", "more", "0.75", "9,876,543.21", "12.00")
    return table


def test_figures_stay_whole_and_text_folds_when_the_table_is_too_wide() -> None:
    for width in (80, 60, 40):
        out = _render(_table(), width)
        for value in ("1,234.50", "123,456.78", "9,876,543.21", "2,469.00", "Estimated hours"):
            assert value in out, (width, value)
        assert ELLIPSIS not in out, width
        assert "D1-a-lon" in out, width  # text keeps 8 columns, however narrow
    wide = _render(_table(), 120)
    assert "what the client gets" in wide and "D1-a-long-code" in wide


def test_figures_alone_wider_than_the_terminal_widen_the_table() -> None:
    table = Table()
    text(table, "What")
    for n in range(6):
        figure(table, f"Figure {n}")
    table.add_row("x", *[f"{n}23,456,789.01" for n in range(1, 7)])
    out = _render(table, 40)
    for n in range(1, 7):
        assert f"{n}23,456,789.01" in out
