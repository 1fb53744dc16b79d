"""What a new user meets in the first hour: a mistyped path, a file already there, the
version, and one wording of an issue whichever command finds it."""

from __future__ import annotations

import copy
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from cli.run import psos, psos_json


def _scope(root: Path, deliverables: list[list[Any]] | None = None, **info: Any) -> Path:
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    tables = copy.deepcopy(SCOPE_TABLES)
    for row in tables["ScopeInfo"][1:]:
        if row[0] in info:
            row[1] = info[row[0]]
    if deliverables is not None:
        tables["Deliverables"][1:] = deliverables
    (root / "scopes").mkdir(exist_ok=True)
    return make_workbook(root / "scopes" / "acme.xlsx", "scope", tables)


def test_version_is_the_packages() -> None:
    run = psos("--version")
    assert run.returncode == 0
    assert run.stdout.strip() == f"psos_xl {version('psos_xl')}"


def test_a_path_that_is_not_there_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nosuch"
    for command in (("validate", missing), ("price", missing / "a.xlsx")):
        run = psos(*command)
        assert run.returncode == 2, command
        assert "no such file" in run.stderr and "catalog" not in run.stderr
    data = psos_json("validate", missing, exit_code=2)
    assert data["error"] == f"{missing}: no such file or folder"
    assert [i["code"] for i in data["issues"]] == ["FILE_NOT_FOUND"]


def test_a_file_already_there_names_the_flag_that_replaces_it(tmp_path: Path) -> None:
    (tmp_path / "catalog.xlsx").write_bytes(b"mine")
    run = psos("new", "catalog", tmp_path / "catalog.xlsx")
    assert run.returncode == 2
    assert "pass --force to replace it" in run.stderr
    assert (tmp_path / "catalog.xlsx").read_bytes() == b"mine"


def test_a_quantity_below_zero_is_worded_alike_by_validate_and_price(tmp_path: Path) -> None:
    scope = _scope(tmp_path, [["D1", "DISC", "Kick-off", -2, "Medium", "", "M1"]])
    expected = {
        "code": "QUANTITY_NOT_POSITIVE",
        "severity": "error",
        "location": "scopes/acme.xlsx!Deliverables!D2",
        "message": "deliverable 'D1' has quantity -2; it must be above 0",
    }
    validated = psos_json("validate", scope, exit_code=1)["issues"]
    priced = psos_json("price", scope, exit_code=1)["issues"]
    assert [i for i in validated if i["code"] == "QUANTITY_NOT_POSITIVE"] == [expected]
    assert [i for i in priced if i["code"] == "QUANTITY_NOT_POSITIVE"] == [expected]


def test_a_missing_start_date_is_an_error_that_says_so(tmp_path: Path) -> None:
    scope = _scope(tmp_path, StartDate=None)
    data = psos_json("price", scope, exit_code=1)
    (issue,) = [i for i in data["issues"] if i["code"] == "FIELD_MISSING"]
    assert issue["severity"] == "error"
    message = issue["message"]
    assert message.startswith("ScopeInfo needs a value for StartDate; until it has one the ")
    assert "uses the rates in force on" in message and message.endswith("is not one to quote")
    refused = psos("quote", scope)
    assert refused.returncode == 2  # an error: no quote is written on it
    assert "FIELD_MISSING" in refused.stderr
    assert json.dumps(data).count("FIELD_MISSING") == 1
