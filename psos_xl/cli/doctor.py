"""``psos doctor``: what in the workspace needs doing, and how to do it.

Prints each finding as its location, code and what is wrong, then the fix; ``--json``
prints :meth:`psos_xl.app.doctor.Checkup.to_json`. Exit 0 when all is well, 1 when
something needs doing, 2 when it could not run (the one handler reports why).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import JsonOpt, console, print_json
from psos_xl.errors import Severity

if TYPE_CHECKING:
    from psos_xl.app.doctor import Checkup

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(
        directory: Annotated[
            Path, typer.Argument(help="The workspace folder (default: here).", file_okay=False)
        ] = Path(),
        store: Annotated[
            str | None,
            typer.Option("--store", help="Store URL (default: psos.toml's store, else .psos)."),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Check the workspace and its store: damage, leftovers, stale locks, workbooks
        that need fixing; each finding with how to fix it. Exit 1 when something needs
        doing."""
        from psos_xl.app.doctor import doctor as run

        checkup = run(directory, store)
        if as_json:
            print_json(checkup.to_json())
        else:
            render(checkup)
        raise typer.Exit(checkup.exit_code)


def render(checkup: Checkup) -> None:
    """Each finding: ``location: CODE what is wrong``, then its details and the fix."""
    from rich.markup import escape

    out = console()
    for f in checkup.findings:
        style = _STYLE[f.severity]
        out.print(f"{escape(f.location)}: [{style}]{f.code}[/] {escape(f.message)}")
        for line in f.details:
            out.print(f"    {line}", markup=False)
        out.print(f"  [bold]fix:[/] {escape(f.fix)}")
    todo = sum(1 for f in checkup.findings if f.needs_doing)
    notes = len(checkup.findings) - todo
    if not todo:
        out.print("All well." + (f" ({notes} note(s) above.)" if notes else ""))
    else:
        out.print(f"{todo} thing(s) need doing" + (f", {notes} note(s)." if notes else "."))
