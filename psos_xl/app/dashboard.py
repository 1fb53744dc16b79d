"""``psos report dashboard`` and the dashboard sync keeps (DESIGN §13).

The dashboard workbook (:mod:`psos_xl.workbook.dashboard`) shows the reports
:data:`SOURCES` lists, each read from the store as its own command reads it, as of one
day. With ``dashboard = "dashboard.xlsx"`` in psos.toml, ``psos sync`` and ``psos watch``
refresh it (:func:`refresh_after_sync`) after a run that changed what the store holds,
when it is missing, or when it was last written on an earlier day; the scan leaves it
out (:func:`psos_xl.workspace.own_outputs`), so writing it never makes work for the next
sync. A dashboard open in Excel or LibreOffice is not written: the sync reports it
(``WORKBOOK_OPEN``, a warning), carries on, and the next sync writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Code, Issue, PsosError, Severity, sort_issues

if TYPE_CHECKING:
    from psos_xl.sync.result import SyncResult
    from psos_xl.workbook.dashsheets import Section
    from psos_xl.workspace import Workspace

DEFAULT_NAME = "dashboard.xlsx"
PENDING = "dashboard.pending"  # in .psos: a refresh a sync could not write


class DashboardOpenError(PsosError):
    """The dashboard is open in a spreadsheet program: it cannot be replaced now."""


@dataclass(frozen=True)
class Source:
    """A report on the dashboard: its name (a sheet of
    :data:`psos_xl.workbook.dashsheets.SHEETS`) and how to read it, as of a day, from
    the workspace at a root (with the store URL given, if any)."""

    report: str
    read: Callable[[Path, date, str | None], Section]


def json_section(report: str, data: dict[str, Any], note: str = "") -> Section:
    """A report as its ``--json`` prints it (``{"as_of", "rows"}``, and its ``totals``
    line when it has one) for the dashboard."""
    from psos_xl.workbook.dashsheets import Section

    return Section(report, list(data["rows"]), note, totals=data.get("totals"))


def utilization_section(root: Path, as_of: date, store: str | None) -> Section:
    """``psos report utilization``'s weeks, each person over them, and the org's line."""
    from psos_xl.app.utilization import workspace_utilization
    from psos_xl.economics.utilization import by_person
    from psos_xl.workbook.dashsheets import Section

    report = workspace_utilization(root, as_of, store_url_override=store).report
    return Section(
        "utilization",
        [line.to_json() for line in report.lines],
        f"weeks {report.start.isoformat()} to {report.end.isoformat()}",
        people=[line.to_json() for line in by_person(report.lines)],
        org=report.org.to_json(),
    )


def completeness_section(root: Path, as_of: date, store: str | None) -> Section:
    """``psos report completeness``'s missing and short weeks."""
    from psos_xl.app.completeness import workspace_completeness

    result = workspace_completeness(root, as_of, store)
    return json_section(
        "completeness", result.to_json(), f"through the week of {result.last_week.isoformat()}"
    )


def margin_section(root: Path, as_of: date, store: str | None) -> Section:
    """``psos report margin``'s engagements, and its totals line."""
    from psos_xl.app.margin import workspace_margin

    return json_section("margin", workspace_margin(root, as_of, store).to_json())


def burn_section(root: Path, as_of: date, store: str | None) -> Section:
    """``psos report burn``'s engagement and deliverable lines."""
    from psos_xl.app.margin import workspace_burn

    return json_section("burn", workspace_burn(root, as_of, store).to_json())


def forecast_section(root: Path, as_of: date, store: str | None) -> Section:
    """``psos report forecast``'s roles and weeks over its default horizon."""
    from psos_xl.app.forecast import workspace_forecast

    result = workspace_forecast(root, as_of, store_url_override=store)
    note = f"{result.report.days} days from {result.as_of.isoformat()}"
    return json_section("forecast", result.to_json(), note)


