"""Every test here runs workbooks through headless LibreOffice.

Without LibreOffice they are skipped with the line that installs it; with
``PSOS_REALCLIENT=require`` in the environment (CI), a missing LibreOffice fails them
instead, so a machine without it cannot pass for green.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from realclient.soffice import Soffice, find_soffice

HERE = Path(__file__).resolve().parent
MISSING = "LibreOffice not found: apt-get install -y libreoffice-calc-nogui"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.realclient)


@pytest.fixture(scope="session", autouse=True)
def soffice(tmp_path_factory: pytest.TempPathFactory) -> Soffice:
    """The headless LibreOffice, with throw-away profiles made once per test session."""
    binary = find_soffice()
    if binary is None:
        if os.environ.get("PSOS_REALCLIENT", "").casefold() == "require":
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    return Soffice(binary, tmp_path_factory.mktemp("lo-profile"))
