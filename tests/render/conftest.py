"""Every test here prints workbooks through headless LibreOffice and reads the PDF.

Without LibreOffice or pdftotext they are skipped with the package that provides
them; with ``PSOS_REALCLIENT=require`` in the environment (CI), a missing one fails
them instead, so a machine without it cannot pass for green.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from realclient.soffice import Soffice, find_soffice

HERE = Path(__file__).resolve().parent
MISSING = (
    "LibreOffice or pdftotext not found: apt-get install -y libreoffice-calc-nogui poppler-utils"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.realclient)


@pytest.fixture(scope="session")
def soffice(tmp_path_factory: pytest.TempPathFactory) -> Soffice:
    """The headless LibreOffice, with a throw-away profile made once per test session."""
    binary = find_soffice()
    if binary is None or shutil.which("pdftotext") is None:
        if os.environ.get("PSOS_REALCLIENT", "").casefold() == "require":
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    return Soffice(binary, tmp_path_factory.mktemp("lo-profile"))
