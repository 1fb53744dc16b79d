"""What LibreOffice forgives and Excel refuses: checks on a workbook's package.

Excel "repairs" (drops tables, names or dropdowns, with a scary dialog) a workbook
whose table headers disagree with the table's column names, whose names are not
valid Excel names or collide, whose inline dropdown lists exceed 255 characters, or
whose dropdowns refer to names that do not exist. LibreOffice opens such files
without a word, so a test that only round-trips through LibreOffice never sees them.

The checks read the package XML directly (no openpyxl), so they see the file as
Excel will, not as a library re-interprets it. Each problem is one line
``workbook!sheet!cell: message``.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from psos_xl.workbook.sheetxml import col_index, col_letters

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAX_NAME = 255
_MAX_INLINE_LIST = 255
_MAX_COLUMN = 16384
_MAX_ROW = 1048576
_A1 = re.compile(r"^([A-Za-z]{1,3})(\d+)$")
_R1C1 = re.compile(r"^[Rr]\d*[Cc]\d*$|^[Rr]\d+$|^[Cc]\d+$|^[RrCc]$")
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_QUOTED_SHEET = re.compile(r"'(?:[^']|'')*'!")
_ERROR_LITERAL = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA)")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_.\\$#])([A-Za-z_\\][A-Za-z0-9_.\\]*)(?=\s*([(!:\[]?))")


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid Excel table or defined name, or None when it is."""
    if not name:
        return "is empty"
    if len(name) > _MAX_NAME:
        return f"is longer than {_MAX_NAME} characters"
    first = name[0]
    if not (first.isalpha() or first in "_\\"):
        return "must start with a letter, an underscore or a backslash"
    if any(not (c.isalnum() or c in "_.\\") for c in name):
        return "may hold only letters, digits, underscores and periods"
    if _R1C1.match(name) or _is_a1(name):
        return "looks like a cell reference"
    return None


def _is_a1(text: str) -> bool:
    match = _A1.match(text)
    if not match:
        return False
    return col_index(match[1]) <= _MAX_COLUMN and 1 <= int(match[2]) <= _MAX_ROW


# --- reading the package --------------------------------------------------------------


@dataclass
class _Table:
    sheet: str
    part: str
    id: str
    name: str
    ref: str
    header_rows: int
    columns: list[str]


@dataclass
class _Sheet:
    name: str
    index: int
    part: str
    root: ET.Element
    strings: list[str]
    tables: list[_Table] = field(default_factory=list)


@dataclass
class _Name:
    name: str
    local_sheet: int | None
    text: str


