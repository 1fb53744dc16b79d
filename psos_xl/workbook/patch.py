"""Replace the data rows of one Excel Table inside an .xlsx/.xlsm package.

psos writes back into tables it owns (the catalog's ``Actuals``, a scope's
``Delivery``) without loading and saving the workbook through a library that would
drop what it does not understand (x14 conditional formats, sparklines, images,
slicers, comments' VML, the VBA project). Only three things change:

- the sheet's ``<sheetData>`` rows inside the table's data range (and the totals row,
  moved to follow the new last row), and the sheet's ``<dimension ref>`` when the
  table grows past it;
- the table part's ``ref`` and its autoFilter / sortState refs;
- ``xl/calcChain.xml`` is dropped (with its relationship and content type) when a
  formula cell was removed or moved; Excel rebuilds the chain on load.

Every other zip member keeps its place in the archive and is copied as stored, its
compressed bytes and CRC untouched and never inflated (:mod:`psos_xl.workbook.package`),
so the work and the memory follow the parts psos edits, not the size of what else the
workbook carries. The edited parts keep their text outside the spans changed: the
edits are string surgery, never an XML re-serialisation, so namespace prefixes (mc,
x14ac, xr) and ``mc:Ignorable`` declarations survive as written.

Decisions:

- psos owns every data row of the table. Columns are matched by header (trimmed,
  case-insensitive) in whatever order the table has them; a psos column missing from
  the table is an error. A column the user added to the table is allowed; its cells
  are written empty in the new rows (keeping the column's cell style).
- Cells on the same rows outside the table's columns are user content and stay.
- A grown table never overwrites content: a non-empty cell below the table inside its
  columns, another table or a merged range in the way is an error.
- A table keeps at least one data row: no rows writes one blank row.
- Strings are inline strings (``sharedStrings.xml`` stays untouched), so a text that
  begins with ``=``, ``+``, ``-`` or ``@`` stays text. Dates become serial numbers in
  the workbook's date system (1900, or 1904 when ``workbookPr/@date1904`` is set).
- A new cell takes the style (``s``) of the first old data row's cell in its column,
  so number and date formats stay. Conditional formats and validations keep their
  ranges (they are outside sheetData, which this module does not touch).

An **owned** table (:class:`~psos_xl.workbook.owned.OwnedTable`, DESIGN §11) goes
further, and every part it changes only gains entries outside the table's rows:

- missing from the workbook, it is added first (:mod:`psos_xl.workbook.newsheet`:
  a sheet of its own, or its place on a sheet of that name when that is empty);
- a new cell takes its column type's number format on top of the first old row's
  style (its fill and font stay), by entries appended to ``xl/styles.xml``
  (:mod:`psos_xl.workbook.stylesxml`); ISO text in a date or date-time column is
  written as a date cell;
- an owned column too narrow for what it now holds is widened (never narrowed);
  highlights (the Delivery Alert colours) are conditional formats over the column's
  rows, and conditional formats and validations over the table's data rows grow and
  shrink with them, as Excel's own table does (:mod:`psos_xl.workbook.sheetfmt`).
"""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree as ET

from psos_xl.workbook.newsheet import add_owned_table
from psos_xl.workbook.owned import Dressing, OwnedTable
from psos_xl.workbook.package import Edit, Package
from psos_xl.workbook.sheetfmt import follow_table
from psos_xl.workbook.sheetxml import (
    Area,
    CellValue,
    PatchError,
    XmlCell,
    XmlRow,
    attrs,
    cell_xml,
    col_index,
    col_letters,
    row_xml,
    set_attr,
    xml_rows,
)
from psos_xl.workbook.stylesxml import StylesXml
from psos_xl.workbook.tablecols import add_columns, missing_columns
from psos_xl.workbook.tablemap import Table, WorkbookMap, find_table, with_columns, workbook_map

__all__ = [
    "Area",
    "CellValue",
    "Edit",
    "PatchError",
    "cell_xml",
    "col_index",
    "col_letters",
    "edit_table_rows",
    "replace_table_rows",
]

