"""``psos invoice`` on a synced firm, each invoice computed by hand (:mod:`billfirm`)."""

from __future__ import annotations

import shutil
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import billfirm
import econfirm
import pytest

from psos_xl.app.invoice import InvoiceError, credit_invoice, issue_invoice
from psos_xl.app.invoices import export_invoices, invoiced_amounts, list_invoices
from psos_xl.app.trust import approve
from psos_xl.errors import Code
from psos_xl.store import open_store
from psos_xl.sync import sync_workspace
from psos_xl.workbook.reader import open_book

D = Decimal
THROUGH, ISSUED = billfirm.THROUGH, billfirm.ISSUED


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return billfirm.build(tmp_path_factory.mktemp("billfirm") / "firm")


@pytest.fixture
def firm(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "firm"))


def invoice(root: Path, engagement: str, through: date = THROUGH, **kw: object):  # type: ignore[no-untyped-def]
    return issue_invoice(root, engagement, through, today=ISSUED, **kw)  # type: ignore[arg-type]


def summary(result) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    return (
        result.number,
        [(x.kind.value, x.quantity, x.rate, x.amount) for x in result.lines],
        result.net,
        result.tax,
        result.gross,
    )


def test_each_billing_model_is_invoiced_as_computed_by_hand(firm: Path) -> None:
    assert summary(invoice(firm, "TM-01")) == (
        "INV-2026-0001",
        [
            ("time", D("8.00"), D("90.00"), D("720.00")),  # SA at 100 before the rate change
            ("time", D("6.00"), D("108.00"), D("648.00")),  # SA at 120 after it
            ("time", D("42.00"), D("72.00"), D("3024.00")),  # DE; the non-billable 2 h left out
            ("expense", D(1), D("120.00"), D("120.00")),  # the Hotel on FF-01 is not billable
        ],
        D("4512.00"),
        D("902.40"),
        D("5414.40"),
    )
    assert summary(invoice(firm, "FF-01")) == (
        "INV-2026-0002",
        [("fixed", D(1), D("2464.00"), D("2464.00"))],  # 3,520 × 1,120 / 1,600
        D("2464.00"),
        D("492.80"),
        D("2956.80"),
    )
    assert summary(invoice(firm, "MS-01")) == (
        "INV-2026-0003",
        [("milestone", D(1), D("1100.00"), D("1100.00"))],  # 2,860 × 1,000 / 2,600
        D("1100.00"),
        D("220.00"),
        D("1320.00"),
    )
    assert summary(invoice(firm, "RT-01")) == (
        "INV-2026-0004",
        [("retainer", D(1), D("1000.00"), D("1000.00"))],  # November of 3,000 over 3 months
        D("1000.00"),
        D("200.00"),
        D("1200.00"),
    )
    december = invoice(firm, "RT-01", date(2026, 12, 1))
    assert (december.number, december.net) == ("INV-2026-0005", D("1000.00"))
    store = open_store(f"sqlite:///{firm / '.psos' / 'store.sqlite'}")
    with store.connect() as conn:
        assert invoiced_amounts(conn) == {
            "FF-01": D("2464.00"),
            "MS-01": D("1100.00"),
            "RT-01": D("2000.00"),
            "TM-01": D("4512.00"),
        }
    store.close()


def test_invoicing_again_bills_nothing_and_writes_nothing(firm: Path) -> None:
    first = invoice(firm, "TM-01")
    assert first.xlsx == firm / "invoices" / "INV-2026-0001.xlsx" and first.xlsx.is_file()
    again = invoice(firm, "TM-01")
    assert (again.number, again.lines, again.net) == (None, [], D("0.00"))
    assert again.to_json()["number"] is None and again.to_json()["lines"] == []
    assert sorted(p.name for p in (firm / "invoices").iterdir()) == ["INV-2026-0001.xlsx"]
    for engagement in ("FF-01", "MS-01", "RT-01"):
        assert invoice(firm, engagement).number is not None
        assert invoice(firm, engagement).number is None
    assert [i.number for i in list_invoices(firm).invoices] == [
        f"INV-2026-000{n}" for n in range(1, 5)
    ]


def changed(result: object) -> list[str]:
    return [
        str(i.location)
        for i in result.issues  # type: ignore[attr-defined]
        if i.code is Code.INVOICED_ENTRY_CHANGED
    ]


def test_an_edited_invoiced_entry_is_reported_then_credited_by_the_difference(firm: Path) -> None:
    invoice(firm, "TM-01")
    billfirm.edit_cy_week3(firm, "7")
    where = ["timesheets/CY-2026-11-16.xlsx!Time!A6"]
    assert changed(sync_workspace(firm)) == where
    assert changed(sync_workspace(firm)) == where  # every sync, the no-change answer too
    fix = invoice(firm, "TM-01")
    assert summary(fix) == (
        "INV-2026-0002",
        [("credit", D(1), D("-216.00"), D("-216.00"))],  # 3 h × 72 less
        D("-216.00"),
        D("-43.20"),
        D("-259.20"),
    )
    assert fix.lines[0].entries == ["timesheets/CY-2026-11-16.xlsx!Time!6"]
    assert changed(sync_workspace(firm)) == []
    assert invoice(firm, "TM-01").number is None
    # a row removed after it was invoiced is credited whole
    billfirm.edit_cy_week3(firm, "0")  # hours 0 is a row nobody bills; 7 h × 72 credited
    sync_workspace(firm)
    assert invoice(firm, "TM-01").net == D("-504.00")


