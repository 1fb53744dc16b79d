"""The tables of a workbook package and the sheets they sit on, found from the
workbook part and the relationships, reading of each table part only its root element
(what the table patch needs to find the table it writes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from xml.etree import ElementTree as ET

from psos_xl.workbook.newsheet import Book
from psos_xl.workbook.package import Package
from psos_xl.workbook.sheetxml import Area, PatchError

_REL_ID = "}id"
_HEAD_CHUNK = 4096


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rel_id(attrib: dict[str, str]) -> str | None:
    return next((v for k, v in attrib.items() if k.endswith(_REL_ID)), None)


@dataclass(frozen=True)
class Table:
    part: str
    sheet_part: str
    sheet_name: str
    name: str
    area: Area
    header_rows: int
    totals_rows: int
    names: frozenset[str]  # its name and displayName, case-folded
    columns: tuple[str, ...] = ()  # read for the table being written only
    id: int = 0


@dataclass(frozen=True)
class WorkbookMap:
    """The workbook part, its sheets, its tables, its styles part."""

    part: str
    tables: list[Table]
    date1904: bool
    sheets: dict[str, str]  # sheet name (case-folded) → its part
    styles: str | None

    def new_table_book(self) -> Book:
        areas: dict[str, list[Area]] = {}
        for t in self.tables:
            areas.setdefault(t.sheet_part, []).append(t.area)
        return Book(self.part, self.sheets, frozenset(t.id for t in self.tables), areas)


def workbook_map(pkg: Package) -> WorkbookMap:
    """Every table of the workbook with its sheet, whether it uses 1904 dates, and where
    its sheets and styles are.

    Reads the workbook part and the relationships; of each table part, only as much
    as it takes to see its root element."""
    book = next(
        (t for _, typ, t in pkg.relationships("") if typ.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    if book not in pkg:
        raise PatchError("not a workbook: no workbook part in the package")
    root = ET.fromstring(pkg.read(book))
    date1904 = any(
        _local(el.tag) == "workbookPr" and el.get("date1904", "").lower() in ("1", "true")
        for el in root
    )
    rels = pkg.relationships(book)
    by_id = {rid: target for rid, _, target in rels}
    styles = next((t for _, typ, t in rels if typ.endswith("/styles") and t in pkg), None)
    tables: list[Table] = []
    sheets: dict[str, str] = {}
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        sheet_part = by_id.get(_rel_id(el.attrib) or "")
        sheets[el.get("name", "").casefold()] = sheet_part or ""
        if sheet_part is None or sheet_part not in pkg:
            continue
        for _, typ, target in pkg.relationships(sheet_part):
            if typ.endswith("/table") and target in pkg:
                tables.append(_table_of(_root_attrib(pkg, target), target, sheet_part, el))
    return WorkbookMap(book, tables, date1904, sheets, styles)


def _root_attrib(pkg: Package, part: str) -> dict[str, str]:
    """The attributes of ``part``'s root element, read from the part's first bytes."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
    with pkg.open(part) as stream:
        while chunk := stream.read(_HEAD_CHUNK):
            parser.feed(chunk)
            for event in parser.read_events():
                root = event[-1]  # ("start", the element): the first is the root
                if isinstance(root, ET.Element):
                    return dict(root.attrib)
    parser.close()  # raises for a part that ends before its root element
    raise PatchError(f"{part}: the part is empty")


def _table_of(root: dict[str, str], part: str, sheet_part: str, sheet: ET.Element) -> Table:
    name = root.get("displayName") or root.get("name") or ""
    names = frozenset(n.strip().casefold() for n in (name, root.get("name", "")))
    area = Area.parse(root.get("ref", ""))
    header_rows = int(root.get("headerRowCount", "1"))
    totals = int(root.get("totalsRowCount", "0"))
    table_id = int(root["id"]) if root.get("id", "").isdigit() else 0
    sheet_name = sheet.get("name", "")
    return Table(part, sheet_part, sheet_name, name, area, header_rows, totals, names, id=table_id)


def with_columns(table: Table, xml: str) -> Table:
    root = ET.fromstring(xml)
    columns = tuple(
        c.get("name", "")
        for cols in root
        if _local(cols.tag) == "tableColumns"
        for c in cols
        if _local(c.tag) == "tableColumn"
    )
    return replace(table, columns=columns)


def find_table(tables: list[Table], name: str) -> Table:
    wanted = name.strip().casefold()
    for t in tables:
        if wanted in t.names:
            return t
    known = ", ".join(sorted(t.name for t in tables)) or "none"
    raise PatchError(f"no table named {name!r} in the workbook (tables: {known})")
