"""Quotes as first-class objects: numbered, versioned, answered, and the accepted one is
the baseline (DESIGN §12)."""

from __future__ import annotations

import copy
import io
import threading
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cli.run import assert_json_convention, psos_json
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from psos_xl import store as st
from psos_xl.app.quote import build_quote
from psos_xl.app.quotes import QuoteError, answer_quote, list_quotes
from psos_xl.models import Status
from psos_xl.pricing.baseline import lines_from
from psos_xl.pricing.quoting import QuoteStatus, parse_number, status_on
from psos_xl.store import open_store
from psos_xl.store import queries as q
from psos_xl.store import quotes as sq
from psos_xl.workbook.readers import read_scope

TODAY = date(2026, 3, 2)
D3 = ["D3", "DISC", "Second workshop", 1, "Low", "", "M2"]


def scope_tables(engagement: str = "ACME-01", extra: list[list[Any]] | None = None) -> Any:
    tables = copy.deepcopy(SCOPE_TABLES)
    for row in tables["ScopeInfo"]:
        if row[0] == "Status":
            row[1] = "Draft"
        elif row[0] == "Engagement":
            row[1] = engagement
    tables["Deliverables"] += extra or []
    return tables


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    (root / "psos.toml").write_text(
        '[workspace]\nname = "Northwind"\nquote_validity_days = 30\n', encoding="utf-8"
    )
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    make_workbook(root / "scopes" / "acme.xlsx", "scope", scope_tables())
    make_workbook(root / "scopes" / "beta.xlsx", "scope", scope_tables("BETA-01"))
    return root


def stored(root: Path) -> list[sq.StoredQuote]:
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            return sq.load_quotes(conn)
    finally:
        store.close()