class _Package:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.files = set(zf.namelist())
        self.workbook_part = self._office_document()
        self.workbook = self._xml(self.workbook_part)
        self.rels = self._rels(self.workbook_part)
        self.strings = self._shared_strings()

    def _xml(self, part: str) -> ET.Element:
        return ET.fromstring(self.zf.read(part))

    def _office_document(self) -> str:
        if "_rels/.rels" in self.files:
            for rel in self._xml("_rels/.rels").iter(f"{_PKG}Relationship"):
                if rel.get("Type", "").endswith("/officeDocument"):
                    return rel.get("Target", "").lstrip("/")
        return "xl/workbook.xml"

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type suffix, resolved part) of ``part``."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", f"{name}.rels")
        if rels_part not in self.files:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for rel in self._xml(rels_part).iter(f"{_PKG}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            resolved = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], resolved)
        return out

    def _shared_strings(self) -> list[str]:
        part = next((p for t, p in self.rels.values() if t == "sharedStrings"), None)
        if part is None or part not in self.files:
            return []
        return [_text(si) for si in self._xml(part).iter(f"{_MAIN}si")]

    def sheets(self) -> Iterator[_Sheet]:
        for index, sheet in enumerate(self.workbook.iter(f"{_MAIN}sheet")):
            kind, part = self.rels.get(sheet.get(f"{_REL}id", ""), ("", ""))
            if kind != "worksheet" or part not in self.files:
                continue
            found = _Sheet(sheet.get("name", ""), index, part, self._xml(part), self.strings)
            found.tables = list(self._tables(found))
            yield found

    def _tables(self, sheet: _Sheet) -> Iterator[_Table]:
        rels = self._rels(sheet.part)
        for part_ref in sheet.root.iter(f"{_MAIN}tablePart"):
            kind, part = rels.get(part_ref.get(f"{_REL}id", ""), ("", ""))
            if kind != "table" or part not in self.files:
                continue
            table = self._xml(part)
            yield _Table(
                sheet=sheet.name,
                part=part,
                id=table.get("id", ""),
                name=table.get("displayName") or table.get("name") or "",
                ref=table.get("ref", ""),
                header_rows=int(table.get("headerRowCount", "1") or 1),
                columns=[c.get("name", "") for c in table.iter(f"{_MAIN}tableColumn")],
            )

    def names(self) -> list[_Name]:
        return [
            _Name(
                d.get("name", ""),
                int(d.get("localSheetId", "")) if d.get("localSheetId") else None,
                d.text or "",
            )
            for d in self.workbook.iter(f"{_MAIN}definedName")
        ]


def _text(element: ET.Element) -> str:
    """The text of a shared or inline string, without phonetic runs."""
    direct = element.find(f"{_MAIN}t")
    if direct is not None:
        return direct.text or ""
    return "".join(t.text or "" for r in element.iter(f"{_MAIN}r") for t in r.iter(f"{_MAIN}t"))


def _cells(sheet: _Sheet, row: int) -> dict[str, tuple[str, str]]:
    """Cells of one row: reference → (kind, text), kind "text", "formula", "number"…"""
    out: dict[str, tuple[str, str]] = {}
    for r in sheet.root.iter(f"{_MAIN}row"):
        if r.get("r") != str(row):
            continue
        for c in r.iter(f"{_MAIN}c"):
            out[c.get("r", "")] = _cell(c, sheet)
    return out


def _cell(c: ET.Element, sheet: _Sheet) -> tuple[str, str]:
    kind = c.get("t", "n")
    value = c.find(f"{_MAIN}v")
    if c.find(f"{_MAIN}f") is not None:
        return "formula", value.text or "" if value is not None else ""
    if kind == "inlineStr":
        inline = c.find(f"{_MAIN}is")
        return "text", _text(inline) if inline is not None else ""
    if value is None or value.text is None:
        return "empty", ""
    if kind == "s":
        index = int(value.text)
        return "text", sheet.strings[index] if index < len(sheet.strings) else ""
    if kind == "str":
        return "text", value.text
    return {"b": "boolean", "e": "error"}.get(kind, "number"), value.text


# --- the checks -----------------------------------------------------------------------


def lint_workbook(path: Path) -> list[str]:
    """Every problem Excel would refuse or repair in ``path``; empty when clean."""
    display = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            package = _Package(zf)
            sheets = list(package.sheets())
            names = package.names()
    except (OSError, zipfile.BadZipFile, KeyError, ET.ParseError) as err:
        return [f"{display}: cannot be read as an .xlsx package ({type(err).__name__}: {err})"]
    problems: list[str] = []
    for sheet in sheets:
        for table in sheet.tables:
            problems += _table_problems(display, sheet, table)
    problems += _name_problems(display, sheets, names)
    problems += _validation_problems(display, sheets, names)
    return problems


def _table_problems(display: str, sheet: _Sheet, table: _Table) -> list[str]:
    where = f"{display}!{sheet.name}"
    out: list[str] = []
    match = _REF.match(table.ref)
    if not match or not match[3]:
        return [f"{where}: table '{table.name}' has an invalid range {table.ref!r}"]
    first_col, row = col_index(match[1]), int(match[2])
    width = col_index(match[3]) - first_col + 1
    if width != len(table.columns):
        out.append(
            f"{where}!{match[1]}{row}: table '{table.name}' spans {width} columns "
            f"but defines {len(table.columns)}"
        )
    seen: set[str] = set()
    for column in table.columns:
        key = column.casefold()
        if not column.strip():
            out.append(f"{where}: table '{table.name}' has a column without a name")
        elif key in seen:
            out.append(f"{where}: table '{table.name}' has two columns named {column!r}")
        seen.add(key)
    if table.header_rows == 0:
        return out
    cells = _cells(sheet, row)
    for j, column in enumerate(table.columns):
        ref = f"{col_letters(first_col + j)}{row}"
        kind, text = cells.get(ref, ("empty", ""))
        if kind != "text" or not text.strip():
            shown = "is empty" if kind == "empty" or not text.strip() else f"holds a {kind}"
            out.append(f"{where}!{ref}: header of table '{table.name}' {shown}; it must be text")
        elif text != column:
            out.append(
                f"{where}!{ref}: header {text!r} differs from table '{table.name}''s "
                f"column name {column!r}"
            )
    return out


def _name_problems(display: str, sheets: list[_Sheet], names: list[_Name]) -> list[str]:
    out: list[str] = []
    tables = [t for s in sheets for t in s.tables]
    sheet_names = {s.index: s.name for s in sheets}
    seen: dict[tuple[int | None, str], str] = {}
    ids: dict[str, str] = {}
    for table in tables:
        where = f"{display}!{table.sheet}"
        problem = name_problem(table.name)
        if problem:
            out.append(f"{where}: table name {table.name!r} {problem}")
        key: tuple[int | None, str] = (None, table.name.casefold())
        if key in seen:
            out.append(f"{where}: table name {table.name!r} is already used by {seen[key]}")
        seen[key] = f"table '{table.name}'"
        if table.id in ids:
            out.append(f"{where}: table '{table.name}' has the same id as table '{ids[table.id]}'")
        ids[table.id] = table.name
    table_keys = {t.name.casefold(): t.name for t in tables}
    for name in names:
        scope = (
            f"{display}!{sheet_names.get(name.local_sheet, '?')}"
            if name.local_sheet is not None
            else display
        )
        problem = name_problem(name.name)
        if problem:
            out.append(f"{scope}: defined name {name.name!r} {problem}")
        key = (name.local_sheet, name.name.casefold())
        if name.name.casefold() in table_keys:
            out.append(
                f"{scope}: defined name {name.name!r} is also the name of table "
                f"'{table_keys[name.name.casefold()]}'"
            )
        elif key in seen:
            out.append(f"{scope}: defined name {name.name!r} is defined twice")
        seen[key] = f"name '{name.name}'"
    return out


def referenced_names(formula: str) -> set[str]:
    """The defined or table names a formula uses (not functions, cells or sheets)."""
    text = _STRING.sub('""', formula)
    text = _QUOTED_SHEET.sub("", text)
    text = _ERROR_LITERAL.sub("0", text)
    while _BRACKETS.search(text):
        text = _BRACKETS.sub("", text)  # structured references: keep only the table name
    found: set[str] = set()
    for match in _TOKEN.finditer(text):
        token, follower = match[1], match[2]
        before = text[: match.start()].rstrip()
        if follower in ("(", "!") or token.upper() in ("TRUE", "FALSE"):
            continue
        if _is_a1(token) or _R1C1.match(token):
            continue
        if (follower == ":" or before.endswith(":")) and token.isalpha() and len(token) <= 3:
            continue  # a whole-column range such as A:A
        found.add(token)
    return found


def _validations(sheet: _Sheet) -> Iterator[tuple[str, str, list[str]]]:
    """(sqref, type, formulas) of each data validation, classic or x14."""
    for dv in sheet.root.iter():
        if not dv.tag.endswith("}dataValidation"):
            continue
        sqref = dv.get("sqref") or next(
            (e.text or "" for e in dv.iter() if e.tag.endswith("}sqref")), ""
        )
        formulas = []
        for child in dv:
            if child.tag.endswith(("}formula1", "}formula2")):
                inner = next((e.text for e in child.iter() if e.tag.endswith("}f")), None)
                formulas.append(inner if inner is not None else child.text or "")
        yield sqref, dv.get("type", ""), formulas


def _validation_problems(display: str, sheets: list[_Sheet], names: list[_Name]) -> list[str]:
    out: list[str] = []
    tables = {t.name.casefold() for s in sheets for t in s.tables}
    for sheet in sheets:
        known = tables | {n.name.casefold() for n in names if n.local_sheet in (None, sheet.index)}
        for sqref, kind, formulas in _validations(sheet):
            where = f"{display}!{sheet.name}!{sqref}"
            for formula in formulas:
                text = formula.strip()
                if kind == "list" and text.startswith('"'):
                    items = text[1:-1] if text.endswith('"') else text[1:]
                    if len(items) > _MAX_INLINE_LIST:
                        out.append(
                            f"{where}: inline dropdown list is {len(items)} characters long; "
                            f"Excel allows {_MAX_INLINE_LIST}: put it on a sheet behind a name"
                        )
                    continue
                for name in sorted(referenced_names(text)):
                    if name.casefold() not in known:
                        out.append(f"{where}: data validation refers to undefined name {name!r}")
    return out