# The reports the dashboard shows; its sheets follow psos_xl.workbook.dashsheets.SHEETS'
# order whatever the order here.
SOURCES: tuple[Source, ...] = (
    Source("utilization", utilization_section),
    Source("margin", margin_section),
    Source("burn", burn_section),
    Source("forecast", forecast_section),
    Source("completeness", completeness_section),
)


@dataclass(frozen=True)
class DashboardResult:
    path: Path
    as_of: date
    sheets: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "sheets": list(self.sheets)}


def dashboard_path(ws: Workspace, out: Path | None = None) -> Path:
    """Where the dashboard goes: ``out``, else psos.toml's ``dashboard``, else
    dashboard.xlsx in the workspace."""
    return out or ws.dashboard or ws.root / DEFAULT_NAME


def write_dashboard(
    root: Path,
    out: Path | None = None,
    as_of: date | None = None,
    store_url_override: str | None = None,
    sources: Sequence[Source] = SOURCES,
) -> DashboardResult:
    """Write the dashboard of the workspace at ``root`` as of ``as_of`` (default today)
    at ``out`` (:func:`dashboard_path`). DashboardOpenError when it is open in a
    spreadsheet program; DashboardPathError when a file there is not a psos dashboard."""
    from psos_xl.app.ledger import one_read
    from psos_xl.sync.writeback import lock_files
    from psos_xl.workbook import dashboard as book
    from psos_xl.workspace import Workspace, workspace_root

    ws = Workspace.load(workspace_root(root))
    day = as_of or date.today()
    path = dashboard_path(ws, out)
    locks = lock_files(path)
    if locks:
        raise DashboardOpenError(
            f"{path} is open ({locks[0].name} beside it): close it and run again"
        )
    with one_read():  # margin, burn and forecast compute with one ledger
        sections = [source.read(ws.root, day, store_url_override) for source in sources]
    try:
        book.write_dashboard(path, ws.name, day, sections)
    except PermissionError as err:  # Windows: a file open in Excel cannot be replaced
        raise DashboardOpenError(f"{path} could not be replaced ({err}): is it open?") from err
    return DashboardResult(path, day, book.sheet_names(sections))


def refresh_after_sync(
    root: Path,
    result: SyncResult,
    store_url: str | None = None,
    today: date | None = None,
) -> Path | None:
    """Refresh the dashboard psos.toml names after the sync that gave ``result``, when
    there is one and it is due (see the module); the path written, else None. A
    dashboard that cannot be written is a warning added to ``result``, never an error
    of the sync."""
    from psos_xl.workspace import Workspace

    try:
        ws = Workspace.load(root)
    except PsosError:
        return None  # a broken psos.toml: the sync has said so
    path = ws.dashboard
    if path is None:
        return None
    day = today or date.today()
    pending = ws.state_dir / PENDING
    if not (_changed(result) or pending.exists() or not _written_on(path, day)):
        return None
    try:
        written = write_dashboard(ws.root, path, day, store_url).path
    except Exception as err:  # any failure: reported, and the sync's work stands
        _not_written(ws, path, result, err)
        pending.parent.mkdir(parents=True, exist_ok=True)
        pending.touch()
        return None
    pending.unlink(missing_ok=True)
    return written


def _changed(result: SyncResult) -> bool:
    return bool(result.read or result.retired or result.written_back)


def _written_on(path: Path, day: date) -> bool:
    try:
        return date.fromtimestamp(path.stat().st_mtime) == day
    except OSError:
        return False


def _not_written(ws: Workspace, path: Path, result: SyncResult, err: Exception) -> None:
    where = ws.display(path)
    if isinstance(err, DashboardOpenError):
        issue = Issue.make(
            Code.WORKBOOK_OPEN, where, f"the dashboard is open: not refreshed ({err})"
        )
        result.skipped_open.append(where)
    else:
        issue = Issue.make(
            Code.WRITE_BACK_FAILED,
            where,
            f"the dashboard was not refreshed: {err}",
            severity=Severity.WARNING,
        )
    result.issues = sort_issues([*result.issues, issue])
