"""``psos invoice`` through the real entry point: the JSON shape, nothing due, credit,
list and export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import billfirm
import pytest

from cli.run import assert_json_convention, psos, psos_json


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return billfirm.build(tmp_path_factory.mktemp("cli-invoice") / "firm")


def test_invoice_prints_the_agreed_json_and_nothing_twice(firm: Path) -> None:
    data = psos_json("invoice", firm, "--engagement", "TM-01", "--through", "2026-11-30")
    assert list(data)[:7] == ["number", "engagement", "through", "net", "tax", "gross", "lines"]
    assert (data["engagement"], data["through"], data["net"], data["tax"], data["gross"]) == (
        "TM-01",
        "2026-11-30",
        "4512.00",
        "902.40",
        "5414.40",
    )
    assert {tuple(line) for line in data["lines"]} == {
        (
            "kind",
            "description",
            "quantity",
            "rate",
            "amount",
            "entries",
        )
    }
    assert [line["kind"] for line in data["lines"]] == ["time", "time", "time", "expense"]
    assert data["lines"][0]["entries"] == ["timesheets/AN-2026-11-02.xlsx!Time!4"]
    assert_json_convention(
        data,
        decimals=("net", "tax", "gross", "quantity", "rate", "amount", "tax_rate"),
        dates=("through", "issued_on", "due_on"),
    )
    assert (firm / "invoices" / f"{data['number']}.xlsx").is_file()
    nothing = psos_json("invoice", firm, "--engagement", "TM-01", "--through", "2026-11-30")
    assert (nothing["number"], nothing["lines"], nothing["net"]) == (None, [], "0.00")
    shown = psos("invoice", firm, "--engagement", "TM-01", "--through", "2026-11-30")
    assert shown.returncode == 0 and "Nothing due on TM-01" in shown.stdout


def test_credit_list_and_export(firm: Path) -> None:
    issued = psos_json("invoice", firm, "--engagement", "MS-01", "--through", "2026-11-30")
    note = psos_json("invoice", firm, "--credit", issued["number"], "--by", "Mia")
    assert (note["credits"], note["net"], note["lines"][0]["kind"]) == (
        issued["number"],
        "-1100.00",
        "credit",
    )
    listed = psos_json("invoice", "list", firm)
    mine = {i["number"]: i["status"] for i in listed["invoices"]}
    assert [i["issued_by"] for i in listed["invoices"] if i["number"] == note["number"]] == ["Mia"]
    assert mine[issued["number"]] == "Credited" and mine[note["number"]] == "Credit note"
    exported = psos("invoice", "export", firm, "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {r["invoice"] for r in rows} >= {issued["number"], note["number"]}
    credit_row = next(r for r in rows if r["invoice"] == note["number"])
    assert (credit_row["type"], credit_row["credits"], credit_row["amount"]) == (
        "credit note",
        issued["number"],
        "-1100.00",
    )
    as_json = json.loads(psos("invoice", "export", firm, "--format", "json").stdout)
    assert len(as_json["lines"]) == len(rows)
    shown = psos("invoice", "list", firm)
    assert shown.returncode == 0 and issued["number"] in shown.stdout


def test_what_cannot_run_exits_2(firm: Path, tmp_path: Path) -> None:
    missing = psos("invoice", firm, "--through", "2026-11-30")
    assert missing.returncode == 2 and "--engagement" in missing.stderr + missing.stdout
    draft = psos("invoice", firm, "--engagement", "DR-01", "--through", "2026-11-30")
    assert draft.returncode == 2
    assert (
        psos("invoice", tmp_path, "--engagement", "TM-01", "--through", "2026-11-30").returncode
        == 2
    )


def test_sync_reports_an_edited_invoiced_row_at_its_cell(tmp_path: Path) -> None:
    root = billfirm.build(tmp_path / "firm")
    psos_json("invoice", root, "--engagement", "TM-01", "--through", "2026-11-30")
    billfirm.edit_cy_week3(root, "7")
    synced = psos_json("sync", root, exit_code=1)
    found = [i for i in synced["issues"] if i["code"] == "INVOICED_ENTRY_CHANGED"]
    assert [(i["location"], i["severity"]) for i in found] == [
        ("timesheets/CY-2026-11-16.xlsx!Time!A6", "warning")
    ]
    assert_json_convention(found)
    fixed = psos_json("invoice", root, "--engagement", "TM-01", "--through", "2026-11-30")
    assert [(x["kind"], x["amount"]) for x in fixed["lines"]] == [("credit", "-216.00")]
    again = psos_json("sync", root, exit_code=None)
    assert not [i for i in again["issues"] if i["code"] == "INVOICED_ENTRY_CHANGED"]
