"""A scope started from memory is ready: ``psos new scope --closest`` then ``psos price``,
``psos quote --pdf`` and ``psos sync`` all pass, through the real entry point.

The firm is test_report_cli's (synced): BRV-01 (Bravo, 2025-02-03 to 2025-02-28, 25 days)
is the one Completed engagement with MIGR (3 at DATAQ +20 %) beside its DISC 1. Asking
for ``MIGR:5,DISC`` picks it; the new scope keeps both deliverables, MIGR at 5 (DISC
keeps its 1), dated from the next Monday for 25 days, with the client and title given.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli.test_report import build_firm, psos

from psos_xl import models as m
from psos_xl.app.price import price_file
from psos_xl.app.quote import find_soffice
from psos_xl.learning.memory import next_monday
from psos_xl.workbook.readers import read_scope

NO_SOFFICE = "LibreOffice not found: apt-get install -y libreoffice-calc-nogui"
LOCATION = re.compile(r"^[^!]+![^!]+![A-Z]+[0-9]+$")


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_firm(tmp_path_factory.mktemp("ready") / "ws", draft=False)


def _json(done: Any) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _strings_only(value: Any, where: str = "") -> None:
    """No float anywhere: every number of the JSON is a Decimal string or a count."""
    if isinstance(value, dict):
        for k, v in value.items():
            _strings_only(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _strings_only(v, f"{where}[{i}]")
    else:
        assert not isinstance(value, float), f"{where} is a float: {value!r}"


def test_closest_starts_a_scope_that_prices_quotes_and_syncs(firm: Path) -> None:
    before = date.today()
    done = psos(
        "new", "scope", "-w", str(firm), "--closest", "--skus", "MIGR:5,DISC",
        "--client", "Delta Foods", "--title", "Warehouse data move", "--engagement", "NEW-01",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(like BRV-01)" in done.stdout
    assert "MIGR 5 (BRV-01 had 3)" in done.stdout
    path = firm / "scopes" / "NEW-01.xlsx"
    new, issues = read_scope(path)
    assert new is not None and not issues
    info = new.info
    assert (info.client, info.title, info.status) == (
        "Delta Foods",
        "Warehouse data move",
        m.Status.DRAFT,
    )
    assert info.start_date in {next_monday(before), next_monday(date.today())}
    assert info.start_date is not None and info.start_date.weekday() == 0
    assert info.end_date == info.start_date + timedelta(days=25)  # BRV-01's duration
    shown = f"Delta Foods · Warehouse data move · {info.start_date} to {info.end_date}"
    assert shown in done.stdout
    assert [(d.deliverable, d.sku, d.quantity, d.risks) for d in new.deliverables] == [
        ("D1", "DISC", Decimal(1), []),
        ("D2", "MIGR", Decimal(5), ["DATAQ"]),
    ]

    # the prices printed are the written scope's: the same psos price gives
    priced = _json(psos("price", str(path), "--json"))
    assert not [i for i in priced["issues"] if i["severity"] == "error"], priced["issues"]
    assert priced["rates_on"] == info.start_date.isoformat()
    on_catalog, _ = price_file(path, basis=m.EstimateBasis.CATALOG)
    history = Decimal(priced["price"])
    sentence = f"catalog says {on_catalog.price:,.2f} EUR; history says {history:,.2f} EUR"
    assert sentence in done.stdout

    if find_soffice() is None:
        if os.environ.get("PSOS_REALCLIENT", "").casefold() == "require":
            pytest.fail(NO_SOFFICE, pytrace=False)
        quoted = psos("quote", str(path))
    else:
        quoted = psos("quote", str(path), "--pdf")
        assert (firm / "scopes" / "NEW-01-quote.pdf").stat().st_size > 0
    assert quoted.returncode == 0, quoted.stderr
    assert (firm / "scopes" / "NEW-01-quote.xlsx").is_file()

    synced = psos("sync", str(firm), "--json")
    result = json.loads(synced.stdout)
    assert synced.returncode == 0, result["issues"]
    assert result["issues"] == [] and result["rejected_rows"] == 0


def test_json_pins_every_figure_as_text_and_every_place_as_a_cell(firm: Path) -> None:
    done = psos(
        "new", "scope", "-w", str(firm), "--closest", "--skus", "MIGR:2.5",
        "--engagement", "NEW-02", "--start", "2027-01-04", "--json",
    )  # fmt: skip
    data = _json(done)
    _strings_only(data)
    assert set(data) == {"matches", "scope"}
    best = data["matches"][0]
    assert best["engagement"] == "BRV-01" and isinstance(best["score"], str)
    assert LOCATION.match(best["location"]), best["location"]
    assert best["location"] == "scopes/BRV-01.xlsx!ScopeInfo!B4"  # its Engagement cell
    scope = data["scope"]
    assert (scope["engagement"], scope["source"], scope["basis"]) == ("NEW-02", "BRV-01", "P50")
    assert (scope["start_date"], scope["end_date"]) == ("2027-01-04", "2027-01-29")
    assert (scope["client"], scope["title"]) == ("<client>", "<title>")
    assert [(d["sku"], d["quantity"]) for d in scope["deliverables"]] == [("MIGR", "2.5")]
    assert all(LOCATION.match(d["location"]) for d in scope["deliverables"])
    assert scope["changes"] == ["MIGR 2.5 (BRV-01 had 3)", "left out (not asked): DISC"]
    prices = scope["prices"]
    assert all(isinstance(prices[k], str) for k in ("price_catalog", "price_calibrated"))
    codes = {(i["code"], i["severity"]) for i in scope["issues"]}
    assert codes == {("PLACEHOLDER_NOT_REPLACED", "warning")}
    assert sorted(i["location"] for i in scope["issues"]) == [
        "scopes/NEW-02.xlsx!ScopeInfo!B5",
        "scopes/NEW-02.xlsx!ScopeInfo!B6",
    ]
    priced = _json(psos("price", str(firm / "scopes" / "NEW-02.xlsx"), "--json"))
    assert priced["price"] == prices["price_calibrated"]


def test_skus_that_cannot_be_read_are_refused_with_the_syntax(firm: Path) -> None:
    for skus, said in (
        ("MIGR:three", "MIGR:three needs a quantity above 0"),
        ("MIGR:0", "MIGR:0 needs a quantity above 0"),
        ("MIGR=3", "MIGR=3 not in the catalog's Services (DISC, MIGR)"),
        ("TRAIN:2", "TRAIN not in the catalog's Services"),
    ):
        done = psos(
            "new", "scope", "-w", str(firm), "--like", "BRV-01", "--skus", skus,
            "--engagement", "BAD-01",
        )  # fmt: skip
        assert done.returncode == 2, done.stdout
        assert said in done.stderr and "SKU:QTY" in done.stderr
    assert not (firm / "scopes" / "BAD-01.xlsx").exists()


def test_a_plain_new_scope_prints_its_path_as_json(firm: Path) -> None:
    data = _json(psos("new", "scope", "-w", str(firm), "--engagement", "PLAIN-01", "--json"))
    assert data == {"path": str(firm / "scopes" / "PLAIN-01.xlsx")}
