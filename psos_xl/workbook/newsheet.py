"""Add an owned table psos finds missing (DESIGN §11: "created when missing").

On a sheet of its own that the workbook lacks: a new worksheet part laid out as the
templates lay it out (title and help in rows 1 and 2, the table's header in row 3, one
blank data row; column widths of the contract, the header frozen, pages one wide
with the header row repeated, landscape when the table is wide), its table part and
the sheet's relationships; registered in ``xl/workbook.xml`` (a ``<sheet>`` appended
after the others, so no sheet's index moves, and its ``_xlnm.Print_Titles``),
``xl/_rels/workbook.xml.rels`` and ``[Content_Types].xml``, each only by the entries
added. Every other part stays as it is.

On a sheet of that name that exists without the table (the user made the sheet, or
another owned table lives there, as PricingInfo and PricedLines share Pricing): the
table is added at its place when the header row and the first data row there are
empty in the table's columns and no other table or merged range is in the way; else
:class:`~psos_xl.workbook.sheetxml.PatchError` names the cell in the way. psos never
writes over the user's cells to make room.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from psos_xl.workbook.owned import OwnedTable
from psos_xl.workbook.package import Package
from psos_xl.workbook.sheetxml import (
    Area,
    NoRoomError,
    PatchError,
    XmlCell,
    XmlRow,
    attrs,
    cell_xml,
    col_letters,
    row_xml,
    set_attr,
    xml_rows,
)
from psos_xl.workbook.stylesxml import StylesXml

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
TABLE_STYLE = "TableStyleMedium2"
LANDSCAPE_WIDTH = 100  # characters of columns: wider than a portrait page


@dataclass(frozen=True)
class Book:
    """What the patch knows of the workbook when a table must be added."""

    part: str  # xl/workbook.xml
    sheets: dict[str, str]  # sheet name (case-folded) → its part
    table_ids: frozenset[int]
    table_areas: dict[str, list[Area]]  # sheet part → its tables' areas


def add_owned_table(
    pkg: Package, book: Book, owned: OwnedTable, styles: StylesXml | None
) -> dict[str, bytes]:
    """The parts to replace or add so the workbook holds ``owned``'s table, with one
    blank data row (the patch then writes the rows)."""
    sheet_part = book.sheets.get(owned.sheet.casefold())
    if sheet_part == "":
        raise NoRoomError(owned.sheet, f"the sheet {owned.sheet} is listed but its part is missing")
    _check_name_free(pkg.read(book.part).decode("utf-8"), owned)
    table_id = max(book.table_ids, default=0) + 1
    table_part = _free(pkg, "xl/tables/table{}.xml")
    if sheet_part is None:
        return _new_sheet(pkg, book, owned, styles, table_id, table_part)
    return _into_sheet(pkg, book, owned, sheet_part, table_id, table_part, styles)


def _check_name_free(workbook_xml: str, owned: OwnedTable) -> None:
    """A table's name may not be a workbook name too (Excel would repair the file)."""
    for m in re.finditer(r"<(?:[\w.-]+:)?definedName\b[^>]*>", workbook_xml):
        if attrs(m[0]).get("name", "").casefold() == owned.spec.name.casefold():
            raise NoRoomError(
                owned.sheet,
                f"the workbook has a name {owned.spec.name!r} (Formulas > Name Manager), and "
                f"a table cannot share it; rename or delete that name, and psos adds the "
                f"{owned.spec.name} table on the next write",
            )


def _area(owned: OwnedTable) -> Area:
    c1 = owned.first_col
    return Area(c1, owned.header_row, c1 + len(owned.spec.columns) - 1, owned.header_row + 1)


def _free(pkg: Package, pattern: str) -> str:
    """The first name of ``pattern`` no part has (part names ignore case)."""
    taken = {name.casefold() for name in pkg.names}
    n = 1
    while pattern.format(n).casefold() in taken:
        n += 1
    return pattern.format(n)


def _text_cell(ref: str, style: str | None, text: str) -> str:
    return cell_xml(ref, style, text, False)


