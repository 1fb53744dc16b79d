"""Workspace and workbook commands: init, demo, new, validate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from psos_xl.cli.common import (
    ForceOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    parse_date,
    parse_enum,
    print_issues,
    print_json,
    summary,
)
from psos_xl.errors import PsosError


def register(app: typer.Typer, new_app: typer.Typer) -> None:
    @app.command()
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
        name: Annotated[str, typer.Option(help="The firm's name.")] = "",
        force: ForceOpt = False,
    ) -> None:
        """Create a workspace: psos.toml, a sample catalog, scopes/ and timesheets/."""
        from psos_xl.app.init import create_workspace

        ws = create_workspace(directory, name=name, force=force)
        out = console()
        out.print(f"Workspace [bold]{ws.name}[/] created in {ws.root}")
        out.print(f"  catalog:    {ws.display(ws.catalog_path)}")
        out.print(f"  scopes:     {ws.display(ws.scopes_dir)}/")
        out.print(f"  timesheets: {ws.display(ws.timesheets_dir)}/")
        out.print(f"Next: psos new scope --workspace {directory} --engagement ACME-01")

    @app.command()
    def demo(
        directory: Annotated[Path, typer.Argument(help="Folder for the demo firm.")] = Path(
            "demo-workspace"
        ),
        force: ForceOpt = False,
        simulate: Annotated[
            bool,
            typer.Option(
                "--simulate",
                help="Instead: two years of a simulated firm through the whole loop, "
                "showing how calibrated estimates beat the catalog (writes accuracy.xlsx).",
            ),
        ] = False,
        as_of: Annotated[
            str,
            typer.Option(
                "--as-of",
                help="The day the demo firm is built for (YYYY-MM-DD; default today): its "
                "time ends with the last complete week before it.",
            ),
        ] = "",
        as_json: JsonOpt = False,
    ) -> None:
        """Build a demo firm, then run the loop on it: price, sync, quote; show the result."""
        from psos_xl.cli.demo_view import progress, render

        if simulate:
            _simulate(directory, force, as_json)
            return
        from datetime import date

        from psos_xl.app.demo import run_demo

        day = parse_date(as_of, "--as-of") or date.today()
        with progress() as step:
            run = run_demo(directory, force=force, step=step, today=day)
        if as_json:
            print_json(run.to_json())
            return
        render(run)

    def _simulate(directory: Path, force: bool, as_json: bool) -> None:
        from psos_xl.app.demo import simulate_firm
        from psos_xl.cli.demo_view import progress

        with progress() as step:
            result = simulate_firm(
                directory,
                force=force,
                progress=lambda done, total, code: step(f"Engagement {done}/{total} ({code})"),
            )
        if as_json:
            print_json(result.to_json())
            return
        for line in result.lines():
            console().print(line)

    @new_app.command("catalog")
    def new_catalog(
        path: Annotated[Path, typer.Argument(help="Where to write the catalog workbook.")] = Path(
            "catalog.xlsx"
        ),
        force: ForceOpt = False,
    ) -> None:
        """A fresh catalog workbook, like the template."""
        from psos_xl.app.new import new_catalog as build

        written = build(path, overwrite=force)
        console().print(f"Catalog written: {written}")

    @new_app.command("scope")
    def new_scope(
        engagement: Annotated[str, typer.Option(help="Engagement code, e.g. ACME-01.")] = "",
        workspace: WorkspaceOpt = Path(),
        like: Annotated[
            str, typer.Option("--like", help="Copy this Completed engagement's scope.")
        ] = "",
        closest: Annotated[
            bool,
            typer.Option("--closest", help="Start from the closest Completed engagement."),
        ] = False,
        skus: Annotated[
            str,
            typer.Option(
                help="With --like/--closest: the new work as SKU:QTY,SKU (e.g. MIGR:3,TEST; "
                "a SKU without :QTY keeps the copied quantity). Its SKUs, with these "
                "quantities, are the new scope's deliverables; --closest ranks by them."
            ),
        ] = "",
        client: Annotated[
            str,
            typer.Option(help="Client name (--like/--closest: else <client>, to replace)."),
        ] = "",
        title: Annotated[
            str,
            typer.Option(help="Engagement title (--like/--closest: else <title>, to replace)."),
        ] = "",
        start: Annotated[
            str,
            typer.Option(help="StartDate, YYYY-MM-DD (--like/--closest: default the next Monday)."),
        ] = "",
        end: Annotated[
            str,
            typer.Option(
                help="EndDate, YYYY-MM-DD (--like/--closest: default StartDate plus the "
                "copied engagement's duration)."
            ),
        ] = "",
        billing_model: Annotated[
            str, typer.Option(help="TimeAndMaterials, FixedFee, Milestone or Retainer.")
        ] = "TimeAndMaterials",
        out: Annotated[Path | None, typer.Option(help="Output path.")] = None,
        force: ForceOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        """A new scope workbook with dropdowns filled from the workspace's catalog;
        --like ENG or --closest start it from a delivered engagement, priced both ways."""
        from psos_xl.app.init import find_workspace
        from psos_xl.app.new import new_scope as build
        from psos_xl.models import BillingModel

        if like or closest:
            from psos_xl.app.memory import new_scope_from_memory
            from psos_xl.cli.learn import show_from_memory

            made = new_scope_from_memory(
                workspace,
                engagement,
                like=like,
                nearest=closest,
                skus=skus,
                client=client,
                title=title,
                start=parse_date(start, "--start"),
                end=parse_date(end, "--end"),
                out=out,
                overwrite=force,
            )
            if as_json:
                print_json(made.to_json())
            else:
                show_from_memory(made)
            return
        if not engagement.strip():
            raise PsosError("--engagement is required (or use --like ENG / --closest)")
        ws = find_workspace(workspace)
        model = parse_enum(BillingModel, billing_model, "--billing-model")
        path = build(
            ws,
            engagement,
            client=client,
            title=title,
            start=parse_date(start, "--start"),
            end=parse_date(end, "--end"),
            billing_model=model,
            out=out,
            overwrite=force,
        )
        if as_json:
            print_json({"path": str(path)})
            return
        console().print(f"Scope written: {path}")

    @new_app.command("timesheet")
    def new_timesheet(
        person: Annotated[str, typer.Option(help="Person code from the catalog's People.")],
        week: Annotated[str, typer.Option(help="The week's Monday, YYYY-MM-DD.")],
        workspace: WorkspaceOpt = Path(),
        out: Annotated[Path | None, typer.Option(help="Output path.")] = None,
        force: ForceOpt = False,
    ) -> None:
        """A weekly timesheet with dropdowns of roles, engagements and deliverables."""
        from psos_xl.app.init import find_workspace
        from psos_xl.app.new import new_timesheet as build

        ws = find_workspace(workspace)
        monday = parse_date(week, "--week")
        assert monday is not None
        path = build(ws, person, monday, out=out, overwrite=force)
        console().print(f"Timesheet written: {path}")

    @app.command()
    def validate(
        paths: Annotated[list[Path], typer.Argument(help="Workbooks or folders to check.")],
        catalog: Annotated[
            Path | None, typer.Option(help="Catalog to check scopes and timesheets against.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Check workbooks of any kind; print every issue as workbook!sheet!cell: CODE message."""
        from psos_xl.app.validate import validate

        checked = validate(paths, catalog_path=catalog)
        issues = checked.issues
        if as_json:
            print_json(checked.to_json())
        else:
            print_issues(issues)
            if sys.stdout.isatty() or not issues:
                console().print("OK" if not issues else summary(issues))
        raise typer.Exit(checked.exit_code)
