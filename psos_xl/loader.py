"""The one way in: a workbook becomes a model and issues, then a model and its context
become every issue its rules find.

    model, issues = load(Path("scopes/acme.xlsx"))       # a file of any kind
    model, issues = load(book_of_ranges)                 # the ranges a UDF received
    issues = check(model, context, issues)               # + the rules of its kind

``psos validate``, sync (in its process and in its pool), ``psos price`` and ``quote``,
``psos new`` and the Excel functions all read and check through here, so they cannot
disagree about a workbook.

**The context** (:class:`~psos_xl.rules.RuleContext`) is what a workbook is checked
against: the catalog, as it counts (its rows with an error left out, as sync stores
it), and the workspace's engagements. Sync builds it from its store
(:func:`psos_xl.sync.checks.load_context`); :class:`Folder` builds the same from the
workspace's own workbooks, selected as a sync from an empty store selects them: a
workbook counts when it reads whole (state ``ok``), and of two copies of one thing (two
timesheets of one person and week, two catalogs, two scopes of one engagement) the one
whose path sorts first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from psos_xl import models as m
from psos_xl.errors import Issue
from psos_xl.rules import RuleContext, run_rules, without_rejected
from psos_xl.rules import catalog as catalog_rules
from psos_xl.rules import scope as scope_rules
from psos_xl.rules import timesheet as timesheet_rules
from psos_xl.workbook.reader import Book, open_book
from psos_xl.workbook.readers import OK, UNREADABLE, Loaded, parse, read
from psos_xl.workspace import limits_of, located, name_of, path_at, workbooks_below

Model = m.Catalog | m.Scope | m.Timesheet
NO_CATALOG = "no catalog workbook in the workspace"

__all__ = [
    "NO_CATALOG",
    "OK",
    "Folder",
    "Key",
    "Loaded",
    "Model",
    "Report",
    "check",
    "counted_catalog",
    "engagement_of",
    "identity",
    "load",
    "parse",
    "read",
    "rules_of",
    "without_rejected",
]


def load(
    source: Path | Book, display: str | None = None, kind: m.Kind | None = None
) -> tuple[Model | None, list[Issue]]:
    """The model a workbook file (or a :class:`Book` of ranges) holds, and every issue
    the reader found. ``kind``: the kind expected (another is WRONG_KIND). The model is
    None when the file cannot be read, is not a psos workbook or is of another kind."""
    loaded = parse(source, kind) if isinstance(source, Book) else read(source, display, kind)
    return loaded.model, loaded.issues


def rules_of(model: Model) -> Sequence[Any]:
    """The rules of the model's kind (looked up at each call: a test may swap them)."""
    if isinstance(model, m.Timesheet):
        return timesheet_rules.RULES
    if isinstance(model, m.Scope):
        return scope_rules.RULES
    return catalog_rules.RULES


def check(model: Model, context: RuleContext, read: Sequence[Issue] = ()) -> list[Issue]:
    """``read`` (the reader's issues) and every issue the rules of the model's kind find
    against ``context``, each once. A rule does not repeat a reader's error: the cells
    the reader rejected are ``reported`` in the context the rules see."""
    if read or context.reported:
        reported = frozenset(i.location for i in read if i.is_error)
        context = dataclasses.replace(context, reported=reported)
    found = run_rules(rules_of(model), model, context)
    return list(dict.fromkeys([*read, *found])) if read else found


# --- what counts of a checked model (rules.without_rejected) --------------------------


def counted_catalog(catalog: m.Catalog, read: Sequence[Issue] = ()) -> m.Catalog:
    """A catalog as everything is checked and priced against it: its rows with an
    error (the reader's or its rules') left out, as sync stores it."""
    return without_rejected(catalog, check(catalog, RuleContext(), read))


# --- what makes two workbooks copies of each other -----------------------------------


@dataclass(frozen=True)
class Key:
    """What a workbook is a copy of, if two say the same."""

    ident: str
    person: str | None = None
    week: date | None = None
    engagement: str | None = None


