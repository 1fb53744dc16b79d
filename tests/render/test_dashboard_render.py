"""The dashboard as LibreOffice shows it: every chart drawn, no cell an error value.

The synced firm of econfirm.py gives every sheet from its store but Forecast, which
takes the hand-made rows of workbook/dashboard_rows.py (the firm weighs no Draft into
its pipeline in the weeks ahead, and each series of a chart is to be seen drawn). The
workbook is converted to PDF (and each page to a picture with ``pdftoppm``) and to
xlsx, recalculated. A chart is drawn when its series' colours fill its plot, right of
the sheet's table; the Completeness sheet, which has no chart, shows none of them, so
the count can tell.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from econfirm import AS_OF, build
from realclient.soffice import ERROR_VALUES, Soffice, error_cells
from workbook.dashboard_rows import FORECAST

from psos_xl.app.dashboard import SOURCES, Source, write_dashboard
from psos_xl.workbook.dashsheets import BLUE, DARK_RED, GREEN, ORANGE, Section

# the series' colours each chart must show, by sheet
DRAWN = {
    "Utilization": (BLUE, DARK_RED),
    "Margin": (BLUE, ORANGE),
    "Burn": (BLUE, ORANGE),
    "Forecast": (BLUE, ORANGE, GREEN),
    "Completeness": (),
}
DPI = 60
NEAR = 24  # how far (per channel) a pixel may be from a series' colour, anti-aliasing
BAR = 150  # pixels of a series' colour its bars show at DPI, the smallest one included
LINE = 40  # pixels the target's line shows


def hand_made(report: str, rows: list[dict[str, object]]) -> Source:
    return Source(report, lambda _root, _day, _store: Section(report, rows))


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("firm") / "firm")
    sources = [s for s in SOURCES if s.report != "forecast"] + [hand_made("forecast", FORECAST)]
    return write_dashboard(root, root / "dashboard.xlsx", AS_OF, sources=sources).path


def pixels(ppm: Path) -> np.ndarray:
    """The RGB pixels of a binary PPM (P6, 8 bits), rows × columns × 3."""
    data = ppm.read_bytes()
    fields: list[bytes] = []
    at = 0
    while len(fields) < 4:  # magic, width, height, maxval, each after whitespace
        while data[at : at + 1].isspace():
            at += 1
        end = at
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[at:end])
        at = end
    assert fields[0] == b"P6" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    body = np.frombuffer(data, dtype=np.uint8, count=width * height * 3, offset=at + 1)
    return body.reshape(height, width, 3)


def near(image: np.ndarray, colour: str) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.int16)
    return (np.abs(image.astype(np.int16) - rgb) <= NEAR).all(axis=2)


def pages(pdf: Path) -> list[str]:
    """The text of every page, blank ones kept, so page n is pages[n - 1]."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[: -1 or None]


def sheet_of(page: str) -> str:
    """The sheet a page was printed from: the last word of its header (``&A``)."""
    first = next((line for line in page.splitlines() if line.strip()), "")
    return first.split()[-1] if first.strip() else ""


@pytest.fixture(scope="module")
def printed(dashboard: Path, soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return soffice.convert([dashboard], tmp_path_factory.mktemp("pdf"), fmt="pdf")[0]


def test_every_chart_is_drawn_right_of_its_table(printed: Path, tmp_path: Path) -> None:
    texts = pages(printed)
    first_page = {}
    for n, text in enumerate(texts, start=1):
        first_page.setdefault(sheet_of(text), n)
    assert list(first_page) == ["Summary", *DRAWN]
    for sheet, colours in DRAWN.items():
        n = first_page[sheet]
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(DPI),
                "-f",
                str(n),
                "-l",
                str(n),
                str(printed),
                str(tmp_path / sheet),
            ],
            check=True,
        )
        [ppm] = tmp_path.glob(f"{sheet}*.ppm")
        image = pixels(ppm)
        width = image.shape[1]
        if not colours:  # no chart: none of the series' colours anywhere
            for colour in DRAWN["Forecast"] + DRAWN["Utilization"]:
                assert near(image, colour).sum() == 0, (sheet, colour)
            continue
        for colour in colours:
            drawn = near(image, colour)
            enough = LINE if colour == DARK_RED else BAR
            assert drawn.sum() >= enough, (sheet, colour, int(drawn.sum()))
            columns = np.nonzero(drawn.any(axis=0))[0]
            assert columns.min() > width * 0.3, (sheet, colour, int(columns.min()), width)


def test_the_chart_titles_print_whole(printed: Path) -> None:
    text = " ".join(" ".join(pages(printed)).split())
    for title in (
        "Utilization by person against target",
        "Margin by engagement",
        "Burn by engagement: share of the baseline used",
        "Supply against demand by role",
    ):
        assert title in text


def test_no_cell_shows_an_error_value(
    dashboard: Path, printed: Path, soffice: Soffice, tmp_path: Path
) -> None:
    [saved] = soffice.convert([dashboard], tmp_path, fmt="xlsx")
    assert error_cells(saved, original=dashboard) == []
    text = " ".join(pages(printed))
    assert not [e for e in ERROR_VALUES if e in text]
    assert "Err:" not in text
