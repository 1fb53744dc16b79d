"""Every workbook psos ships or generates recalculates in LibreOffice without an error.

Each workbook is opened by headless LibreOffice with recalculation forced (see
:mod:`realclient.soffice`), saved, and every cell holding an error value (#NAME?,
#REF!, #VALUE!, ...) is listed. Cells that call a PSOS_ function are left out: those
are xlwings UDFs, which only run in Excel with the add-in.

The template and generator tests fail (never skip) while the product module or the
templates they check do not exist yet.
"""

from __future__ import annotations

import importlib
import math
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest
import python_calamine as pc

from psos_xl.models import BillingModel
from psos_xl.workbook.reader import open_book
from psos_xl.workbook.readers import read_catalog
from psos_xl.workspace import Workspace
from realclient.soffice import (
    Soffice,
    SofficeError,
    describe_change,
    error_cells,
    psos_udf_cells,
    reading,
)

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "workbooks"
DEMO_TIMESHEETS = 15  # a sample keeps the LibreOffice run short
MONDAY = date(2026, 2, 2)


def product(name: str) -> ModuleType:
    """Import a product module; a missing one fails the test with the ImportError."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        problem = f"{type(err).__name__}: {err}"
    pytest.fail(
        f"ImportError: cannot import {name} ({problem}); "
        "the workbooks it generates cannot be checked in LibreOffice",
        pytrace=False,
    )


# --- the harness itself ---------------------------------------------------------------


def forge_cached_value(path: Path, formula: str, value: str) -> Path:
    """Store ``value`` as the cached result of the cell whose formula is ``formula``
    (openpyxl itself writes formulas with an empty cached value)."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    forged, n = re.subn(
        rf"(<f>{re.escape(formula)}</f>)(<v\s*/>|<v></v>)?", rf"\1<v>{value}</v>", sheet
    )
    assert n == 1, f"formula {formula} not found once in {sheet}"
    parts["xl/worksheets/sheet1.xml"] = forged.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def make_probe(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"] = "=1+2"
    wb.save(path)
    return forge_cached_value(path, "1+2", "99")


def make_broken(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"] = "=1/0"
    ws["A2"] = "=NOSUCHFUNC(1)"
    ws["A3"] = '=PSOS_PRICE("ACME-01")'  # an xlwings UDF: no add-in in LibreOffice
    ws["A4"] = '=IFERROR(PSOS_PRICE("ACME-01"),42)'  # the fallback the design asks for
    ws["A5"] = "=1+1"
    ws["A6"] = "#1 priority"  # text that merely starts like an error
    more = wb.create_sheet("More")
    more["B2"] = "=Calc!A1*2"  # an error propagates to the cells that use it
    more["B3"] = "=SUM(Calc!A5,1)"
    wb.save(path)
    return path


def make_named(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Calc"
    wb.active["A1"] = text
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def probes(soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("probes")
    probe = make_probe(root / "probe.xlsx")
    broken = make_broken(root / "broken.xlsx")
    twins = [make_named(root / folder / "same.xlsx", folder) for folder in ("a", "b")]
    recalculated, broken_saved, twin_a, twin_b = soffice.convert(
        [probe, broken, *twins], root / "recalc"
    )
    [cached] = soffice.convert([probe], root / "cached", recalc=False)
    return {
        "probe": probe,
        "recalculated": recalculated,
        "cached": cached,
        "broken": broken,
        "broken_saved": broken_saved,
        "twin_a": twin_a,
        "twin_b": twin_b,
    }


def a1(path: Path) -> object:
    sheet = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Calc").to_python()
    return sheet[0][0]


def test_recalculation_is_forced(probes: dict[str, Path]) -> None:
    """The forged cached value 99 of =1+2 is what a reader sees in the file; LibreOffice
    with the psos profile computes 3, with a "never recalculate" profile it keeps 99."""
    assert a1(probes["probe"]) == 99
    assert a1(probes["recalculated"]) == 3
    assert a1(probes["cached"]) == 99


def test_error_cells_finds_every_broken_formula(probes: dict[str, Path]) -> None:
    # openpyxl cached no value, so nothing is visible before a spreadsheet computes it
    assert error_cells(probes["broken"]) == []
    expected = ["Calc!A1: #DIV/0!", "Calc!A2: #NAME?", "More!B2: #DIV/0!"]
    assert error_cells(probes["broken_saved"], original=probes["broken"]) == expected
    # LibreOffice keeps the UDF call (lower-cased), so the saved file alone suffices too
    assert error_cells(probes["broken_saved"]) == expected
    in_more: Callable[[str], bool] = lambda ref: ref.startswith("More!")  # noqa: E731
    assert error_cells(probes["broken_saved"], ignore=in_more) == expected[:2]


def test_psos_udf_cells_are_found_in_the_original(probes: dict[str, Path]) -> None:
    assert psos_udf_cells(probes["broken"]) == {"Calc!A3", "Calc!A4"}


def test_files_of_the_same_name_get_their_own_output(probes: dict[str, Path]) -> None:
    assert probes["twin_a"] != probes["twin_b"]
    assert (a1(probes["twin_a"]), a1(probes["twin_b"])) == ("a", "b")


def test_a_hung_soffice_is_killed(soffice: Soffice, tmp_path: Path) -> None:
    """Its own profile, so the session's profile is not half-written by the kill."""
    profile_root = tmp_path / "profile"
    slow = Soffice(soffice.binary, profile_root)
    started = time.monotonic()
    with pytest.raises(SofficeError, match="did not finish within"):
        slow.convert([make_named(tmp_path / "x.xlsx", "x")], tmp_path / "out", timeout=0.2)
    assert time.monotonic() - started < 10
    assert not processes_using(profile_root), "a killed soffice left processes behind"


def processes_using(profile_root: Path) -> list[int]:
    """Processes whose command line names ``profile_root`` (Linux /proc only)."""
    needle = profile_root.resolve().as_uri().encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


# --- what psos ships and generates ----------------------------------------------------


@dataclass(frozen=True)
class Converted:
    """Workbooks by display name, and LibreOffice's recalculated copies of them."""

    originals: dict[str, Path]
    saved: dict[str, Path]


def convert_all(soffice: Soffice, files: dict[str, Path], out_dir: Path) -> Converted:
    saved = soffice.convert(list(files.values()), out_dir, timeout=300)
    return Converted(files, dict(zip(files, saved, strict=True)))


def template_workbooks() -> dict[str, Path]:
    templates = sorted(
        p for p in TEMPLATES.glob("*.xls[xm]") if not p.name.startswith(("~$", ".~lock."))
    )
    if not templates:
        pytest.fail(f"no template workbooks in {TEMPLATES} yet (workbooks/*.xlsx)", pytrace=False)
    return {f"workbooks/{p.name}": p for p in templates}


def workspace_workbooks(root: Path) -> dict[str, Path]:
    """What a new firm gets: ``psos init``, then a scope per billing model, a timesheet
    and a fresh catalog from ``psos new``."""
    sample = product("psos_xl.demo.sample")
    newbook = product("psos_xl.app.new")
    ws = sample.init_workspace(root / "firm", name="Test Firm")
    catalog, _ = read_catalog(ws.catalog_path)
    assert catalog is not None and catalog.people, "the sample catalog has no People"
    made = [ws.catalog_path]
    for i, billing_model in enumerate(BillingModel, start=1):
        made.append(
            newbook.new_scope(
                ws,
                f"ACME-{i:02d}",
                client="Acme",
                title=f"Portal phase {i}",
                start=MONDAY,
                end=date(2026, 5, 29),
                billing_model=billing_model,
            )
        )
    made.append(newbook.new_timesheet(ws, catalog.people[0].person, MONDAY))
    made.append(newbook.new_catalog(root / "new-catalog.xlsx"))
    return {ws.display(Path(p)): Path(p) for p in made}


def demo_workbooks(root: Path, timesheets: int = DEMO_TIMESHEETS) -> dict[str, Path]:
    """The demo firm's catalog and scopes, and an even sample of its timesheets."""
    demo = product("psos_xl.demo")
    demo.build_demo(root)
    ws = Workspace.load(root)
    by_kind: dict[str, list[Path]] = {}
    for path in ws.workbooks():
        book, _ = open_book(path)
        by_kind.setdefault(book.kind, []).append(path)
    assert by_kind.get("catalog"), f"the demo in {root} has no catalog"
    assert by_kind.get("scope"), f"the demo in {root} has no scopes"
    sheets = by_kind.get("timesheet", [])
    assert sheets, f"the demo in {root} has no timesheets"
    step = max(1, math.ceil(len(sheets) / timesheets))
    chosen = [*by_kind["catalog"], *by_kind["scope"], *sheets[::step][:timesheets]]
    return {ws.display(p): p for p in chosen}


@pytest.fixture(scope="module")
def templates(soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> Converted:
    return convert_all(soffice, template_workbooks(), tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="module")
def generated(soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> Converted:
    root = tmp_path_factory.mktemp("generated")
    return convert_all(soffice, workspace_workbooks(root), root / "lo")


@pytest.fixture(scope="module")
def demo(soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> Converted:
    root = tmp_path_factory.mktemp("demo")
    return convert_all(soffice, demo_workbooks(root / "firm"), root / "lo")


GROUPS = {"templates": "workbooks/", "generated": "a new workspace", "demo": "the demo"}


@pytest.mark.parametrize("group", list(GROUPS))
def test_workbooks_recalculate_without_errors(group: str, request: pytest.FixtureRequest) -> None:
    converted: Converted = request.getfixturevalue(group)
    errors = [
        f"{name}: {error}"
        for name, original in converted.originals.items()
        for error in error_cells(converted.saved[name], original=original)
    ]
    header = f"{len(errors)} error cell(s) in {GROUPS[group]} after LibreOffice recalculated:"
    assert not errors, "\n".join([header, *errors])


@pytest.mark.parametrize("group", list(GROUPS))
def test_workbooks_read_the_same_once_saved_by_libreoffice(
    group: str, request: pytest.FixtureRequest
) -> None:
    converted: Converted = request.getfixturevalue(group)
    changes = []
    for name, original in converted.originals.items():
        before, after = reading(original, name), reading(converted.saved[name], name)
        if before != after:
            changes.append(f"{name}: {describe_change(before, after)}")
    header = f"{len(changes)} workbook(s) of {GROUPS[group]} read differently once re-saved:"
    assert not changes, "\n".join([header, *changes])
