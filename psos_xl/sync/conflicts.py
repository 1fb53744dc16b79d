"""Conflicted copies (DESIGN §8, no double count): which of two workbooks counts.

A workbook is a copy of another when both say the same identity: timesheets of the same
person and week, two catalogs, two scopes of the same engagement. The one counted is the
one already in the store; among new ones (both taking the identity in this run) the
lexicographically first path, so the outcome does not depend on the order the files
were read in. The other is a ``conflict``: stored with none of its rows, and reported on
every sync until the counted one goes or its marker changes.

Pure decisions over the records' values, returning what the engine is to do:
:func:`decide` gives :class:`Store`, :class:`ConflictWith` or :class:`TakeOver`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from psos_xl.store.base import HOLDING


class Book(Protocol):
    """What a decision needs of a workbook's record."""

    @property
    def id(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def ident(self) -> str | None: ...


@dataclass(frozen=True)
class Store:
    """Store the workbook's rows. ``takes``: it takes its identity in this run (so a
    copy read later in the run whose path sorts first may still take it over)."""

    takes: bool


@dataclass(frozen=True)
class ConflictWith:
    """The workbook is a copy of ``holder``: set it aside, none of its rows counted."""

    holder: Any


@dataclass(frozen=True)
class TakeOver:
    """``holder`` took the identity earlier in this run, but this workbook's path sorts
    first: the holder becomes the copy (as if the run had read it second), then this
    one is stored (``takes`` as in :class:`Store`)."""

    holder: Any
    takes: bool


Action = Store | ConflictWith | TakeOver


def takes_identity(rec: Book, ident: str) -> bool:
    """Whether storing ``rec`` as ``ident`` takes that identity anew: it did not hold
    it (a new workbook, one set aside or unusable before, or one whose marker changed)."""
    return rec.status not in HOLDING or rec.ident != ident


def decide(rec: Book, ident: str, holder: Book | None, holder_took_it: bool) -> Action:
    """What to do with the readable workbook ``rec`` of identity ``ident``, given the
    other workbook holding that identity (``holder``; None when none does) and whether
    the holder took it in this run."""
    takes = takes_identity(rec, ident)
    if holder is None:
        return Store(takes)
    if holder_took_it and rec.path < holder.path:
        return TakeOver(holder, takes)
    return ConflictWith(holder)


def conflict_run(old: Any | None, kept_path: str, ident: str, run: int) -> int:
    """The run a conflict is first seen in: ``old`` (the conflict recorded for the same
    copy, if any) keeps its run while it is still a copy of the same workbook under the
    same identity; otherwise it is new in ``run``."""
    if old is not None and (old.kept_path, old.ident) == (kept_path, ident):
        return int(old.run)
    return run
