"""Columns psos adds to a table it owns that an older layout lacks.

An owned table (DESIGN §11) can gain columns as the contract grows (Delivery's
BaselineHours, Actuals' CatalogWeight). A workbook made before has the table without
them; rather than refuse the write, the table grows to the right by the missing columns:

- the table part's ``ref`` and autoFilter ``ref`` widen, and ``tableColumns`` gains one
  ``tableColumn`` per header (a fresh id, the header as its name);
- the sheet's header row gains the header cells, styled like the table's last header;
- nothing else moves: the cells the table grows over, header to last row, must be
  empty, and no other table or merged range may lie there, else nothing is written
  and the message says what is in the way.

String surgery like the rest of the write-back (:mod:`psos_xl.workbook.patch`): the
parts keep their text outside the spans changed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from psos_xl.workbook.sheetxml import (
    Area,
    PatchError,
    XmlCell,
    attrs,
    cell_xml,
    col_letters,
    row_xml,
    set_attr,
    xml_rows,
)
from psos_xl.workbook.tablemap import Table


def missing_columns(table: Table, headers: list[str]) -> list[str]:
    """The ``headers`` the table has no column for, in their order."""
    have = {c.strip().casefold() for c in table.columns}
    return [h for h in headers if h.strip().casefold() not in have]


def _grown(area: Area, count: int) -> Area:
    return Area(area.c1, area.r1, area.c2 + count, area.r2)


def _widen_table(xml: str, table: Table, headers: list[str]) -> str:
    """The table part with ``headers`` appended as columns."""
    count = len(headers)

    def widen(tag: str) -> str:
        ref = attrs(tag).get("ref")
        return tag if ref is None else set_attr(tag, "ref", str(_grown(Area.parse(ref), count)))

    root = re.search(r"<(?:[\w.-]+:)?table\b[^>]*>", xml)
    if root is None:
        raise PatchError(f"{table.part}: not a table part")
    xml = xml[: root.start()] + widen(root[0]) + xml[root.end() :]
    xml = re.sub(r"<(?:[\w.-]+:)?autoFilter\b[^>]*>", lambda m: widen(m[0]), xml, count=1)
    cols = re.search(r"<([\w.-]+:)?tableColumns\b[^>]*>", xml)
    close = re.search(r"</(?:[\w.-]+:)?tableColumns>", xml)
    if cols is None or close is None:
        raise PatchError(f"{table.part}: the table lists no columns")
    p = cols[1] or ""
    ids = [int(i) for i in re.findall(r"<(?:[\w.-]+:)?tableColumn\b[^>]*\bid=\"(\d+)\"", xml)]
    start = max(ids, default=0) + 1
    added = "".join(
        f'<{p}tableColumn id="{start + i}" name="{_escape(h)}"/>' for i, h in enumerate(headers)
    )
    n = int(attrs(cols[0]).get("count", str(len(ids))))
    opened = set_attr(cols[0], "count", str(n + count))
    xml = xml[: close.start()] + added + xml[close.start() :]
    return xml[: cols.start()] + opened + xml[cols.end() :]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _check_free(sheet_xml: str, table: Table, room: Area, others: list[Area]) -> None:
    for other in others:
        if other.overlaps(room):
            raise PatchError(
                f"{table.sheet_name}!{other}: another table is in the way of {table.name} "
                f"gaining its column(s) at {room}; move it or the table"
            )
    for m in re.finditer(r"<(?:[\w.-]+:)?mergeCell\b[^>]*>", sheet_xml):
        ref = attrs(m[0]).get("ref")
        if ref and Area.parse(ref).overlaps(room):
            raise PatchError(
                f"{table.sheet_name}!{ref}: merged cells are in the way of {table.name} "
                f"gaining its column(s) at {room}; unmerge them"
            )


def add_columns(
    sheet_xml: str,
    table_xml: str,
    table: Table,
    headers: list[str],
    others: list[Area],
    date1904: bool,
) -> tuple[str, str, Table]:
    """The sheet and table parts with ``headers`` appended to ``table``, and the table
    as it now stands; PatchError when something is in the way."""
    if not headers:
        return sheet_xml, table_xml, table
    a = table.area
    room = Area(a.c2 + 1, a.r1, a.c2 + len(headers), a.r2)
    _check_free(sheet_xml, table, room, others)
    root = re.search(r"<([\w.-]+:)?worksheet\b", sheet_xml)
    p = (root[1] or "") if root else ""
    sd = re.search(rf"<{p}sheetData\b[^>]*>", sheet_xml)
    close = sheet_xml.find(f"</{p}sheetData>")
    if sd is None or close < 0:
        raise PatchError(f"{table.sheet_name}: the sheet has no rows")
    inner = sheet_xml[sd.end() : close]
    rows = xml_rows(inner, p)
    header = next((r for r in rows if r.index == a.r1), None)
    for r in rows:
        if a.r1 <= r.index <= a.r2:
            for c in r.cells(p):
                if room.c1 <= c.col <= room.c2 and c.has_content:
                    raise PatchError(
                        f"{table.sheet_name}!{col_letters(c.col)}{r.index}: not empty, in the "
                        f"way of table {table.name} gaining column(s) {', '.join(headers)}; "
                        "move what is there"
                    )
    style = None
    kept: list[XmlCell] = []
    if header is not None:
        for c in header.cells(p):
            if a.c1 <= c.col <= a.c2:
                style = attrs(c.text[: c.text.index(">")]).get("s", style)
            if not room.c1 <= c.col <= room.c2:
                kept.append(c)
    new = [
        XmlCell(col, cell_xml(f"{col_letters(col)}{a.r1}", style, h, date1904, p))
        for col, h in zip(range(room.c1, room.c2 + 1), headers, strict=True)
    ]
    cells = sorted(kept + new, key=lambda c: c.col)
    tag = header.start_tag if header is not None else f"<{p}row>"
    new_row = row_xml(tag, a.r1, cells, p)
    out, placed = [], False
    for r in rows:
        if r.index == a.r1:
            out.append(new_row)
            placed = True
            continue
        if not placed and r.index > a.r1:
            out.append(new_row)
            placed = True
        out.append(r.text)
    if not placed:
        out.append(new_row)
    sheet_xml = sheet_xml[: sd.end()] + "".join(out) + sheet_xml[close:]
    table_xml = _widen_table(table_xml, table, headers)
    grown = replace(table, area=_grown(a, len(headers)), columns=(*table.columns, *headers))
    return sheet_xml, table_xml, grown