def cover(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    return {r[0].value: r[1].value for r in wb["Quote"].iter_rows(max_col=2)}


def quotes_table(scope: Path) -> list[list[Any]]:
    """The scope's Quotes table: Quote, Version and Status of each row."""
    wb = openpyxl.load_workbook(scope)
    sheet = wb["Quotes"]
    cells = list(sheet[sheet.tables["Quotes"].ref])
    head = [c.value for c in cells[0]]
    assert head == ["Quote", "Version", "IssuedAt", "ValidUntil", "Price", "Status"]
    return [[r[0].value, r[1].value, r[5].value] for r in cells[1:]]


def issue(root: Path, scope: str = "acme", today: date = TODAY) -> Any:
    return build_quote(root / "scopes" / f"{scope}.xlsx", root / "quotes", today=today)


def test_issue_then_reissue_unchanged_keeps_number_and_version(ws: Path) -> None:
    first = issue(ws)
    assert first.issued is not None and first.issued.label == "Q-2026-0001 v1"
    assert not first.issued.reused and first.issued.valid_until == TODAY + timedelta(days=30)
    shown = cover(first.xlsx)
    assert shown["Quote number"] == "Q-2026-0001" and shown["Version"] == "v1"
    assert openpyxl.load_workbook(first.xlsx)["Quote"]["A2"].value == "Quote Q-2026-0001 v1"
    again = issue(ws, today=TODAY + timedelta(days=3))
    assert again.issued is not None and again.issued.label == "Q-2026-0001 v1"
    assert again.issued.reused and again.issued.issued == TODAY  # as first issued
    assert cover(again.xlsx)["Quote date"].date() == TODAY
    (only,) = stored(ws)
    assert (only.status, only.price, only.engagement) == ("Issued", first.quote.price, "ACME-01")
    assert quotes_table(ws / "scopes" / "acme.xlsx") == [["Q-2026-0001", "v1", "Issued"]]
    price = openpyxl.load_workbook(ws / "scopes" / "acme.xlsx")["Quotes"]["E4"]
    assert Decimal(str(price.value)) == first.quote.price and price.number_format != "General"
    assert lines_from(only.lines)[("D1", "PM")].hours == Decimal(6)  # the override
    # another engagement takes the next number
    beta = issue(ws, "beta")
    assert beta.issued is not None and beta.issued.label == "Q-2026-0002 v1"


def test_a_changed_scope_gets_the_next_version_and_supersedes_the_last(ws: Path) -> None:
    issue(ws)
    make_workbook(ws / "scopes" / "acme.xlsx", "scope", scope_tables(extra=[D3]))
    second = issue(ws)
    assert second.issued is not None and second.issued.label == "Q-2026-0001 v2"
    assert cover(second.xlsx)["Version"] == "v2"
    v1, v2 = stored(ws)
    assert (v1.version, v1.status) == (1, "Superseded")
    assert (v2.version, v2.status) == (2, "Issued") and v2.price > v1.price


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_accepting_v2_sells_the_scope_and_makes_v2_the_baseline(ws: Path) -> None:
    issue(ws)
    make_workbook(ws / "scopes" / "acme.xlsx", "scope", scope_tables(extra=[D3]))
    issue(ws)
    scope_path = ws / "scopes" / "acme.xlsx"
    before = _members(scope_path)
    answer = answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=TODAY)
    assert (answer.version, answer.status, answer.scope_status) == (2, QuoteStatus.ACCEPTED, "Sold")
    assert answer.baseline and not answer.warnings
    scope, issues = read_scope(scope_path)
    assert scope is not None and scope.info.status is Status.SOLD and not issues
    assert scope.info.start_date == date(2026, 2, 1) and scope.info.discount == Decimal("0.05")
    after = _members(scope_path)
    changed = [n for n in before if before[n] != after.get(n)]
    # the ScopeInfo sheet (its Status cell) and the Quotes sheet (v2 now Accepted)
    assert changed == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet6.xml"]
    assert set(after) == set(before)
    assert quotes_table(scope_path) == [
        ["Q-2026-0001", "v1", "Superseded"],
        ["Q-2026-0001", "v2", "Accepted"],
    ]
    v1, v2 = stored(ws)
    assert (v1.status, v2.status, v2.answered_by) == ("Superseded", "Accepted", "Dana")
    store = open_store(st.default_url(ws))
    try:
        with store.connect() as conn:
            base = q.load_baselines(conn)["ACME-01"]
    finally:
        store.close()
    assert base.lines == lines_from(v2.lines) and ("D3", "PM") in base.lines
    assert base.price == v2.price and base.terms_sha256 == v2.terms_sha256
    # answered once: a second answer is refused
    with pytest.raises(QuoteError, match="is Accepted"):
        answer_quote(ws, "Q-2026-0001", accept=False, by="Dana", today=TODAY)


def test_a_sync_baseline_gives_way_to_the_accepted_quote(ws: Path) -> None:
    from sqlalchemy import select

    from psos_xl.store.schema import baselines
    from psos_xl.sync import run_sync

    sold = scope_tables()
    for row in sold["ScopeInfo"]:
        if row[0] == "Status":
            row[1] = "Sold"
    make_workbook(ws / "scopes" / "acme.xlsx", "scope", sold)
    run_sync(ws)  # the first sync that sees it Sold takes its baseline
    make_workbook(
        ws / "scopes" / "acme.xlsx", "scope", {**sold, "Overrides": [sold["Overrides"][0]]}
    )
    issue(ws)  # without the override: other lines than the sync's baseline
    answer = answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=TODAY)
    assert answer.baseline and answer.scope_status == "Sold" and "not Draft" in answer.warnings[0]
    run_sync(ws)  # the scope is unchanged since the quote: no revision against it
    store = open_store(st.default_url(ws))
    try:
        with store.connect() as conn:
            base = q.load_baselines(conn)["ACME-01"]
            revisions = q.load_revisions(conn)
            source = conn.execute(select(baselines.c.source)).scalar_one()
    finally:
        store.close()
    (v1,) = stored(ws)
    assert source == "Q-2026-0001 v1" and base.lines == lines_from(v1.lines)
    assert ("D1", "PM") not in base.lines or base.lines[("D1", "PM")].hours != Decimal(6)
    assert revisions == []
    # a later accepted quote does not move a baseline a quote set
    make_workbook(ws / "scopes" / "acme.xlsx", "scope", scope_tables(extra=[D3]))
    issue(ws)
    assert not answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=TODAY).baseline