def _table_xml(owned: OwnedTable, table_id: int) -> bytes:
    ref = str(_area(owned))
    name = _attr(owned.spec.name)
    columns = "".join(
        f'<tableColumn id="{i}" name="{_attr(c.header)}"/>'
        for i, c in enumerate(owned.spec.columns, start=1)
    )
    return (
        f'{_HEAD}<table xmlns="{MAIN_NS}" id="{table_id}" name="{name}" displayName="{name}" '
        f'ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>'
        f'<tableColumns count="{len(owned.spec.columns)}">{columns}</tableColumns>'
        f'<tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


def _header_cells(owned: OwnedTable, p: str, styles: StylesXml | None) -> list[XmlCell]:
    """The header cells, bold (the table style colours them in Excel, not everywhere)."""
    r = owned.header_row
    s = styles.with_font(bold=True) if styles is not None else None
    return [
        XmlCell(col, cell_xml(f"{col_letters(col)}{r}", s, c.header, False, p))
        for col, c in enumerate(owned.spec.columns, start=owned.first_col)
    ]


# --- a sheet of its own ----------------------------------------------------------------


def _new_sheet(
    pkg: Package,
    book: Book,
    owned: OwnedTable,
    styles: StylesXml | None,
    table_id: int,
    table_part: str,
) -> dict[str, bytes]:
    sheet_part = _free(pkg, "xl/worksheets/sheet{}.xml")
    rels_part = _rels_of(sheet_part)
    table_target = posixpath.relpath(table_part, posixpath.dirname(sheet_part))
    parts = {
        sheet_part: _sheet_xml(owned, styles),
        table_part: _table_xml(owned, table_id),
        rels_part: (
            f'{_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/table" Target="{table_target}"/></Relationships>'
        ).encode(),
    }
    book_rels = _rels_of(book.part)
    rels_xml = pkg.read(book_rels).decode("utf-8")
    rid = _free_id(rels_xml)
    target = posixpath.relpath(sheet_part, posixpath.dirname(book.part))
    parts[book_rels] = _append_before(
        rels_xml,
        "Relationships",
        f'<Relationship Id="{rid}" Type="{REL_NS}/worksheet" Target="{target}"/>',
    )
    parts[book.part] = _register(pkg.read(book.part).decode("utf-8"), owned, rid)
    parts["[Content_Types].xml"] = _append_before(
        pkg.read("[Content_Types].xml").decode("utf-8"),
        "Types",
        f'<Override PartName="/{sheet_part}" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/{table_part}" ContentType="{_CT}.table+xml"/>',
    )
    return parts


def _sheet_xml(owned: OwnedTable, styles: StylesXml | None) -> bytes:
    area = _area(owned)
    first_data = owned.header_row + 1
    title_s = styles.with_font(bold=True, size=14) if styles else None
    help_s = styles.with_font(italic=True, color="FF595959") if styles else None
    rows = []
    for r, text, s in ((1, owned.title, title_s), (2, owned.help, help_s)):
        if text and r < owned.header_row:
            rows.append(f'<row r="{r}">{_text_cell(f"A{r}", s, text)}</row>')
    header = "".join(c.text for c in _header_cells(owned, "", styles))
    rows.append(f'<row r="{owned.header_row}">{header}</row><row r="{first_data}"/>')
    widths = [c.width for c in owned.spec.columns]
    cols = "".join(
        f'<col min="{col}" max="{col}" width="{w}" customWidth="1"/>'
        for col, w in enumerate(widths, start=owned.first_col)
    )
    landscape = sum(widths) + 9 * (owned.first_col - 1) > LANDSCAPE_WIDTH
    top = f"A{first_data}"
    return (
        f'{_HEAD}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="{Area(1, 1, area.c2, area.r2)}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{owned.header_row}" topLeftCell="{top}" activePane="bottomLeft" '
        f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>"
        '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f'<pageSetup orientation="{"landscape" if landscape else "portrait"}" '
        'fitToWidth="1" fitToHeight="0"/>'
        # as the generated sheets print: the file and sheet on top, the page at the foot
        "<headerFooter><oddHeader>&amp;L&amp;F&amp;R&amp;A</oddHeader>"
        "<oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter></headerFooter>"
        '<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>'
    ).encode()


def _register(xml: str, owned: OwnedTable, rid: str) -> bytes:
    """workbook.xml with the sheet appended to <sheets> and its print titles defined."""
    root = re.search(r"<([\w.-]+:)?workbook\b[^>]*>", xml)
    if root is None:
        raise PatchError("the workbook part has no workbook element")
    p = root[1] or ""
    ns = re.search(rf'xmlns:([\w.-]+)="{re.escape(REL_NS)}"', root[0])
    rel = f"{ns[1]}:" if ns else "r:"
    declare = "" if ns else f' xmlns:r="{REL_NS}"'
    sheets = re.findall(rf"<{p}sheet\b[^>]*>", xml)
    ids = [
        int(attrs(s).get("sheetId", "0")) for s in sheets if attrs(s).get("sheetId", "").isdigit()
    ]
    entry = (
        f'<{p}sheet{declare} name="{_attr(owned.sheet)}" sheetId="{max(ids, default=0) + 1}" '
        f'{rel}id="{rid}"/>'
    )
    xml = _append_before(xml, f"{p}sheets", entry).decode("utf-8")
    quoted = "'" + owned.sheet.replace("'", "''") + "'"
    row = owned.header_row
    name = (
        f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="{len(sheets)}">'
        f"{_text(quoted)}!${row}:${row}</{p}definedName>"
    )
    if re.search(rf"</{p}definedNames>", xml):
        return _append_before(xml, f"{p}definedNames", name)
    empty = re.search(rf"<{p}definedNames\s*/>", xml)
    block = f"<{p}definedNames>{name}</{p}definedNames>"
    if empty is not None:
        return (xml[: empty.start()] + block + xml[empty.end() :]).encode("utf-8")
    ends = [m.end() for m in re.finditer(rf"</{p}externalReferences>|</{p}sheets>", xml)]
    at = max(ends)  # <sheets> was just written
    return (xml[:at] + block + xml[at:]).encode("utf-8")


# --- a sheet that is there --------------------------------------------------------------


def _into_sheet(
    pkg: Package,
    book: Book,
    owned: OwnedTable,
    sheet_part: str,
    table_id: int,
    table_part: str,
    styles: StylesXml | None,
) -> dict[str, bytes]:
    xml = pkg.read(sheet_part).decode("utf-8")
    root = re.search(r"<([\w.-]+:)?worksheet\b[^>]*>", xml)
    if root is None:
        raise PatchError(f"{owned.sheet}: not a worksheet")
    p = root[1] or ""
    area = _area(owned)
    name = owned.spec.name
    for other in book.table_areas.get(sheet_part, []):
        if other.overlaps(area):
            raise NoRoomError(
                f"{owned.sheet}!{other}",
                f"the sheet {owned.sheet} has no {name} table and another table is where psos "
                f"adds it ({area}); move that table (or rename the sheet), and psos adds "
                f"{name} on the next write",
            )
    for m in re.finditer(rf"<{p}mergeCell\b[^>]*>", xml):
        ref = attrs(m[0]).get("ref")
        if ref and Area.parse(ref).overlaps(area):
            raise NoRoomError(
                f"{owned.sheet}!{ref}",
                f"the sheet {owned.sheet} has no {name} table and these merged cells are where "
                f"psos adds it ({area}); unmerge or move them (or rename the sheet), and psos "
                f"adds {name} on the next write",
            )
    sd = re.search(rf"<{p}sheetData\b[^>]*?(/)?>(?(1)|(.*?)</{p}sheetData>)", xml, re.DOTALL)
    if sd is None:
        raise PatchError(f"{owned.sheet}: the sheet has no sheetData")
    rows = xml_rows(sd[2] or "", p)
    for row in rows:
        for c in row.cells(p):
            if area.r1 <= row.index <= area.r2 and area.c1 <= c.col <= area.c2 and c.has_content:
                raise NoRoomError(
                    f"{owned.sheet}!{col_letters(c.col)}{row.index}",
                    f"the sheet {owned.sheet} has no {name} table and this cell is where psos "
                    f"adds it ({area}); clear or move it (or rename the sheet), and psos adds "
                    "the table on the next write; it never writes over your cells",
                )
    inner = _merge_cells(rows, {owned.header_row: _header_cells(owned, p, styles)}, p)
    inner = _merge_cells(xml_rows(inner, p), {owned.header_row + 1: []}, p)
    tag = sd[0][: sd[0].index(">") + 1]
    tag = tag[:-2].rstrip() + ">" if tag.endswith("/>") else tag
    xml = xml[: sd.start()] + tag + inner + f"</{p}sheetData>" + xml[sd.end() :]
    rels_part = _rels_of(sheet_part)
    rels_xml = pkg.get(rels_part)
    rels = (
        rels_xml.decode("utf-8")
        if rels_xml is not None
        else f'{_HEAD}<Relationships xmlns="{_PKG_REL_NS}"></Relationships>'
    )
    rid = _free_id(rels)
    target = posixpath.relpath(table_part, posixpath.dirname(sheet_part))
    rel = f'<Relationship Id="{rid}" Type="{REL_NS}/table" Target="{target}"/>'
    return {
        sheet_part: _add_table_part(xml, p, rid, root[0]).encode("utf-8"),
        rels_part: _append_before(rels, "Relationships", rel),
        table_part: _table_xml(owned, table_id),
        "[Content_Types].xml": _append_before(
            pkg.read("[Content_Types].xml").decode("utf-8"),
            "Types",
            f'<Override PartName="/{table_part}" ContentType="{_CT}.table+xml"/>',
        ),
    }


def _merge_cells(rows: list[XmlRow], add: dict[int, list[XmlCell]], p: str) -> str:
    """The sheetData text with ``add``'s cells put into their rows (made when missing)."""
    out: list[str] = []
    pending = dict(add)
    for row in rows:
        for index in sorted(i for i in pending if i < row.index):
            out.append(row_xml(f"<{p}row>", index, pending.pop(index), p))
        if row.index in pending:
            cells = row.cells(p) + pending.pop(row.index)
            out.append(row_xml(row.start_tag, row.index, cells, p))
        else:
            out.append(
                row.text
                if attrs(row.start_tag).get("r")
                else row_xml(row.start_tag, row.index, row.cells(p), p)
            )
    for index in sorted(pending):
        out.append(row_xml(f"<{p}row>", index, pending[index], p))
    return "".join(out)


def _add_table_part(xml: str, p: str, rid: str, root: str) -> str:
    ns = re.search(rf'xmlns:([\w.-]+)="{re.escape(REL_NS)}"', root)
    rel = f"{ns[1]}:" if ns else "r:"
    declare = "" if ns else f' xmlns:r="{REL_NS}"'
    part = f'<{p}tablePart{declare} {rel}id="{rid}"/>'
    m = re.search(rf"<{p}tableParts\b[^>]*?(/?)>", xml)
    if m is not None:
        count = len(re.findall(rf"<{p}tablePart\b", xml)) + 1
        tag = set_attr(m[0][:-2].rstrip() + ">" if m[1] else m[0], "count", str(count))
        if m[1]:
            return xml[: m.start()] + tag + part + f"</{p}tableParts>" + xml[m.end() :]
        close = xml.index(f"</{p}tableParts>", m.end())
        return xml[: m.start()] + tag + xml[m.end() : close] + part + xml[close:]
    block = f'<{p}tableParts count="1">{part}</{p}tableParts>'
    ext = re.search(rf"<{p}extLst\b", xml)
    at = ext.start() if ext else xml.rindex(f"</{p}worksheet>")
    return xml[:at] + block + xml[at:]


# --- small things -------------------------------------------------------------------------


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _free_id(rels: str) -> str:
    used = set(re.findall(r'\bId="([^"]*)"', rels))
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def _append_before(xml: str, element: str, entry: str) -> bytes:
    """``xml`` with ``entry`` added as the last child of its ``element`` (a prefixed
    name as written); a self-closed element is opened for it."""
    close = f"</{element}>"
    at = xml.rfind(close)
    if at >= 0:
        return (xml[:at] + entry + xml[at:]).encode("utf-8")
    empty = re.search(rf"<{re.escape(element)}\b([^>]*?)\s*/>", xml)
    if empty is None:
        raise PatchError(f"the package part has no {element} element")
    opened = f"<{element}{empty[1]}>{entry}{close}"
    return (xml[: empty.start()] + opened + xml[empty.end() :]).encode("utf-8")


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _text(text).replace('"', "&quot;")
