from __future__ import annotations

from pathlib import Path

import pytest
from wb import CATALOG_TABLES, make_workbook

from psos_xl.errors import WorkspaceError
from psos_xl.workspace import Workspace, is_temp_name, is_workbook_name, write_config


def test_a_firm_name_with_quotes_survives_psos_toml(tmp_path: Path) -> None:
    write_config(tmp_path, 'Smith "& Sons" \\ Partners')
    assert Workspace.load(tmp_path).name == 'Smith "& Sons" \\ Partners'


def test_unknown_setting_in_psos_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "psos.toml").write_text('[workspace]\ncatlog = "x.xlsx"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="catlog"):
        Workspace.load(tmp_path)


def test_broken_psos_toml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "psos.toml").write_text("[workspace\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not valid TOML"):
        Workspace.load(tmp_path)


def test_find_walks_up_to_psos_toml(tmp_path: Path) -> None:
    write_config(tmp_path, "Firm")
    deep = tmp_path / "timesheets" / "ALM"
    deep.mkdir(parents=True)
    ws = Workspace.find(deep / "ALM-2026-07-06.xlsx")
    assert ws is not None and ws.root == tmp_path.resolve()
    assert ws.display(deep / "ALM-2026-07-06.xlsx") == "timesheets/ALM/ALM-2026-07-06.xlsx"


def test_find_recognises_a_catalog_by_its_marker_not_its_name(tmp_path: Path) -> None:
    make_workbook(tmp_path / "rates 2026.xlsx", "catalog", CATALOG_TABLES)
    (tmp_path / "scopes").mkdir()
    ws = Workspace.find(tmp_path / "scopes")
    assert ws is not None and ws.catalog_path.name == "rates 2026.xlsx"


def test_the_nearest_workspace_wins(tmp_path: Path) -> None:
    write_config(tmp_path, "Outer")
    inner = tmp_path / "clients" / "inner"
    inner.mkdir(parents=True)
    write_config(inner, "Inner")
    ws = Workspace.find(inner / "scopes")
    assert ws is not None and ws.name == "Inner"


@pytest.mark.parametrize(
    ("name", "temp"),
    [("~$scope.xlsx", True), (".~lock.scope.xlsx#", True), ("scope.xlsx", False)],
)
def test_excel_and_libreoffice_lock_files_are_not_workbooks(name: str, temp: bool) -> None:
    assert is_temp_name(name) is temp
    assert is_workbook_name(name) is not temp


def test_workbooks_skip_state_folder_and_locks(tmp_path: Path) -> None:
    write_config(tmp_path, "Firm")
    (tmp_path / ".psos").mkdir()
    make_workbook(tmp_path / ".psos" / "hidden.xlsx", "catalog", CATALOG_TABLES)
    make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    (tmp_path / "~$catalog.xlsx").write_bytes(b"owner")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    names = [p.name for p in Workspace.load(tmp_path).workbooks()]
    assert names == ["catalog.xlsx"]
