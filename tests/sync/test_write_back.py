"""Sync's write-back: the catalog's Actuals and each scope's Delivery, from real workbooks.

A firm of three scopes (ACME-01 Active, BETA-01 Completed, GAMMA-01 Sold and open in
Excel), two timesheets with valid and invalid rows, a conflicted copy and a corrupt
file. Every expected number is computed by hand in the comments.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from workbook.owned_checks import only_added

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.errors import Code
from psos_xl.store import open_store
from psos_xl.sync import run_sync, sync_workspace, write_back
from psos_xl.sync.engine import SyncResult
from psos_xl.sync.outputs import alert, burn_pct
from psos_xl.workbook.readers import read_catalog, read_scope
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

D = Decimal
WEEK = date(2026, 2, 2)  # a Monday


def catalog() -> m.Catalog:
    roles = [
        m.RoleRate(role=r, name=r, cost_rate=D(c), bill_rate=D(b), effective_from=date(2025, 1, 1))
        for r, c, b in (("SA", "100", "200"), ("DEV", "60", "120"), ("PM", "70", "150"))
    ]
    services = [
        m.ServiceLine(sku=s, name=s, role=r, hours=D(h))
        for s, r, h in (
            ("DISC", "SA", 16),
            ("DISC", "PM", 4),
            ("BUILD", "DEV", 80),
            ("BUILD", "SA", 8),
        )
    ]
    return m.Catalog(
        roles=roles,
        services=services,
        complexity=[
            m.ComplexityLevel(level=lv, multiplier=D(x))
            for lv, x in (("Low", "0.75"), ("Medium", "1"), ("High", "1.5"))
        ],
        risks=[m.Risk(code="NEWTECH", description="New technology", uplift=D("0.15"))],
        settings=m.CatalogSettings(calibration_prior=D(3), calibration_min_deliveries=1),
    )


def scope(
    eng: str, status: m.Status, start: date, rows: list[tuple[str, str, int, str, str]]
) -> m.Scope:
    return m.Scope(
        info=m.ScopeInfo(
            engagement=eng,
            client="Client",
            title="Work",
            start_date=start,
            end_date=start + timedelta(days=90),
            billing_model=m.BillingModel.TIME_AND_MATERIALS,
            status=status,
            currency="EUR",
        ),
        deliverables=[
            m.Deliverable(deliverable=d, sku=s, quantity=D(q), complexity=c, risks=[r] if r else [])
            for d, s, q, c, r in rows
        ],
        assumptions=[m.Assumption(id="A1", assumption="Data on time")],
    )


def entry(day: int, eng: str, dlv: str, role: str, hours: str) -> m.TimeEntry:
    return m.TimeEntry(
        date=WEEK + timedelta(days=day), engagement=eng, deliverable=dlv, role=role, hours=D(hours)
    )


def build_firm(root: Path) -> Path:
    cat = catalog()
    (root / "scopes").mkdir(parents=True)
    write_catalog(root / "catalog.xlsx", cat)
    acme = scope(
        "ACME-01",
        m.Status.ACTIVE,
        date(2026, 2, 1),
        [
            ("D1", "DISC", 1, "Medium", ""),
            ("D2", "BUILD", 2, "High", "NEWTECH"),
            ("-D3", "DISC", 1, "Low", ""),
        ],
    )
    acme.overrides.append(m.Override(deliverable="D1", role="PM", hours=D(6)))
    beta = scope(
        "BETA-01",
        m.Status.COMPLETED,
        date(2026, 1, 5),
        [("B1", "DISC", 1, "Medium", ""), ("B2", "BUILD", 1, "Low", "")],
    )
    gamma = scope("GAMMA-01", m.Status.SOLD, date(2026, 1, 5), [("G1", "DISC", 1, "Medium", "")])
    for name, s in (("acme", acme), ("beta", beta), ("gamma", gamma)):
        write_scope(root / "scopes" / f"{name}.xlsx", s, cat)
    lists = Lists.from_catalog(cat, [acme, beta, gamma])
    sheets = root / "timesheets"
    sheets.mkdir()
    alm = [
        entry(0, "ACME-01", "D1", "SA", "8"),
        entry(1, "ACME-01", "D1", "SA", "7"),
        entry(2, "ACME-01", "D2", "DEV", "8"),
        entry(3, "BETA-01", "B1", "SA", "10"),
        entry(4, "BETA-01", "B1", "SA", "8"),
        entry(3, "NOPE-01", "X1", "SA", "5"),  # row 9: UNKNOWN_ENGAGEMENT
        entry(4, "ACME-01", "B1", "SA", "2"),  # row 10: DELIVERABLE_NOT_IN_ENGAGEMENT
    ]
    bob = [
        entry(0, "ACME-01", "-D3", "PM", "3.5"),
        entry(1, "ACME-01", "D1", "PM", "5"),
        entry(2, "BETA-01", "B1", "PM", "4"),
        entry(3, "BETA-01", "B2", "DEV", "10"),
        entry(4, "BETA-01", "B2", "DEV", "10"),
        entry(4, "GAMMA-01", "G1", "SA", "4"),
        entry(1, "ACME-01", "D2", "PM", "2"),  # no estimate for PM on a BUILD deliverable
        entry(5, "ACME-01", "D2", "DEV", "30"),  # row 11: more than 24 hours
    ]
    write_timesheet(sheets / "alm.xlsx", m.Timesheet(person="ALM", week=WEEK, entries=alm), lists)
    write_timesheet(sheets / "bob.xlsx", m.Timesheet(person="BOB", week=WEEK, entries=bob), lists)
    shutil.copyfile(sheets / "bob.xlsx", sheets / "bob_copy.xlsx")  # a conflicted copy
    (sheets / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (root / "scopes" / "~$gamma.xlsx").write_bytes(b"owner")  # GAMMA is open in Excel
    return root


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_firm(tmp_path_factory.mktemp("pristine") / "firm")


@pytest.fixture
def firm(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "firm"))


def delivery(root: Path, name: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    s, _ = read_scope(root / "scopes" / f"{name}.xlsx")
    assert s is not None
    return {
        (r.deliverable, r.role): (r.estimated_hours, r.actual_hours, r.burn_pct, r.alert)
        for r in s.delivery
    }


def workbooks(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*.xlsx"))
        if ".psos" not in p.parts
    }


def by_code(result: SyncResult) -> set[tuple[str, str]]:
    return {(str(i.code), str(i.location)) for i in result.issues}


def test_first_sync_writes_exactly_the_valid_hours(firm: Path) -> None:
    result = sync_workspace(firm)
    assert (result.read, result.skipped) == (7, 1)  # timesheets/broken.xlsx: unreadable
    assert result.skipped_open == ["scopes/gamma.xlsx"]
    assert sorted(result.written_back) == ["catalog.xlsx", "scopes/acme.xlsx", "scopes/beta.xlsx"]
    issues = by_code(result)
    assert ("UNKNOWN_ENGAGEMENT", "timesheets/alm.xlsx!Time!B9") in issues
    assert ("DELIVERABLE_NOT_IN_ENGAGEMENT", "timesheets/alm.xlsx!Time!C10") in issues
    assert ("HOURS_OUT_OF_RANGE", "timesheets/bob.xlsx!Time!E11") in issues
    assert ("CONFLICTED_COPY", "timesheets/bob_copy.xlsx") in issues
    assert ("FILE_UNREADABLE", "timesheets/broken.xlsx") in issues
    assert ("WORKBOOK_OPEN", "scopes/gamma.xlsx!Delivery") in issues
    assert result.exit_code == 1

    # ACME-01 (Active): D1 DISC q1 Medium: SA 16, PM overridden to 6;
    # D2 BUILD q2 High +15 %: DEV 80×2×1.5×1.15 = 276, SA 8×2×1.5×1.15 = 27.6;
    # -D3 DISC q1 Low: SA 12, PM 3. Booked: D1 SA 15, D1 PM 5, D2 DEV 8, D2 PM 2, -D3 PM 3.5
    assert delivery(firm, "acme") == {
        ("D1", "SA"): (D(16), D(15), D("0.9375"), "≥90%"),
        ("D1", "PM"): (D(6), D(5), D("0.8333"), "≥80%"),
        ("D2", "DEV"): (D(276), D(8), D("0.029"), ""),
        ("D2", "SA"): (D("27.6"), D(0), D(0), ""),
        ("-D3", "SA"): (D(12), D(0), D(0), ""),
        ("-D3", "PM"): (D(3), D("3.5"), D("1.1667"), "≥100%"),
        ("D2", "PM"): (None, D(2), None, "no estimate"),
    }
    # BETA-01 (Completed): B1 DISC: SA 16, PM 4; B2 BUILD Low: DEV 60, SA 6
    assert delivery(firm, "beta") == {
        ("B1", "SA"): (D(16), D(18), D("1.125"), "≥100%"),
        ("B1", "PM"): (D(4), D(4), D(1), "≥100%"),
        ("B2", "DEV"): (D(60), D(20), D("0.3333"), ""),
        ("B2", "SA"): (D(6), D(0), D(0), ""),
    }
    # the open scope keeps its empty Delivery table
    assert all(v[1] is None for v in delivery(firm, "gamma").values())

    cat, _ = read_catalog(firm / "catalog.xlsx")
    assert cat is not None
    rows = {(a.sku, a.role): a for a in cat.actuals}
    # DISC/SA: one delivery of 18 h against 16: RE = 2/18; calibrated (3×16 + 18)/4
    sa = rows[("DISC", "SA")]
    assert (sa.deliveries, sa.p50_hours, sa.p80_hours) == (1, D(18), D(18))
    assert (sa.mean_abs_error_pct, sa.bias_pct, sa.calibrated_hours) == (
        D("0.1111"),
        D("0.1111"),
        D("16.5"),
    )
    pm = rows[("DISC", "PM")]
    assert (pm.deliveries, pm.p50_hours, pm.bias_pct, pm.calibrated_hours) == (1, D(4), D(0), D(4))
    # BUILD/DEV: 20 h at Low (0.75) = 26.67 a unit against 80: RE = -2; (240 + 26.67)/4
    dev = rows[("BUILD", "DEV")]
    assert (dev.deliveries, dev.p50_hours, dev.bias_pct, dev.calibrated_hours) == (
        1,
        D("26.67"),
        D(-2),
        D("66.67"),
    )
    sa_build = rows[("BUILD", "SA")]  # nothing booked: no history, the catalog's hours
    assert (sa_build.deliveries, sa_build.p50_hours, sa_build.calibrated_hours) == (0, None, D(8))
    assert all(a.updated_at.endswith("Z") for a in cat.actuals)


def test_open_scope_is_written_once_closed_and_then_nothing_moves(firm: Path) -> None:
    (firm / "timesheets" / "broken.xlsx").unlink()  # an unreadable file is retried every sync
    sync_workspace(firm)
    (firm / "scopes" / "~$gamma.xlsx").unlink()
    second = sync_workspace(firm)
    assert (second.read, second.written_back, second.skipped_open) == (0, ["scopes/gamma.xlsx"], [])
    assert delivery(firm, "gamma") == {
        ("G1", "SA"): (D(16), D(4), D("0.25"), ""),
        ("G1", "PM"): (D(4), D(0), D(0), ""),
    }
    before = workbooks(firm)
    third = sync_workspace(firm)
    assert (third.read, third.unchanged, third.written_back) == (0, third.scanned, [])
    assert workbooks(firm) == before  # no file rewritten: same bytes, same mtimes


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_write_back_touches_only_the_delivery_table(firm: Path) -> None:
    before = _parts(firm / "scopes" / "acme.xlsx")
    sync_workspace(firm)
    after = _parts(firm / "scopes" / "acme.xlsx")
    assert list(after) == list(before)  # same members, same order
    # the styles part only gains the number formats and colours the new cells need
    only_added(before["xl/styles.xml"], after["xl/styles.xml"], counts=True)
    changed = sorted(n for n in before if before[n] != after[n] and n != "xl/styles.xml")
    assert len(changed) == 2
    sheet, table = (
        [n for n in changed if n.startswith("xl/worksheets/")],
        [n for n in changed if n.startswith("xl/tables/")],
    )
    assert len(sheet) == len(table) == 1
    assert b'name="Delivery"' in after[table[0]] or b'displayName="Delivery"' in after[table[0]]
    # the deliverable code "-D3" is written as text, never as a formula
    assert b"<f>" not in after[sheet[0]] and b"<is><t>-D3</t></is>" in after[sheet[0]]


def test_a_workbook_saved_during_sync_is_not_overwritten(firm: Path) -> None:
    acme = firm / "scopes" / "acme.xlsx"
    hook = write_back(firm)

    def save_then_write(result: SyncResult, store: st.Store) -> None:
        s, _ = read_scope(acme)
        assert s is not None
        s.info.title = "Renamed by the PM"
        write_scope(acme, s, catalog())  # the PM saves ACME while sync runs
        hook(result, store)

    result = run_sync(firm, after_store=save_then_write)
    assert "scopes/acme.xlsx" not in result.written_back
    assert ("WORKBOOK_CHANGED", "scopes/acme.xlsx!Delivery") in by_code(result)
    s, _ = read_scope(acme)
    assert s is not None and s.info.title == "Renamed by the PM"
    again = sync_workspace(firm)
    # ACME is read again (and the corrupt file retried, as on every sync)
    assert (again.read, again.skipped) == (1, 1) and "scopes/acme.xlsx" in again.written_back
    assert delivery(firm, "acme")[("D1", "SA")] == (D(16), D(15), D("0.9375"), "≥90%")


def test_the_store_records_the_write_so_the_next_sync_reads_nothing(firm: Path) -> None:
    (firm / "timesheets" / "broken.xlsx").unlink()
    first = sync_workspace(firm)
    store = open_store(st.default_url(firm))
    try:
        with store.connect() as conn:
            wb = st.workbooks
            rows = {r.path: r for r in conn.execute(select(wb))}
    finally:
        store.close()
    for rel in first.written_back:
        stat = (firm / rel).stat()
        assert (rows[rel].size, rows[rel].mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert sync_workspace(firm).read == 0


def test_a_scope_and_catalog_without_their_owned_tables_are_given_them(tmp_path: Path) -> None:
    from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

    make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    make_workbook(tmp_path / "acme.xlsx", "scope", SCOPE_TABLES)
    result = sync_workspace(tmp_path)
    assert not [i for i in result.issues if i.code is Code.WRITE_BACK_NO_TABLE]
    assert not [i for i in result.issues if i.code is Code.WRITE_BACK_FAILED]
    assert sorted(result.written_back) == ["acme.xlsx", "catalog.xlsx"]
    s, _ = read_scope(tmp_path / "acme.xlsx")
    assert s is not None and [(r.deliverable, r.role) for r in s.delivery] == [
        ("D1", "SA"),
        ("D1", "PM"),
        ("D2", "DEV"),
        ("D2", "SA"),
    ]


@pytest.mark.parametrize(
    ("actual", "estimated", "burn", "text"),
    [
        ("7.99", "10", "0.799", ""),
        ("8", "10", "0.8", "≥80%"),
        ("9", "10", "0.9", "≥90%"),
        ("10", "10", "1", "≥100%"),
        ("12", "10", "1.2", "≥100%"),
        ("0", "10", "0", ""),
        ("3", None, None, "no estimate"),
        ("3", "0", None, "no estimate"),
        ("0", None, None, ""),
    ],
)
def test_burn_and_alert(actual: str, estimated: str | None, burn: str | None, text: str) -> None:
    value = burn_pct(D(actual), D(estimated) if estimated is not None else None)
    assert value == (D(burn) if burn is not None else None)
    assert alert(value, D(actual)) == text
