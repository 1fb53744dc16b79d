"""The Windows contract of the Excel functions, checked on Linux.

On Linux ``xw.func``/``xw.arg``/``xw.ret`` are no-ops, so nothing would tell us what
Excel's Import Functions will see. Here the real ``xlwings.udfs`` is imported with
stand-ins for pywin32 (``pythoncom``, ``pywintypes``, ``win32com.client``), its
decorators are put in place of the no-ops, and a private copy of
``psos_xl.udfs.functions`` is executed with them. Then each function's ``__xlfunc__``
(argument names, converter options, help texts) is checked, and the VBA module Import
Functions writes is generated and compared with ``tests/udfs/snapshots/xlwings_udfs.bas``.

Regenerate the snapshot after a deliberate change with
``PSOS_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_udf_contract.py`` and review the diff.
This touches xlwings internals, hence the pinned version.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlwings

import psos_xl.udfs.functions as plain

PINNED_XLWINGS = "0.37.8"
MODULE = "psos_xl.udfs.functions"
SNAPSHOT = Path(__file__).parent / "snapshots" / "xlwings_udfs.bas"
UPDATE = os.environ.get("PSOS_UPDATE_SNAPSHOTS") == "1"

UDFS = {
    "PSOS_PRICE": ["scope_info", "deliverables", "overrides", "basis", "workspace"],
    "PSOS_MARGIN": ["scope_info", "deliverables", "overrides", "basis", "workspace"],
    "PSOS_QUOTE": ["scope_info", "deliverables", "overrides", "basis", "workspace"],
    "PSOS_LINE": [
        "deliverable",
        "scope_info",
        "deliverables",
        "overrides",
        "figure",
        "basis",
        "workspace",
    ],
    "PSOS_RATE": ["role", "on_date", "kind", "workspace", "roles"],
    "PSOS_HOURS": ["sku", "role", "basis", "workspace"],
    "PSOS_VALIDATE": ["scope_info", "deliverables", "overrides", "assumptions", "workspace"],
}
CATALOG_RANGES = ["roles", "services", "complexity", "risks", "settings", "actuals"]
RANGE_ARGS = {
    "scope_info",
    "deliverables",
    "overrides",
    "assumptions",
    *CATALOG_RANGES,
}
# VBA keywords and type names that cannot name a parameter of the generated wrapper
_VBA_WORDS = """
and as attribute boolean byref byte byval call case close const currency date decimal
declare dim do double each else elseif empty end enum eqv erase error event exit false
for friend function get global gosub goto if imp implements in input integer is let like
line lock long loop lset me mod name new next not nothing null on open optional or
paramarray preserve print private property public put raiseevent redim rem resume return
rset seek select set single static step stop string sub then to true type typeof until
variant wend while with withevents write xor
"""
VBA_RESERVED = frozenset(_VBA_WORDS.split())


def full_args(name: str) -> list[str]:
    extra = [] if name == "PSOS_RATE" else CATALOG_RANGES
    return UDFS[name] + [a for a in extra if a not in UDFS[name]]


def _stub(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


class _ComError(Exception):
    pass


@pytest.fixture
def windows_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """psos_xl.udfs.functions as the xlwings COM add-in sees it, on a pywin32 stand-in."""
    win32com = _stub("win32com")
    client = _stub("win32com.client", Dispatch=lambda *a, **k: None)
    win32com.client = client  # type: ignore[attr-defined]
    stubs = {
        "pythoncom": _stub(
            "pythoncom",
            CoInitialize=lambda: None,
            IID_IDispatch=object(),
            CoMarshalInterThreadInterfaceInStream=lambda *a: None,
            CoGetInterfaceAndReleaseStream=lambda *a: None,
        ),
        "pywintypes": _stub("pywintypes", com_error=_ComError),
        "win32com": win32com,
        "win32com.client": client,
    }
    for name, module in stubs.items():
        monkeypatch.setitem(sys.modules, name, module)
    had_udfs = "xlwings.udfs" in sys.modules
    try:
        udfs = importlib.import_module("xlwings.udfs")
        monkeypatch.setattr(xlwings, "func", udfs.xlfunc)
        monkeypatch.setattr(xlwings, "arg", udfs.xlarg)
        monkeypatch.setattr(xlwings, "ret", udfs.xlret)
        spec = importlib.util.spec_from_file_location("psos_udfs_contract_copy", plain.__file__)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        if not had_udfs:
            sys.modules.pop("xlwings.udfs", None)
            if "udfs" in vars(xlwings):
                delattr(xlwings, "udfs")


class FakeWorkbook:
    """What generate_vba_wrapper asks of the COM workbook: its Name."""

    Name = "scope.xlsm"


def test_xlwings_is_the_pinned_version() -> None:
    assert xlwings.__version__ == PINNED_XLWINGS, (
        f"xlwings {xlwings.__version__} is installed; this contract and "
        f"{SNAPSHOT.name} were reviewed against {PINNED_XLWINGS}. Review the generated "
        "VBA (PSOS_UPDATE_SNAPSHOTS=1) and the decorators' behaviour before upgrading, "
        "then update PINNED_XLWINGS and the pin in pyproject.toml."
    )


def test_the_plain_module_stays_plain_on_linux() -> None:
    # the copy under test must not leak into the module the other tests use
    assert not hasattr(plain.PSOS_PRICE, "__xlfunc__")


def test_every_udf_is_registered_with_its_arguments(windows_module: types.ModuleType) -> None:
    found = sorted(
        n for n in dir(windows_module) if hasattr(getattr(windows_module, n), "__xlfunc__")
    )
    assert found == sorted(UDFS)
    for name in UDFS:
        xlfunc = getattr(windows_module, name).__xlfunc__
        assert xlfunc["name"] == name
        assert xlfunc["category"] == "psos"
        assert not xlfunc["sub"] and not xlfunc["volatile"] and xlfunc["async_mode"] is None
        names = [a["name"] for a in xlfunc["args"]]
        assert names == full_args(name), name
        assert not any(a["vararg"] for a in xlfunc["args"])
        assert not [n for n in names if n.casefold() in VBA_RESERVED], name
        assert "caller" not in names  # nothing here needs COM


def test_ranges_arrive_as_2d_lists_with_errors_as_text(windows_module: types.ModuleType) -> None:
    for name in UDFS:
        for arg in getattr(windows_module, name).__xlfunc__["args"]:
            options = arg["options"]
            if arg["name"] in RANGE_ARGS:
                assert options.get("ndim") == 2, (name, arg["name"])
                assert options.get("err_to_str") is True, (name, arg["name"])
            else:
                assert "ndim" not in options, (name, arg["name"])


def test_every_converter_is_one_xlwings_has(windows_module: types.ModuleType) -> None:
    """A type hint becomes a converter; ``str | None`` would break every call on Windows."""
    from xlwings.conversion import accessors

    for name in UDFS:
        xlfunc = getattr(windows_module, name).__xlfunc__
        for options in [a["options"] for a in xlfunc["args"]] + [xlfunc["ret"]["options"]]:
            convert = options.get("convert")
            assert convert is None or convert in accessors, (name, convert)


def test_optional_arguments_and_help_texts(windows_module: types.ModuleType) -> None:
    for name in UDFS:
        xlfunc = getattr(windows_module, name).__xlfunc__
        required = [a["name"] for a in xlfunc["args"] if "optional" not in a]
        assert required == {
            "PSOS_LINE": ["deliverable", "scope_info", "deliverables"],
            "PSOS_RATE": ["role", "on_date"],
            "PSOS_HOURS": ["sku", "role"],
        }.get(name, ["scope_info", "deliverables"])
        for arg in xlfunc["args"]:
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert len(arg["doc"]) <= 255
        doc = xlfunc["ret"]["doc"]
        first = doc.strip().splitlines()[0]
        assert len(first) <= 80 and first.endswith("."), (name, first)


def test_the_vba_wrapper_matches_the_snapshot(windows_module: types.ModuleType) -> None:
    from xlwings.udfs import generate_vba_wrapper

    out = io.StringIO()
    generate_vba_wrapper(MODULE, windows_module, out, FakeWorkbook())  # type: ignore[no-untyped-call]
    vba = out.getvalue()
    assert f'XLPy.CallUDF("{MODULE}", "PSOS_PRICE", ' in vba
    assert "ThisWorkbook" in vba and "ActiveWorkbook" not in vba
    if UPDATE or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(vba, encoding="utf-8", newline="\n")
        if not UPDATE:
            pytest.fail(f"{SNAPSHOT} was missing and has been written: review and commit it")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert vba == expected, (
        f"the VBA that Import Functions writes changed; review it and regenerate "
        f"{SNAPSHOT.name} with PSOS_UPDATE_SNAPSHOTS=1"
    )
