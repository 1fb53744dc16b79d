"""A sync's counts of workbooks add up: scanned = unchanged + read + skipped, each
workbook counted once however many times the run read it."""

from __future__ import annotations

from pathlib import Path

from wb import make_workbook

from psos_xl.sync import SyncResult, run_sync
from sync.test_engine import entry, make_workspace, scope_tables, timesheet


def counts(result: SyncResult) -> tuple[int, int, int, int]:
    assert result.scanned == result.unchanged + result.read + result.skipped
    return result.scanned, result.unchanged, result.read, result.skipped


def firm(root: Path) -> Path:
    """A catalog, two scopes, three timesheets (two booking ACME-01), an Excel file
    without a marker and a damaged workbook: 8 workbooks."""
    make_workspace(root)
    sheets = root / "timesheets"
    timesheet(sheets / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    timesheet(sheets / "bob.xlsx", [entry(0, "ACME-01", "D2", "DEV", 8)], person="BOB")
    timesheet(sheets / "cy.xlsx", [entry(0, "BETA-01", "B1", "SA", 6)], person="CY")
    make_workbook(root / "notes.xlsx", None, {"Notes": [["Note"], ["not psos'"]]})
    (sheets / "broken.xlsx").write_bytes(b"PK\x03\x04 half a zip")
    return root


def test_the_counts_add_up_over_changed_unchanged_and_skipped_workbooks(tmp_path: Path) -> None:
    root = firm(tmp_path / "firm")
    # everything is new: read (the file without a marker too), the damaged one skipped
    assert counts(run_sync(root)) == (8, 0, 7, 1)
    # nothing changed: the damaged file alone is tried again
    assert counts(run_sync(root)) == (8, 7, 0, 1)

    # one timesheet changed: read; the rest unchanged
    timesheet(root / "timesheets" / "cy.xlsx", [entry(1, "BETA-01", "B1", "SA", 5)], person="CY")
    assert counts(run_sync(root)) == (8, 6, 1, 1)

    # ACME-01 gains a deliverable: the scope is read, and so are the two timesheets
    # checked against it (read again in the same run, counted once each)
    tables = scope_tables("ACME-01", "Active", ["D1", "D2", "D3"], "2026-02-01")
    make_workbook(root / "scopes" / "acme.xlsx", "scope", tables)
    assert counts(run_sync(root)) == (8, 4, 3, 1)

    # the damaged file is repaired: read, nothing skipped
    timesheet(root / "timesheets" / "broken.xlsx", [entry(2, "BETA-01", "B1", "SA", 1)], "DEE")
    assert counts(run_sync(root)) == (8, 7, 1, 0)
    assert counts(run_sync(root)) == (8, 8, 0, 0)


def test_a_timesheet_read_before_its_scope_is_counted_once(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "firm")
    # named so that it sorts first and is guessed a timesheet, its engagement unknown yet
    timesheet(root / "a.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    (root / "scopes" / "acme.xlsx").rename(root / "zz.xlsx")
    reads: list[str] = []
    result = run_sync(root, progress=lambda _done, _total, rel: reads.append(rel))
    assert sorted(reads) == ["a.xlsx", "a.xlsx", "catalog.xlsx", "scopes/beta.xlsx", "zz.xlsx"]
    assert counts(result) == (4, 0, 4, 0)
    assert result.issues == []  # checked again once its scope was stored
