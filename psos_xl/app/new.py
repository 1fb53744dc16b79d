"""New workbooks for a workspace: what ``psos new catalog|scope|timesheet`` creates.

A new scope or timesheet gets its dropdowns from the workspace: roles, SKUs,
complexity levels and risks from the catalog, and, for timesheets, the engagements
that can take time (scopes with Status Sold or Active, plus LEAVE and INTERNAL) with
their deliverables. Nothing here overwrites a file unless asked to.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from psos_xl import models as m
from psos_xl.errors import PsosError
from psos_xl.workspace import Workspace, path_at

if TYPE_CHECKING:
    from psos_xl.workbook.writers import Lists

_UNSAFE = set('/\\:*?"<>|')


class NewWorkbookError(PsosError):
    """A new workbook cannot be created as asked."""


class CatalogMissingError(NewWorkbookError):
    """The workspace has no readable catalog to take the dropdowns from."""


class WorkbookExistsError(NewWorkbookError):
    """The target file exists and overwriting was not asked for."""


def _check_target(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise WorkbookExistsError(
            f"{path} already exists: refusing to overwrite it (ask to overwrite to replace it)"
        )


def _code(value: str, what: str) -> str:
    code = value.strip()
    if not code:
        raise NewWorkbookError(f"{what} must not be empty")
    bad = sorted(_UNSAFE.intersection(code))
    if bad:
        raise NewWorkbookError(
            f"{what} {code!r} holds {' '.join(bad)}: codes name files, use letters, "
            "digits, '-' and '_'"
        )
    return code


def workspace_catalog(ws: Workspace) -> m.Catalog:
    """The workspace's catalog as it counts (its rows with an error left out, as sync
    stores it), or CatalogMissingError saying what to do."""
    from psos_xl.loader import counted_catalog, load

    path = ws.catalog_path
    if not path.is_file():
        raise CatalogMissingError(
            f"the workspace {ws.root} has no catalog (looked for {path}): "
            "create one with 'psos new catalog'"
        )
    catalog, issues = load(path, ws.display(path), m.Kind.CATALOG)
    if not isinstance(catalog, m.Catalog):
        reason = "; ".join(str(i) for i in issues) or "unreadable"
        raise CatalogMissingError(f"the workspace's catalog cannot be read: {reason}")
    return counted_catalog(catalog, issues)


def workspace_scopes(ws: Workspace) -> Iterator[tuple[Path, m.Scope]]:
    """Every scope workbook of the workspace (recognised by its marker) with its model."""
    from psos_xl.loader import Folder

    folder = Folder(ws.root)
    for rel, scope in folder.scopes():
        yield path_at(folder.root, rel), scope


def workspace_lists(ws: Workspace, catalog: m.Catalog) -> Lists:
    """Dropdown values for the workspace: the catalog's codes, and the engagements of
    its Sold and Active scopes with their deliverables, then LEAVE and INTERNAL. The
    scopes are those a sync counts, with their rows that count, so a timesheet offers
    what sync accepts."""
    from psos_xl.loader import Folder
    from psos_xl.workbook.writers import Lists

    counted = Folder(ws.root).counted_scopes()
    return Lists.from_catalog(catalog, (scope for _rel, scope in counted))


def new_catalog(path: Path, overwrite: bool = False) -> Path:
    """A fresh catalog at ``path``, like the template: default complexity levels and
    settings, one example role, service and risk."""
    from psos_xl.workbook.templates import template_catalog
    from psos_xl.workbook.writers import write_catalog

    _check_target(path, overwrite)
    return write_catalog(path, template_catalog())


def new_scope(
    ws: Workspace,
    engagement: str,
    client: str = "",
    title: str = "",
    start: date | None = None,
    end: date | None = None,
    billing_model: m.BillingModel = m.BillingModel.TIME_AND_MATERIALS,
    out: Path | None = None,
    overwrite: bool = False,
) -> Path:
    """A Draft scope for ``engagement`` (default ``<scopes>/<engagement>.xlsx``) with
    dropdowns from the workspace's catalog."""
    from psos_xl.workbook.writers import write_scope

    code = _code(engagement, "the engagement code")
    if code.upper() in m.RESERVED_ENGAGEMENTS:
        raise NewWorkbookError(f"{code} is a reserved engagement and needs no scope")
    if start and end and end < start:
        raise NewWorkbookError(f"the end date {end} falls before the start date {start}")
    target = out or ws.scopes_dir / f"{code}.xlsx"
    _check_target(target, overwrite)
    catalog = workspace_catalog(ws)
    for path, existing in workspace_scopes(ws):
        if existing.info.engagement.casefold() == code.casefold() and (
            path.resolve() != target.resolve()
        ):
            raise NewWorkbookError(f"engagement {code} already has a scope: {ws.display(path)}")
    scope = m.Scope(
        info=m.ScopeInfo(
            engagement=code,
            client=client,
            title=title,
            start_date=start,
            end_date=end,
            billing_model=billing_model,
            status=m.Status.DRAFT,
            estimate_basis=m.EstimateBasis.CATALOG,
            currency=catalog.settings.currency,
        )
    )
    return write_scope(target, scope, catalog)


def person_name(catalog: m.Catalog, person: str) -> str:
    """The person's name from the catalog's People table ("" when not listed)."""
    for row in catalog.people:
        if row.person.casefold() == person.casefold():
            return row.name
    return ""


def check_person(ws: Workspace, catalog: m.Catalog, person: str) -> None:
    """NewWorkbookError when the catalog lists People and ``person`` is not among them:
    sync would reject every row of the timesheet (UNKNOWN_PERSON)."""
    from psos_xl.rules import unknown

    codes = [p.person for p in catalog.people]
    if not codes or person in codes:
        return
    table = f"the catalog's People table ({ws.display(ws.catalog_path)})"
    raise NewWorkbookError(
        f"{unknown('person', person, codes, table)}: a timesheet of theirs could not "
        "book; add them to People first"
    )


def new_timesheet(
    ws: Workspace,
    person: str,
    week: date,
    out: Path | None = None,
    overwrite: bool = False,
) -> Path:
    """One person's week (default ``<timesheets>/<person>/<person>-<monday>.xlsx``),
    with dropdowns for the workspace's bookable engagements and the catalog's roles.
    A person the catalog's People does not list is refused (when it lists anyone)."""
    from psos_xl.workbook.writers import write_timesheet

    code = _code(person, "the person code")
    if week.weekday() != 0:
        monday = week - timedelta(days=week.weekday())
        raise NewWorkbookError(
            f"the week must start on a Monday: {week} is a {week.strftime('%A')}; "
            f"its week starts on {monday}"
        )
    target = out or ws.timesheets_dir / code / f"{code}-{week.isoformat()}.xlsx"
    _check_target(target, overwrite)
    catalog = workspace_catalog(ws)
    check_person(ws, catalog, code)
    lists = workspace_lists(ws, catalog)
    sheet = m.Timesheet(person=code, week=week)
    return write_timesheet(target, sheet, lists, person_name(catalog, code))