def test_decline_and_expiry(ws: Path) -> None:
    issue(ws)
    issue(ws, "beta")
    answer = answer_quote(ws, "Q-2026-0002", accept=False, by="Dana", today=TODAY)
    assert answer.status is QuoteStatus.DECLINED and answer.scope_status == ""
    scope, _ = read_scope(ws / "scopes" / "beta.xlsx")
    assert scope is not None and scope.info.status is Status.DRAFT
    late = TODAY + timedelta(days=31)
    listed = list_quotes(ws, today=late)
    assert [(r.number, r.status) for r in listed.quotes] == [
        ("Q-2026-0001", QuoteStatus.EXPIRED),
        ("Q-2026-0002", QuoteStatus.DECLINED),
    ]
    assert list_quotes(ws, today=TODAY + timedelta(days=30)).quotes[0].status is QuoteStatus.ISSUED
    assert [r.status for r in stored(ws)] == ["Issued", "Declined"]  # Expired is not stored
    with pytest.raises(QuoteError, match="is Expired"):
        answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=late)
    # an expired quote re-issued unchanged is a new version with a new validity
    again = issue(ws, today=late)
    assert again.issued is not None and again.issued.label == "Q-2026-0001 v2"
    assert again.issued.valid_until == late + timedelta(days=30)


def test_accepting_refuses_an_open_scope_and_records_nothing(ws: Path) -> None:
    issue(ws)
    lock = ws / "scopes" / "~$acme.xlsx"
    lock.write_bytes(b"someone")
    with pytest.raises(QuoteError, match="is open"):
        answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=TODAY)
    assert stored(ws)[0].status == "Issued"
    lock.unlink()
    assert (
        answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=TODAY).scope_status == "Sold"
    )


def test_accepting_a_scope_not_in_draft_leaves_its_status(ws: Path) -> None:
    tables = scope_tables()
    for row in tables["ScopeInfo"]:
        if row[0] == "Status":
            row[1] = "Active"
    make_workbook(ws / "scopes" / "acme.xlsx", "scope", tables)
    issue(ws)
    answer = answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=TODAY)
    assert answer.scope_status == "Active" and "not Draft" in answer.warnings[0]
    scope, _ = read_scope(ws / "scopes" / "acme.xlsx")
    assert scope is not None and scope.info.status is Status.ACTIVE
    assert quotes_table(ws / "scopes" / "acme.xlsx") == [["Q-2026-0001", "v1", "Accepted"]]


def test_two_quote_runs_racing_take_distinct_numbers(ws: Path) -> None:
    for n in range(2, 6):
        make_workbook(ws / "scopes" / f"s{n}.xlsx", "scope", scope_tables(f"ENG-0{n}"))
    issue(ws)  # the store exists: the race is over the numbering, not its creation
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            issue(ws, f"s{n}")
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(r.number for r in stored(ws))
    assert numbers == [f"Q-2026-000{n}" for n in range(1, 6)]


def test_a_scope_outside_a_workspace_is_quoted_without_a_number(tmp_path: Path) -> None:
    (tmp_path / "cat").mkdir()
    make_workbook(tmp_path / "cat" / "catalog.xlsx", "catalog", CATALOG_TABLES)
    loose = tmp_path / "elsewhere" / "deep" / "down" / "acme.xlsx"
    loose.parent.mkdir(parents=True)
    make_workbook(loose, "scope", scope_tables())
    files = build_quote(
        loose, tmp_path / "out", catalog_path=tmp_path / "cat" / "catalog.xlsx", today=TODAY
    )
    assert files.issued is None and "without a number" in files.warnings[0]
    assert "Quote number" not in cover(files.xlsx)
    assert not (loose.parent / ".psos").exists()


