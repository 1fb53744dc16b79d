"""Validate workbooks: read each one, run its kind's rules, collect every issue.

    validate_paths([Path("scopes"), Path("catalog.xlsx")])

A workbook inside a workspace is checked as ``psos sync`` checks it, against the same
context (:class:`psos_xl.loader.Folder`): the workspace's catalog as it counts, and
the engagements of its scopes, selected as a sync from an empty store selects them; a
second workbook for one person and week is a CONFLICTED_COPY, reported as sync
reports it. So ``psos validate DIR`` reports what ``psos sync DIR`` reports, plus
NOT_PSOS_WORKBOOK for an Excel file without a marker (which sync passes over); psos'
own outputs (a quote) are passed over by both.

``catalog_path`` checks scopes and timesheets against that catalog instead. A
workbook outside any workspace is checked against ``catalog_path`` alone (its
engagements are not known). Every workbook is read once per call, and the catalog's
own issues are reported only when the catalog itself is among the paths.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from psos_xl import loader
from psos_xl.errors import Code, Issue, WorkbookError, has_errors, sort_issues
from psos_xl.models import Catalog, Kind
from psos_xl.rules import RuleContext
from psos_xl.sync.result import conflicted_copy
from psos_xl.workspace import Workspace, located
from psos_xl.workspace import workbooks_below as workbooks_below


def validate_path(path: Path, catalog_path: Path | None = None) -> list[Issue]:
    """Every issue of one workbook (or of every workbook below a folder), sorted."""
    return validate_paths([path], catalog_path)


def validate_paths(paths: Sequence[Path], catalog_path: Path | None = None) -> list[Issue]:
    """Every issue of the workbooks named (a folder means every workbook below it),
    deduplicated and sorted by location.

    A workbook is named relative to its workspace (``timesheets/a.xlsx``), or by its
    file name outside one. When the workbooks checked lie in more than one such folder
    (``psos validate firmA firmA-copy``), each location starts with its folder too
    (``firmA/timesheets/a.xlsx!Time!E9``), so two workbooks at the same place in two
    folders are told apart and neither's issues hide the other's."""
    run = _Run(catalog_path)
    files = list(_expand(paths))
    for path in files:  # the workbooks named first: the context then reuses them
        run.load(path)
    by_root: dict[Path, list[Issue]] = {}
    for path in files:
        by_root.setdefault(run.root(path), []).extend(run.validate(path))
    if len(by_root) > 1:
        by_root = {root: [_within(root, i) for i in found] for root, found in by_root.items()}
    issues = [i for found in by_root.values() for i in found]
    return sort_issues(dict.fromkeys(issues))


def _within(root: Path, issue: Issue) -> Issue:
    """``issue`` located with its folder: ``root``, relative to the current folder when
    below it, else in full."""
    here = Path.cwd()
    shown = root.relative_to(here).as_posix() if root.is_relative_to(here) else str(root)
    if shown in ("", "."):
        shown = str(root)
    where = issue.location
    return replace(issue, location=replace(where, workbook=f"{shown}/{where.workbook}"))


def _expand(paths: Sequence[Path]) -> Iterator[Path]:
    seen: set[Path] = set()
    for path in paths:
        for p in workbooks_below(path) if path.is_dir() else [path]:
            key = located(p)  # a link is its own entry: the guard reports where it leads
            if key not in seen:
                seen.add(key)
                yield p


@dataclass
class _Run:
    """One validation run: caches workspaces by folder, their workbooks, and the
    workbooks outside any workspace by path."""

    catalog_path: Path | None
    workspaces: dict[Path, Workspace | None] = field(default_factory=dict)
    folders: dict[Path, loader.Folder] = field(default_factory=dict)
    loose: dict[Path, loader.Loaded] = field(default_factory=dict)
    explicit: RuleContext | None = None

    def workspace(self, path: Path) -> Workspace | None:
        folder = located(path).parent
        if folder not in self.workspaces:
            self.workspaces[folder] = Workspace.find(folder)
        return self.workspaces[folder]

    def folder(self, path: Path) -> tuple[loader.Folder, str] | None:
        """The workspace folder ``path`` is in, and its name there."""
        ws = self.workspace(path)
        if ws is None:
            return None
        if ws.root not in self.folders:
            self.folders[ws.root] = loader.Folder(ws.root, self.catalog_context())
        found = self.folders[ws.root]
        try:
            return found, found.rel(path)
        except ValueError:  # reached through a folder link from outside the workspace
            return None

    def root(self, path: Path) -> Path:
        """The folder ``path`` is named relative to: its workspace's root, else its own
        folder."""
        inside = self.folder(path)
        return inside[0].root if inside is not None else located(path).parent

    def load(self, path: Path) -> loader.Loaded:
        inside = self.folder(path)
        if inside is not None:
            found, rel = inside
            return found.load(rel)
        key = located(path)
        if key not in self.loose:
            self.loose[key] = loader.read(path, path.name)
        return self.loose[key]

    def validate(self, path: Path) -> list[Issue]:
        inside = self.folder(path)
        if inside is not None:
            found, rel = inside
            report = found.report(rel)
            if report.key is None:
                return report.issues
            key = report.key
            return [conflicted_copy(key.ident, key.person, key.week, report.kept, rel)]
        loaded = self.load(path)
        if loaded.model is None or loaded.state != loader.OK:
            return loaded.issues
        return loader.check(loaded.model, self.loose_context(loaded.kind), loaded.issues)

    def loose_context(self, kind: str) -> RuleContext:
        """The context of a workbook outside any workspace: ``--catalog`` alone."""
        if kind == Kind.CATALOG.value:
            return RuleContext()
        explicit = self.catalog_context()
        if explicit is not None:
            return explicit
        return RuleContext(
            catalog_note="the workbook is not inside a workspace and no catalog was given"
        )

    def catalog_context(self) -> RuleContext | None:
        """The context of ``--catalog``: that catalog as it counts, or why there is none
        (None without ``--catalog``)."""
        if self.catalog_path is None:
            return None
        if self.explicit is None:
            self.explicit = self._explicit(self.catalog_path)
        return self.explicit

    def _explicit(self, where: Path) -> RuleContext:
        ws = self.workspace(where)
        name = ws.display(where) if ws is not None else where.name
        loaded = loader.read(where, name)
        if isinstance(loaded.model, Catalog):
            return RuleContext(catalog=loader.counted_catalog(loaded.model, loaded.issues))
        if any(i.code is Code.FILE_NOT_FOUND for i in loaded.issues):
            return RuleContext(catalog_note=f"no catalog at {name}")
        reasons = "; ".join(f"{i.code}: {i.message}" for i in loaded.issues if i.is_error)
        kind = "is not a catalog" if loaded.model is not None else "cannot be used"
        note = f"{name} {kind}" + (f" ({reasons})" if reasons else "")
        return RuleContext(catalog_note=note)


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
    """``psos validate PATH… [--catalog PATH]``: :func:`validate_paths`, as a result.
    WorkbookError (exit 2, as for any command given a path that is not there) when a
    path named does not exist: it is a mistyped argument, not a workbook's issue."""
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        issues = [Issue.make(Code.FILE_NOT_FOUND, str(p), f"no such file: {p}") for p in missing]
        named = ", ".join(str(p) for p in missing)
        raise WorkbookError(f"{named}: no such file or folder", issues)
    return Validation(validate_paths(paths, catalog_path))
