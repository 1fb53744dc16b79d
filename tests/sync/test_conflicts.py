"""Conflicted copies decided from literals: which of two workbooks of the same identity
counts, and when a conflict is new."""

from __future__ import annotations

from dataclasses import dataclass

from psos_xl.sync.conflicts import (
    ConflictWith,
    Store,
    TakeOver,
    conflict_run,
    decide,
    takes_identity,
)

IDENT = "timesheet:ALM:2026-02-02"


@dataclass(frozen=True)
class Book:
    id: int
    path: str
    status: str
    ident: str | None


@dataclass(frozen=True)
class OldConflict:
    kept_path: str
    ident: str
    run: int


def test_no_holder_stores_and_takes_the_identity() -> None:
    new = Book(1, "timesheets/alm.xlsx", "new", None)
    assert decide(new, IDENT, None, holder_took_it=False) == Store(takes=True)


def test_a_workbook_already_holding_its_identity_keeps_it() -> None:
    held = Book(1, "timesheets/alm.xlsx", "ok", IDENT)
    assert decide(held, IDENT, None, holder_took_it=False) == Store(takes=False)
    # an invalid or unreadable one still holds its rows and its identity
    invalid = Book(1, "timesheets/alm.xlsx", "invalid", IDENT)
    assert decide(invalid, IDENT, None, holder_took_it=False) == Store(takes=False)


def test_a_changed_marker_or_a_former_copy_takes_the_identity_anew() -> None:
    assert takes_identity(Book(1, "a.xlsx", "ok", "timesheet:BOB:2026-02-02"), IDENT)
    assert takes_identity(Book(1, "a.xlsx", "conflict", IDENT), IDENT)
    assert takes_identity(Book(1, "a.xlsx", "ignored", None), IDENT)
    assert not takes_identity(Book(1, "a.xlsx", "unreadable", IDENT), IDENT)


def test_the_copy_already_in_the_store_wins_whatever_its_path() -> None:
    stored = Book(7, "zz/alm.xlsx", "ok", IDENT)
    copy = Book(9, "aa/alm.xlsx", "new", None)
    assert decide(copy, IDENT, stored, holder_took_it=False) == ConflictWith(stored)


def test_among_new_copies_the_first_path_wins() -> None:
    first_read = Book(7, "timesheets/alm.xlsx", "ok", IDENT)  # took it earlier in this run
    sorts_first = Book(9, "a-alm.xlsx", "new", None)
    assert decide(sorts_first, IDENT, first_read, holder_took_it=True) == TakeOver(
        first_read, takes=True
    )
    sorts_after = Book(9, "zz-alm.xlsx", "new", None)
    assert decide(sorts_after, IDENT, first_read, holder_took_it=True) == ConflictWith(first_read)


def test_the_same_path_never_takes_over() -> None:
    holder = Book(7, "a.xlsx", "ok", IDENT)
    assert decide(Book(9, "a.xlsx", "new", None), IDENT, holder, True) == ConflictWith(holder)


def test_a_standing_conflict_keeps_the_run_it_was_first_seen_in() -> None:
    old = OldConflict("timesheets/alm.xlsx", IDENT, run=3)
    assert conflict_run(old, "timesheets/alm.xlsx", IDENT, run=8) == 3
    assert conflict_run(None, "timesheets/alm.xlsx", IDENT, run=8) == 8
    # a copy of another workbook now, or under another identity: a new conflict
    assert conflict_run(old, "other.xlsx", IDENT, run=8) == 8
    assert conflict_run(old, "timesheets/alm.xlsx", "timesheet:ALM:2026-02-09", run=8) == 8