_NEW_ROW_ATTRS = ("ht", "customHeight", "s", "customFormat")


# --- cell values -------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """Where the table's rows are and will be."""

    table: Table
    first: int  # first data row
    old_last: int  # last data row now
    new_last: int  # last data row after
    new_end: int  # last row of the table after (the totals row, if any)

    @classmethod
    def of(cls, table: Table, count: int) -> _Plan:
        a = table.area
        first = a.r1 + table.header_rows
        new_last = first + max(count, 1) - 1
        plan = cls(table, first, a.r2 - table.totals_rows, new_last, new_last + table.totals_rows)
        if plan.first > plan.old_last:
            raise PatchError(f"{plan.where}{a}: table {table.name} has no data row")
        return plan

    @property
    def new_area(self) -> Area:
        return self.table.area.rows(self.table.area.r1, self.new_end)

    @property
    def span_end(self) -> int:
        return max(self.table.area.r2, self.new_end)

    @property
    def where(self) -> str:
        return f"{self.table.sheet_name}!"


def _split_sheet_data(xml: str, sheet: str) -> tuple[str, str, str, str]:
    """The sheet's element prefix, and its text before, inside and after sheetData."""
    root = re.search(r"<([\w.-]+:)?worksheet\b", xml)
    p = (root[1] or "") if root else ""
    sd = re.search(rf"<{p}sheetData\b[^>]*?(/>|>)", xml)
    if sd is None:
        raise PatchError(f"{sheet}: the sheet has no sheetData")
    if sd[1] == "/>":
        return p, xml[: sd.start()] + f"<{p}sheetData>", "", f"</{p}sheetData>" + xml[sd.end() :]
    close = xml.index(f"</{p}sheetData>", sd.end())
    return p, xml[: sd.end()], xml[sd.end() : close], xml[close:]


def _check_room(plan: _Plan, others: list[Area], rest: str) -> None:
    """No other table or merged range where the table grows into."""
    new, name = plan.new_area, plan.table.name
    for other in others:
        if other.overlaps(new):
            raise PatchError(
                f"{plan.where}{other}: another table is in the way of {name} growing to "
                f"{new}; move it or the table"
            )
    grown = new.rows(plan.table.area.r2 + 1, new.r2)
    if grown.r2 < grown.r1:
        return
    for m in re.finditer(r"<(?:[\w.-]+:)?mergeCell\b[^>]*>", rest):
        ref = attrs(m[0]).get("ref")
        if ref and Area.parse(ref).overlaps(grown):
            raise PatchError(
                f"{plan.where}{ref}: merged cells are in the way of table {name} growing; "
                "unmerge them or move the table"
            )


def _template(row: XmlRow | None, p: str) -> tuple[dict[int, str], str]:
    """The cell styles (by column) and the row start tag that new rows copy."""
    if row is None:
        return {}, f"<{p}row>"
    styles = {}
    for c in row.cells(p):
        s = attrs(c.text[: c.text.index(">")]).get("s")
        if s is not None:
            styles[c.col] = s
    kept = "".join(
        f' {k}="{v}"'
        for k, v in attrs(row.start_tag).items()
        if k in _NEW_ROW_ATTRS or k.endswith(":dyDescent")  # not hidden, outline, spans
    )
    return styles, f"<{p}row{kept}>"


@dataclass
class _OldCells:
    outside: dict[int, list[XmlCell]]  # user cells beside the table, by row
    totals: dict[int, list[XmlCell]]  # the totals row(s) by offset from the last data row
    formulas: bool  # a formula cell is removed or moved