def test_a_credit_note_reverses_an_invoice_and_its_work_is_due_again(firm: Path) -> None:
    first = invoice(firm, "MS-01")
    note = credit_invoice(firm, first.number or "", today=ISSUED)
    assert (note.number, note.credits, note.net, note.tax, note.gross) == (
        "INV-2026-0002",
        "INV-2026-0001",
        D("-1100.00"),
        D("-220.00"),
        D("-1320.00"),
    )
    assert [(x.kind.value, x.amount) for x in note.lines] == [("credit", D("-1100.00"))]
    statuses = [
        (i.number, i.status, i.credits, i.credited_by) for i in list_invoices(firm).invoices
    ]
    assert statuses == [
        ("INV-2026-0001", "Credited", None, "INV-2026-0002"),
        ("INV-2026-0002", "Credit note", "INV-2026-0001", None),
    ]
    assert invoice(firm, "MS-01").number == "INV-2026-0003"  # M1 is billed again, knowingly
    with pytest.raises(InvoiceError, match="already credited"):
        credit_invoice(firm, "INV-2026-0001", today=ISSUED)
    with pytest.raises(InvoiceError, match="credit note"):
        credit_invoice(firm, "INV-2026-0002", today=ISSUED)
    with pytest.raises(InvoiceError, match="no invoice"):
        credit_invoice(firm, "INV-2026-0099", today=ISSUED)


def test_crediting_time_frees_its_rows_and_a_corrected_invoice_waits(firm: Path) -> None:
    invoice(firm, "TM-01")
    billfirm.edit_cy_week3(firm, "7")
    sync_workspace(firm)
    invoice(firm, "TM-01")  # INV-2026-0002 corrects a row of INV-2026-0001
    with pytest.raises(InvoiceError, match="corrected on INV-2026-0002"):
        credit_invoice(firm, "INV-2026-0001", today=ISSUED)
    assert credit_invoice(firm, "INV-2026-0002", today=ISSUED).net == D("216.00")
    assert credit_invoice(firm, "INV-2026-0001", today=ISSUED).net == D("-4512.00")
    again = invoice(firm, "TM-01")  # the work, as it is now, is billed once
    assert again.net == D("4512.00") - D("216.00")


def test_with_approval_required_only_approved_weeks_are_billed(
    tmp_path: Path,
) -> None:
    root = billfirm.build(tmp_path / "firm", {"require_approval": "true"})
    approve(root, econfirm.W1, "Mia", ["AN", "CY"])
    result = invoice(root, "TM-01")
    assert [(x.kind.value, x.amount) for x in result.lines] == [
        ("time", D("720.00")),  # AN's 8 h of week 1
        ("time", D("1440.00")),  # CY's 20 h of week 1
        ("expense", D("120.00")),  # AN's travel of week 1
    ]
    approve(root, econfirm.W3, "Mia")
    assert invoice(root, "TM-01").net == D("648.00") + D("864.00") + D("720.00")


def test_two_invoice_runs_at_once_never_share_a_number(firm: Path) -> None:
    engagements = ["TM-01", "FF-01", "MS-01", "RT-01"]
    start = threading.Barrier(len(engagements))
    numbers: dict[str, str | None] = {}
    failures: list[BaseException] = []

    def run(engagement: str) -> None:
        try:
            start.wait()
            numbers[engagement] = invoice(firm, engagement).number
        except BaseException as err:  # reported below
            failures.append(err)

    threads = [threading.Thread(target=run, args=(e,)) for e in engagements]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert sorted(n or "" for n in numbers.values()) == [f"INV-2026-000{n}" for n in range(1, 5)]


def test_the_same_engagement_invoiced_at_once_is_billed_once(firm: Path) -> None:
    start = threading.Barrier(3)
    results: list[object] = []

    def run() -> None:
        start.wait()
        results.append(invoice(firm, "TM-01"))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = sorted(r.number or "" for r in results)  # type: ignore[attr-defined]
    assert numbers == ["", "", "INV-2026-0001"]


