"""How a workbook's path below the workspace is written, in the store and in issues,
when its name is not valid UTF-8; the limits a psos.toml may set."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs
from wb import TIME_HEADER, make_workbook

from psos_xl.errors import WorkspaceError
from psos_xl.loader import load
from psos_xl.settings import LIMIT_SETTINGS, WORKSPACE_SETTINGS
from psos_xl.workspace import (
    Workspace,
    limits_for,
    located,
    name_of,
    path_at,
    rel_of,
    text_of,
    write_config,
)


def test_a_valid_name_is_itself() -> None:
    assert text_of("timesheets/alm (1).xlsx") == "timesheets/alm (1).xlsx"
    assert text_of("caf\u00e9\\x.xlsx") == "caf\u00e9\\x.xlsx"  # a backslash as it is


def test_bytes_that_are_not_utf8_are_written_as_escapes() -> None:
    rel = os.fsdecode(b"timesheets/caf\xe9\\\xff.xlsx")
    assert text_of(rel) == "./timesheets/caf\\xe9\\\\\\xff.xlsx"
    assert rel_of(text_of(rel)) == rel
    assert os.fsencode(rel_of(text_of(rel))) == b"timesheets/caf\xe9\\\xff.xlsx"


@given(hs.text(alphabet=hs.characters(codec=None, exclude_characters="\x00/"), min_size=1))
def test_the_text_form_round_trips_and_names_no_other_path(name: str) -> None:
    text = text_of(name)
    assert rel_of(text) == name
    assert text.encode("utf-8")  # prints and stores anywhere
    if text != name:
        assert text.startswith("./")  # a path relative to the root never does


@pytest.mark.skipif(sys.platform == "win32", reason="names as bytes: POSIX")
def test_name_of_and_path_at_find_the_file(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/a\xe9.xlsx"
    path = Path(os.fsdecode(raw))
    path.write_bytes(b"x")
    assert name_of(tmp_path, path) == "./a\\xe9.xlsx"
    assert path_at(tmp_path, name_of(tmp_path, path)).read_bytes() == b"x"


@pytest.mark.skipif(sys.platform == "win32", reason="links: POSIX")
def test_located_names_a_link_where_it_sits_even_in_a_loop(tmp_path: Path) -> None:
    (tmp_path / "loop.xlsx").symlink_to("loop.xlsx")
    assert located(tmp_path / "loop.xlsx") == tmp_path.resolve() / "loop.xlsx"


@pytest.mark.parametrize("key", LIMIT_SETTINGS)
def test_a_limit_that_is_not_a_whole_number_is_refused(tmp_path: Path, key: str) -> None:
    (tmp_path / "psos.toml").write_text(f'[workspace]\n{key} = "lots"\n', encoding="utf-8")
    with pytest.raises(WorkspaceError, match=f"{key} must be a whole number above zero"):
        Workspace.load(tmp_path)


def test_psos_toml_written_by_init_carries_the_limits(tmp_path: Path) -> None:
    write_config(tmp_path, "Firm")
    text = (tmp_path / "psos.toml").read_text(encoding="utf-8")
    assert "max_file_mb = 50\n" in text and "max_sparse_cells = 4000000\n" in text
    defaults = {s.key: s.default for s in WORKSPACE_SETTINGS}
    assert Workspace.load(tmp_path).limits.file_mb == int(defaults["max_file_mb"])


def test_every_read_takes_the_limits_of_the_nearest_psos_toml(tmp_path: Path) -> None:
    (tmp_path / "timesheets").mkdir()
    path = make_workbook(
        tmp_path / "timesheets" / "t.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER]},
        marker={"person": "ALM", "week": "2026-02-02"},
    )
    assert limits_for(path).parts == 10_000
    (tmp_path / "psos.toml").write_text("[workspace]\nmax_parts = 5\n", encoding="utf-8")
    assert limits_for(path).parts == 5
    _model, issues = load(path, "t.xlsx")  # as psos price, quote and new read a workbook
    assert [str(i.code) for i in issues] == ["FILE_TOO_LARGE"]
