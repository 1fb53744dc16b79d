"""Tables on the terminal that never cut a figure.

A rich table wider than the terminal (or than 80 columns in a pipe) shrinks its columns
and cuts what no longer fits with an ellipsis: ``96,830.…`` would be a wrong number. So
every table psos prints declares each column as a figure or as text: a figure (money,
hours, a percentage, a count, a date) is never wrapped nor cut and is at least as wide
as its widest value; text (a name, a code, a description) takes what room is left and
folds onto further lines when there is not enough. When the figures alone are wider
than the terminal, the table is wider than the terminal (psos' console never crops): a
line then wraps where the terminal wraps it, and no figure loses a digit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table


def figure(table: Table, header: str, **options: Any) -> None:
    """Add a figure column: right-aligned, never wrapped nor cut."""
    options.setdefault("justify", "right")
    table.add_column(header, no_wrap=True, **options)


def text(table: Table, header: str, **options: Any) -> None:
    """Add a text column: it shrinks first, folding its text onto further lines."""
    table.add_column(header, overflow="fold", **options)


TEXT_MIN = 8  # what a text column keeps however narrow the terminal (folding the rest)


def fit(table: Table, width: int | None = None) -> Table:
    """Make each figure column as wide as its widest value or header line, and keep each
    text column at least :data:`TEXT_MIN` wide (or as wide as its header and values, when
    less); call it once the rows are in, before printing on a terminal ``width`` wide (by
    default the console's). When even that does not fit, the table is made as wide as it
    needs: rich would otherwise shrink every column alike, figures and all."""
    needed = table._extra_width
    for index, column in enumerate(table.columns):
        widest = max([_width(cell) for cell in column.cells], default=0)
        if column.no_wrap:
            column.min_width = max(widest, _width(column.header))
        else:
            column.min_width = min(max(widest, _width(column.header), 1), TEXT_MIN)
        needed += column.min_width + table._get_padding_width(index)
    if width is None:
        from psos_xl.cli.output import console

        width = console().width
    if needed > width:
        table.width = needed
    return table


def _width(cell: Any) -> int:
    """The widest line of ``cell`` on the terminal."""
    from rich.text import Text

    if isinstance(cell, str):
        cell = Text.from_markup(cell)
    if isinstance(cell, Text):
        return max((line.cell_len for line in cell.split()), default=0)
    return 0
