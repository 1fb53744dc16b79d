"""``psos sync`` run before the command line is built.

Building the Typer application imports typer (with the click it carries) and every
command's options: more than a third of what a sync with nothing to do takes in all
(:func:`psos_xl.sync.quick.quick_sync`). :func:`answer` reads the command line with the
declaration the Typer command is built from (:data:`psos_xl.cli.spec.SYNC`, read by
:func:`psos_xl.cli.spec.parse`) and runs it through the very function the Typer command
calls (:func:`psos_xl.cli.output.sync_command`); a PsosError is reported by the same
:func:`psos_xl.cli.output.print_error` as every command's. Anything it does not read
(help, another command, an option it cannot parse as click would, a folder that is not
there) is left to the command line.
"""

from __future__ import annotations

from typing import Any

from psos_xl.cli.spec import SYNC
from psos_xl.cli.spec import parse as parse_command


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The values of a plain ``psos sync`` by parameter name (None for anything else)."""
    return parse_command(SYNC, argv)


def answer(argv: list[str]) -> int | None:
    """Run ``psos <argv>`` if it is a plain sync: its exit code; else None."""
    values = parse(argv)
    if values is None or not values["directory"].is_dir():
        return None
    from psos_xl.cli.output import print_error, sync_command
    from psos_xl.errors import PsosError

    try:
        return sync_command(**values)
    except PsosError as err:
        return print_error(err, values["as_json"])
