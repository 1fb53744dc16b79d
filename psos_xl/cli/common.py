"""What every command shares: the Typer apps, JSON and issue printing, error exits."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from psos_xl.cli.output import console as console
from psos_xl.cli.output import interactive as interactive
from psos_xl.cli.output import print_error
from psos_xl.cli.output import print_json as print_json
from psos_xl.errors import Issue, PsosError, Severity

app = typer.Typer(
    name="psos",
    help="psos_xl: scope, price, deliver and learn, in Excel workbooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
new_app = typer.Typer(help="Create a catalog, scope or timesheet workbook.", no_args_is_help=True)
app.add_typer(new_app, name="new")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite what is there.")]
WorkspaceOpt = Annotated[
    Path, typer.Option("--workspace", "-w", help="The workspace folder.", file_okay=False)
]


def fail(err: PsosError, as_json: bool) -> typer.Exit:
    """Print ``err`` (and its issues) and return the Exit to raise."""
    print_error(err, as_json)
    return typer.Exit(err.exit_code)


_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_issues(issues: list[Issue]) -> None:
    """`workbook!sheet!cell: CODE message`, one a line, coloured by severity on a terminal."""
    from rich.markup import escape

    out = console()
    for issue in issues:
        style = _STYLE[issue.severity]
        out.print(
            f"{escape(str(issue.location))}: [{style}]{issue.code}[/] {escape(issue.message)}"
        )


def summary(issues: list[Issue]) -> str:
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    warnings = sum(1 for i in issues if i.severity is Severity.WARNING)
    return f"{errors} error(s), {warnings} warning(s)"


def find_workspace(folder: Path) -> Any:
    from psos_xl.errors import WorkspaceError
    from psos_xl.workspace import Workspace

    ws = Workspace.find(folder)
    if ws is None:
        raise WorkspaceError(f"{folder} is not inside a psos workspace (run 'psos init' first)")
    return ws


def parse_date(text: str, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PsosError(f"{option} must be a date as YYYY-MM-DD, got {text!r}") from None


def parse_enum(enum: Any, text: str, option: str) -> Any:
    for member in enum:
        if member.value.casefold() == text.casefold():
            return member
    allowed = ", ".join(m.value for m in enum)
    raise PsosError(f"{option} must be one of {allowed}, got {text!r}")
