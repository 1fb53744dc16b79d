"""Owned tables added to workbooks LibreOffice saved, and what they look like printed.

A hand-built workspace goes through LibreOffice first (its XML is not openpyxl's:
shared strings, its own styles part, every attribute spelled out); sync then adds the
catalog's Actuals and the scope's Delivery, LibreOffice opens the result again, and
prints it: the PDF's text is what a finance user reads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from handbuilt import build
from python_calamine import CalamineWorkbook
from sync.test_owned_tables import FIRST
from workbook.owned_checks import check_only_owned_parts_changed

from psos_xl.errors import Code
from psos_xl.sync import run_sync
from psos_xl.sync.outputs import WriteBack
from psos_xl.workbook import spec
from psos_xl.workbook.styles import number_format
from realclient.soffice import Soffice, error_cells

MISSING_PDFTOTEXT = "pdftotext not found: apt-get install -y poppler-utils"


def percent(fraction: str) -> str:
    """``fraction`` as the BurnPct column's format shows it (0.0% shows 109.3%)."""
    fmt = number_format(spec.DELIVERY.column("BurnPct")) or ""
    places = len(fmt.split(".")[1]) - 1 if "." in fmt else 0
    shown = (Decimal(fraction) * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{shown}%"


@pytest.fixture(scope="module")
def printed(soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The workspace saved by LibreOffice, synced, then opened by LibreOffice again."""
    root = build(tmp_path_factory.mktemp("lo") / "firm")
    sources = [root / "catalog.xlsx", root / "scopes" / "acme.xlsx"]
    saved = soffice.convert(sources, tmp_path_factory.mktemp("lo-saved"))
    for source, lo in zip(sources, saved, strict=True):
        shutil.copyfile(lo, source)
    before = {p.name: p.read_bytes() for p in sources}
    result = run_sync(root, after_store=WriteBack(root.resolve(), now=lambda: FIRST))
    assert not [i for i in result.issues if i.code is Code.WRITE_BACK_NO_TABLE]
    assert sorted(result.written_back) == ["catalog.xlsx", "scopes/acme.xlsx"]
    for source in sources:
        check_only_owned_parts_changed(before[source.name], source.read_bytes(), set())
    again = soffice.convert(sources, tmp_path_factory.mktemp("lo-again"))
    pdfs = soffice.convert(sources, tmp_path_factory.mktemp("pdf"), fmt="pdf")
    return {
        "catalog": sources[0],
        "scope": sources[1],
        "catalog_again": again[0],
        "scope_again": again[1],
        "catalog_pdf": pdfs[0],
        "scope_pdf": pdfs[1],
    }


def text_of(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip(MISSING_PDFTOTEXT)
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_added_tables_read_back_after_libreoffice_saves_them(printed: dict[str, Path]) -> None:
    for key, table in (("catalog_again", "Actuals"), ("scope_again", "Delivery")):
        book = CalamineWorkbook.from_path(str(printed[key]), load_tables=True)
        rows = book.get_table_by_name(table).to_python()
        assert rows[0][: len(spec.DELIVERY.headers)] and len(rows) == 4, (table, rows)
        original = printed[key.removesuffix("_again")]
        assert error_cells(printed[key], original=original) == []
    ws = openpyxl.load_workbook(printed["scope_again"])["Delivery"]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["H4:H7"]
    assert ws["F4"].number_format == number_format(spec.DELIVERY.column("BurnPct"))


def test_the_printed_delivery_shows_percentages_hours_and_alerts(
    printed: dict[str, Path],
) -> None:
    text = text_of(printed["scope_pdf"])
    assert "Scope ACME-01 · Portal · Delivery" in text
    line = next(x for x in text.splitlines() if re.match(r"\s*D1\s+SA\s", x))
    # 16.8 h estimated, 18.354 booked: hours to two places, BurnPct as a percentage,
    # then EACHours to two places
    pct = re.escape(percent("1.0925"))
    assert re.search(rf"16\.80\s+18\.35\s+{pct}\s+18\.35\s+≥100%", line), line
    assert percent("0.2563") in text and "1.0925" not in text and "0.2563" not in text


def test_the_printed_actuals_show_a_date_not_a_timestamp(printed: dict[str, Path]) -> None:
    text = text_of(printed["catalog_pdf"])
    assert "Catalog · Actuals" in text
    assert "2026-12-05 23:01" in text
    assert "2026-12-05T23:01:04Z" not in text
    line = next(x for x in text.splitlines() if re.match(r"\s*DISC\s+SA\s", x))
    assert re.search(r"\d+\.\d+%", line), line  # MeanAbsErrorPct and BiasPct as percentages
