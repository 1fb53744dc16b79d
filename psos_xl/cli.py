"""The `psos` command line: a thin layer over the library.

Commands parse arguments, call one library function, and print its result: a readable
table on a terminal, the same data as JSON with ``--json``. Heavy libraries (openpyxl,
pandas) are imported inside the commands that need them, so start-up stays light.
Exit codes: 0 clean, 1 issues were reported, 2 the command could not run.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from psos_xl.errors import Issue, PsosError, Severity, has_errors

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


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _fail(err: PsosError, as_json: bool) -> None:
    issues = getattr(err, "issues", [])
    if as_json:
        _print_json({"error": str(err), "issues": [i.to_dict() for i in issues]})
    else:
        console = _console(stderr=True)
        console.print(f"[bold red]error:[/] {err}")
        for issue in issues:
            console.print(f"  {issue}")
    raise typer.Exit(err.exit_code)


_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_issues(issues: list[Issue]) -> None:
    """`workbook!sheet!cell: CODE message`, one a line, coloured by severity on a terminal."""
    from rich.markup import escape

    console = _console()
    for issue in issues:
        style = _STYLE[issue.severity]
        console.print(f"{escape(issue.location)}: [{style}]{issue.code}[/] {escape(issue.message)}")


def _summary(issues: list[Issue]) -> str:
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    warnings = sum(1 for i in issues if i.severity is Severity.WARNING)
    return f"{errors} error(s), {warnings} warning(s)"


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
    name: Annotated[str, typer.Option(help="The firm's name.")] = "",
    force: ForceOpt = False,
) -> None:
    """Create a workspace: psos.toml, a sample catalog, scopes/ and timesheets/."""
    from psos_xl.sample import init_workspace

    try:
        ws = init_workspace(directory, name=name, force=force)
    except PsosError as err:
        _fail(err, False)
    console = _console()
    console.print(f"Workspace [bold]{ws.name}[/] created in {ws.root}")
    console.print(f"  catalog:    {ws.display(ws.catalog_path)}")
    console.print(f"  scopes:     {ws.display(ws.scopes_dir)}/")
    console.print(f"  timesheets: {ws.display(ws.timesheets_dir)}/")
    console.print(f"Next: psos new scope --workspace {directory} --engagement ACME-01")


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo firm.")] = Path(
        "demo-workspace"
    ),
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a demo firm (catalog, engagements, weeks of timesheets) and show what is in it."""
    from psos_xl.demo import build_demo

    try:
        summary = build_demo(directory, force=force)
    except PsosError as err:
        _fail(err, as_json)
    if as_json:
        _print_json(summary.to_json() if hasattr(summary, "to_json") else vars(summary))
        return
    console = _console()
    for line in summary.lines():
        console.print(line)


@new_app.command("catalog")
def new_catalog(
    path: Annotated[Path, typer.Argument(help="Where to write the catalog workbook.")] = Path(
        "catalog.xlsx"
    ),
    force: ForceOpt = False,
) -> None:
    """A fresh catalog workbook, like the template."""
    from psos_xl.newbook import new_catalog as build

    if path.exists() and not force:
        _fail(PsosError(f"{path} exists; use --force to overwrite it"), False)
    out = build(path)
    _console().print(f"Catalog written: {out}")


@new_app.command("scope")
def new_scope(
    engagement: Annotated[str, typer.Option(help="Engagement code, e.g. ACME-01.")],
    workspace: WorkspaceOpt = Path(),
    client: Annotated[str, typer.Option(help="Client name.")] = "",
    title: Annotated[str, typer.Option(help="Engagement title.")] = "",
    start: Annotated[str, typer.Option(help="StartDate, YYYY-MM-DD.")] = "",
    end: Annotated[str, typer.Option(help="EndDate, YYYY-MM-DD.")] = "",
    billing_model: Annotated[
        str, typer.Option(help="TimeAndMaterials, FixedFee, Milestone or Retainer.")
    ] = "TimeAndMaterials",
    out: Annotated[Path | None, typer.Option(help="Output path.")] = None,
    force: ForceOpt = False,
) -> None:
    """A new scope workbook with dropdowns filled from the workspace's catalog."""
    from psos_xl.models import BillingModel
    from psos_xl.newbook import new_scope as build

    try:
        ws = _workspace(workspace)
        model = _enum(BillingModel, billing_model, "--billing-model")
        path = build(
            ws,
            engagement,
            client=client,
            title=title,
            start=_date(start, "--start"),
            end=_date(end, "--end"),
            billing_model=model,
            out=out,
            overwrite=force,
        )
    except PsosError as err:
        _fail(err, False)
    _console().print(f"Scope written: {path}")


@new_app.command("timesheet")
def new_timesheet(
    person: Annotated[str, typer.Option(help="Person code from the catalog's People.")],
    week: Annotated[str, typer.Option(help="The week's Monday, YYYY-MM-DD.")],
    workspace: WorkspaceOpt = Path(),
    out: Annotated[Path | None, typer.Option(help="Output path.")] = None,
    force: ForceOpt = False,
) -> None:
    """A weekly timesheet with dropdowns of roles, engagements and deliverables."""
    from psos_xl.newbook import new_timesheet as build

    try:
        ws = _workspace(workspace)
        monday = _date(week, "--week")
        assert monday is not None
        path = build(ws, person, monday, out=out, overwrite=force)
    except PsosError as err:
        _fail(err, False)
    _console().print(f"Timesheet written: {path}")


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Workbooks or folders to check.")],
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog to check scopes and timesheets against.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check workbooks of any kind; print every issue as workbook!sheet!cell: CODE message."""
    from psos_xl.validate import validate_paths

    try:
        issues = validate_paths(paths, catalog_path=catalog)
    except PsosError as err:
        _fail(err, as_json)
    if as_json:
        _print_json({"issues": [i.to_dict() for i in issues]})
    else:
        print_issues(issues)
        if sys.stdout.isatty() or not issues:
            _console().print("OK" if not issues else _summary(issues))
    raise typer.Exit(1 if has_errors(issues) else 0)


def _workspace(folder: Path) -> Any:
    from psos_xl.errors import WorkspaceError
    from psos_xl.workspace import Workspace

    ws = Workspace.find(folder)
    if ws is None:
        raise WorkspaceError(f"{folder} is not inside a psos workspace (run 'psos init' first)")
    return ws


def _date(text: str, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PsosError(f"{option} must be a date as YYYY-MM-DD, got {text!r}") from None


def _enum(enum: Any, text: str, option: str) -> Any:
    for member in enum:
        if member.value.casefold() == text.casefold():
            return member
    allowed = ", ".join(m.value for m in enum)
    raise PsosError(f"{option} must be one of {allowed}, got {text!r}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