def _sort_old_cells(plan: _Plan, inside: dict[int, XmlRow], p: str) -> _OldCells:
    a = plan.table.area
    old = _OldCells({}, {}, False)
    for idx, row in inside.items():
        for c in row.cells(p):
            if not a.c1 <= c.col <= a.c2:
                old.outside.setdefault(idx, []).append(c)
            elif idx > a.r2:
                if c.has_content:
                    raise PatchError(
                        f"{plan.where}{col_letters(c.col)}{idx}: not empty, in the way of table "
                        f"{plan.table.name} growing to {plan.new_area}; move what is there"
                    )
            else:
                if idx > plan.old_last:
                    old.totals.setdefault(idx - plan.old_last, []).append(c)
                old.formulas = old.formulas or c.has_formula
    return old


def _rewrite_sheet(
    xml: str,
    plan: _Plan,
    others: list[Area],
    order: list[int | None],
    rows: list[list[CellValue]],
    date1904: bool,
    dressing: Dressing | None = None,
) -> tuple[str, bool]:
    """The sheet with the table's rows replaced; and whether a formula cell went.

    With ``dressing`` (an owned table), new cells take their column's number format,
    columns widen to fit, highlights cover the rows, and conditional formats and
    validations over the table's rows follow them (:func:`sheetfmt.follow_table`)."""
    p, head, inner, tail = _split_sheet_data(xml, plan.table.sheet_name)
    _check_room(plan, others, tail + head)
    all_rows = xml_rows(inner, p)
    inside = {r.index: r for r in all_rows if plan.first <= r.index <= plan.span_end}
    old = _sort_old_cells(plan, inside, p)
    styles, new_tag = _template(inside.get(plan.first), p)
    if dressing is not None:
        styles = dressing.restyle(styles)

    out = [r.text for r in all_rows if r.index < plan.first]
    blank: list[CellValue] = [None] * len(order)
    for idx in range(plan.first, plan.span_end + 1):
        cells = list(old.outside.get(idx, []))
        if idx <= plan.new_last:
            values = rows[idx - plan.first] if rows else blank
            cells += _new_cells(idx, plan.table.area, order, values, styles, date1904, p)
        elif idx <= plan.new_end:
            cells += [c.moved(idx) for c in old.totals.get(idx - plan.new_last, [])]
        elif not cells:
            continue  # a row the table left, with nothing of the user's on it
        was = inside.get(idx)
        out.append(row_xml(was.start_tag if was else new_tag, idx, cells, p))
    for r in all_rows:
        if r.index > plan.span_end:  # rows without r= must say where they are now
            keep = attrs(r.start_tag).get("r") is not None
            out.append(r.text if keep else row_xml(r.start_tag, r.index, r.cells(p), p))

    new_inner = "".join(out)
    _check_shared_formulas(new_inner, plan.where)
    head = _grow_dimension(head, plan.new_area, p)
    if dressing is not None:
        a = plan.table.area
        tail = follow_table(tail, (a.c1, a.c2), plan.first, plan.old_last, plan.new_last)
        by_col = {a.c1 + i: [r[s] for r in rows] for i, s in enumerate(order) if s is not None}
        head = dressing.widen(head, p, by_col)
        tail = dressing.highlight(tail, p, plan.first, plan.new_last)
    return head + new_inner + tail, old.formulas


def _new_cells(
    row: int,
    area: Area,
    order: list[int | None],
    values: list[CellValue],
    styles: dict[int, str],
    date1904: bool,
    p: str,
) -> list[XmlCell]:
    cells = []
    for offset, source in enumerate(order):
        col = area.c1 + offset
        value = values[source] if source is not None else None
        ref = f"{col_letters(col)}{row}"
        try:
            cells.append(XmlCell(col, cell_xml(ref, styles.get(col), value, date1904, p)))
        except PatchError as err:
            raise PatchError(f"{ref}: {err}") from None
    return cells


def _check_shared_formulas(inner: str, where: str) -> None:
    masters: set[str] = set()
    users: set[str] = set()
    for m in re.finditer(r"<(?:[\w.-]+:)?f\b([^>]*)>", inner):
        at = attrs(m[1])
        if at.get("t") == "shared" and "si" in at:
            (masters if "ref" in at else users).add(at["si"])
    if users - masters:
        raise PatchError(
            f"{where}: a shared formula outside the table starts inside it; "
            "re-enter that formula so it no longer depends on the table's rows"
        )