def test_the_invoice_workbook_is_psos_own_and_sync_passes_over_it(firm: Path) -> None:
    result = invoice(firm, "TM-01")
    assert result.xlsx is not None
    book, _issues = open_book(result.xlsx)
    assert book.kind == "invoice"
    synced = sync_workspace(firm)
    assert not [i for i in synced.issues if "invoices/" in str(i.location)]
    import openpyxl

    wb = openpyxl.load_workbook(result.xlsx)
    assert wb.sheetnames == ["Invoice", "Entries", "_psos"]
    assert wb["_psos"].sheet_state == "hidden"
    cells = [c for row in wb["Invoice"].iter_rows(values_only=True) for c in row if c is not None]
    for text in ("Invoice INV-2026-0001", "Client TM", "Net", "Tax 20.0 %", "Total due"):
        assert text in cells
    assert 5414.4 in cells and "Payment terms" in next(c for c in cells if str(c).startswith("Pay"))


def test_list_and_export_give_one_row_per_line_with_its_references(firm: Path) -> None:
    invoice(firm, "TM-01")
    issue_invoice(firm, "MS-01", THROUGH, today=date(2027, 1, 4))
    listed = list_invoices(firm).to_json()["invoices"]
    assert [(i["number"], i["gross"], i["status"]) for i in listed] == [
        ("INV-2026-0001", "5414.40", "Issued"),
        ("INV-2027-0001", "1320.00", "Issued"),  # numbers start again each year
    ]
    text = export_invoices(firm, "csv")
    rows = text.splitlines()
    assert rows[0].startswith("invoice,type,status,issued_on,due_on,through,engagement,client")
    assert len(rows) == 1 + 4 + 1
    assert rows[3].endswith(
        "timesheets/BO-2026-11-16.xlsx!Time!4 timesheets/CY-2026-11-02.xlsx!Time!4 "
        "timesheets/CY-2026-11-16.xlsx!Time!6"
    )
    import json

    january = json.loads(export_invoices(firm, "json", date(2027, 1, 1), date(2027, 1, 31)))
    assert [(x["invoice"], x["kind"], x["amount"]) for x in january["lines"]] == [
        ("INV-2027-0001", "milestone", "1100.00")
    ]
    with pytest.raises(InvoiceError, match="csv or json"):
        export_invoices(firm, "xml")


def test_what_cannot_be_invoiced_says_why(firm: Path) -> None:
    with pytest.raises(InvoiceError, match="Draft"):
        invoice(firm, "DR-01")
    with pytest.raises(InvoiceError, match="reserved"):
        invoice(firm, "LEAVE")
    with pytest.raises(InvoiceError, match="no scope"):
        invoice(firm, "XX-99")
    with pytest.raises(InvoiceError, match="not an invoice number"):
        credit_invoice(firm, "Q-2026-0001")


def _invoice_in_process(root: str, engagement: str, start: Any, out: Any) -> None:
    start.wait()
    out.put((engagement, invoice(Path(root), engagement).number))


def test_two_processes_invoicing_at_once_never_share_a_number(firm: Path) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_invoice_in_process, args=(str(firm), e, start, out))
        for e in ("TM-01", "FF-01")
    ]
    for p in procs:
        p.start()
    got = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sorted(got.values()) == ["INV-2026-0001", "INV-2026-0002"]


def test_a_fixed_fee_earns_its_sold_price_after_the_scope_grew(firm: Path) -> None:
    from psos_xl.workbook.writers import write_scope

    scope = next(s for s in econfirm.scopes() if s.info.engagement == "FF-01")
    (d1,) = scope.deliverables
    scope.deliverables = [d1.model_copy(update={"quantity": D(3), "change_order": "CO-1"})]
    write_scope(firm / "scopes" / "FF-01.xlsx", scope, billfirm.catalog())
    sync_workspace(firm)
    # the baseline (price 3,520, cost 1,600) still decides, as in psos report margin
    assert invoice(firm, "FF-01").net == D("2464.00")


def test_the_margin_report_shows_the_work_recognised_and_not_invoiced_yet(firm: Path) -> None:
    from psos_xl.app.margin import workspace_margin

    invoice(firm, "TM-01")
    invoice(firm, "FF-01")
    rows = {r["engagement"]: r for r in workspace_margin(firm, THROUGH).to_json()["rows"]}
    # TM-01 billed all it recognised (4,512.00); FF-01 its progress (2,464.00); MS-01's
    # M1 share (1,100.00) and RT-01's November (1,000.00) are not invoiced yet
    got = {k: (r["revenue"], r["invoiced"], r["uninvoiced"]) for k, r in rows.items()}
    assert got == {
        "FF-01": ("2464.00", "2464.00", "0.00"),
        "MS-01": ("1100.00", "0.00", "1100.00"),
        "RT-01": ("1000.00", "0.00", "1000.00"),
        "TM-01": ("4512.00", "4512.00", "0.00"),
    }
    totals = workspace_margin(firm, THROUGH).to_json()["totals"]
    assert (totals["invoiced"], totals["uninvoiced"]) == ("6976.00", "2100.00")
    # as of a day before the invoices' Through, they do not count yet
    early = workspace_margin(firm, date(2026, 11, 15)).to_json()["totals"]
    assert early["invoiced"] == "0.00"
