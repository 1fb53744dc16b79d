"""Validate workbooks: read each one, run its kind's rules, collect every issue.

    validate_paths([Path("scopes"), Path("catalog.xlsx")])

A scope or timesheet is checked against the catalog (``catalog_path``, else its
workspace's catalog). The catalog is read once per call, and its own issues are
reported only when the catalog itself is among the paths, never once per scope.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psos_xl.errors import Code, Issue, Location, has_errors, sort_issues
from psos_xl.models import Catalog, Scope, Timesheet
from psos_xl.rules import RuleContext, run_rules
from psos_xl.rules import catalog as catalog_rules
from psos_xl.rules import scope as scope_rules
from psos_xl.rules import timesheet as timesheet_rules
from psos_xl.workbook.readers import read_any
from psos_xl.workspace import Workspace, is_workbook_name

_Read = tuple[Catalog | Scope | Timesheet | None, list[Issue]]


def validate_path(path: Path, catalog_path: Path | None = None) -> list[Issue]:
    """Every issue of one workbook (or of every workbook below a folder), sorted."""
    return validate_paths([path], catalog_path)


def validate_paths(paths: Sequence[Path], catalog_path: Path | None = None) -> list[Issue]:
    """Every issue of the workbooks named (a folder means every workbook below it),
    deduplicated and sorted by location."""
    run = _Run(catalog_path)
    issues: list[Issue] = []
    for path in _expand(paths):
        issues.extend(run.validate(path))
    return sort_issues(dict.fromkeys(issues))


def workbooks_below(folder: Path) -> Iterator[Path]:
    """Every .xlsx/.xlsm below ``folder`` in a stable order, skipping Excel's and
    LibreOffice's temp and lock files and hidden folders (the .psos state)."""
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if is_workbook_name(name):
                yield Path(parent) / name


def _expand(paths: Sequence[Path]) -> Iterator[Path]:
    seen: set[Path] = set()
    for path in paths:
        for p in workbooks_below(path) if path.is_dir() else [path]:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                yield p


def _unreadable(display: str, err: Exception) -> Issue:
    return Issue.make(
        Code.FILE_UNREADABLE,
        display,
        f"cannot be read as an Excel workbook ({type(err).__name__}: {err})",
    )


@dataclass
class _Run:
    """One validation run: caches workspaces by folder and workbooks by path."""

    catalog_path: Path | None
    workspaces: dict[Path, Workspace | None] = field(default_factory=dict)
    reads: dict[Path, _Read] = field(default_factory=dict)

    def workspace(self, path: Path) -> Workspace | None:
        folder = path.resolve().parent
        if folder not in self.workspaces:
            self.workspaces[folder] = Workspace.find(folder)
        return self.workspaces[folder]

    def display(self, path: Path) -> str:
        ws = self.workspace(path)
        return ws.display(path) if ws else path.name

    def read(self, path: Path) -> _Read:
        key = path.resolve()
        if key not in self.reads:
            display = self.display(path)
            try:
                self.reads[key] = read_any(path, display)
            except Exception as err:  # a damaged part inside an intact zip can still raise
                self.reads[key] = (None, [_unreadable(display, err)])
        return self.reads[key]

    def validate(self, path: Path) -> list[Issue]:
        model, issues = self.read(path)
        reported = frozenset(i.location for i in issues if i.is_error)
        found: list[Issue] = []
        if isinstance(model, Catalog):
            ctx = RuleContext(catalog=model, reported=reported)
            found = run_rules(catalog_rules.RULES, model, ctx)
        elif isinstance(model, Scope):
            found = run_rules(scope_rules.RULES, model, self.context(path, reported))
        elif isinstance(model, Timesheet):
            found = run_rules(timesheet_rules.RULES, model, self.context(path, reported))
        return [*issues, *found]

    def context(self, path: Path, reported: frozenset[Location]) -> RuleContext:
        catalog, note = self.catalog_for(path)
        return RuleContext(catalog=catalog, catalog_note=note, reported=reported)

    def catalog_for(self, path: Path) -> tuple[Catalog | None, str]:
        """The catalog a scope or timesheet is checked against, or why there is none."""
        if self.catalog_path is not None:
            where = self.catalog_path
        else:
            ws = self.workspace(path)
            if ws is None:
                return None, "the workbook is not inside a workspace and no catalog was given"
            where = ws.catalog_path
        model, issues = self.read(where)
        if isinstance(model, Catalog):
            return model, ""
        name = self.display(where)
        found = [i for i in issues if i.code is Code.FILE_NOT_FOUND]
        if found:
            return None, f"no catalog at {name}"
        reasons = "; ".join(f"{i.code}: {i.message}" for i in issues if i.is_error)
        kind = "is not a catalog" if model is not None else "cannot be used"
        return None, f"{name} {kind}" + (f" ({reasons})" if reasons else "")


@dataclass(frozen=True)
class Validation:
    """What ``psos validate`` found: every issue, sorted by location."""

    issues: list[Issue]

    @property
    def exit_code(self) -> int:
        return 1 if has_errors(self.issues) else 0

    def to_json(self) -> dict[str, Any]:
        return {"issues": [i.to_dict() for i in self.issues]}


def validate(paths: Sequence[Path], catalog_path: Path | None = None) -> Validation:
    """``psos validate PATH… [--catalog PATH]``: :func:`validate_paths`, as a result."""
    return Validation(validate_paths(paths, catalog_path))