def _grow_dimension(head: str, area: Area, p: str) -> str:
    m = re.search(rf"<{p}dimension\b[^>]*>", head)
    ref = attrs(m[0]).get("ref") if m else None
    if m is None or ref is None:
        return head
    try:
        old = Area.parse(ref)
    except PatchError:
        return head
    grown = old.union(area)
    if grown == old:
        return head
    return head[: m.start()] + set_attr(m[0], "ref", str(grown)) + head[m.end() :]


# --- the table part ----------------------------------------------------------------


def _rewrite_table(xml: str, plan: _Plan) -> str:
    """The table part with its ref, autoFilter and sort ranges following the rows."""
    top = plan.table.area.r1

    def retag(tag: str, first: int, last: int) -> str:
        ref = attrs(tag).get("ref")
        if ref is None:
            return tag
        old = Area.parse(ref)
        return set_attr(tag, "ref", str(Area(old.c1, first, old.c2, last)))

    root = re.search(r"<(?:[\w.-]+:)?table\b[^>]*>", xml)
    if root is None:
        raise PatchError(f"{plan.table.part}: not a table part")
    xml = xml[: root.start()] + retag(root[0], top, plan.new_end) + xml[root.end() :]
    xml = re.sub(
        r"<(?:[\w.-]+:)?autoFilter\b[^>]*>", lambda m: retag(m[0], top, plan.new_last), xml
    )
    return re.sub(
        r"<(?:[\w.-]+:)?(?:sortState|sortCondition)\b[^>]*>",
        lambda m: retag(m[0], plan.first, plan.new_last),
        xml,
    )


# --- the whole operation -----------------------------------------------------------


def _column_order(table: Table, headers: list[str]) -> list[int | None]:
    """For each table column, the index into ``headers`` that feeds it (None: empty)."""
    norm = [h.strip().casefold() for h in headers]
    dupes = sorted({h for h in norm if norm.count(h) > 1})
    if dupes:
        raise PatchError(f"headers given twice: {', '.join(dupes)}")
    cols = [c.strip().casefold() for c in table.columns]
    missing = [h for h, k in zip(headers, norm, strict=True) if k not in cols]
    if missing:
        raise PatchError(
            f"{table.sheet_name}!{table.area}: table {table.name} lacks column(s) "
            f"{', '.join(missing)}; it has {', '.join(table.columns)}"
        )
    return [norm.index(c) if c in norm else None for c in cols]


def _drop_calc_chain(pkg: Package, changed: dict[str, bytes]) -> frozenset[str]:
    """Leave out xl/calcChain.xml and the references to it (Excel rebuilds it on load);
    the parts that lose a reference go into ``changed``. Returns the parts to remove."""
    chain = next((n for n in pkg.names if n.lower().endswith("calcchain.xml")), None)
    if chain is None:
        return frozenset()
    base = posixpath.basename(chain)
    for name in pkg.names:
        if name == chain or (not name.endswith(".rels") and name != "[Content_Types].xml"):
            continue
        old = (changed[name] if name in changed else pkg.read(name)).decode("utf-8")
        new = re.sub(
            rf"<(?:[\w.-]+:)?(?:Relationship|Override)\b[^>]*{re.escape(base)}[^>]*/>", "", old
        )
        if new != old:
            changed[name] = new.encode("utf-8")
    return frozenset({chain})


def _check_rows(headers: list[str], rows: list[list[CellValue]]) -> None:
    for i, row in enumerate(rows):
        if len(row) != len(headers):
            raise PatchError(f"row {i + 1} has {len(row)} values for {len(headers)} headers")


