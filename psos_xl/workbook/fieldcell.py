"""Set one field of a Field/Value table (a scope's ``ScopeInfo``) inside an .xlsx package.

``psos quote --accept`` moves a scope's Status to Sold. Rewriting the table's rows
(:mod:`psos_xl.workbook.patch`) would restyle every Value cell after the first row's
(a date would lose its format) and drop a formula the user keeps there; so only the one
Value cell changes, by string surgery on the sheet part: it keeps its style and becomes
an inline string. Every other zip member is copied as stored, every other byte of the
sheet stays as written (:class:`psos_xl.workbook.package.Edit`).
"""

from __future__ import annotations

import html
import io
import re

from psos_xl.workbook.package import Edit, Package
from psos_xl.workbook.sheetxml import (
    PatchError,
    attrs,
    cell_xml,
    col_letters,
    xml_rows,
)
from psos_xl.workbook.tablemap import find_table, with_columns, workbook_map

_SI = re.compile(r"<(?:[\w.-]+:)?si\b[^>]*>(.*?)</(?:[\w.-]+:)?si>", re.DOTALL)
_T = re.compile(r"<(?:[\w.-]+:)?t\b[^>]*>([^<]*)</(?:[\w.-]+:)?t>")
_V = re.compile(r"<(?:[\w.-]+:)?v\b[^>]*>([^<]*)</")


def _shared_strings(pkg: Package, book_part: str) -> list[str]:
    part = next(
        (t for _, typ, t in pkg.relationships(book_part) if typ.endswith("/sharedStrings")), None
    )
    if part is None or part not in pkg:
        return []
    xml = pkg.read(part).decode("utf-8")
    return [html.unescape("".join(_T.findall(si))) for si in _SI.findall(xml)]


def _cell_text(cell: str, strings: list[str]) -> str:
    head = attrs(cell[: cell.index(">")])
    kind = head.get("t", "")
    if kind == "inlineStr":
        return html.unescape("".join(_T.findall(cell)))
    v = _V.search(cell)
    if v is None:
        return ""
    if kind == "s":
        index = int(v[1])
        return strings[index] if 0 <= index < len(strings) else ""
    return html.unescape(v[1])


def set_field(data: bytes, table: str, field: str, value: str) -> bytes:
    """The package ``data`` with the Value of ``field`` in Field/Value table ``table``
    set to the text ``value``; ``data`` itself when it already holds it. PatchError when
    the table, its Field or Value column, or the field's row is missing."""
    pkg = Package(io.BytesIO(data))
    book = workbook_map(pkg)
    found = find_table(book.tables, table)
    found = with_columns(found, pkg.read(found.part).decode("utf-8"))
    names = [c.strip().casefold() for c in found.columns]
    if "field" not in names or "value" not in names:
        raise PatchError(f"table {table} has no Field and Value columns")
    field_col = found.area.c1 + names.index("field")
    value_col = found.area.c1 + names.index("value")
    strings = _shared_strings(pkg, book.part)
    xml = pkg.read(found.sheet_part).decode("utf-8")
    root = re.search(r"<([\w.-]+:)?worksheet\b", xml)
    p = (root[1] or "") if root else ""
    first = found.area.r1 + found.header_rows
    last = found.area.r2 - found.totals_rows
    for row in xml_rows(xml, p):
        if not first <= row.index <= last:
            continue
        cells = {c.col: c for c in row.cells(p)}
        key = cells.get(field_col)
        if key is None or _cell_text(key.text, strings).strip().casefold() != field.casefold():
            continue
        ref = f"{col_letters(value_col)}{row.index}"
        old = cells.get(value_col)
        if old is None:
            raise PatchError(f"{found.sheet_name}!{ref}: the {field} cell is missing")
        if old.has_formula:
            raise PatchError(f"{found.sheet_name}!{ref}: the {field} cell holds a formula")
        if _cell_text(old.text, strings) == value:
            return data
        style = attrs(old.text[: old.text.index(">")]).get("s")
        new_cell = cell_xml(ref, style, value, book.date1904, p)
        at = xml.index(old.text, xml.index(row.text))
        new_xml = xml[:at] + new_cell + xml[at + len(old.text) :]
        out = io.BytesIO()
        Edit(pkg, {found.sheet_part: new_xml.encode("utf-8")}).write(out)
        return out.getvalue()
    raise PatchError(f"table {table} has no {field} row")