def test_numbers_and_status() -> None:
    assert parse_number("q-2026-0042") == (2026, 42) and parse_number("Q-26-1") is None
    assert status_on("Issued", TODAY, TODAY) is QuoteStatus.ISSUED
    assert status_on("Issued", TODAY, TODAY + timedelta(days=1)) is QuoteStatus.EXPIRED
    assert status_on("Accepted", TODAY, TODAY + timedelta(days=9)) is QuoteStatus.ACCEPTED


def test_quote_list_json_through_the_command_line(ws: Path) -> None:
    today = date.today()  # the command line answers as of today
    issued = psos_json("quote", ws / "scopes" / "acme.xlsx", "--out", ws / "quotes")
    assert_json_convention(issued, decimals=("price",), dates=("valid_until",))
    assert (issued["number"], issued["version"], issued["reused"]) == (
        f"Q-{today.year}-0001",
        "v1",
        False,
    )
    assert psos_json("quote", ws / "scopes" / "acme.xlsx", "--out", ws / "quotes")["reused"]
    accepted = psos_json("quote", "--accept", f"Q-{today.year}-0001", "--by", "Dana", ws)
    assert accepted["status"] == "Accepted" and accepted["scope_status"] == "Sold"
    data = psos_json("quote", "list", ws, "--engagement", "ACME-01")
    assert_json_convention(data, decimals=("price", "quoted_price", "delivered_price"))
    (row,) = data["quotes"]
    assert set(row) == {
        "number",
        "version",
        "engagement",
        "issued_at",
        "valid_until",
        "price",
        "status",
    }
    number = f"Q-{today.year}-0001"
    assert (row["number"], row["version"], row["status"]) == (number, "v1", "Accepted")
    assert row["valid_until"] == (today + timedelta(days=30)).isoformat()
    (eng,) = data["engagements"]
    assert eng["quoted_price"] == row["price"] and eng["delivered_hours"] == "0.00"


def test_the_list_sets_delivered_hours_beside_the_quote(ws: Path) -> None:
    from sync.test_engine import entry, timesheet

    from psos_xl.sync import run_sync

    issue(ws)
    answer_quote(ws, "Q-2026-0001", accept=True, by="Dana", today=TODAY)  # now Sold
    timesheet(
        ws / "timesheets" / "ALM" / "w.xlsx",
        [entry(0, "ACME-01", "D1", "PM", 4), entry(1, "ACME-01", "D2", "SA", 2.5)],
    )
    run_sync(ws)
    listed = list_quotes(ws, "ACME-01", today=TODAY)
    (row,) = listed.engagements
    (v1,) = stored(ws)
    lines = lines_from(v1.lines)
    pm, sa = lines[("D1", "PM")], lines[("D2", "SA")]
    expected = 4 * pm.price / pm.hours + Decimal("2.5") * sa.price / sa.hours
    assert row.delivered_hours == Decimal("6.5") and row.quote == "Q-2026-0001 v1"
    assert row.delivered_price == expected.quantize(Decimal("0.01"))
    assert (row.quoted_hours, row.quoted_price) == (v1.hours, v1.price)
    assert list_quotes(ws, "BETA-01", today=TODAY).quotes == []


def test_sync_shows_an_expired_quote_in_the_scope(ws: Path) -> None:
    from psos_xl.sync import run_sync
    from psos_xl.sync.outputs import write_back

    issue(ws)  # valid until 1 April 2026: long past by the day this runs
    assert quotes_table(ws / "scopes" / "acme.xlsx") == [["Q-2026-0001", "v1", "Issued"]]
    result = run_sync(ws, after_store=write_back(ws))
    assert not result.issues
    assert quotes_table(ws / "scopes" / "acme.xlsx") == [["Q-2026-0001", "v1", "Expired"]]
    assert [r.status for r in stored(ws)] == ["Issued"]
    before = (ws / "scopes" / "acme.xlsx").read_bytes()
    run_sync(ws, after_store=write_back(ws))  # nothing new to show: the scope is not written again
    assert (ws / "scopes" / "acme.xlsx").read_bytes() == before