def identity(model: Model) -> Key | None:
    """The Key of a workbook's model; None when it cannot be told (a scope without an
    Engagement, a timesheet without person or week)."""
    if isinstance(model, m.Catalog):
        return Key("catalog")
    if isinstance(model, m.Scope):
        eng = model.info.engagement
        return Key(f"scope:{eng}", engagement=eng) if eng else None
    if model.person and model.week:
        return Key(f"timesheet:{model.person}:{model.week.isoformat()}", model.person, model.week)
    return None


def engagement_of(scope: m.Scope, workbook: str = "") -> m.Engagement:
    """What the timesheet rules know of the engagement a scope defines."""
    info = scope.info
    return m.Engagement(
        info.engagement,
        info.status.value if info.status is not None else "",
        info.start_date,
        frozenset(d.deliverable for d in scope.deliverables),
        workbook or scope.workbook,
        info.end_date,
    )


# --- a workspace's own workbooks as the context --------------------------------------


@dataclass(frozen=True)
class Report:
    """What a sync from an empty store reports of one workbook: its issues, or, for a
    copy of a workbook that counts, the Key and the path of the one counted."""

    issues: list[Issue]
    key: Key | None = None
    kept: str = ""


class Folder:
    """The workbooks of one workspace folder, each read and checked at most once, and
    counted as a sync from an empty store counts them (see the module's doc).

    Workbooks are named by their posix path relative to the root, as sync names them.
    ``catalog``: a context to use instead of the workspace's catalog (``--catalog``).
    """

    def __init__(self, root: Path, catalog: RuleContext | None = None) -> None:
        self.root = root.resolve()
        self._catalog_override = catalog
        self._rels: list[str] | None = None
        self._loaded: dict[str, Loaded] = {}
        self._markers: dict[str, dict[str, str]] = {}
        self._checked: dict[str, list[Issue]] = {}
        self._holders: dict[str, str] = {}
        self._catalog_context: RuleContext | None = None
        self._context: RuleContext | None = None
        self._scopes: list[tuple[str, m.Scope]] | None = None
        self.limits = limits_of(self.root)

    # --- the files ---------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        """How sync names the workbook at ``path`` (ValueError when outside the root); a
        link is named where it sits, not where it leads."""
        return name_of(self.root, located(path))

    def rels(self) -> list[str]:
        """Every workbook of the folder, sorted as sync sorts them."""
        if self._rels is None:
            found = workbooks_below(self.root)
            self._rels = sorted(name_of(self.root, p) for p in found)
        return self._rels

    def load(self, rel: str) -> Loaded:
        """The workbook ``rel`` read (once)."""
        if rel not in self._loaded:
            path = path_at(self.root, rel)
            self._loaded[rel] = read(path, rel, limits=self.limits, within=self.root)
        return self._loaded[rel]

    def marker(self, rel: str) -> dict[str, str]:
        """The workbook's marker, read alone unless the workbook was read already."""
        if rel in self._loaded:
            return self._loaded[rel].marker
        if rel not in self._markers:
            path = path_at(self.root, rel)  # unreadable: no marker
            book, _issues = open_book(path, rel, limits=self.limits, within=self.root)
            self._markers[rel] = dict(book.marker)
        return self._markers[rel]

    def _of_kind(self, kind: m.Kind) -> list[str]:
        return [r for r in self.rels() if self.marker(r).get("kind") == kind.value]

    # --- the context -------------------------------------------------------------------

    def catalog_context(self) -> RuleContext:
        """What a scope is checked against: the catalog that counts, as it counts."""
        if self._catalog_override is not None:
            return self._catalog_override
        if self._catalog_context is None:
            # a catalog that cannot be read at all is not there (sync keeps none of it
            # from an empty store); one that reads but not whole counts with no rows
            catalogs = [
                r for r in self._of_kind(m.Kind.CATALOG) if self.load(r).state != UNREADABLE
            ]
            whole = [r for r in catalogs if self.load(r).state == OK]
            catalog: m.Catalog | None = None
            model = self.load(whole[0]).model if whole else None
            if isinstance(model, m.Catalog):
                catalog = without_rejected(model, self.checked(whole[0]))
            elif catalogs:
                catalog = m.Catalog(workbook=catalogs[0])
            note = "" if catalog is not None else NO_CATALOG
            self._catalog_context = RuleContext(catalog=catalog, catalog_note=note)
        return self._catalog_context

    def context(self) -> RuleContext:
        """What a timesheet is checked against: the catalog, and the engagements of the
        scopes that count, each with its deliverables that count."""
        if self._context is None:
            engagements: dict[str, m.Engagement] = {}
            for rel, scope in self.counted_scopes():
                engagements.setdefault(scope.info.engagement, engagement_of(scope, rel))
            self._context = dataclasses.replace(self.catalog_context(), engagements=engagements)
        return self._context

    def context_of(self, kind: str) -> RuleContext:
        """The context of a workbook of ``kind``, as sync checks it."""
        if kind == m.Kind.CATALOG.value:
            return RuleContext()
        if kind == m.Kind.SCOPE.value:
            return self.catalog_context()
        return self.context()

    def checked(self, rel: str) -> list[Issue]:
        """The issues of a workbook that reads whole, checked against its context."""
        if rel not in self._checked:
            loaded = self.load(rel)
            assert loaded.model is not None
            ctx = self.context_of(loaded.kind)
            self._checked[rel] = check(loaded.model, ctx, loaded.issues)
        return self._checked[rel]

    # --- copies ------------------------------------------------------------------------

    def holder(self, key: Key, rel: str) -> str:
        """The workbook that counts for ``key`` (``rel`` is one that has it)."""
        if key.ident not in self._holders:
            if key.person is not None:  # a timesheet: only that person's can be its copies
                near = [
                    r
                    for r in self._of_kind(m.Kind.TIMESHEET)
                    if self.marker(r).get("person") == key.person
                ]
            else:
                near = self._of_kind(m.Kind.CATALOG if key.engagement is None else m.Kind.SCOPE)
            same = [r for r in {*near, rel} if self._key(r) == key.ident]
            self._holders[key.ident] = min(same)
        return self._holders[key.ident]

    def _key(self, rel: str) -> str | None:
        loaded = self.load(rel)
        if loaded.state != OK or loaded.model is None:
            return None
        key = identity(loaded.model)
        return key.ident if key is not None else None

    # --- what sync would report ----------------------------------------------------

    def report(self, rel: str) -> Report:
        """What a sync from an empty store reports of the workbook ``rel``: the reader's
        issues for one that does not read whole (for one without a marker, the
        NOT_PSOS_WORKBOOK issue that sync keeps to itself); else its checked issues; for
        a copy of one that counts, only which one counts."""
        loaded = self.load(rel)
        if loaded.state != OK or loaded.model is None:
            return Report(loaded.issues)
        issues = self.checked(rel)
        key = identity(loaded.model)
        if key is None:
            return Report(issues)
        kept = self.holder(key, rel)
        return Report(issues) if kept == rel else Report([], key, kept)

    def scopes(self) -> list[tuple[str, m.Scope]]:
        """Every scope workbook that reads, with its model as read (copies included)."""
        out: list[tuple[str, m.Scope]] = []
        for rel in self._of_kind(m.Kind.SCOPE):
            model = self.load(rel).model
            if isinstance(model, m.Scope):
                out.append((rel, model))
        return out

    def counted_scopes(self) -> list[tuple[str, m.Scope]]:
        """The scopes that count, each with its rows that count, by path."""
        if self._scopes is None:
            self._scopes = []
            for rel in self._of_kind(m.Kind.SCOPE):
                loaded = self.load(rel)
                if loaded.state != OK or not isinstance(loaded.model, m.Scope):
                    continue
                key = identity(loaded.model)
                if key is not None and self.holder(key, rel) == rel:
                    self._scopes.append((rel, without_rejected(loaded.model, self.checked(rel))))
        return self._scopes
