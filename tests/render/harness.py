"""Print workbooks as a finance user would (LibreOffice → PDF → text) and read the pages.

    printed = print_all({"catalog": path, ...}, soffice, out_dir)  # one soffice run
    printed["catalog"].pages_of("Roles")  # the text of each page the Roles sheet prints on

Every workbook psos writes carries the sheet's name at the right of its page header
(``&A``), so each page of the PDF is attributed to the sheet it was printed from.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from realclient.soffice import Soffice

# an ISO date-time as Python writes one; a cell showing it was not formatted as a date
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# what only a helper sheet holds: the marker's keys, the dropdown lists, xlwings' settings
HELPER_TEXT = ("_psos", "_lists", "xlwings.conf", "UDF Modules", "PSOS_WORKSPACE", "PairEngagement")


@dataclass(frozen=True)
class Printed:
    """One workbook as printed: the text of each page (``pdftotext -layout``)."""

    pdf: Path
    pages: list[str]

    def sheet_of(self, page: str) -> str:
        """The sheet a page was printed from: the last word of its header line."""
        first = next((line for line in page.splitlines() if line.strip()), "")
        return first.split()[-1] if first.strip() else ""

    @property
    def sheets(self) -> list[str]:
        """The printed sheets, in print order, each once."""
        return list(dict.fromkeys(self.sheet_of(p) for p in self.pages))

    def pages_of(self, sheet: str) -> list[str]:
        return [p for p in self.pages if self.sheet_of(p) == sheet]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def print_all(files: Mapping[str, Path], soffice: Soffice, out_dir: Path) -> dict[str, Printed]:
    """Print every workbook of ``files`` to PDF in one LibreOffice run, formulas
    recalculated as on opening; the pages of each, by the same keys."""
    names = list(files)
    pdfs = soffice.convert([files[n] for n in names], out_dir, fmt="pdf")
    return {name: Printed(pdf, _pages(pdf)) for name, pdf in zip(names, pdfs, strict=True)}


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    pages = text.split("\f")
    return [p for p in pages if p.strip()]


def one_line(text: str) -> str:
    """``text`` with its whitespace runs made single spaces (layout columns vary)."""
    return " ".join(text.split())