def edit_table_rows(
    src: IO[bytes],
    table: str,
    headers: list[str],
    rows: list[list[CellValue]],
    owned: OwnedTable | None = None,
) -> Edit | None:
    """The change that replaces the data rows of table ``table`` in the package read
    from ``src`` (seekable) by ``rows``; None when the table already holds them.

    Only the parts that locate the table, its sheet and its table part are inflated;
    :meth:`Edit.write` copies every other member as stored, so ``src`` must stay open
    until then. ``headers`` names the columns of ``rows``; each must be a column of the
    table. Raises :class:`PatchError` when the package is unreadable, the table is
    missing or lacks a column, or the table would overwrite content as it grows.

    ``owned`` says psos owns the table (:mod:`psos_xl.workbook.owned`): a missing one is
    added (:mod:`psos_xl.workbook.newsheet`) and the cells written are formatted.
    """
    _check_rows(headers, rows)
    pkg = Package(src)
    try:
        return _edit(pkg, table, headers, rows, owned)
    except ET.ParseError as err:
        raise PatchError(f"a workbook part is not well-formed XML: {err}") from None
    except (UnicodeDecodeError, ValueError, KeyError) as err:  # a part not as the spec says
        raise PatchError(f"the package is not laid out as a workbook: {err}") from None


def replace_table_rows(
    data: bytes,
    table: str,
    headers: list[str],
    rows: list[list[CellValue]],
    owned: OwnedTable | None = None,
) -> bytes:
    """The package ``data`` with the data rows of table ``table`` replaced by ``rows``
    (:func:`edit_table_rows` in memory). Returns ``data`` itself when nothing changes."""
    edit = edit_table_rows(io.BytesIO(data), table, headers, rows, owned)
    if edit is None:
        return data
    out = io.BytesIO()
    edit.write(out)
    return out.getvalue()


def _edit(
    pkg: Package,
    table: str,
    headers: list[str],
    rows: list[list[CellValue]],
    owned: OwnedTable | None,
) -> Edit | None:
    book = workbook_map(pkg)
    styles = _styles(pkg, book) if owned is not None else None
    added: dict[str, bytes] = {}
    if owned is not None and not any(table.strip().casefold() in t.names for t in book.tables):
        added = add_owned_table(pkg, book.new_table_book(), owned, styles)
        pkg = pkg.staged(added)
        book = workbook_map(pkg)
    found = find_table(book.tables, table)
    others = [t.area for t in book.tables if t.sheet_part == found.sheet_part and t is not found]
    sheet_xml = pkg.read(found.sheet_part).decode("utf-8")
    table_xml = pkg.read(found.part).decode("utf-8")
    target = with_columns(found, table_xml)
    was = (sheet_xml, table_xml)
    if owned is not None:  # an older layout of the table gains the columns it lacks
        extra = missing_columns(target, headers)
        sheet_xml, table_xml, target = add_columns(
            sheet_xml, table_xml, target, extra, others, book.date1904
        )
    order = _column_order(target, headers)
    plan = _Plan.of(target, len(rows))
    dressing = None
    if owned is not None:
        dressing = Dressing(owned, styles, target.columns, target.area.c1)
        rows = dressing.typed_rows(headers, rows)
    new_sheet, formulas_gone = _rewrite_sheet(
        sheet_xml, plan, others, order, rows, book.date1904, dressing
    )
    new_table = _rewrite_table(table_xml, plan)
    if not added and (new_sheet, new_table) == was:
        return None
    changed = {
        **added,
        target.sheet_part: new_sheet.encode("utf-8"),
        target.part: new_table.encode("utf-8"),
    }
    if styles is not None and styles.changed and book.styles is not None:
        changed[book.styles] = styles.text.encode("utf-8")
    removed = _drop_calc_chain(pkg, changed) if formulas_gone else frozenset()
    return Edit(pkg, changed, removed)


def _styles(pkg: Package, book: WorkbookMap) -> StylesXml | None:
    """The workbook's styles part to add formats to (None: it has none, and the cells
    psos writes keep the default look)."""
    if book.styles is None:
        return None
    return StylesXml(pkg.read(book.styles).decode("utf-8"))
